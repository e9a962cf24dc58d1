/**
 * The playground's run settings written into a pipeline's code, as a project outside the
 * playground needs them: what the playground gives every StreamingContext the code creates (its
 * clock; in a browser, the executors' worker entry) becomes an option of that constructor, and
 * the virtual clock a ManualClock that `playClock` (rivulet/playground) plays at the chosen speed.
 * Everything else stays as it was written.
 */
import { pipelineShape, type ContextShape, type PipelineShape } from './pipelineShape.ts';

export interface AdaptOptions {
  /** Virtual time at this speed (the playground's Clock and Speed); undefined: the wall clock, the StreamingContext's default. */
  virtualSpeed?: number | 'max';
  /** A browser app: contexts with `workers` start them from this worker entry (a path beside the pipeline). */
  workerEntry?: string;
}

export interface Adapted {
  code: string;
  /** What was done to the code, and what could not be, in sentences for the user. */
  notes: string[];
  /** Whether a context was given `createWorker` (the app then needs its worker entry). */
  usesWorkerEntry: boolean;
}

type Edit = { at: number; remove?: number; text: string };

export function adaptPipeline(code: string, options: AdaptOptions): Adapted {
  const shape = pipelineShape(code);
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') lineStarts.push(i + 1);
  const edits: Edit[] = [];
  const notes: string[] = [];
  const clockName = freeName(shape, 'clock');
  let clocked = 0;
  let usesWorkerEntry = false;

  for (const ssc of shape.contexts) {
    const added: string[] = [];
    const keys = ssc.options.kind === 'object' ? ssc.options.keys : undefined;
    // A context given a scheduler of its own runs on it, as in the playground (which leaves it alone).
    if (options.virtualSpeed !== undefined && !keys?.includes('scheduler')) added.push(`scheduler: ${clockName}`);
    // In a browser, workers start from the app's worker entry; an identifier's options may ask for workers.
    if (options.workerEntry && !keys?.includes('createWorker') && (keys === undefined || keys.includes('workers'))) {
      added.push(`createWorker: () => new Worker(new URL('${options.workerEntry}', import.meta.url), { type: 'module' })`);
    }
    if (added.length === 0) continue;
    const at = argumentStart(code, lineStarts, ssc);
    if (ssc.options.kind === 'object' && at !== undefined && code[at] === '{') {
      edits.push(objectInsert(code, at, added));
    } else if (ssc.options.kind === 'identifier' && at !== undefined && code.startsWith(ssc.options.name, at)) {
      // Theirs last: an option the object already has wins over the playground's.
      edits.push({ at, remove: ssc.options.name.length, text: `{ ${added.join(', ')}, ...${ssc.options.name} }` });
    } else {
      notes.push(
        `Line ${ssc.line}: give this StreamingContext ${added.map((a) => `\`${a.replace(/: .*$/, '')}\``).join(' and ')} yourself (its options are not an object literal the export can add to).`,
      );
      continue;
    }
    if (added.some((a) => a.startsWith('scheduler'))) clocked++;
    if (added.some((a) => a.startsWith('createWorker'))) usesWorkerEntry = true;
  }

  if (options.virtualSpeed !== undefined && clocked > 0) {
    const speed = options.virtualSpeed;
    const pace = speed === 'max' ? 'as fast as its batches complete' : speed === 1 ? 'at real time' : `at ${speed}× real time`;
    const header = [
      '',
      '// Virtual time, as the playground ran this (its Clock and Speed): a ManualClock that playClock',
      `// moves on ${pace}. For the wall clock, delete these two lines and \`scheduler: ${clockName}\`.`,
      `const ${clockName} = new ManualClock();`,
      `playClock(${clockName}, { speed: ${speed === 'max' ? "'max'" : speed} });`,
    ];
    const lastImport = shape.imports.at(-1);
    const afterImports = lastImport ? lineEnd(code, lineStarts, lastImport.endLine) : 0;
    // The two names the header uses, from the package as a project imports them.
    for (const [name, source] of [
      ['ManualClock', 'rivulet'],
      ['playClock', 'rivulet/playground'],
    ] as const) {
      if (shape.imports.some((i) => i.source === source && i.named.includes(name))) continue;
      const existing = shape.imports.find((i) => i.source === source && i.named.length > 0);
      const merged = existing && namedInsert(code, lineStarts, existing, name);
      if (merged) edits.push(merged);
      else edits.push({ at: afterImports, text: lastImport ? `\nimport { ${name} } from '${source}';` : `import { ${name} } from '${source}';\n` });
    }
    // After the imports (edits at one place apply in the order they were made).
    const blankAfter = lastImport !== undefined && /^\s*$/.test(code.slice(afterImports + 1).split('\n')[0] ?? '');
    edits.push({ at: afterImports, text: lastImport ? `\n${header.join('\n')}${blankAfter ? '' : '\n'}` : `${header.slice(1).join('\n')}\n\n` });
    notes.push(`Virtual time ${pace}: a ManualClock played by playClock (rivulet/playground), given to ${clocked === 1 ? 'the StreamingContext' : `${clocked} StreamingContexts`} as \`scheduler\`.`);
  } else if (options.virtualSpeed === undefined) {
    notes.push('Real time: the StreamingContext runs on the wall clock, its default.');
  }
  if (usesWorkerEntry) notes.push('Workers: each StreamingContext with `workers` starts them from src/rivulet.worker.ts, which loads this same pipeline (createWorker).');

  let out = code;
  for (const e of edits.map((e, i) => ({ ...e, i })).sort((a, b) => b.at - a.at || b.i - a.i)) out = out.slice(0, e.at) + e.text + out.slice(e.at + (e.remove ?? 0));
  return { code: out, notes, usesWorkerEntry };
}

