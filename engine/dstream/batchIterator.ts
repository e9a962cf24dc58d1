import { InvalidArgumentError } from '../util/errors.ts';
import type { CollectedBatch, CollectedOutput } from './CollectedBatch.ts';

/**
 * The output operation behind `stream.batches()`: an async iterator over the stream's batches,
 * collected, for `for await (const { time, records } of stream.batches())`.
 *
 * Backpressure: a batch's output job finishes when the loop takes its records (asks for the next
 * batch), so at most one collected batch waits for the loop, and a loop slower than the batch
 * interval delays the batches after it, as a slow foreachRDD does (the listener's
 * schedulingDelay grows). Nothing piles up in memory.
 *
 * Ending: the loop ends (done) when the context stops, after every batch already collected; it
 * throws the error that stopped the context (a failed batch when skipFailedBatches is false).
 * Leaving the loop (break, return, a throw in its body) ends this output only: later batches are
 * not collected, a batch waiting for the loop is released, and the context goes on.
 */
export function batchIterator<T>(terminated: Promise<void>): CollectedOutput<T, AsyncIterableIterator<CollectedBatch<T>>> {
  /** Collected batches the loop has not taken, each with the release of the job that waits for it (at most one per output job). */
  const queue: { batch: CollectedBatch<T>; release: () => void }[] = [];
  let consumer: { resolve: (r: IteratorResult<CollectedBatch<T>>) => void; reject: (e: unknown) => void } | undefined;
  let end: { error: unknown } | undefined;
  let closed = false;

  const done = (): IteratorResult<CollectedBatch<T>> => ({ done: true, value: undefined });
  const finish = () => {
    if (!consumer || queue.length > 0 || !end) return;
    const { resolve, reject } = consumer;
    consumer = undefined;
    if (end.error === undefined) resolve(done());
    else {
      const error = end.error;
      end = { error: undefined }; // thrown once; then the iterator is done
      reject(error);
    }
  };
  terminated.then(
    () => void ((end = { error: undefined }), finish()),
    (error: unknown) => void ((end = { error }), finish()),
  );
  const close = () => {
    closed = true;
    for (const { release } of queue.splice(0)) release();
  };

  const iterator: AsyncIterableIterator<CollectedBatch<T>> = {
    next() {
      if (closed) return Promise.resolve(done());
      const first = queue.shift();
      if (first) {
        first.release();
        return Promise.resolve({ done: false, value: first.batch });
      }
      if (consumer) return Promise.reject(new InvalidArgumentError('batches(): next() called again before the previous call settled; iterate with for await.'));
      return new Promise((resolve, reject) => {
        consumer = { resolve, reject };
        finish();
      });
    },
    return() {
      close();
      if (consumer) {
        consumer.resolve(done());
        consumer = undefined;
      }
      return Promise.resolve(done());
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };

  return {
    foreachFunc: async (rdd, time) => {
      if (closed) return;
      const records = await rdd.collect();
      if (closed) return;
      const batch = { time, records };
      if (consumer) {
        consumer.resolve({ done: false, value: batch });
        consumer = undefined;
        return;
      }
      await new Promise<void>((release) => queue.push({ batch, release }));
    },
    output: iterator,
  };
}
