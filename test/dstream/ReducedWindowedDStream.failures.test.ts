import { describe, expect, test } from 'vitest';
import { HashPartitioner } from '../../engine/index.ts';
import { expectBatches, runStreams } from '../support/TestSuiteBase.ts';

// A window with an inverse function is changed in place from the previous one (WindowStateRDD);
// a batch that fails part-way through must leave it exactly as it was, and the next batch makes
// the failed window again from it. Each table: the input batches, then the windows every batch
// outputs; the batch that fails has none, the others equal an uninterrupted run. Window 3
// batches, slide 1, 2 partitions.

type KV = [string, number];

// Keys of each of the 2 partitions, so that a failure can come after another partition, or
// other keys of the same partition, were changed.
const partitioner = new HashPartitioner(2);
const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
const [p0a, p0b] = keys.filter((k) => partitioner.getPartition(k) === 0) as [string, string];
const [p1a, p1b] = keys.filter((k) => partitioner.getPartition(k) === 1) as [string, string];

const input: KV[][] = [
  [[p0a, 1], [p1a, 1], [p1b, 1]],
  [[p0a, 2], [p0b, 2], [p1a, 2]],
  [[p0a, 4], [p1a, 4], [p1b, 100]], // the batch at 3000 ms: adding 100 fails once
  [[p0b, 8], [p1a, 8]],
  [[p1b, 16]],
  [],
  [],
];

/** The windows of an uninterrupted run (window 3, slide 1), without the filter. */
const uninterrupted: KV[][] = [
  [[p0a, 1], [p1a, 1], [p1b, 1]],
  [[p0a, 3], [p0b, 2], [p1a, 3], [p1b, 1]],
  [[p0a, 7], [p0b, 2], [p1a, 7], [p1b, 101]],
  [[p0a, 6], [p0b, 10], [p1a, 14], [p1b, 100]],
  [[p0a, 4], [p0b, 8], [p1a, 12], [p1b, 116]],
  [[p0a, 0], [p0b, 8], [p1a, 8], [p1b, 16]],
  [[p0a, 0], [p0b, 0], [p1a, 0], [p1b, 16]],
];

/** A function that throws the first time `when` holds for its arguments, then behaves. */
function failingOnce(f: (a: number, b: number) => number, when: (a: number, b: number) => boolean): (a: number, b: number) => number {
  let failed = false;
  return (a, b) => {
    if (!failed && when(a, b)) {
      failed = true;
      throw new Error(`failing once on (${a}, ${b})`);
    }
    return f(a, b);
  };
}

const add = (a: number, b: number) => a + b;
const subtract = (a: number, b: number) => a - b;
const batchTimes = input.map((_, i) => (i + 1) * 1000);

