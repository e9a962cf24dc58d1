import { UserFunctionError } from '../util/errors.ts';

/**
 * Which user function an error came from. Every user function is called through a wrapper made
 * once, when the operation is defined (attributed()), so a throw is wrapped where it happens,
 * naming the operation and where it was defined; a function compiled from text in a worker also
 * carries a `//# sourceURL=rivulet:<operation>@<callSite>` comment, so that its frames say the same.
 */
export function sourceURL(operation: string, callSite: string): string {
  return `rivulet:${encode(operation)}@${encode(callSite)}`;
}

/** Percent-encoding that also covers the characters a stack frame uses as delimiters. */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[()'!*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const FRAME = /rivulet:([^@\s()]+)@([^:\s()]+)/;

/**
 * `fn` called as a plain function (`this` undefined, as for every user function), a throw wrapped
 * as a UserFunctionError naming `operation` and `callSite`. Three parameters cover every
 * operation's call (map's one, reduce's two, mapWithState's three); V8 inlines the wrapper and
 * reads `arguments.length` without building an arguments object.
 */
export function attributed<F extends (...args: any[]) => any>(fn: F, operation: string, callSite: string): F {
  const g = fn as (a?: unknown, b?: unknown, c?: unknown) => unknown;
  return function attributedUserFunction(a?: unknown, b?: unknown, c?: unknown) {
    try {
      // Exactly the arguments the engine passed: `foreach(console.log)` prints one value, rest parameters see one.
      switch (arguments.length) {
        case 1:
          return g(a);
        case 2:
          return g(a, b);
        case 0:
          return g();
        default:
          return g(a, b, c);
      }
    } catch (e) {
      throw asUserError(e, operation, callSite);
    }
  } as F;
}

/**
 * A throw from a user function the engine called unwrapped (ShippedFunction.raw), as its wrapper
 * (`call`) would have thrown it. The record-by-record paths call `raw` inside a try/catch of their
 * own: every wrapper is the same closure code, so its call to the user function sees every user
 * function of the process and V8 inlines none of them there; `raw` called where an operation calls
 * it sees that operation's functions only.
 */
export function thrownBy(e: unknown, f: { readonly operation: string; readonly callSite: string }): unknown {
  return asUserError(e, f.operation, f.callSite);
}

/** `e` as thrown from a user function: control flow (symbols) and errors already attributed pass through. */
function asUserError(e: unknown, operation: string, callSite: string): unknown {
  if (e instanceof UserFunctionError || typeof e === 'symbol') return e;
  return new UserFunctionError(operation, callSite, e);
}

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
