/**
 * Errors are part of Rivulet's interface: each says what was wrong, where (operation, call site,
 * batch time) and carries the user's own error as `cause`, so its stack is never lost.
 *
 * Every error the engine throws is a {@link RivuletError} with a stable string `code`
 * (`'RIVULET_CHECKPOINT_LOCKED'`…), listed in docs/errors.md: test `e.code`, not the message. Bad
 * arguments are {@link InvalidArgumentError} and {@link OutOfRangeError}, which are also a
 * `TypeError` and a `RangeError` and keep those names, as Node's own `ERR_INVALID_ARG_TYPE` errors do.
 */

/** Marks an error as Rivulet's (also one that extends TypeError or RangeError); shared by every copy of the engine in a realm. */
const RIVULET = Symbol.for('rivulet.error');

/** Gives `error` its class's code and the mark that makes it `instanceof RivuletError`. */
function mark(error: Error, code: string): void {
  Object.defineProperty(error, RIVULET, { value: true });
  Object.defineProperty(error, 'code', { value: code, enumerable: true, writable: false, configurable: true });
}

/**
 * The base of every error Rivulet throws, with a stable `code` (one per class, also on the class
 * as a static `code`). `instanceof RivuletError` is true for all of them, including
 * {@link InvalidArgumentError} (a TypeError), {@link OutOfRangeError} (a RangeError) and
 * {@link KeyError}, and for errors of another copy of the engine loaded in the same page or process.
 *
 * Spark: `org.apache.spark.SparkException` and its error classes (`getErrorClass()`), whose
 * stable names play the part of `code`.
 *
 * @example
 * ```ts
 * import { RivuletError } from 'rivulet';
 * await ssc.awaitTermination().catch((e) => {
 *   if (e instanceof RivuletError && e.code === 'RIVULET_CHECKPOINT_LOCKED') console.error('another process runs this application');
 *   else throw e;
 * });
 * ```
 */
export abstract class RivuletError extends Error {
  /**
   * The class's stable code; each subclass has its own. (Getters, not static fields, throughout:
   * a class with static fields is kept in a bundle even when nothing uses it.)
   */
  static get code(): string {
    return 'RIVULET_ERROR';
  }
  /** This error's stable code, e.g. `'RIVULET_BATCH_FAILED'` (see docs/errors.md). */
  declare readonly code: string;
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    mark(this, (new.target as unknown as typeof RivuletError).code);
  }
  static override [Symbol.hasInstance](x: unknown): boolean {
    // Only `instanceof RivuletError` itself recognises the mark; subclasses are plain classes.
    if (this !== RivuletError) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[RIVULET] === true;
  }
}

/** @internal Marks an error of a class that cannot extend RivuletError (a TypeError, a RangeError) as Rivulet's, with `code`. */
export function markAsRivuletError(error: Error, code: string): void {
  mark(error, code);
}

/**
 * An argument of the wrong type or shape: a function where a number was expected, an options
 * object with an unknown value. A `TypeError` too, named `TypeError` (as Node's own
 * `ERR_INVALID_ARG_TYPE` errors are), and a {@link RivuletError} with code `RIVULET_INVALID_ARGUMENT`.
 *
 * Spark: `java.lang.IllegalArgumentException` (what `require(...)` throws).
 *
 * @example
 * ```ts
 * import { InvalidArgumentError } from 'rivulet';
 * try { stream.map(42 as never); } catch (e) {
 *   if (e instanceof InvalidArgumentError) console.error(e.code, e.message); // also e instanceof TypeError
 * }
 * ```
 */
export class InvalidArgumentError extends TypeError {
  static get code(): string {
    return 'RIVULET_INVALID_ARGUMENT';
  }
  declare readonly code: string;
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    mark(this, (new.target as typeof InvalidArgumentError).code);
  }
}

/**
 * A number out of its range: a negative partition count, a window that is not a multiple of the
 * batch interval. A `RangeError` too, named `RangeError` (as Node's `ERR_OUT_OF_RANGE` errors
 * are), and a {@link RivuletError} with code `RIVULET_OUT_OF_RANGE`.
 *
 * Spark: `java.lang.IllegalArgumentException` (what `require(...)` throws for a bad duration or count).
 *
 * @example
 * ```ts
 * import { OutOfRangeError } from 'rivulet';
 * try { stream.window(1500); } catch (e) {
 *   if (e instanceof OutOfRangeError) console.error(e.code, e.message); // also e instanceof RangeError
 * }
 * ```
 */
