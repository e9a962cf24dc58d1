import { isMainThreadOnly, isWorkerGlobal } from './globals.ts';
import { NotShippableError } from '../util/errors.ts';
import { userCallSite } from '../util/callSite.ts';
import { freeVariables } from './freeVariables.ts';
import { compiled, isShipped } from './compile.ts';

export { compiled, isShipped };

/**
 * Values a shipped function reads besides its arguments; sent once to each worker (Spark's broadcast).
 *
 * @example
 * ```ts
 * import type { Captures } from 'rivulet';
 * const stop = new Set(['a', 'the']);
 * const captures: Captures = { stop };
 * words.filter((w) => !stop.has(w), captures);
 * ```
 */
export type Captures = Record<string, unknown>;

/**
 * A function that can run in another thread: its source, its declared captures and, compiled
 * from those two, the callable the engine runs. Local mode runs the same compiled callable a
 * worker would, with the same cloned captures, so a pipeline behaves the same in both.
 * Spark: a serialized Scala closure, as `ClosureCleaner` checks it and the task carries it.
 *
 * @example
 * ```ts
 * import type { ShippedFunction } from 'rivulet';
 * function describe(f: ShippedFunction<(x: number) => number>): string {
 *   return `${f.operation} at ${f.callSite}: ${f.source} with ${Object.keys(f.captures)}`;
 * }
 * ```
 */
export interface ShippedFunction<F extends (...args: any[]) => any> {
  readonly kind: 'shipped';
  /** Source of a function expression, or `globalThis.<name>` for a built-in such as `Number`. */
  readonly source: string;
  /** Declared captures after cloning; functions among them are themselves shipped. */
  readonly captures: Readonly<Record<string, unknown>>;
  readonly operation: string;
  readonly callSite: string;
  /** The compiled function, wrapped so that a throw becomes a UserFunctionError naming the operation. */
  readonly call: NoInfer<F>;
  /**
   * Type only, never set: where TypeScript reads F from a ShippedFunction. (Read from `call`, a
   * plain function argument would match it through Function.prototype.call, and every
   * `rdd.map(x => …)` would be typed RDD<any>.)
   */
  readonly signature?: F;
}

/**
 * What an operator accepts as a user function: a plain function, or one made with {@link closure}
 * that declares what it captures so it can be shipped to workers. Spark's counterpart is a
 * serializable Scala closure; here only functions whose source is self-contained, or that name
 * their captures, run on workers.
 *
 * @example
 * ```ts
 * import { closure, type UserFn } from 'rivulet';
 * const k = 3;
 * const plain: UserFn<(x: number) => number> = (x) => x + 1;
 * const declared: UserFn<(x: number) => number> = closure((x: number) => x * k, { k });
 * numbers.map(plain).map(declared);
 * ```
 */
export type UserFn<F extends (...args: any[]) => any> = F | ShippedFunction<F>;

const SHIPPED = Symbol.for('rivulet.shipped');

/**
 * A function made with closure(): callable as it is, and carrying its source and captures.
 * Spark: a Scala closure that passed `ClosureCleaner.clean` (serializable, with its outer
 * references resolved).
 *
 * @example
 * ```ts
 * import { closure, type Closure } from 'rivulet';
 * const stop = new Set(['a', 'the']);
 * const isStop: Closure<(w: string) => boolean> = closure((w: string) => stop.has(w), { stop });
 * isStop('the'); // callable on the driver too
 * ```
 */
export type Closure<F extends (...args: any[]) => any> = F & { readonly [SHIPPED]: ShippedFunction<F> };

/**
 * Declare a function together with the values it captures, for use anywhere a transformation
 * takes a function, or as a capture of another function:
 * `const isStop = closure((w: string) => stop.has(w), { stop }); words.filter((w) => !isStop(w), { isStop })`.
 * The result can also be called directly on the driver.
 * Spark: a Scala closure passed through `SparkContext.clean` (ClosureCleaner), with captured values
 * serialized in the task; for large read-only values, `SparkContext.broadcast`.
 *
 * @example
 * ```ts
 * import { closure } from 'rivulet';
 * const stop = new Set(['a', 'the']);
 * const isStop = closure((w: string) => stop.has(w), { stop });
 * words.filter((w) => !isStop(w), { isStop }).print();
 * ```
 */
export function closure<F extends (...args: any[]) => any>(fn: F, captures: Captures = {}): Closure<F> {
  const shipped = ship<F>(fn, captures, 'closure', userCallSite());
  Object.defineProperty(shipped.call, SHIPPED, { value: shipped });
  return shipped.call as Closure<F>;
}

