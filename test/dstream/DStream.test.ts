import { describe, expect, test } from 'vitest';
import { runStreams, expectBatches, createTestContext, collectBatches } from '../support/TestSuiteBase.ts';
import { IllegalStateError, type DStream, type RDD } from '../../engine/index.ts';

// Basic (non-pair, non-window) operations, in Spark's BasicOperationsSuite style.

describe('map / flatMap / filter', () => {
  test('map', async () => {
    const { output } = await runStreams({
      input: [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]],
      operation: (s) => s.map((x) => String(x)),
    });
    expectBatches(output, [['1', '2', '3', '4'], ['5', '6', '7', '8'], ['9', '10', '11', '12']], { ordered: true });
  });

  test('map with a function that closes over a value', async () => {
    const factor = 10;
    const { output } = await runStreams({
      input: [[1, 2], [3]],
      operation: (s) => s.map((x) => x * factor),
    });
    expectBatches(output, [[10, 20], [30]]);
  });

  test('map on empty batches gives empty batches, not missing ones', async () => {
    const { output, times } = await runStreams({
      input: [[], [1], []],
      operation: (s) => s.map((x) => x + 1),
    });
    expectBatches(output, [[], [2], []]);
    expect(times).toEqual([1000, 2000, 3000]);
  });

  test('flatMap', async () => {
    const { output } = await runStreams({
      input: [['a b', 'c'], [], ['d  e']],
      operation: (s) => s.flatMap((line) => line.split(' ').filter((w) => w.length > 0)),
    });
    expectBatches(output, [['a', 'b', 'c'], [], ['d', 'e']], { ordered: true });
  });

  test('flatMap accepts any iterable (a generator)', async () => {
    const { output } = await runStreams({
      input: [[2, 0, 1]],
      operation: (s) => s.flatMap(function* (n) { for (let i = 0; i < n; i++) yield n; }),
    });
    expectBatches(output, [[2, 2, 1]], { ordered: true });
  });

  test('filter', async () => {
    const { output } = await runStreams({
      input: [[1, 2, 3, 4], [5, 7], []],
      operation: (s) => s.filter((x) => x % 2 === 0),
    });
    expectBatches(output, [[2, 4], [], []], { ordered: true });
  });
});

describe('mapPartitions / glom / repartition', () => {
  test('mapPartitions sees each partition whole', async () => {
    const { output } = await runStreams({
      input: [[1, 2, 3, 4], [5, 6, 7, 8], []],
      operation: (s) => s.mapPartitions((records) => [records.reduce((a, b) => a + b, 0)]),
    });
    // Two partitions per input batch: [1,2] [3,4] and [5,6] [7,8]; an empty batch has none… or empty ones.
    expect(output[0]).toEqual([3, 7]);
    expect(output[1]).toEqual([11, 15]);
    expect(output[2]!.every((x) => x === 0)).toBe(true);
  });

  test('glom gives one array per partition', async () => {
    const { output } = await runStreams({
      input: [[1, 2, 3, 4], [5]],
      operation: (s) => s.glom(),
    });
    expectBatches(output, [[[1, 2], [3, 4]], [[], [5]]], { ordered: true });
  });

  test('repartition sets the partition count and keeps every record', async () => {
    const { output } = await runStreams({
      input: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1], []],
      operation: (s) => s.repartition(5).glom(),
    });
    expect(output.map((b) => b.length)).toEqual([5, 5, 5]);
    expect(output[0]!.flat().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(output[0]!.every((p) => p.length === 2)).toBe(true);
    expect(output[1]!.flat()).toEqual([1]);
    expect(output[2]!.flat()).toEqual([]);
  });

  test('repartition refuses a bad count at definition', () => {
    const { ssc } = createTestContext();
    const s = ssc.queueStream<number>([]);
    expect(() => s.repartition(0)).toThrow(RangeError);
    expect(() => s.repartition(1.5)).toThrow(/positive integer/);
  });
});

