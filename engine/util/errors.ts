/**
 * Errors are part of Rivulet's interface: each says what was wrong, where (operation, call site,
 * batch time) and carries the user's own error as `cause`, so its stack is never lost.
 */

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** A function the user gave to an operation threw while processing records. */
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

/** A function cannot be sent to a worker (Spark's "Task not serializable", at definition time). */
export class NotShippableError extends Error {
  override name = 'NotShippableError';
}

/** A batch failed: names the batch time and the output operation whose job failed. */
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

/** The StreamingContext was used in a way its lifecycle does not allow. */
export class IllegalStateError extends Error {
  override name = 'IllegalStateError';
}