/** `base`, or `base2`, `base3`… when the code already uses the name. */
function freeName(shape: PipelineShape, base: string): string {
  let name = base;
  for (let n = 2; shape.identifiers.has(name); n++) name = `${base}${n}`;
  return name;
}

/** Where the first argument of this `new …(` starts (after the parenthesis and any white space), or undefined when it cannot be found. */
function argumentStart(code: string, lineStarts: number[], ssc: ContextShape): number | undefined {
  const from = lineStarts[ssc.line - 1]!;
  const to = lineStarts[ssc.line] ?? code.length;
  const pattern = new RegExp(`\\bnew\\s+${ssc.callee.replace('.', '\\s*\\.\\s*')}\\s*\\(`, 'g');
  const matches = [...code.slice(from, to).matchAll(pattern)];
  const m = matches[ssc.nthOnLine];
  if (!m) return undefined;
  let at = from + m.index + m[0].length;
  while (at < code.length && /\s/.test(code[at]!)) at++;
  return at;
}

/** Options added first in an object literal (`{ added…, theirs… }`), in its layout: one line or one per line. */
function objectInsert(code: string, brace: number, added: string[]): Edit {
  const after = code.slice(brace + 1);
  const newline = /^[ \t]*\r?\n/.exec(after);
  if (newline) {
    const indent = /^[ \t]*/.exec(after.slice(newline[0].length))![0];
    return { at: brace + 1, text: added.map((a) => `\n${indent}${a},`).join('') };
  }
  if (/^\s*\}/.test(after)) return { at: brace + 1, remove: /^\s*/.exec(after)![0].length, text: ` ${added.join(', ')} ` };
  return { at: brace + 1, remove: /^[ \t]*/.exec(after)![0].length, text: ` ${added.join(', ')}, ` };
}

/** `name` added to an import's braces (`{ a, b }` → `{ a, b, name }`), or undefined when its text is not as expected. */
function namedInsert(code: string, lineStarts: number[], declaration: { source: string; startLine: number; endLine: number }, name: string): Edit | undefined {
  const from = lineStarts[declaration.startLine - 1]!;
  const to = lineEnd(code, lineStarts, declaration.endLine);
  const text = code.slice(from, to);
  const close = new RegExp(`\\}\\s*from\\s*(['"])${declaration.source.replace('/', '\\/')}\\1`).exec(text);
  if (!close) return undefined;
  let at = from + close.index;
  while (at > from && /\s/.test(code[at - 1]!)) at--;
  return { at, text: code[at - 1] === ',' || code[at - 1] === '{' ? ` ${name}` : `, ${name}` };
}

/** The offset of the end of a 1-based line (before its newline). */
function lineEnd(code: string, lineStarts: number[], line: number): number {
  const next = lineStarts[line];
  return next === undefined ? code.length : next - 1;
}
