/**
 * Spark's "callSite": where in the user's code an operation was defined, e.g.
 * `map at wordcount.ts:12:8`. Computed once, when the operation is defined.
 */
const ENGINE_FRAME = /[\\/](engine|node_modules)[\\/]|node:internal|\(eval at |\(native\)/;

export function userCallSite(): string {
  return callSiteFromStack(new Error().stack);
}

/** The first frame of `stack` that is user code, as `file:line:column`. */
export function callSiteFromStack(stack: string | undefined = ''): string {
  for (const line of stack.split('\n').slice(1)) {
    if (ENGINE_FRAME.test(line)) continue;
    const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const file = m[1]!.replace(/^file:\/\//, '').split(/[\\/]/).pop();
    return `${file}:${m[2]}:${m[3]}`;
  }
  return 'unknown location';
}
