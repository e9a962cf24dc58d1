import { describe, expect, test } from 'vitest';
import { HashPartitioner, RDDContext, type RDD } from '../../engine/rdd/index.ts';
import { newContext, partitionsOf } from './helpers.ts';

// Narrow transformations: each output partition is computed from the same-numbered input
// partition, so the tables state the exact output, partition by partition.
type Case = [name: string, input: unknown[][], build: (rdd: RDD<any>) => RDD<any>, output: unknown[][]];

const narrow: Case[] = [
  ['map', [[1, 2], [3]], (r) => r.map((x: number) => x * 10), [[10, 20], [30]]],
  ['map to pairs', [['a'], ['b', 'c']], (r) => r.map((w: string) => [w, 1]), [[['a', 1]], [['b', 1], ['c', 1]]]],
  ['map over an empty partition', [[], [1]], (r) => r.map((x: number) => x + 1), [[], [2]]],
  ['map(Number) (a global)', [['1', '2.5'], ['x']], (r) => r.map(Number), [[1, 2.5], [NaN]]],
  ['flatMap to arrays', [['a b', 'c'], ['d']], (r) => r.flatMap((l: string) => l.split(' ')), [['a', 'b', 'c'], ['d']]],
  ['flatMap to nothing', [[1, 2], [3]], (r) => r.flatMap((): number[] => []), [[], []]],
  ['flatMap to a generator', [[1, 2], [3]], (r) => r.flatMap(function* (n: number) { for (let i = 0; i < n; i++) yield n; }), [[1, 2, 2], [3, 3, 3]]],
  ['flatMap to a Set', [[[1, 1, 2]], [[3]]], (r) => r.flatMap((xs: number[]) => new Set(xs)), [[1, 2], [3]]],
  ['flatMap to a string (iterable of characters)', [['ab'], []], (r) => r.flatMap((s: string) => s), [['a', 'b'], []]],
  ['filter', [[1, 2, 3], [4, 5]], (r) => r.filter((x: number) => x % 2 === 1), [[1, 3], [5]]],
  ['filter by truthiness', [[0, 1, '', 'a', null, undefined, []]], (r) => r.filter((x: unknown) => x), [[1, 'a', []]]],
  ['filter(Boolean)', [[0, 2], [false, true]], (r) => r.filter(Boolean), [[2], [true]]],
  ['mapPartitions', [[1, 2, 3], [4]], (r) => r.mapPartitions((xs: number[]) => [xs.reduce((a, b) => a + b, 0)]), [[6], [4]]],
  ['mapPartitions sees empty partitions', [[], [1, 2]], (r) => r.mapPartitions((xs: number[]) => [xs.length]), [[0], [2]]],
  ['mapPartitions to a generator', [[1, 2], [3]], (r) => r.mapPartitions(function* (xs: number[]) { for (const x of xs) yield -x; }), [[-1, -2], [-3]]],
  ['mapPartitionsWithIndex', [['a', 'b'], [], ['c']], (r) => r.mapPartitionsWithIndex((i: number, xs: string[]) => xs.map((x) => `${i}:${x}`)), [['0:a', '0:b'], [], ['2:c']]],
  ['mapPartitionsWithIndex emits for empty partitions', [[], []], (r) => r.mapPartitionsWithIndex((i: number) => [i]), [[0], [1]]],
  ['glom', [[1, 2], [], [3]], (r) => r.glom(), [[[1, 2]], [[]], [[3]]]],
  ['keyBy', [['apple', 'kiwi'], ['fig']], (r) => r.keyBy((w: string) => w.length), [[[5, 'apple'], [4, 'kiwi']], [[3, 'fig']]]],
  ['mapValues', [[['a', 1], ['b', 2]], [['a', 3]]], (r) => r.mapValues((v: number) => v * 2), [[['a', 2], ['b', 4]], [['a', 6]]]],
  ['flatMapValues to arrays', [[['a', 'x y'], ['b', '']]], (r) => r.flatMapValues((v: string) => (v ? v.split(' ') : [])), [[['a', 'x'], ['a', 'y']]]],
  ['flatMapValues to a generator', [[['a', 2]], [['b', 1]]], (r) => r.flatMapValues(function* (n: number) { for (let i = 0; i < n; i++) yield i; }), [[['a', 0], ['a', 1]], [['b', 0]]]],
  ['keys', [[['a', 1], ['b', 2]], [[['u', 1], 3]]], (r) => r.keys(), [['a', 'b'], [['u', 1]]]],
  ['values', [[['a', 1], ['b', 2]], [['c', [3]]]], (r) => r.values(), [[1, 2], [[3]]]],
  ['union with itself', [[1], [2]], (r) => r.union(r), [[1], [2], [1], [2]]],
  ['coalesce(1)', [[1], [2], [3]], (r) => r.coalesce(1), [[1, 2, 3]]],
  ['coalesce(2) of 4: contiguous runs', [[1], [2], [3], [4]], (r) => r.coalesce(2), [[1, 2], [3, 4]]],
  ['coalesce(2) of 3', [[1], [2], [3]], (r) => r.coalesce(2), [[1], [2, 3]]],
  ['coalesce to more partitions keeps the count', [[1], [2]], (r) => r.coalesce(5), [[1], [2]]],
  ['a chain of narrow transformations', [['a b', 'b'], ['c a']], (r) => r.flatMap((l: string) => l.split(' ')).filter((w: string) => w !== 'c').map((w: string) => w.toUpperCase()), [['A', 'B', 'B'], ['A']]],
];