export class OutOfRangeError extends RangeError {
  static get code(): string {
    return 'RIVULET_OUT_OF_RANGE';
  }
  declare readonly code: string;
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    mark(this, (new.target as typeof OutOfRangeError).code);
  }
}

/**
 * Rivulet itself went wrong: a state its code assumes cannot happen did (messages begin with
 * `internal:`). Please report it, with the message and stack.
 *
 * Spark: `org.apache.spark.SparkException` with error class `INTERNAL_ERROR`.
 *
 * @example
 * ```ts
 * import { InternalError } from 'rivulet';
 * await ssc.awaitTermination().catch((e) => {
 *   for (let c = e; c; c = c.cause) if (c instanceof InternalError) console.error('please report:', c.stack);
 * });
 * ```
 */
export class InternalError extends RivuletError {
  override name = 'InternalError';
  static override get code(): string {
    return 'RIVULET_INTERNAL';
  }
}

/**
 * An operation that cannot be done on what it was given: `reduce` or `first` of an empty RDD.
 *
 * Spark: `java.lang.UnsupportedOperationException` ("empty collection").
 *
 * @example
 * ```ts
 * import { UnsupportedOperationError } from 'rivulet';
 * const total = await rdd.reduce((a, b) => a + b).catch((e) => (e instanceof UnsupportedOperationError ? 0 : Promise.reject(e)));
 * ```
 */
export class UnsupportedOperationError extends RivuletError {
  override name = 'UnsupportedOperationError';
  static override get code(): string {
    return 'RIVULET_UNSUPPORTED_OPERATION';
  }
}

/**
 * A value asked for does not exist: `state.get()` of a key that has no state.
 *
 * Spark: `java.util.NoSuchElementException`, which `State.get()` throws.
 *
 * @example
 * ```ts
 * import { NoSuchElementError, StateSpec } from 'rivulet';
 * StateSpec.function((key: string, value: number | undefined, state) => {
 *   try { return state.get(); } catch (e) { if (e instanceof NoSuchElementError) return 0; throw e; }
 * });
 * ```
 */
export class NoSuchElementError extends RivuletError {
  override name = 'NoSuchElementError';
  static override get code(): string {
    return 'RIVULET_NO_SUCH_ELEMENT';
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/**
 * A function the user gave to an operation threw while processing records; `cause` is what it
 * threw. Spark: the `SparkException` "Job aborted due to stage failure" wrapping the task's
 * exception.
 *
 * @example
 * ```ts
 * import { UserFunctionError } from 'rivulet';
 * await ssc.awaitTermination().catch((e) => {
 *   for (let c = e; c; c = c.cause) if (c instanceof UserFunctionError) console.error(c.operation, c.callSite, c.cause);
 * });
 * ```
 */
export class UserFunctionError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_USER_FUNCTION_FAILED';
  }
  override name = 'UserFunctionError';
  constructor(
    readonly operation: string,
    readonly callSite: string,
    override readonly cause: unknown,
  ) {
    super(`${operation} at ${callSite} threw ${describe(cause)}`, { cause });
    if (cause instanceof Error && cause.stack) this.stack = `${this.name}: ${this.message}\nCaused by: ${cause.stack}`;
  }
}

/**
 * A batch failed: names the batch time and the output operation whose job failed. Spark: the
 * exception `JobScheduler` reports for a failed job, which `awaitTermination()` rethrows.
 *
 * @example
 * ```ts
 * import { BatchFailedError } from 'rivulet';
 * await ssc.awaitTermination().catch((e) => {
 *   if (e instanceof BatchFailedError) console.error(e.batchTime, e.outputOperation, e.cause);
 * });
 * ```
 */