describe('union', () => {
  test('stream.union(other)', async () => {
    const { output } = await runStreams({
      inputs: [[[1, 2], [3], []], [[10], [], [30]]],
      operation: (a: DStream<number>, b: DStream<number>) => a.union(b),
    });
    expectBatches(output, [[1, 2, 10], [3], [30]]);
  });

  test('ssc.union of three streams', async () => {
    const { output } = await runStreams({
      inputs: [[['a'], ['b']], [['c'], []], [[], ['d']]],
      operation: (a: DStream<string>, b: DStream<string>, c: DStream<string>, ssc) => ssc.union([a, b, c]),
    });
    expectBatches(output, [['a', 'c'], ['b', 'd']]);
  });

  test('streams of different slide durations cannot be unioned', () => {
    const { ssc } = createTestContext();
    const a = ssc.queueStream<number>([]);
    const b = ssc.queueStream<number>([]).window(2000, 2000);
    expect(() => a.union(b)).toThrow(RangeError);
    expect(() => ssc.union([a, b])).toThrow(/different slide durations \(1000 ms, 2000 ms\)/);
  });

  test('streams of another context cannot be unioned', () => {
    const a = createTestContext().ssc.queueStream<number>([]);
    const b = createTestContext().ssc.queueStream<number>([]);
    expect(() => a.union(b)).toThrow(/same StreamingContext/);
  });

  test('ssc.union of nothing is an error', () => {
    const { ssc } = createTestContext();
    expect(() => ssc.union([])).toThrow(TypeError);
  });

  // Spark's BasicOperationsSuite "union with input stream return None": a parent without an RDD
  // is an error, not a batch silently missing from the union.
  test('union with an input stream that makes no RDD fails the batch, naming both streams', async () => {
    const { output, times, error } = await runStreams({
      input: [[1, 2, 3, 4], [101, 102, 103, 104], [201, 202, 203, 204], null],
      operation: (s) => s.union(s.map((x) => x + 4)),
    });
    expect(times).toEqual([1000, 2000, 3000]);
    expectBatches(output, [[1, 2, 3, 4, 5, 6, 7, 8], [101, 102, 103, 104, 105, 106, 107, 108], [201, 202, 203, 204, 205, 206, 207, 208]]);
    expect(String(error)).toMatch(/^BatchFailedError: Batch 4000 ms failed in job generation: union at DStream\.test\.ts:\d+:\d+: its parent testInputStream at .* made no RDD for the batch at 4000 ms, and union needs one from every parent/);
  });

  test('ssc.union of a single stream that makes no RDD fails too', async () => {
    const { error } = await runStreams({ input: [[1], null], operation: (s, ssc) => ssc.union([s]) });
    expect(String(error)).toMatch(/Batch 2000 ms failed .*union at .* made no RDD for the batch at 2000 ms/);
  });

  test('a one-parent operation (map) on a stream with no RDD has none either, as in Spark', async () => {
    const { times, error } = await runStreams({ input: [[1], null, [3]], operation: (s) => s.map((x) => x * 2) });
    expect(error).toBeUndefined();
    expect(times).toEqual([1000, 3000]);
  });
});

