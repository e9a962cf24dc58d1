import { describe, expect, test } from 'vitest';
import { runStreams, expectBatches, createTestContext, collectBatches, seededRandom, sortCanonically } from '../support/TestSuiteBase.ts';

// reduceByKeyAndWindow, both forms (Spark's WindowOperationsSuite). Batch interval 1000 ms.

type KV = [string, number];

const input: KV[][] = [
  [['a', 1]],
  [['a', 1], ['b', 1]],
  [['b', 1]],
  [],
  [],
  [['a', 1]],
];

describe('reduceByKeyAndWindow without inverse', () => {
  test('window 2, slide 1: keys leave when their batches do', async () => {
    const { output } = await runStreams({ input, operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, 2000, 1000) });
    expectBatches(output, [
      [['a', 1]],
      [['a', 2], ['b', 1]],
      [['a', 1], ['b', 2]],
      [['b', 1]],
      [],
      [['a', 1]],
    ]);
  });

  test('window 3, slide 2', async () => {
    const { output, times } = await runStreams({ input, operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, 3000, 2000) });
    expect(times).toEqual([2000, 4000, 6000]);
    expectBatches(output, [[['a', 2], ['b', 1]], [['a', 1], ['b', 2]], [['a', 1]]]);
  });

  test('numPartitions', async () => {
    const { output } = await runStreams({ input, operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, 2000, 1000, 3).glom() });
    expect(output.every((b) => b.length === 3)).toBe(true);
  });
});

describe('reduceByKeyAndWindow with inverse', () => {
  test('without filterFunc, keys whose batches all left stay with 0', async () => {
    const { output } = await runStreams({ input, operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 2000, 1000) });
    expectBatches(output, [
      [['a', 1]],
      [['a', 2], ['b', 1]],
      [['a', 1], ['b', 2]],
      [['a', 0], ['b', 1]],
      [['a', 0], ['b', 0]],
      [['a', 1], ['b', 0]],
    ]);
  });

  test('with filterFunc, those keys are dropped', async () => {
    const { output } = await runStreams({
      input,
      operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 2000, 1000, undefined, ([, v]) => v !== 0),
    });
    expectBatches(output, [
      [['a', 1]],
      [['a', 2], ['b', 1]],
      [['a', 1], ['b', 2]],
      [['b', 1]],
      [],
      [['a', 1]],
    ]);
  });

  test('count() is the number of pairs each window has (counted from its maps), with and without filterFunc', async () => {
    const counted = (filter?: (kv: KV) => boolean) => {
      const counts: [count: number, pairs: number][] = [];
      return {
        counts,
        operation: (s: any) => {
          const w = s.reduceByKeyAndWindow((a: number, b: number) => a + b, (a: number, b: number) => a - b, 2000, 1000, undefined, filter);
          w.foreachRDD(async (rdd: any) => void counts.push([await rdd.count(), (await rdd.collect()).length]));
          return w;
        },
      };
    };
    const all = counted();
    await runStreams({ input, operation: all.operation });
    expect(all.counts).toEqual([[1, 1], [2, 2], [2, 2], [2, 2], [2, 2], [2, 2]]);
    const nonZero = counted(([, v]) => v !== 0);
    await runStreams({ input, operation: nonZero.operation });
    expect(nonZero.counts).toEqual([[1, 1], [2, 2], [2, 2], [1, 1], [0, 0], [1, 1]]);
  });

  test('window 3, slide 2 (two batches leave and two enter per window)', async () => {
    const { output, times } = await runStreams({
      input,
      operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 2000),
    });
    expect(times).toEqual([2000, 4000, 6000]);
    expectBatches(output, [[['a', 2], ['b', 1]], [['a', 1], ['b', 2]], [['a', 1], ['b', 0]]]);
  });

  test('slide longer than the window: batches between windows belong to none', async () => {
    const hops: KV[][] = [[['a', 1]], [['b', 1]], [['c', 1]], [['d', 1]], [['e', 1]], [['f', 1]]];
    const inverse = await runStreams({ input: hops, operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 1000, 2000) });
    expect(inverse.times).toEqual([2000, 4000, 6000]);
    expectBatches(inverse.output, [[['b', 1]], [['b', 0], ['d', 1]], [['b', 0], ['d', 0], ['f', 1]]]);
    const counted = await runStreams({ input: hops, operation: (s) => s.map(([k]) => k).countByValueAndWindow(1000, 3000) });
    expect(counted.times).toEqual([3000, 6000]);
    expectBatches(counted.output, [[['c', 1]], [['f', 1]]]);
  });

  test('a key that disappears and comes back', async () => {
    const { output } = await runStreams({
      input: [[['k', 5]], [], [], [['k', 7]], [['k', 1]]] as KV[][],
      operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 1000, 1000),
    });
    expectBatches(output, [[['k', 5]], [['k', 0]], [['k', 0]], [['k', 7]], [['k', 1]]]);
  });

  test('numPartitions sets the partition count', async () => {
    const { output } = await runStreams({
      input,
      operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 2000, 1000, 3).glom(),
    });
    expect(output.every((b) => b.length === 3)).toBe(true);
  });

  test('durations are checked at definition', () => {
    const { ssc } = createTestContext();
    const s = ssc.queueStream<KV>([]);
    expect(() => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 2500, 1000)).toThrow(/window duration \(2500 ms\) must be a multiple/);
    expect(() => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 2000, 1500)).toThrow(/slide duration \(1500 ms\) must be a multiple/);
    expect(() => s.reduceByKeyAndWindow((a, b) => a + b, 2500, 1000)).toThrow(RangeError);
  });

  test('a long run keeps the state chain short and correct (100 batches)', async () => {
    const batches: KV[][] = Array.from({ length: 100 }, (_, i) => [['x', i]]);
    const { output } = await runStreams({
      input: batches,
      operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000),
    });
    const expected = batches.map((_, i) => [['x', [i, i - 1, i - 2].filter((j) => j >= 0).reduce((a, b) => a + b, 0)]] as KV[]);
    expectBatches(output, expected);
  });
});

