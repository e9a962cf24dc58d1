/**
 * Which free variables a shipped function may use without declaring them.
 *
 * A function given to a transformation runs in a worker, so it may only read what every worker
 * has: the ECMAScript built-ins and the globals a worker scope offers. Names that exist only on
 * a browser page's main thread are refused even when the check runs there, so a pipeline that
 * passes the check locally passes it on workers too.
 */
const MAIN_THREAD_ONLY = new Set(['window', 'document', 'localStorage', 'sessionStorage', 'alert', 'confirm', 'prompt', 'parent', 'top', 'opener', 'frames', 'history']);

/** Helpers that transpilers (esbuild via tsx/vite) inject into function bodies; see compile.ts. */
export const TRANSPILER_HELPERS: Record<string, unknown> = {
  __name: (target: unknown) => target,
};

/** ECMAScript names that are not always own properties of globalThis but are always defined. */
const LANGUAGE_NAMES = new Set(['undefined', 'NaN', 'Infinity', 'arguments', 'globalThis']);

/** A global of a page's main thread that no worker has (`window`, `document`, …). */
export function isMainThreadOnly(name: string): boolean {
  return MAIN_THREAD_ONLY.has(name);
}

export function isWorkerGlobal(name: string): boolean {
  if (MAIN_THREAD_ONLY.has(name)) return false;
  if (LANGUAGE_NAMES.has(name) || name in TRANSPILER_HELPERS) return true;
  return name in globalThis;
}
