import { UserFunctionError, markAsRivuletError } from '../util/errors.ts';
import { FetchFailedError } from './Executor.ts';
import type { WireError } from './protocol.ts';

/** The driver's copy of an error a worker reported, with the worker's stack. */
export function fromWireError(w: WireError): Error {
  if (w.fetchFailed) return new FetchFailedError(w.fetchFailed.executor, w.fetchFailed.blockId, w.message);
  if (w.operation !== undefined && w.cause) {
    const cause = w.cause.thrownValue !== undefined ? w.cause.thrownValue : fromWireError(w.cause);
    return new UserFunctionError(w.operation, w.callSite ?? '', cause);
  }
  // The worker's error, re-created with its name, stack and (for a RivuletError) its code.
  const e = w.code === undefined ? new WorkerError(w.message) : new WorkerError(w.message, w.code);
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}

/**
 * An error a worker reported, re-created on the driver with the worker's name, message and stack
 * (a TypeError thrown by a user's function stays named TypeError). When the worker's error was a
 * RivuletError it is one here too, with the same code.
 */
class WorkerError extends Error {
  constructor(message: string, code?: string) {
    super(message);
    if (code !== undefined) markAsRivuletError(this, code);
  }
}
