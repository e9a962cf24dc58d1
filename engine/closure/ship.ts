import { InvalidArgumentError } from '../util/errors.ts';
import { userCallSite } from '../util/callSite.ts';
import { attributed } from './attribution.ts';
import type { Definitions } from './definitions.ts';

/**
 * A function given to an operation, as the engine keeps it: the callable (a throw becomes a
 * UserFunctionError naming the operation and where it was defined), and how a worker gets the
 * same function. Workers load the same pipeline code as the driver (closure/definitions.ts), so a
 * function defined with the pipeline is named by its place there; the engine's own functions by
 * name (closure/engineFunctions.ts); a function created at batch time travels as its source text
 * when it uses nothing from its surroundings, and otherwise runs on the driver.
 * Spark: a closure as `ClosureCleaner` leaves it and the task carries it.
 *
 * @example
 * ```ts
 * import type { ShippedFunction } from 'rivulet';
 * function where(f: ShippedFunction<(x: number) => number>): string {
 *   return `${f.operation} at ${f.callSite}`;
 * }
 * ```
 */
export interface ShippedFunction<F extends (...args: any[]) => any> {
  readonly kind: 'shipped';
  readonly operation: string;
  readonly callSite: string;
  /** The function, wrapped so that a throw becomes a UserFunctionError naming the operation. */
  readonly call: NoInfer<F>;
  /**
   * The function as given, not wrapped: called once per record, with a throw passed through
   * `thrownBy(e, f)` (closure/attribution.ts), which makes of it what `call` would have thrown.
   */
  readonly raw: NoInfer<F>;
  /** Its place among the pipeline's definitions (see Definitions), when it was defined with the pipeline. */
  readonly definedAt: number | undefined;
  /** An engine function: its name in engineFunctions and its arguments (functions among them shipped). */
  readonly engine?: { readonly name: string; readonly args: Readonly<Record<string, unknown>> };
  /** Its source as an expression when it can travel as text (no free variables), else why not. */
  source(): { source: string } | { why: string };
  /**
   * Type only, never set: where TypeScript reads F from a ShippedFunction. (Read from `call`, a
   * plain function argument would match it through Function.prototype.call, and every
   * `rdd.map(x => …)` would be typed RDD<any>.)
   */
  readonly signature?: F;
}

/**
 * What an operator accepts as a user function: a plain function (which may close over anything
 * and call anything it imports), or one the engine already holds.
 * Spark: the Scala function an RDD or DStream operation takes (`T => U`), serialized with its task;
 * here the function stays where it was defined and workers load the same code.
 *
 * @example
 * ```ts
 * import type { UserFn } from 'rivulet';
 * const plus1: UserFn<(x: number) => number> = (x) => x + 1;
 * numbers.map(plus1);
 * ```
 */
export type UserFn<F extends (...args: any[]) => any> = F | ShippedFunction<F>;

export function isShipped(x: unknown): x is ShippedFunction<any> {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'shipped';
}

class UserFunction<F extends (...args: any[]) => any> implements ShippedFunction<F> {
  readonly kind = 'shipped';
  readonly call: F;
  definedAt: number | undefined;
  private text: { source: string } | { why: string } | undefined;

  constructor(
    readonly raw: F,
    readonly operation: string,
    readonly callSite: string,
  ) {
    this.call = attributed(raw, operation, callSite);
  }

  source(): { source: string } | { why: string } {
    if (!readSource) return { why: `${this.operation} at ${this.callSite}: its source was not read (the reader loads with the first job on workers)` };
    return (this.text ??= readSource(this.raw, this.operation, this.callSite));
  }
}

class EngineFunction<F extends (...args: any[]) => any> implements ShippedFunction<F> {
  readonly kind = 'shipped';
  readonly definedAt = undefined;
  get raw(): F {
    return this.call;
  }
  constructor(
    readonly call: F,
    readonly operation: string,
    readonly callSite: string,
    readonly engine: { readonly name: string; readonly args: Readonly<Record<string, unknown>> },
  ) {}

  source(): { why: string } {
    return { why: 'an engine function' };
  }
}

/**
 * Take a user function at definition time. `definitions`, when still open, gives it its stable
 * identity (its place in the pipeline's definitions). Throws a TypeError naming the operation
 * when `fn` is not a function.
 */
export function ship<F extends (...args: any[]) => any>(fn: UserFn<F>, operation: string, definitions?: Definitions): ShippedFunction<F> {
  // Already taken where it was defined (a DStream operation): the path taken every batch, so it
  // must not capture a stack trace.
  if (isShipped(fn)) return fn as ShippedFunction<F>;
  const callSite = userCallSite();
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError(`${operation} at ${callSite} expects a function, got ${fn === null ? 'null' : Array.isArray(fn) ? 'an array' : typeof fn}.`);
  }
  const f = new UserFunction(fn as F, operation, callSite);
  if (definitions) f.definedAt = definitions.addFunction(fn as F, operation, callSite);
  return f;
}

/** Give a function taken before its context was known (StateSpec.function) its place in the pipeline's definitions. */
export function define(f: ShippedFunction<any>, definitions: Definitions): void {
  if (f instanceof UserFunction && f.definedAt === undefined) f.definedAt = definitions.addFunction(f.raw, f.operation, f.callSite);
}

/**
 * A function the engine builds from its own code (closure/engineFunctions.ts) and `args`, which
 * may hold user functions: a worker builds the same function from the same name and arguments.
 */
export function engineFunction<F extends (...args: any[]) => any>(name: string, args: Readonly<Record<string, unknown>>, call: F, operation: string, callSite = 'engine'): ShippedFunction<F> {
  return new EngineFunction(call, operation, callSite, { name, args });
}

// ---- functions as text (created at batch time, using nothing from their surroundings) --------------

/**
 * Reads a function's source text for a worker: closure/sourceText.ts, loaded with the first job
 * that has workers (it holds the free-variable reader, which a page without workers need not load).
 */
type SourceReader = (fn: Function, operation: string, callSite: string) => { source: string } | { why: string };
let readSource: SourceReader | undefined;

/** @internal Called by closure/sourceText.ts when it loads. */
export function useSourceReader(reader: SourceReader): void {
  readSource = reader;
}