describe('reduceByKeyAndWindow with an inverse: a batch that fails part-way is undone exactly', () => {
  test('uninterrupted run (the reference)', async () => {
    const { output, times } = await runStreams({ input, operation: (s) => s.reduceByKeyAndWindow(add, subtract, 3000, 1000) });
    expect(times).toEqual(batchTimes);
    expectBatches(output, uninterrupted);
  });

  test('the reduce function fails in the second partition, after the first was changed and after another key of its own', async () => {
    // Partition 0 (p0a) is applied first; in partition 1 p1a is added before p1b's 100 fails.
    const { output, times, error } = await runStreams({
      input,
      context: { skipFailedBatches: true },
      operation: (s) => s.reduceByKeyAndWindow(failingOnce(add, (_a, b) => b === 100), subtract, 3000, 1000),
    });
    expect(error).toBeUndefined();
    expect(times).toEqual(batchTimes.filter((t) => t !== 3000));
    expectBatches(output, uninterrupted.filter((_, i) => i !== 2));
  });

  test('the inverse function fails part-way (the first batch leaving)', async () => {
    // At 4000 ms the batch of 1000 ms leaves: subtracting p1b's 1 (from 101) fails once, after partition 0's keys were subtracted.
    const { output, times } = await runStreams({
      input,
      context: { skipFailedBatches: true },
      operation: (s) => s.reduceByKeyAndWindow(add, failingOnce(subtract, (a, b) => a === 101 && b === 1), 3000, 1000),
    });
    expect(times).toEqual(batchTimes.filter((t) => t !== 4000));
    expectBatches(output, uninterrupted.filter((_, i) => i !== 3));
  });

  test('the filter fails part-way (on the key entering, after the keys leaving were changed)', async () => {
    const keep = failingOnce((_k, v) => (v !== 0 ? 1 : 0), (_k, v) => v === 116);
    const { output, times } = await runStreams({
      input,
      context: { skipFailedBatches: true },
      operation: (s) => s.reduceByKeyAndWindow(add, subtract, 3000, 1000, undefined, ([, v]) => keep(0, v) === 1),
    });
    expect(times).toEqual(batchTimes.filter((t) => t !== 5000));
    expectBatches(output, uninterrupted.map((b) => b.filter(([, v]) => v !== 0)).filter((_, i) => i !== 4));
  });

  test('an output fails after the window was made: the window stands, later windows build on it', async () => {
    const { output, times, batches } = await runStreams({
      input,
      context: { skipFailedBatches: true },
      operation: (s) => {
        const windows = s.reduceByKeyAndWindow(add, subtract, 3000, 1000);
        windows.foreachRDD((_rdd, time) => { if (time === 3000) throw new Error('sink down'); });
        return windows;
      },
    });
    expect(batches.find((b) => b.batchTime === 3000)?.failureReason).toMatch(/sink down/);
    expect(times).toEqual(batchTimes);
    expectBatches(output, uninterrupted);
  });

  test('two batches in a row fail: the next makes both windows again', async () => {
    let failures = 0;
    const { output, times } = await runStreams({
      input,
      context: { skipFailedBatches: true },
      operation: (s) =>
        s.reduceByKeyAndWindow((a, b) => {
          // Fails at 3000 ms (adding p1b's 100) and again at 4000 ms, when the window of 3000 ms is made again.
          if (b === 100 && failures < 2) {
            failures++;
            throw new Error('failing twice');
          }
          return a + b;
        }, subtract, 3000, 1000),
    });
    expect(failures).toBe(2);
    expect(times).toEqual(batchTimes.filter((t) => t !== 3000 && t !== 4000));
    expectBatches(output, uninterrupted.filter((_, i) => i !== 2 && i !== 3));
  });

  test('countByValueAndWindow and countByWindow, with an upstream map failing once', async () => {
    let failed = false;
    const once = (k: string) => {
      if (k === p1b && !failed) {
        failed = true;
        throw new Error('upstream fails once');
      }
      return k;
    };
    const words = input.map((b) => b.map(([k]) => k));
    const byValue = await runStreams({ input: words, context: { skipFailedBatches: true }, operation: (s) => s.map(once).countByValueAndWindow(3000, 1000) });
    expect(byValue.times).toEqual(batchTimes.filter((t) => t !== 1000));
    // The batch at 1000 ms failed upstream; the next one reads it again (the map does not fail twice).
    const counts = (from: number, to: number) => {
      const m = new Map<string, number>();
      for (let i = Math.max(0, from); i <= to; i++) for (const w of words[i]!) m.set(w, (m.get(w) ?? 0) + 1);
      return [...m];
    };
    expectBatches(byValue.output, batchTimes.slice(1).map((t) => counts(t / 1000 - 3, t / 1000 - 1)));
    failed = false;
    const all = await runStreams({ input: words, context: { skipFailedBatches: true }, operation: (s) => s.map(once).countByWindow(3000, 1000) });
    expect(all.times).toEqual(batchTimes.filter((t) => t !== 1000));
    expect(all.output).toEqual(batchTimes.slice(1).map((t) => [counts(t / 1000 - 3, t / 1000 - 1).reduce((n, [, c]) => n + c, 0)]));
  });
});
