import { describe, expect, test } from 'vitest';
import { BatchFailedError, type CollectedBatch } from '../../engine/index.ts';
import { createTestContext, collectBatches, expectBatches } from '../support/TestSuiteBase.ts';

// stream.batches(): an output operation read with for await. On a ManualClock the loop runs
// alongside clock.advance(): a batch's job finishes when the loop takes it.

async function readAll<T>(batches: AsyncIterable<CollectedBatch<T>>): Promise<CollectedBatch<T>[]> {
  const read: CollectedBatch<T>[] = [];
  for await (const batch of batches) read.push(batch);
  return read;
}

describe('batches', () => {
  test('yields { time, records } per batch in order; the loop ends when the context stops', async () => {
    const { ssc, clock } = createTestContext();
    const batches = ssc.queueStream([['a', 'b'], [], ['c']]).batches();
    ssc.start();
    const reading = readAll(batches);
    await clock.advance(3000);
    await ssc.stop();
    expect(await reading).toEqual([
      { time: 1000, records: ['a', 'b'] },
      { time: 2000, records: [] },
      { time: 3000, records: ['c'] },
    ]);
  });

  test('a context stopped before any batch: the loop ends at once with nothing', async () => {
    const { ssc } = createTestContext();
    const batches = ssc.queueStream<number>([]).batches();
    ssc.start();
    await ssc.stop();
    expect(await readAll(batches)).toEqual([]);
  });

  test('a batch waits for the loop: a slow loop delays the next batch; nothing is buffered past one batch', async () => {
    const { ssc, clock } = createTestContext();
    const batches = ssc.queueStream([[1], [2], [3]]).batches();
    const completed: number[] = [];
    ssc.addStreamingListener({ onBatchCompleted: (e) => void completed.push(e.batchInfo.batchTime) });
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const read: number[] = [];
    ssc.start();
    const reading = (async () => {
      for await (const { time } of batches) {
        read.push(time);
        if (time === 1000) await gate; // the loop is busy with the first batch
      }
    })();
    const advanced = clock.advance(3000);
    await expect.poll(() => completed).toEqual([1000]);
    // Batch 2000 has been collected and waits for the loop; batch 3000 waits behind it.
    expect(read).toEqual([1000]);
    openGate();
    await advanced;
    await ssc.stop();
    await reading;
    expect(read).toEqual([1000, 2000, 3000]);
    expect(completed).toEqual([1000, 2000, 3000]);
  });

  test('leaving the loop early ends this output only: the context and its other outputs go on', async () => {
    const { ssc, clock } = createTestContext();
    let computed = 0;
    const input = ssc.queueStream([[1], [2], [3]]);
    const { output } = collectBatches(input);
    const batches = input.map((x) => (computed++, x)).batches();
    ssc.start();
    const reading = (async () => {
      for await (const batch of batches) return batch; // break after the first
    })();
    await clock.advance(3000);
    expect(await reading).toEqual({ time: 1000, records: [1] });
    expect(ssc.state).toBe('active');
    await ssc.stop();
    expectBatches(output, [[1], [2], [3]]);
    expect(computed).toBe(1); // later batches were not collected for it
  });

  test('throws the error that stopped the context, after the batches before it', async () => {
    const { ssc, clock } = createTestContext();
    const input = ssc.queueStream([[1], [2]]);
    const batches = input.batches();
    input.foreachRDD((_rdd, time) => {
      if (time === 2000) throw new Error('sink down');
    });
    const terminated = ssc.awaitTermination().catch((e: unknown) => e);
    ssc.start();
    const read: number[] = [];
    const reading = (async () => {
      for await (const { time } of batches) read.push(time);
    })();
    await clock.advance(2000);
    const error = await terminated;
    expect(error).toBeInstanceOf(BatchFailedError);
    await expect(reading).rejects.toBe(error);
    expect(read).toEqual([1000, 2000]);
    // Thrown once: the iterator is done after it.
    await expect(batches.next()).resolves.toEqual({ done: true, value: undefined });
  });
});
