import { isWorkerGlobal } from './globals.ts';
import { freeVariables } from './freeVariables.ts';
import { useSourceReader } from './ship.ts';

/**
 * A function's source as an expression a worker can compile, when it uses nothing from its
 * surroundings (a function created at batch time, which no worker has by place). Loaded with the
 * first job that has workers (rdd/DAGScheduler.ts), so a page without workers does not load the
 * free-variable reader; importing it registers it with ship.ts.
 */

/** Function text → its source as an expression and the names it reads from outside (parsing is the costly part). */
const textCache = new Map<string, { source: string; free: string[] } | { error: string }>();

export function sourceOf(fn: Function, operation: string, callSite: string): { source: string } | { why: string } {
  const text = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(text)) {
    const name = fn.name;
    if (name && !name.startsWith('bound ') && (globalThis as Record<string, unknown>)[name] === fn) return { source: `globalThis.${name}` };
    return { why: `${operation} at ${callSite} is a bound or native function` };
  }
  let parsed = textCache.get(text);
  if (!parsed) {
    parsed = parse(text);
    if (textCache.size > 1000) textCache.clear();
    textCache.set(text, parsed);
  }
  if ('error' in parsed) return { why: `${operation} at ${callSite}: ${parsed.error}` };
  const outside = parsed.free.filter((name) => !isWorkerGlobal(name));
  if (outside.length > 0) return { why: `${operation} at ${callSite} uses ${outside.map((n) => `\`${n}\``).join(', ')} from its surroundings` };
  return { source: parsed.source };
}

function parse(text: string): { source: string; free: string[] } | { error: string } {
  if (/^class[\s{]/.test(text)) return { error: 'a class is not a function' };
  for (const candidate of [text, methodAsFunction(text)]) {
    if (candidate === undefined) continue;
    let free: string[];
    try {
      free = freeVariables(`(${candidate})`);
    } catch {
      continue;
    }
    return { source: candidate, free };
  }
  return { error: 'its source cannot be read as a function expression' };
}

/** `m(x) {…}` / `async m(x) {…}` / `*m() {…}` (object method shorthand) as a function expression. */
function methodAsFunction(text: string): string | undefined {
  const m = /^(async\s+)?(\*\s*)?([A-Za-z_$][\w$]*)\s*\(/.exec(text);
  if (!m || m[3] === 'function') return undefined;
  return `${m[1] ?? ''}function${m[2] ? '*' : ''} ${text.slice(m[0].length - 1)}`;
}

useSourceReader(sourceOf);
