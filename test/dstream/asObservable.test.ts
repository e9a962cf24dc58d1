import { describe, expect, test } from 'vitest';
import { BatchFailedError, type CollectedBatch } from '../../engine/index.ts';
import { createTestContext, collectBatches, expectBatches } from '../support/TestSuiteBase.ts';

// stream.asObservable(): an output operation whose batches go to RxJS subscribers. The edge cases
// RxJS asks of every operator: empty, never (no batch), error, early unsubscribe.

function record<T>() {
  const seen: { next: CollectedBatch<T>[]; error?: unknown; complete: boolean } = { next: [], complete: false };
  return {
    seen,
    observer: {
      next: (b: CollectedBatch<T>) => void seen.next.push(b),
      error: (e: unknown) => void (seen.error = e),
      complete: () => void (seen.complete = true),
    },
  };
}

describe('asObservable', () => {
  test('emits { time, records } per batch, in batch order, and completes when the context stops', async () => {
    const { ssc, clock } = createTestContext();
    const out = ssc.queueStream([[1, 2], [], [3]]).map((x) => x * 10).asObservable();
    const { seen, observer } = record<number>();
    out.subscribe(observer);
    ssc.start();
    await clock.advance(3000);
    expect(seen.complete).toBe(false);
    await ssc.stop();
    expect(seen.next).toEqual([
      { time: 1000, records: [10, 20] },
      { time: 2000, records: [] },
      { time: 3000, records: [30] },
    ]);
    expect(seen.complete).toBe(true);
    expect(seen.error).toBeUndefined();
  });

  test('a context stopped before any batch: completes with nothing emitted', async () => {
    const { ssc } = createTestContext();
    const { seen, observer } = record<number>();
    ssc.queueStream<number>([]).asObservable().subscribe(observer);
    ssc.start();
    await ssc.stop();
    expect(seen).toEqual({ next: [], complete: true });
  });

  test('hot and multicast: two subscribers see the same batches; one that subscribes later sees those after it', async () => {
    const { ssc, clock } = createTestContext();
    const out = ssc.queueStream([['a'], ['b']]).asObservable();
    const first = record<string>();
    const second = record<string>();
    out.subscribe(first.observer);
    ssc.start();
    await clock.advance(1000);
    out.subscribe(second.observer);
    await clock.advance(1000);
    await ssc.stop();
    expect(first.seen.next.map((b) => b.records)).toEqual([['a'], ['b']]);
    expect(second.seen.next.map((b) => b.records)).toEqual([['b']]);
    expect(second.seen.complete).toBe(true);
  });

  test('unsubscribing early ends that subscription only: the context and its other outputs go on', async () => {
    const { ssc, clock } = createTestContext();
    const input = ssc.queueStream([[1], [2], [3]]);
    const { output } = collectBatches(input);
    const { seen, observer } = record<number>();
    const subscription = input.asObservable().subscribe(observer);
    ssc.start();
    await clock.advance(1000);
    subscription.unsubscribe();
    await clock.advance(2000);
    expect(ssc.state).toBe('active');
    await ssc.stop();
    expect(seen.next).toEqual([{ time: 1000, records: [1] }]);
    expect(seen.complete).toBe(false); // an unsubscribed observer hears nothing more
    expectBatches(output, [[1], [2], [3]]);
  });

  test('with no subscriber, the batches are not collected (the stream is not even computed)', async () => {
    const { ssc, clock } = createTestContext();
    let computed = 0;
    ssc.queueStream([[1], [2]]).map((x) => (computed++, x)).asObservable();
    ssc.start();
    await clock.advance(2000);
    await ssc.stop();
    expect(computed).toBe(0);
  });

  test('errors with the error that stopped the context (a failed batch); a later subscriber gets it at once', async () => {
    const { ssc, clock } = createTestContext();
    const input = ssc.queueStream([[1], [2]]);
    const out = input.asObservable();
    input.foreachRDD((_rdd, time) => {
      if (time === 2000) throw new Error('sink down');
    });
    const { seen, observer } = record<number>();
    out.subscribe(observer);
    const terminated = ssc.awaitTermination().catch((e: unknown) => e);
    ssc.start();
    await clock.advance(2000);
    const error = await terminated;
    expect(error).toBeInstanceOf(BatchFailedError);
    expect(seen.error).toBe(error);
    expect(seen.next.map((b) => b.time)).toEqual([1000, 2000]);
    const late = record<number>();
    out.subscribe(late.observer);
    expect(late.seen.error).toBe(error);
  });

  test('is an output operation: defined before start(), named where it was called', async () => {
    const { ssc } = createTestContext();
    const input = ssc.queueStream([[1]]);
    input.asObservable();
    expect(ssc.graph.outputStreams.map((s) => s.creationSite)).toEqual([expect.stringMatching(/^asObservable at asObservable\.test\.ts:\d+:\d+$/)]);
    ssc.start();
    expect(() => input.asObservable()).toThrow(/asObservable: adding new inputs, transformations and output operations after starting/);
    await ssc.stop();
  });
});
