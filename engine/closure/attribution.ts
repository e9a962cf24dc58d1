import { UserFunctionError } from '../util/errors.ts';

/**
 * Which user function an error came from, read from its stack. Every shipped function is
 * compiled with a `//# sourceURL=rivulet:<operation>@<callSite>` comment, so its frames name the
 * operation and where it was defined. Reading this when a task fails costs nothing while records
 * flow — unlike a try/catch wrapper around every call, which cost about a fifth of word count's
 * throughput.
 */
export function sourceURL(operation: string, callSite: string): string {
  return `rivulet:${encode(operation)}@${encode(callSite)}`;
}

/** Percent-encoding that also covers the characters a stack frame uses as delimiters. */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[()'!*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const FRAME = /rivulet:([^@\s()]+)@([^:\s()]+)/;

/** Wrap `e` as a UserFunctionError naming the user's operation when a user function threw it. */
export function attributeUserError(e: unknown, fallback?: { operation: string; callSite: string }): unknown {
  if (e instanceof UserFunctionError || typeof e === 'symbol') return e;
  const stack = e instanceof Error ? e.stack : undefined;
  const m = stack ? FRAME.exec(stack) : null;
  if (m) return new UserFunctionError(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), e);
  // A thrown non-Error has no stack; the fallback names the step that was running.
  if (!(e instanceof Error) && fallback) return new UserFunctionError(fallback.operation, fallback.callSite, e);
  return e;
}

/** Run driver-side code that calls user functions, attributing their errors. */
export function callingUser<R>(body: () => R, fallback?: { operation: string; callSite: string }): R {
  try {
    return body();
  } catch (e) {
    throw attributeUserError(e, fallback);
  }
}
