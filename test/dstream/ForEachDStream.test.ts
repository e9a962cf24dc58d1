import { describe, expect, test } from 'vitest';
import { runStreams, createTestContext, captureConsoleLog } from '../support/TestSuiteBase.ts';
import type { DStream } from '../../engine/index.ts';

// Output operations: print(n) in Spark's exact format, foreachRDD (sync and async).

const DASHES = '-'.repeat(43);

/** Run `define` on a queue stream of `batches` and return everything console.log printed. */
async function printed(batches: unknown[][], define: (s: DStream<any>) => void): Promise<string> {
  const { ssc, clock } = createTestContext();
  define(ssc.queueStream(batches));
  const lines = await captureConsoleLog(async () => {
    ssc.start();
    await clock.advance(batches.length * 1000);
    await ssc.stop();
  });
  return lines.join('\n');
}

describe('print', () => {
  test('Spark\'s format: dashes, Time: <ms> ms, dashes, records, blank line', async () => {
    const out = await printed([[1, 2, 3]], (s) => s.print());
    expect(out).toBe([DASHES, 'Time: 1000 ms', DASHES, '1', '2', '3', ''].join('\n'));
    expect(DASHES).toHaveLength(43);
  });

  test('print(n) shows n records and ... when there are more', async () => {
    const out = await printed([[1, 2, 3, 4], [1, 2], [1, 2, 3]], (s) => s.print(3));
    expect(out).toBe(
      [
        DASHES, 'Time: 1000 ms', DASHES, '1', '2', '3', '...', '',
        DASHES, 'Time: 2000 ms', DASHES, '1', '2', '',
        DASHES, 'Time: 3000 ms', DASHES, '1', '2', '3', '',
      ].join('\n'),
    );
  });

  test('default n is 10', async () => {
    const out = await printed([Array.from({ length: 11 }, (_, i) => i)], (s) => s.print());
    expect(out.split('\n')).toEqual([DASHES, 'Time: 1000 ms', DASHES, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '...', '']);
  });

  test('an empty batch prints only the header', async () => {
    const out = await printed([[]], (s) => s.print());
    expect(out).toBe([DASHES, 'Time: 1000 ms', DASHES, ''].join('\n'));
  });

  test('print(0) prints ... when the batch is not empty', async () => {
    const out = await printed([[1], []], (s) => s.print(0));
    expect(out).toBe([DASHES, 'Time: 1000 ms', DASHES, '...', '', DASHES, 'Time: 2000 ms', DASHES, ''].join('\n'));
  });

  test('pairs print as (k,v), like Scala tuples; strings bare', async () => {
    const out = await printed([[['a', 1], ['b', [2, 3, 4]]], [['x y']]], (s) => s.print());
    expect(out.split('\n')).toEqual([DASHES, 'Time: 1000 ms', DASHES, '(a,1)', '(b,[2, 3, 4])', '', DASHES, 'Time: 2000 ms', DASHES, '[x y]', '']);
  });

  test('a windowed stream prints only at its slide times', async () => {
    const out = await printed([[1], [2], [3], [4]], (s) => s.window(2000, 2000).print());
    expect(out.split('\n').filter((l) => l.startsWith('Time:'))).toEqual(['Time: 2000 ms', 'Time: 4000 ms']);
  });

  test('print refuses a bad n', () => {
    const { ssc } = createTestContext();
    const s = ssc.queueStream<number>([]);
    expect(() => s.print(-1)).toThrow(RangeError);
    expect(() => s.print(1.5)).toThrow(/non-negative integer/);
  });
});

describe('foreachRDD', () => {
  test('gets each batch\'s RDD and time, in order', async () => {
    const { ssc, clock } = createTestContext();
    const seen: [number, number[]][] = [];
    ssc.queueStream([[1], [], [2, 3]]).foreachRDD(async (rdd, time) => {
      seen.push([time, await rdd.collect()]);
    });
    ssc.start();
    await clock.advance(3000);
    await ssc.stop();
    expect(seen).toEqual([[1000, [1]], [2000, []], [3000, [2, 3]]]);
  });

  test('an async function: the batch waits for it, and the next batch starts after', async () => {
    const { ssc, clock } = createTestContext();
    const log: string[] = [];
    const stream = ssc.queueStream([[1], [2]]);
    stream.foreachRDD(async (rdd, time) => {
      log.push(`start ${time}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      log.push(`end ${time} ${(await rdd.collect()).join()}`);
    });
    stream.foreachRDD((_rdd, time) => void log.push(`second output ${time}`));
    const completed: number[] = [];
    ssc.addStreamingListener({ onBatchCompleted: (e) => void completed.push(e.batchInfo.batchTime) });
    ssc.start();
    await clock.advance(2000);
    // advance() returned only after both batches' outputs finished.
    expect(log).toEqual(['start 1000', 'end 1000 1', 'second output 1000', 'start 2000', 'end 2000 2', 'second output 2000']);
    expect(completed).toEqual([1000, 2000]);
    await ssc.stop();
  });

  test('a synchronous function works too', async () => {
    const { output } = await runStreams({ input: [[1, 2]], operation: (s) => s.map((x) => x + 1) });
    expect(output).toEqual([[2, 3]]);
  });

  test('refuses a non-function', () => {
    const { ssc } = createTestContext();
    expect(() => ssc.queueStream<number>([]).foreachRDD('nope' as any)).toThrow(TypeError);
  });

  test('outputs run in the order they were defined', async () => {
    const { ssc, clock } = createTestContext();
    const order: string[] = [];
    const s = ssc.queueStream([[1]]);
    s.foreachRDD(() => void order.push('first'));
    s.map((x) => x).foreachRDD(() => void order.push('second'));
    s.foreachRDD(async () => void order.push('third'));
    ssc.start();
    await clock.advance(1000);
    await ssc.stop();
    expect(order).toEqual(['first', 'second', 'third']);
  });
});