function unwrapClosure<T>(x: T): T | ShippedFunction<any> {
  return typeof x === 'function' && SHIPPED in x ? (x as unknown as Closure<any>)[SHIPPED] : x;
}

/**
 * Check and compile a user function at definition time. Throws NotShippableError naming the
 * free variable (or capture) at fault and showing the fix.
 */
export function ship<F extends (...args: any[]) => any>(
  fn: UserFn<F>,
  captures: Captures | undefined,
  operation: string,
  site?: string,
): ShippedFunction<F> {
  fn = unwrapClosure(fn) as UserFn<F>;
  // Already checked where it was defined (a DStream operation): keep that site. This is the path
  // taken every batch, so it must not capture a stack trace.
  if (isShipped(fn) && fn.operation !== 'closure' && !(captures && Object.keys(captures).length > 0)) return fn as ShippedFunction<F>;
  const callSite = site ?? userCallSite();
  if (isShipped(fn)) {
    if (captures && Object.keys(captures).length > 0) {
      throw new NotShippableError(`${operation} at ${callSite}: the function already carries its captures (made with closure()); do not pass captures again.`);
    }
    return { ...fn, operation, callSite, call: compiled({ ...fn, operation, callSite }) } as ShippedFunction<F>;
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`${operation} at ${callSite} expects a function, got ${fn === null ? 'null' : typeof fn}.`);
  }
  const source = functionSource(fn, operation, callSite);
  const cloned = cloneCaptures(captures ?? {}, operation, callSite);
  if (!source.startsWith('globalThis.')) checkFreeVariables(source, Object.keys(cloned), operation, callSite);
  const shipped = { kind: 'shipped' as const, source, captures: cloned, operation, callSite, call: undefined as unknown as F };
  return { ...shipped, call: compiled<F>(shipped) };
}

/** Function text → its source as an expression; parsing is the costly part of shipping. */
const expressionCache = new Map<string, string>();

/** Source text of `fn` as an expression that evaluates to an equivalent function. */
function functionSource(fn: Function, operation: string, callSite: string): string {
  const text = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(text)) {
    const name = fn.name;
    if (name && !name.startsWith('bound ') && (globalThis as Record<string, unknown>)[name] === fn) return `globalThis.${name}`;
    throw new NotShippableError(
      `${operation} at ${callSite}: a bound or native function cannot be sent to a worker. ` +
        `Pass an arrow function instead, e.g. x => obj.method(x), declaring obj as a capture.`,
    );
  }
  if (/^class[\s{]/.test(text)) throw new NotShippableError(`${operation} at ${callSite}: expected a function, got a class.`);
  const cached = expressionCache.get(text);
  if (cached) return cached;
  for (const candidate of [text, methodAsFunction(text)]) {
    if (candidate !== undefined && parsesAsExpression(candidate)) {
      if (expressionCache.size > 1000) expressionCache.clear();
      expressionCache.set(text, candidate);
      return candidate;
    }
  }
  throw new NotShippableError(`${operation} at ${callSite}: cannot read the source of this function (${text.slice(0, 60)}…). Pass an arrow function.`);
}