describe('narrow transformations', () => {
  test.each(narrow)('%s', async (_name, input, build, output) => {
    const sc = newContext();
    const rdd = build(sc.fromPartitions(input));
    expect(rdd.getNumPartitions()).toBe(output.length);
    expect(await partitionsOf(rdd)).toEqual(output);
    expect(await rdd.collect()).toEqual(output.flat());
  });

  test('narrow transformations are lazy: defining one runs nothing', () => {
    const sc = newContext();
    // Would throw at once if map ran eagerly.
    const rdd = sc.parallelize([1, 2]).map((x: number) => { throw new Error(`ran on ${x}`); });
    expect(rdd.getNumPartitions()).toBe(2);
  });

  test('each record passes through a pipelined chain once, in order', async () => {
    const sc = newContext();
    const order = sc
      .parallelize(['a', 'b'], 1)
      .map((x: string) => { globalThis.rivuletTestSeen!.push(`map ${x}`); return x; })
      .filter((x: string) => { globalThis.rivuletTestSeen!.push(`filter ${x}`); return true; });
    globalThis.rivuletTestSeen = [];
    await order.collect();
    expect(globalThis.rivuletTestSeen).toEqual(['map a', 'filter a', 'map b', 'filter b']);
  });
});

describe('parallelize', () => {
  test.each([
    [[1, 2, 3, 4, 5], 2, [[1, 2], [3, 4, 5]]],
    [[1, 2, 3, 4, 5], 3, [[1], [2, 3], [4, 5]]],
    [[1, 2, 3], 5, [[], [1], [], [2], [3]]],
    [[], 2, [[], []]],
    [['only'], 1, [['only']]],
  ] as [unknown[], number, unknown[][]][])('%j in %i slices', async (data, numSlices, output) => {
    expect(await partitionsOf(newContext().parallelize(data, numSlices))).toEqual(output);
  });

  test('defaults to defaultParallelism slices and accepts any iterable', async () => {
    const sc = newContext();
    expect(sc.parallelize([1, 2, 3]).getNumPartitions()).toBe(2);
    expect(await sc.parallelize(new Set([1, 2, 3]), 1).collect()).toEqual([1, 2, 3]);
    expect(new RDDContext({ defaultParallelism: 4 }).parallelize([1]).getNumPartitions()).toBe(4);
  });

  test('emptyRDD has no partitions and no records', async () => {
    const empty = newContext().emptyRDD<number>();
    expect(empty.getNumPartitions()).toBe(0);
    expect(await empty.collect()).toEqual([]);
    expect(await empty.count()).toBe(0);
  });
});

describe('union', () => {
  test('partitions of each RDD side by side, in argument order', async () => {
    const sc = newContext();
    const a = sc.fromPartitions([[1], [2]]);
    const b = sc.fromPartitions([[3]]);
    const c = sc.fromPartitions([[], [4, 5]]);
    expect(await partitionsOf(a.union(b, c))).toEqual([[1], [2], [3], [], [4, 5]]);
    expect(await partitionsOf(sc.union([c, a]))).toEqual([[], [4, 5], [1], [2]]);
    expect(await sc.union<number>([]).collect()).toEqual([]);
  });

  test('union keeps duplicates (it is not a set union)', async () => {
    const sc = newContext();
    expect(await sc.parallelize([1, 2]).union(sc.parallelize([2, 3])).collect()).toEqual([1, 2, 2, 3]);
  });

  test('partitioner-aware: parents partitioned alike give partition i = union of their partitions i', async () => {
    const sc = newContext();
    const p = new HashPartitioner(3);
    const a = sc.parallelize([['a', 1], ['b', 2], ['c', 3]] as [string, number][]).partitionBy(p);
    const b = sc.parallelize([['a', 10], ['d', 40]] as [string, number][]).partitionBy(new HashPartitioner(3));
    const u = a.union(b);
    expect(u.getNumPartitions()).toBe(3);
    expect(u.partitioner?.equals(p)).toBe(true);
    expect(u.dependencies.every((d) => d.kind === 'narrow')).toBe(true);
    const [pa, pb, pu] = await Promise.all([partitionsOf(a), partitionsOf(b), partitionsOf(u)]);
    expect(pu).toEqual([0, 1, 2].map((i) => [...pa[i]!, ...pb[i]!]));
    // A key-based operation on the union needs no further shuffle.
    expect(u.reduceByKey((x: number, y: number) => x + y).dependencies[0]!.kind).toBe('narrow');
  });

  test('parents with different partitioners: partitions side by side, no partitioner', () => {
    const sc = newContext();
    const pairs = sc.parallelize([['a', 1]] as [string, number][]);
    const cases: [RDD<[string, number]>, RDD<[string, number]>, number][] = [
      [pairs.partitionBy(3), pairs.partitionBy(2), 5],
      [pairs.partitionBy(3), pairs, 5],
      [pairs, pairs, 4],
    ];
    for (const [a, b, n] of cases) {
      const u = a.union(b);
      expect(u.getNumPartitions()).toBe(n);
      expect(u.partitioner).toBeUndefined();
    }
  });
});

