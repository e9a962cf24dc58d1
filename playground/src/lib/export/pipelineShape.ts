/**
 * What the exporter needs to know about a pipeline's code: its imports and where it constructs a
 * StreamingContext, with what options. Read from the syntax tree, as the playground's compiler
 * reads it (compile.ts): sucrase strips the types keeping every line where it was, acorn parses
 * the JavaScript, and each finding is given by its line, which is the TypeScript's line too.
 */
import { transform } from 'sucrase';
import { parse } from 'acorn';

export interface ImportShape {
  /** `rivulet`, `rivulet/playground`, `rxjs`… */
  source: string;
  /** 1-based lines the declaration spans. */
  startLine: number;
  endLine: number;
  /** Imported names (`{ a, b as c }` gives a and b); empty for a namespace or default import. */
  named: string[];
  /** The local name of `import * as name`. */
  namespace?: string;
}

/** The options given to one `new StreamingContext(…)`. */
export type ContextOptionsShape =
  | { kind: 'object'; keys: string[] }
  | { kind: 'identifier'; name: string }
  /** A call, a spread…: the exporter leaves it as written. */
  | { kind: 'other' };

export interface ContextShape {
  /** 1-based line of `new`. */
  line: number;
  /** The callee as written: `StreamingContext`, `SC`, `rivulet.StreamingContext`. */
  callee: string;
  /** Which `new <callee>(` of that line it is (0 for the first). */
  nthOnLine: number;
  options: ContextOptionsShape;
}

export interface PipelineShape {
  imports: ImportShape[];
  contexts: ContextShape[];
  /** Every identifier in the code: a name the exporter adds must not be one of them. */
  identifiers: Set<string>;
}

/** A syntax error in the code: nothing is exported until it is fixed (the editor marks it). */
export class ExportSyntaxError extends Error {
  override name = 'ExportSyntaxError';
}

type Node = { type: string; start: number; end: number; loc: { start: { line: number }; end: { line: number } }; [key: string]: any };

export function pipelineShape(code: string): PipelineShape {
  let js: string;
  let ast: Node;
  try {
    js = transform(code, { transforms: ['typescript'], disableESTransforms: true, filePath: 'pipeline.ts' }).code;
    ast = parse(js, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true, locations: true }) as unknown as Node;
  } catch (e) {
    throw new ExportSyntaxError(`The code does not parse (${(e as Error).message.replace(/^Error transforming [^:]+: /, '')}): fix it, then export.`);
  }
  const imports: ImportShape[] = [];
  for (const node of ast.body as Node[]) {
    if (node.type !== 'ImportDeclaration') continue;
    const named: string[] = [];
    let namespace: string | undefined;
    for (const s of node.specifiers as Node[]) {
      if (s.type === 'ImportSpecifier') named.push(s.imported.type === 'Identifier' ? s.imported.name : String(s.imported.value));
      else if (s.type === 'ImportNamespaceSpecifier') namespace = s.local.name;
    }
    imports.push({ source: String(node.source.value), startLine: node.loc.start.line, endLine: node.loc.end.line, named, ...(namespace ? { namespace } : {}) });
  }
  // The names StreamingContext goes by: its local names from 'rivulet', and `ns.StreamingContext`.
  const direct = new Set<string>();
  const namespaces = new Set<string>();
  for (const node of ast.body as Node[]) {
    if (node.type !== 'ImportDeclaration' || node.source.value !== 'rivulet') continue;
    for (const s of node.specifiers as Node[]) {
      if (s.type === 'ImportSpecifier' && (s.imported.name ?? s.imported.value) === 'StreamingContext') direct.add(s.local.name);
      if (s.type === 'ImportNamespaceSpecifier') namespaces.add(s.local.name);
    }
  }
  const calleeText = (callee: Node): string | undefined => {
    if (callee.type === 'Identifier' && direct.has(callee.name)) return callee.name;
    if (callee.type === 'MemberExpression' && !callee.computed && callee.object.type === 'Identifier' && namespaces.has(callee.object.name) && callee.property.name === 'StreamingContext') {
      return `${callee.object.name}.StreamingContext`;
    }
    return undefined;
  };
  const contexts: ContextShape[] = [];
  const identifiers = new Set<string>();
  const seenOnLine = new Map<string, number>();
  walk(ast, (node) => {
    if (node.type === 'Identifier') identifiers.add(node.name);
    if (node.type !== 'NewExpression') return;
    const callee = calleeText(node.callee);
    if (!callee) return;
    const line = node.loc.start.line;
    const key = `${line} ${callee}`;
    const nthOnLine = seenOnLine.get(key) ?? 0;
    seenOnLine.set(key, nthOnLine + 1);
    const arg = node.arguments[0] as Node | undefined;
    let options: ContextOptionsShape = { kind: 'other' };
    if (arg?.type === 'ObjectExpression' && (arg.properties as Node[]).every((p) => p.type === 'Property')) {
      options = { kind: 'object', keys: (arg.properties as Node[]).map((p) => (p.key.type === 'Identifier' ? p.key.name : String(p.key.value))) };
    } else if (arg?.type === 'Identifier') {
      options = { kind: 'identifier', name: arg.name };
    }
    contexts.push({ line, callee, nthOnLine, options });
  });
  return { imports, contexts, identifiers };
}

/** Every node, parents before children, in source order. */
function walk(node: Node, visit: (node: Node) => void): void {
  visit(node);
  for (const key of Object.keys(node)) {
    if (key === 'loc') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const child of value) if (child && typeof child.type === 'string') walk(child, visit);
    } else if (value && typeof value === 'object' && typeof value.type === 'string') {
      walk(value, visit);
    }
  }
}
