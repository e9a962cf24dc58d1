import { transform } from 'sucrase';
import { parse } from 'acorn';

/** The file name user code gets in stack traces, call sites (`map at pipeline.ts:12:8`) and markers. */
export const PIPELINE_FILE = 'pipeline.ts';

export class CompileError extends Error {
  override name = 'CompileError';
  constructor(
    message: string,
    /** 1-based */
    readonly line: number,
    /** 1-based */
    readonly column: number,
  ) {
    super(message);
  }
}

/**
 * TypeScript → a script defining `async function (__require)` whose body is the user's code.
 *
 * Sucrase strips the types and keeps every line where it was (no source map needed for markers
 * and call sites); minified it is 256 KB (49 KB gzipped), where the TypeScript compiler is 9 MB
 * and esbuild-wasm a 10 MB wasm. The ES module syntax is then rewritten by hand, line-preserving
 * too: `import { a } from 'rivulet'` becomes
 * `const { a } = __require('rivulet')`, so user code keeps its own names for imports — closures
 * that mention them read as they were written, not as `_rivulet.a`. The pipeline worker and
 * every executor worker (executorWorker.ts) evaluate this same script.
 */
export function compilePipeline(source: string): string {
  let js: string;
  try {
    js = transform(source, { transforms: ['typescript'], disableESTransforms: true, filePath: PIPELINE_FILE }).code;
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    const message = (e as Error).message.replace(/^Error transforming [^:]+: /, '');
    throw new CompileError(message, loc?.line ?? 1, (loc?.column ?? 0) + 1);
  }
  let ast: any;
  try {
    ast = parse(js, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true, locations: true });
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    throw new CompileError((e as Error).message.replace(/\s*\(\d+:\d+\)$/, ''), loc?.line ?? 1, (loc?.column ?? 0) + 1);
  }
  const edits: { start: number; end: number; text: string }[] = [];
  const keepLines = (start: number, end: number, text: string) => text + '\n'.repeat((js.slice(start, end).match(/\n/g) ?? []).length);
  for (const node of ast.body) {
    if (node.type === 'ImportDeclaration') {
      const from = JSON.stringify(node.source.value);
      const named: string[] = [];
      const lines: string[] = [];
      for (const s of node.specifiers) {
        if (s.type === 'ImportSpecifier') {
          const imported = s.imported.type === 'Identifier' ? s.imported.name : JSON.stringify(s.imported.value);
          named.push(imported === s.local.name ? imported : `${imported}: ${s.local.name}`);
        } else if (s.type === 'ImportDefaultSpecifier') {
          lines.push(`const ${s.local.name} = __require(${from}).default;`);
        } else {
          lines.push(`const ${s.local.name} = __require(${from});`);
        }
      }
      if (named.length > 0) lines.push(`const { ${named.join(', ')} } = __require(${from});`);
      if (node.specifiers.length === 0) lines.push(`__require(${from});`);
      edits.push({ start: node.start, end: node.end, text: keepLines(node.start, node.end, lines.join(' ')) });
    } else if (node.type === 'ExportNamedDeclaration' || node.type === 'ExportDefaultDeclaration') {
      if (node.declaration && node.type === 'ExportNamedDeclaration') {
        edits.push({ start: node.start, end: node.declaration.start, text: keepLines(node.start, node.declaration.start, '') });
      } else if (node.type === 'ExportDefaultDeclaration') {
        edits.push({ start: node.start, end: node.declaration.start, text: keepLines(node.start, node.declaration.start, 'void ') });
      } else {
        edits.push({ start: node.start, end: node.end, text: keepLines(node.start, node.end, '') });
      }
    } else if (node.type === 'ExportAllDeclaration') {
      edits.push({ start: node.start, end: node.end, text: keepLines(node.start, node.end, '') });
    }
  }
  let out = js;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  // Line 1 of the user's code stays line 1; the sourceURL names it in stack traces.
  return `(async function __pipeline(__require) {${out}\n})\n//# sourceURL=${PIPELINE_FILE}`;
}