describe('count / reduce / countByValue', () => {
  test('count: one element per batch, 0 for an empty batch', async () => {
    const { output } = await runStreams({
      input: [[], [1], [1, 2], [1, 2, 3, 4, 5, 6, 7], []],
      operation: (s) => s.count(),
    });
    expectBatches(output, [[0], [1], [2], [7], [0]], { ordered: true });
  });

  test('count and reduce once the queue is exhausted (batches with no partitions at all)', async () => {
    const counted = await runStreams({ input: [[1]], numBatches: 3, operation: (s) => s.count() });
    expectBatches(counted.output, [[1], [0], [0]]);
    const reduced = await runStreams({ input: [[1]], numBatches: 3, operation: (s) => s.reduce((a, b) => a + b) });
    expectBatches(reduced.output, [[1], [], []]);
  });

  test('count of a filtered-out batch is 0', async () => {
    const { output } = await runStreams({
      input: [[1, 3, 5]],
      operation: (s) => s.filter((x) => x % 2 === 0).count(),
    });
    expectBatches(output, [[0]]);
  });

  test('reduce: one element per batch, none for an empty batch', async () => {
    const { output } = await runStreams({
      input: [[1, 2, 3, 4], [], [5], [6, 7]],
      operation: (s) => s.reduce((a, b) => a + b),
    });
    expectBatches(output, [[10], [], [5], [13]], { ordered: true });
  });

  test('reduce is not commutative-safe-guarded: it reduces in partition order', async () => {
    const { output } = await runStreams({
      input: [['a', 'b', 'c', 'd']],
      operation: (s) => s.reduce((a, b) => a + b),
    });
    expectBatches(output, [['abcd']]);
  });

  test('countByValue gives [value, count] pairs', async () => {
    const { output } = await runStreams({
      input: [['a', 'b', 'a', 'c', 'a'], [], ['x', 'x']],
      operation: (s) => s.countByValue(),
    });
    expectBatches(output, [[['a', 3], ['b', 1], ['c', 1]], [], [['x', 2]]]);
  });

  test('countByValue compares composite values by content', async () => {
    const { output } = await runStreams({
      input: [[[1, 2], [1, 2], [2, 1]] as [number, number][]],
      operation: (s) => s.countByValue(),
    });
    expectBatches(output, [[[[1, 2], 2], [[2, 1], 1]]]);
  });

  test('countByValue(numPartitions) sets the partition count', async () => {
    const { output } = await runStreams({
      input: [['a', 'b', 'c', 'd', 'e']],
      operation: (s) => s.countByValue(3).glom(),
    });
    expect(output[0]).toHaveLength(3);
  });
});

describe('transform / transformWith', () => {
  test('transform gets each batch RDD and its time', async () => {
    const { output } = await runStreams({
      input: [[1], [2, 3], []],
      operation: (s) => s.transform((rdd, time) => rdd.map((x) => [time, x] as [number, number])),
    });
    expectBatches(output, [[[1000, 1]], [[2000, 2], [2000, 3]], []]);
  });

  test('transform can use any RDD operation (sortBy)', async () => {
    const { output } = await runStreams({
      input: [[5, 3, 9, 1], [2, 1]],
      operation: (s) => s.transform((rdd) => rdd.sortBy((x) => x, true, 1)),
    });
    expectBatches(output, [[1, 3, 5, 9], [1, 2]], { ordered: true });
  });

  test('transform must return an RDD', async () => {
    const { error } = await runStreams({
      input: [[1]],
      operation: (s) => s.transform(() => 42 as unknown as RDD<number>),
    });
    expect(String(error)).toMatch(/transform at .*DStream\.test\.ts.*must return an RDD, got number/);
  });

  // Spark's BasicOperationsSuite "transform with input stream return None".
  test('transform of an input stream that makes no RDD fails the batch', async () => {
    const { output, error } = await runStreams({
      input: [[1, 2, 3, 4], [5, 6, 7, 8], null],
      operation: (s) => s.transform((rdd) => rdd.map((x) => String(x))),
    });
    expectBatches(output, [['1', '2', '3', '4'], ['5', '6', '7', '8']]);
    expect(String(error)).toMatch(/^BatchFailedError: Batch 3000 ms failed in job generation: transform at DStream\.test\.ts:\d+:\d+: its parent testInputStream at .* made no RDD for the batch at 3000 ms/);
  });

  test('transformWith and join of a stream that makes no RDD fail the batch', async () => {
    const run = <R,>(operation: (a: DStream<[string, number]>, b: DStream<[string, number]>) => DStream<R>) =>
      runStreams({ inputs: [[[['a', 1]], null], [[['a', 2]], [['a', 3]]]], operation });
    expect(String((await run((a, b) => a.transformWith(b, (x, y) => x.union(y)))).error)).toMatch(/Batch 2000 ms failed .*transformWith at .* made no RDD/);
    expect(String((await run((a, b) => a.join(b))).error)).toMatch(/Batch 2000 ms failed .*join at .* made no RDD/);
  });

  test('transform refuses a non-function at definition', () => {
    const { ssc } = createTestContext();
    expect(() => ssc.queueStream<number>([]).transform(undefined as any)).toThrow(TypeError);
  });

  test('transformWith combines both streams\' RDDs at the same time', async () => {
    const { output } = await runStreams({
      inputs: [[[1, 2], [3], []], [['a'], [], ['b']]],
      operation: (a: DStream<number>, b: DStream<string>) =>
        a.transformWith(b, (ra, rb, time) => ra.map((x) => `${x}@${time}`).union(rb)),
    });
    expectBatches(output, [['1@1000', '2@1000', 'a'], ['3@2000'], ['b']]);
  });

  test('transformWith can join the two RDDs', async () => {
    const { output } = await runStreams({
      inputs: [[[['a', 1], ['b', 2]]], [[['a', 'x']]]] as [[string, number][][], [string, string][][]],
      operation: (a: DStream<[string, number]>, b: DStream<[string, string]>) => a.transformWith(b, (ra, rb) => ra.join(rb)),
    });
    expectBatches(output, [[['a', [1, 'x']]]]);
  });
});

