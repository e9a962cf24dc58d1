/**
 * Errors are part of Rivulet's interface: each says what was wrong, where (operation, call site,
 * batch time) and carries the user's own error as `cause`, so its stack is never lost.
 */

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
export class UserFunctionError extends Error {
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
export class BatchFailedError extends Error {
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
export class IllegalStateError extends Error {
  override name = 'IllegalStateError';
}
