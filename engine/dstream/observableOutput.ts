import { Subject, type Observable } from 'rxjs';
import type { CollectedBatch, CollectedOutput } from './CollectedBatch.ts';

/**
 * The output operation behind `stream.asObservable()`: every batch, collected, goes to the
 * subscribers of one multicast Observable (a Subject, as `Subject.asObservable()` gives).
 *
 * - Hot: a subscriber sees the batches that complete while it is subscribed. With no subscriber
 *   the batch's records are not collected at all.
 * - Unsubscribing ends that subscription only; the context and its other outputs go on.
 * - Completes when the context stops; errors with the error that stopped it (a failed batch when
 *   skipFailedBatches is false). A subscriber that comes after the stop gets the same end at once.
 * - A subscriber's own throw is reported as RxJS reports it (asynchronously, as an unhandled
 *   error), not as a batch failure.
 */
export function observableOutput<T>(terminated: Promise<void>): CollectedOutput<T, Observable<CollectedBatch<T>>> {
  const subject = new Subject<CollectedBatch<T>>();
  terminated.then(
    () => subject.complete(),
    (e: unknown) => subject.error(e),
  );
  return {
    foreachFunc: async (rdd, time) => {
      if (!subject.observed) return;
      const records = await rdd.collect();
      subject.next({ time, records });
    },
    output: subject.asObservable(),
  };
}