describe('slice', () => {
  test('slice returns the RDDs of the batches in [from, to]', async () => {
    const { ssc, clock } = createTestContext();
    ssc.remember(10_000);
    const input = ssc.queueStream([[1], [2], [3], [4], [5]]);
    const sliced: number[][][] = [];
    input.foreachRDD(async (_rdd, time) => {
      if (time === 5000) {
        for (const [from, to] of [[2000, 4000], [1000, 1000], [1500, 3500], [0, 5000]]) {
          const rdds = input.slice(from!, to!);
          sliced.push(await Promise.all(rdds.map((r) => r.collect())).then((parts) => parts));
        }
      }
    });
    ssc.start();
    await clock.advance(5000);
    await ssc.stop();
    expect(sliced).toEqual([
      [[2], [3], [4]],
      [[1]],
      [[1], [2], [3]],
      [[1], [2], [3], [4], [5]],
    ]);
  });

  // Spark: "<DStream class> has not been initialized".
  test('slice before start is an error naming the stream: it has not been initialized', () => {
    const { ssc } = createTestContext();
    const s = ssc.queueStream<number>([]);
    expect(() => s.slice(0, 1000)).toThrow(IllegalStateError);
    expect(() => s.slice(0, 1000)).toThrow(/^slice: queueStream at DStream\.test\.ts:\d+:\d+ has not been initialized: .*Call slice\(\) after start\(\), or from an output operation/);
  });
});

describe('chaining and sharing', () => {
  test('one stream read by two outputs is computed once per batch', async () => {
    const { ssc, clock } = createTestContext();
    const calls: number[] = [];
    const mapped = ssc.queueStream([[1, 2], [3]]).transform((rdd, time) => {
      calls.push(time);
      return rdd.map((x) => x * 2);
    });
    const a = collectBatches(mapped);
    const b = collectBatches(mapped.map((x) => x + 1));
    ssc.start();
    await clock.advance(2000);
    await ssc.stop();
    expectBatches(a.output, [[2, 4], [6]]);
    expectBatches(b.output, [[3, 5], [7]]);
    expect(calls).toEqual([1000, 2000]);
  });

  test('a long chain of narrow operations', async () => {
    const { output } = await runStreams({
      input: [['The quick brown fox', 'jumps over'], ['the lazy dog']],
      operation: (s) =>
        s.flatMap((l) => l.split(' '))
          .map((w) => w.toLowerCase())
          .filter((w) => w.length > 3)
          .map((w) => w.length),
    });
    expectBatches(output, [[5, 5, 5, 4], [4]]);
  });
});