describe('what an inverse window holds (local mode)', () => {
  test('each batch reduced is kept as its pairs alone; the input keeps its batches as any stream does (this one and the one before), not for the window', async () => {
    const { ssc, clock } = createTestContext({ defaultParallelism: 2 });
    const queue: KV[][] = Array.from({ length: 8 }, (_, i) => [['x', i], ['y', 1]]);
    const input = ssc.queueStream(queue);
    const windowed = input.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 4000, 1000);
    const held: [input: number, reduced: string[]][] = [];
    const reduced = windowed.dependencies[0]!;
    windowed.foreachRDD(() => void held.push([input.generatedRDDs.size, [...reduced.generatedRDDs.values()].map((r) => r.constructor.name)]));
    const out = collectBatches(windowed);
    ssc.start();
    await clock.advance(8000);
    await ssc.stop();
    expect(held.map(([n]) => n)).toEqual([1, 2, 2, 2, 2, 2, 2, 2]);
    // The window's batches (and those it subtracts next), each without lineage.
    expect(held.at(-1)![1].length).toBeGreaterThanOrEqual(4);
    expect(new Set(held.at(-1)![1])).toEqual(new Set(['MaterializedRDD']));
    expectBatches(out.output, [0, 1, 2, 3, 4, 5, 6, 7].map((t) => [['x', [t, t - 1, t - 2, t - 3].filter((j) => j >= 0).reduce((a, b) => a + b, 0)], ['y', Math.min(t + 1, 4)]] as KV[]));
  });
});

describe('the inverse form agrees with the plain form on random input', () => {
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  const random = (seed: number): KV[][] => {
    const rand = seededRandom(seed);
    return Array.from({ length: 30 }, () => {
      const n = Math.floor(rand() * 6); // some batches are empty
      return Array.from({ length: n }, () => [keys[Math.floor(rand() * keys.length)]!, 1 + Math.floor(rand() * 10)] as KV);
    });
  };

  for (const [window, slide] of [[5000, 1000], [5000, 2000], [2000, 3000]] as const) {
    for (const seed of [1, 2, 3]) {
      test(`window ${window / 1000} batches, slide ${slide / 1000} (seed ${seed})`, async () => {
        const batches = random(seed);
        const plain = await runStreams({ input: batches, operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, window, slide) });
        const inverse = await runStreams({
          input: batches,
          operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, window, slide, undefined, ([, v]) => v !== 0),
        });
        const unfiltered = await runStreams({
          input: batches,
          operation: (s) => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, window, slide),
        });
        expect(plain.times).toEqual(Array.from({ length: 30000 / slide }, (_, i) => (i + 1) * slide));
        expect(inverse.times).toEqual(plain.times);
        expectBatches(inverse.output, plain.output);
        // Without the filter, the same keys with a value, plus zeros for keys seen before.
        expectBatches(unfiltered.output.map((b) => b.filter(([, v]) => v !== 0)), plain.output);
        // And a brute-force window sum agrees with both.
        const expected = plain.times.map((t) => {
          const sums = new Map<string, number>();
          for (let i = (t - window) / 1000; i < t / 1000; i++) if (i >= 0) for (const [k, v] of batches[i]!) sums.set(k, (sums.get(k) ?? 0) + v);
          return sortCanonically([...sums]);
        });
        expectBatches(plain.output, expected);
      });
    }
  }
});