export class BatchFailedError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_BATCH_FAILED';
  }
  override name = 'BatchFailedError';
  constructor(
    readonly batchTime: number,
    readonly outputOperation: string,
    override readonly cause: unknown,
  ) {
    super(`Batch ${batchTime} ms failed in ${outputOperation}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    if (cause instanceof Error && cause.stack) this.stack = `${this.name}: ${this.message}\nCaused by: ${cause.stack}`;
  }
}

/**
 * The StreamingContext was used in a way its lifecycle does not allow (adding operations after
 * start(), starting a stopped context). Spark: `java.lang.IllegalStateException`, which
 * StreamingContext throws in the same cases.
 *
 * @example
 * ```ts
 * import { IllegalStateError } from 'rivulet';
 * await ssc.stop();
 * try { ssc.start(); } catch (e) {
 *   if (e instanceof IllegalStateError) console.error(e.message);
 * }
 * ```
 */
export class IllegalStateError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_ILLEGAL_STATE';
  }
  override name = 'IllegalStateError';
}

/**
 * An input could not read what it should have: a file a `textFileStream` listed and then could
 * not read. The batch fails with this as its cause; the original error is the `cause`.
 *
 * Spark: the `IOException` a `FileInputDStream` batch fails with.
 *
 * @example
 * ```ts
 * import { InputReadError } from 'rivulet';
 * await ssc.awaitTermination().catch((e) => {
 *   for (let c = e; c; c = c.cause) if (c instanceof InputReadError) console.error('unreadable input:', c.message);
 * });
 * ```
 */
export class InputReadError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_INPUT_READ_FAILED';
  }
  override name = 'InputReadError';
}

/**
 * An output operation could not write a batch (`saveAsTextFiles`); the original error is the `cause`.
 *
 * Spark: the `IOException` from Hadoop's `saveAsTextFile` that fails the batch's job.
 *
 * @example
 * ```ts
 * import { OutputWriteError } from 'rivulet';
 * await ssc.awaitTermination().catch((e) => {
 *   for (let c = e; c; c = c.cause) if (c instanceof OutputWriteError) console.error('disk full?', c.message);
 * });
 * ```
 */
export class OutputWriteError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_OUTPUT_WRITE_FAILED';
  }
  override name = 'OutputWriteError';
}

/**
 * A connection an input opens failed (a WebSocket that errored). Receivers report it to
 * listeners (`onReceiverError`) and restart, as Spark's socket receivers do.
 *
 * Spark: the `ConnectException` a `SocketReceiver` reports with `restart("Error connecting to …")`.
 *
 * @example
 * ```ts
 * import { ConnectionError } from 'rivulet';
 * ssc.addStreamingListener({ onReceiverError: (e) => { if (e.error instanceof ConnectionError) console.warn(e.message); } });
 * ```
 */
export class ConnectionError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_CONNECTION_FAILED';
  }
  override name = 'ConnectionError';
}

/**
 * A package an operation needs is not installed: `ws` for `webSocketStream` in Node before 22,
 * `tsx` for workers that load a TypeScript pipeline module. The message names the install command.
 *
 * Spark: the `ClassNotFoundException` of a connector missing from the classpath.
 *
 * @example
 * ```ts
 * import { MissingDependencyError } from 'rivulet';
 * ssc.addStreamingListener({ onReceiverError: (e) => { if (e.error instanceof MissingDependencyError) console.error(e.message); } });
 * ```
 */
export class MissingDependencyError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_MISSING_DEPENDENCY';
  }
  override name = 'MissingDependencyError';
}

/**
 * The platform lacks what an operation needs: a runtime without `WebSocket` for `webSocketStream`.
 * (Node-only operations in a browser throw {@link NodeOnlyError}.)
 *
 * Spark: none (the JVM is the same everywhere).
 *
 * @example
 * ```ts
 * import { PlatformUnsupportedError } from 'rivulet';
 * ssc.addStreamingListener({ onReceiverError: (e) => { if (e.error instanceof PlatformUnsupportedError) console.error(e.message); } });
 * ```
 */
export class PlatformUnsupportedError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_PLATFORM_UNSUPPORTED';
  }
  override name = 'PlatformUnsupportedError';
}

/**
 * A worker could not be started: its pipeline module cannot be found or loaded by the worker.
 * The batch whose tasks needed it fails with this as its cause.
 *
 * Spark: the `SparkException` an executor that fails to launch leaves (`ExecutorLostFailure`).
 *
 * @example
 * ```ts
 * import { WorkerStartError } from 'rivulet';
 * await ssc.awaitTermination().catch((e) => {
 *   for (let c = e; c; c = c.cause) if (c instanceof WorkerStartError) console.error(c.message);
 * });
 * ```
 */
export class WorkerStartError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_WORKER_START_FAILED';
  }
  override name = 'WorkerStartError';
}
