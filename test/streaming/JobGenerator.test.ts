import { describe, expect, test } from 'vitest';
import { createTestContext, collectBatches } from '../support/TestSuiteBase.ts';
import { ManualClock, StreamingContext } from '../../engine/index.ts';

// The batch clock: batches at zeroTime + k * batchInterval, in order, none skipped or duplicated.

function batchTimes(ssc: StreamingContext): number[] {
  const times: number[] = [];
  ssc.addStreamingListener({ onBatchCompleted: (e) => void times.push(e.batchInfo.batchTime) });
  return times;
}

describe('batch clock under the ManualClock', () => {
  test('batches at zeroTime + k * interval', async () => {
    const { ssc, clock } = createTestContext({ batchInterval: 250 });
    const out = collectBatches(ssc.queueStream<number>([]));
    ssc.start();
    await clock.advance(2000);
    await ssc.stop();
    expect(out.times).toEqual([250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
  });

  test('advancing in odd steps gives every batch exactly once', async () => {
    const { ssc, clock } = createTestContext();
    const out = collectBatches(ssc.queueStream<number>([]));
    const completed = batchTimes(ssc);
    ssc.start();
    for (const step of [333, 333, 334, 1, 999, 0, 2500, 840]) await clock.advance(step);
    await ssc.stop();
    expect(clock.now()).toBe(5340);
    expect(out.times).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(completed).toEqual([1000, 2000, 3000, 4000, 5000]);
  });

  test('advanceTo a time far ahead delivers every batch in between, in order', async () => {
    const { ssc, clock } = createTestContext({ batchInterval: 100 });
    const out = collectBatches(ssc.queueStream<number>([]));
    ssc.start();
    await clock.advanceTo(10_000);
    await ssc.stop();
    expect(out.times).toEqual(Array.from({ length: 100 }, (_, i) => (i + 1) * 100));
  });

  test('an hour of one-second batches: 3600 batches, in order', async () => {
    const { ssc, clock } = createTestContext({ batchInterval: 1000 });
    const queue = Array.from({ length: 3600 }, (_, i) => [i]);
    const seen: number[] = [];
    const records: number[] = [];
    ssc.queueStream(queue).foreachRDD(async (rdd, time) => {
      records.push(...(await rdd.collect()));
      seen.push(time);
    });
    ssc.start();
    await clock.advance(3600 * 1000);
    await ssc.stop();
    expect(seen).toHaveLength(3600);
    expect(seen.every((t, i) => t === (i + 1) * 1000)).toBe(true);
    expect(records.every((x, i) => x === i)).toBe(true);
  });

  test('ManualClock.advance refuses a negative step', async () => {
    const clock = new ManualClock();
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  });

  test('two contexts on one clock each get their own batches', async () => {
    const clock = new ManualClock();
    const a = new StreamingContext({ batchInterval: 1000, scheduler: clock });
    const b = new StreamingContext({ batchInterval: 1500, scheduler: clock });
    const outA = collectBatches(a.queueStream([[1], [2], [3]]));
    const outB = collectBatches(b.queueStream([['x'], ['y']]));
    a.start();
    b.start();
    await clock.advance(3000);
    await Promise.all([a.stop(), b.stop()]);
    expect(outA.times).toEqual([1000, 2000, 3000]);
    expect(outB.times).toEqual([1500, 3000]);
    expect(outA.output).toEqual([[1], [2], [3]]);
    expect(outB.output).toEqual([['x'], ['y']]);
  });
});

describe('inputs make a batch at every interval', () => {
  test('a queue entry belongs to the batch it was due at, even when no output reads that batch', async () => {
    const { ssc, clock } = createTestContext();
    const records: number[] = [];
    ssc.addStreamingListener({ onBatchCompleted: (e) => void records.push(e.batchInfo.numRecords) });
    const out = collectBatches(ssc.queueStream([[1], [2, 2], [3, 3, 3], [4]]).window(1000, 2000));
    ssc.start();
    await clock.advance(4000);
    await ssc.stop();
    expect(out.times).toEqual([2000, 4000]);
    expect(out.output).toEqual([[2, 2], [4]]);
    expect(records).toEqual([1, 2, 3, 1]);
  });

  test('an input no output reads is still drained batch by batch', async () => {
    const { ssc, clock } = createTestContext();
    const unread = [[1], [2], [3]];
    ssc.queueStream(unread);
    collectBatches(ssc.queueStream<number>([]));
    ssc.start();
    await clock.advance(2000);
    expect(unread).toEqual([[3]]);
    await ssc.stop();
  });

  test('queueStream with oneAtATime: false takes everything queued', async () => {
    const { ssc, clock } = createTestContext();
    const queue = [[1], [2]];
    const out = collectBatches(ssc.queueStream(queue, { oneAtATime: false }));
    ssc.start();
    await clock.advance(1000);
    queue.push([3]);
    await clock.advance(2000);
    await ssc.stop();
    expect(out.output).toEqual([[1, 2], [3], []]);
  });

  test('queueStream: the queue may grow after start', async () => {
    const { ssc, clock } = createTestContext();
    const queue: number[][] = [];
    const out = collectBatches(ssc.queueStream(queue));
    ssc.start();
    await clock.advance(1000);
    queue.push([7], [8]);
    await clock.advance(2000);
    await ssc.stop();
    expect(out.output).toEqual([[], [7], [8]]);
  });

  test('queueStream: defaultRDD fills batches when the queue is empty', async () => {
    const { ssc, clock } = createTestContext();
    const out = collectBatches(ssc.queueStream([[1]], { defaultRDD: ssc.sparkContext.parallelize([0]) }));
    ssc.start();
    await clock.advance(2000);
    await ssc.stop();
    expect(out.output).toEqual([[1], [0]]);
  });
});
