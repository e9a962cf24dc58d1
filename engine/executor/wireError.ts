import { UserFunctionError } from '../util/errors.ts';
import { FetchFailedError } from './Executor.ts';
import type { WireError } from './protocol.ts';

/** The driver's copy of an error a worker reported, with the worker's stack. */
export function fromWireError(w: WireError): Error {
  if (w.fetchFailed) return new FetchFailedError(w.fetchFailed.executor, w.fetchFailed.blockId, w.message);
  if (w.operation !== undefined && w.cause) {
    const cause = w.cause.thrownValue !== undefined ? w.cause.thrownValue : fromWireError(w.cause);
    return new UserFunctionError(w.operation, w.callSite ?? '', cause);
  }
  const e = new Error(w.message);
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}