describe('sample', () => {
  const data = Array.from({ length: 200 }, (_, i) => i);

  test('deterministic for a seed, different across seeds', async () => {
    const sc = newContext();
    const rdd = sc.parallelize(data, 4);
    const a = await rdd.sample(false, 0.3, 7).collect();
    const b = await rdd.sample(false, 0.3, 7).collect();
    const c = await rdd.sample(false, 0.3, 8).collect();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  test('without replacement: an ordered subset of about fraction × n records', async () => {
    const sample = await newContext().parallelize(data, 4).sample(false, 0.25, 3).collect();
    expect(sample.length).toBeGreaterThan(25);
    expect(sample.length).toBeLessThan(75);
    expect(new Set(sample).size).toBe(sample.length);
    expect(sample).toEqual([...sample].sort((x, y) => x - y));
    for (const x of sample) expect(data).toContain(x);
  });

  test('with replacement: records may repeat, and fraction may exceed 1', async () => {
    const sample = await newContext().parallelize(data, 4).sample(true, 2, 5).collect();
    expect(sample.length).toBeGreaterThan(300);
    expect(sample.length).toBeLessThan(500);
    expect(new Set(sample).size).toBeLessThan(sample.length);
  });

  test.each([
    [false, 0, 0],
    [false, 1, 200],
    [true, 0, 0],
  ])('withReplacement=%s fraction=%d gives %i records', async (withReplacement, fraction, count) => {
    expect(await newContext().parallelize(data, 3).sample(withReplacement, fraction).count()).toBe(count);
  });

  test.each([
    [false, -0.1],
    [false, 1.5],
    [false, NaN],
    [true, -1],
  ])('withReplacement=%s fraction=%d is a RangeError at definition', (withReplacement, fraction) => {
    const rdd = newContext().parallelize(data);
    expect(() => rdd.sample(withReplacement, fraction)).toThrow(RangeError);
    expect(() => rdd.sample(withReplacement, fraction)).toThrow(/sample: fraction must be/);
  });

  test('keeps the partitioner (it only drops records)', () => {
    const rdd = newContext().parallelize([['a', 1]] as [string, number][]).partitionBy(2);
    expect(rdd.sample(false, 0.5).partitioner).toBe(rdd.partitioner);
  });
});

describe('partitioning through narrow transformations', () => {
  // Spark keeps the partitioner only where keys cannot change.
  test.each([
    ['mapValues', (r: RDD<[string, number]>) => r.mapValues((v: number) => v + 1), true],
    ['flatMapValues', (r: RDD<[string, number]>) => r.flatMapValues((v: number) => [v]), true],
    ['filter', (r: RDD<[string, number]>) => r.filter(() => true), true],
    ['map', (r: RDD<[string, number]>) => r.map((kv: [string, number]) => kv), false],
    ['flatMap', (r: RDD<[string, number]>) => r.flatMap((kv: [string, number]) => [kv]), false],
    ['keyBy', (r: RDD<[string, number]>) => r.keyBy((kv: [string, number]) => kv[0]), false],
    ['mapPartitions', (r: RDD<[string, number]>) => r.mapPartitions((xs: [string, number][]) => xs), false],
    ['mapPartitions(…, preservesPartitioning)', (r: RDD<[string, number]>) => r.mapPartitions((xs: [string, number][]) => xs, true), true],
    ['mapPartitionsWithIndex(…, preservesPartitioning)', (r: RDD<[string, number]>) => r.mapPartitionsWithIndex((_i: number, xs: [string, number][]) => xs, true), true],
    ['coalesce', (r: RDD<[string, number]>) => r.coalesce(1), false],
  ])('%s keeps the partitioner: %s', (_name, build, keeps) => {
    const partitioned = newContext().parallelize([['a', 1]] as [string, number][]).partitionBy(2);
    expect(build(partitioned).partitioner).toBe(keeps ? partitioned.partitioner : undefined);
  });
});