/** `m(x) {…}` / `async m(x) {…}` / `*m() {…}` (object method shorthand) as a function expression. */
function methodAsFunction(text: string): string | undefined {
  const m = /^(async\s+)?(\*\s*)?([A-Za-z_$][\w$]*)\s*\(/.exec(text);
  if (!m || m[3] === 'function') return undefined;
  return `${m[1] ?? ''}function${m[2] ? '*' : ''} ${text.slice(m[0].length - 1)}`;
}

/**
 * Whether `source` is an expression: the JavaScript engine's own parser decides (compiling, never
 * running, the function), as compiled() will compile it.
 */
function parsesAsExpression(source: string): boolean {
  try {
    new Function(`return (${source})`);
    return true;
  } catch (e) {
    // Anything but a syntax error (an EvalError where a Content-Security-Policy forbids
    // compiling code, which compiled() needs as well) is the real problem: let it through.
    if (e instanceof SyntaxError) return false;
    throw e;
  }
}

/** Free variables per function source. Functions defined inside transform() are re-created every batch. */
const freeVariableCache = new Map<string, string[]>();

function cachedFreeVariables(source: string, operation: string, callSite: string): string[] {
  let names = freeVariableCache.get(source);
  if (!names) {
    try {
      names = freeVariables(source);
    } catch (e) {
      throw new NotShippableError(
        `${operation} at ${callSite}: cannot read which variables this function uses: ${(e as Error).message}. ` +
          `Write that part of the function another way (and please report it, with the function's source).\n` +
          `Function: ${source.length > 120 ? source.slice(0, 120) + '…' : source}`,
      );
    }
    if (freeVariableCache.size > 1000) freeVariableCache.clear();
    freeVariableCache.set(source, names);
  }
  return names;
}

function checkFreeVariables(source: string, captured: string[], operation: string, callSite: string): void {
  const declared = new Set(captured);
  const missing = cachedFreeVariables(source, operation, callSite).filter((name) => !declared.has(name) && !isWorkerGlobal(name));
  if (missing.length === 0) return;
  const quote = (list: string[]) => list.map((n) => `\`${n}\``).join(', ');
  const pageOnly = missing.filter(isMainThreadOnly);
  const capturable = missing.filter((n) => !isMainThreadOnly(n));
  const all = [...new Set([...captured, ...capturable])].join(', ');
  // A function captured by another is checked as `<operation> (capture <name>)`: its own captures
  // are declared with closure(), not next to the operation.
  const capturedAs = /^(.*) \(capture ([\w$]+)\)$/.exec(operation);
  const fixes: string[] = [];
  if (capturable.length > 0) {
    const what = capturable.length === 1 ? 'it as a capture' : 'them as captures';
    fixes.push(
      capturedAs
        ? `Declare ${what} of ${capturedAs[2]} with closure(): { ${capturedAs[2]}: closure(${capturedAs[2]}, { ${all} }) }`
        : `Declare ${what} next to the function: ${operation}(fn, { ${all} })`,
    );
  }
  if (pageOnly.length > 0) {
    fixes.push(`${quote(pageOnly)} ${pageOnly.length === 1 ? 'exists' : 'exist'} only on a page's main thread: read what you need before defining the operation and capture that value.`);
  }
  throw new NotShippableError(
    `${operation} at ${callSite} uses ${quote(missing)}, defined outside the function. ` +
      `Functions given to ${capturedAs ? capturedAs[1] : operation} may run on a worker thread, where variables from the surrounding code do not exist.\n` +
      fixes.join('\n') + '\n' +
      `Function: ${source.length > 120 ? source.slice(0, 120) + '…' : source}`,
  );
}

/**
 * Captures are cloned once, as a worker would receive them, so local mode cannot observe later
 * mutation either. Functions are shipped recursively; class instances are refused because a
 * clone loses their methods.
 */
function cloneCaptures(captures: Captures, operation: string, callSite: string): Record<string, unknown> {
  if (typeof captures !== 'object' || captures === null || Array.isArray(captures)) {
    throw new TypeError(`${operation} at ${callSite}: captures must be an object such as { stop }, got ${Array.isArray(captures) ? 'an array' : typeof captures}.`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(captures)) {
    if (typeof value === 'function' || isShipped(value)) {
      out[name] = ship<(...a: unknown[]) => unknown>(value as (...a: unknown[]) => unknown, undefined, `${operation} (capture ${name})`, callSite);
      continue;
    }
    const cls = classInstanceIn(value, name, 0);
    if (cls) {
      throw new NotShippableError(
        `${operation} at ${callSite}: capture ${cls.path} is an instance of ${cls.name}; a worker receives a structured clone, ` +
          `which drops its methods. Capture plain data (objects, arrays, Map, Set, Date, typed arrays) instead.`,
      );
    }
    try {
      out[name] = structuredClone(value);
    } catch (e) {
      throw new NotShippableError(`${operation} at ${callSite}: capture \`${name}\` cannot be sent to a worker: ${(e as Error).message}`);
    }
  }
  return out;
}

const PLAIN_PROTOTYPES = new Set<unknown>([
  Object.prototype, Array.prototype, Map.prototype, Set.prototype, Date.prototype, RegExp.prototype,
  ArrayBuffer.prototype, DataView.prototype, Error.prototype, null,
]);

function classInstanceIn(value: unknown, path: string, depth: number): { path: string; name: string } | undefined {
  if (typeof value !== 'object' || value === null || depth > 4) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (!PLAIN_PROTOTYPES.has(proto) && !ArrayBuffer.isView(value) && !(value instanceof Error)) {
    return { path: `\`${path}\``, name: proto?.constructor?.name ?? 'a class' };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < Math.min(value.length, 16); i++) {
      const found = classInstanceIn(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
  } else if (proto === Object.prototype) {
    for (const [k, v] of Object.entries(value)) {
      const found = classInstanceIn(v, `${path}.${k}`, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}
