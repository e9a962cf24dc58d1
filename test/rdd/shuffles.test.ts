import { describe, expect, test } from 'vitest';
import { HashPartitioner, RangePartitioner, type RDD } from '../../engine/rdd/index.ts';
import { newContext, partitionsOf, sorted } from './helpers.ts';

// A shuffle fixes which partition a key lands in, not the order of keys within the output, so
// most tables compare the records in key order.
type Pairs = [unknown, unknown][][];
const sales: Pairs = [
  [['a', 1], ['b', 2]],
  [['a', 3], ['c', 4]],
  [['b', 5]],
];

describe('aggregations by key', () => {
  type Case = [name: string, input: Pairs, build: (rdd: RDD<[any, any]>) => RDD<[any, any]>, output: [unknown, unknown][]];
  const cases: Case[] = [
    ['reduceByKey', sales, (r) => r.reduceByKey((x: number, y: number) => x + y), [['a', 4], ['b', 7], ['c', 4]]],
    ['reduceByKey keeps a single value as it is', [[['k', 'v']]], (r) => r.reduceByKey(() => 'never called'), [['k', 'v']]],
    ['reduceByKey over empty input', [[], []], (r) => r.reduceByKey((x: number, y: number) => x + y), []],
    ['groupByKey', sales, (r) => r.groupByKey().mapValues((vs: number[]) => vs.sort()), [['a', [1, 3]], ['b', [2, 5]], ['c', [4]]]],
    [
      'combineByKey (average)',
      sales,
      (r) =>
        r
          .combineByKey(
            (v: number) => [v, 1],
            (c: number[], v: number) => [c[0]! + v, c[1]! + 1],
            (c1: number[], c2: number[]) => [c1[0]! + c2[0]!, c1[1]! + c2[1]!],
          )
          .mapValues(([sum, n]: number[]) => sum! / n!),
      [['a', 2], ['b', 3.5], ['c', 4]],
    ],
    [
      'combineByKey without map-side combine',
      sales,
      (r) => r.combineByKey((v: number) => [v], (c: number[], v: number) => [...c, v], (x: number[], y: number[]) => [...x, ...y], undefined, false).mapValues((vs: number[]) => vs.sort()),
      [['a', [1, 3]], ['b', [2, 5]], ['c', [4]]],
    ],
    // Spark's aggregateByKey and foldByKey apply the zero value once per key per map partition.
    ['aggregateByKey: zero per key per partition', sales, (r) => r.aggregateByKey(100, (acc: number, v: number) => acc + v, (x: number, y: number) => x + y), [['a', 204], ['b', 207], ['c', 104]]],
    ['aggregateByKey to another type', sales, (r) => r.aggregateByKey('', (acc: string, v: number) => acc + v, (x: string, y: string) => x + y).mapValues((s: string) => [...s].sort().join('')), [['a', '13'], ['b', '25'], ['c', '4']]],
    ['foldByKey: zero per key per partition', sales, (r) => r.foldByKey(10, (x: number, y: number) => x + y), [['a', 24], ['b', 27], ['c', 14]]],
    ['foldByKey after coalesce(1): zero once per key', sales, (r) => r.coalesce(1).foldByKey(10, (x: number, y: number) => x + y), [['a', 14], ['b', 17], ['c', 14]]],
    ['foldByKey on input already partitioned by key: zero once per key', sales, (r) => r.partitionBy(2).foldByKey(10, (x: number, y: number) => x + y), [['a', 14], ['b', 17], ['c', 14]]],
    ['foldByKey with 0 and +', sales, (r) => r.foldByKey(0, (x: number, y: number) => x + y), [['a', 4], ['b', 7], ['c', 4]]],
    ['composite array keys group by value', [[[['u', 1], 1], [['u', 2], 2]], [[['u', 1], 3]]], (r) => r.reduceByKey((x: number, y: number) => x + y), [[['u', 1], 4], [['u', 2], 2]]],
    ['object keys group by value, whatever the property order', [[[{ a: 1, b: 2 }, 1]], [[{ b: 2, a: 1 }, 2]]], (r) => r.reduceByKey((x: number, y: number) => x + y), [[{ a: 1, b: 2 }, 3]]],
    ['Date keys group by time', [[[new Date(0), 1]], [[new Date(0), 2]]], (r) => r.reduceByKey((x: number, y: number) => x + y), [[new Date(0), 3]]],
    ['number keys: 0 and -0 are one key; 1 and "1" are two', [[[0, 1], [1, 1]], [[-0, 1], ['1', 1]]], (r) => r.reduceByKey((x: number, y: number) => x + y), [[0, 2], [1, 1], ['1', 1]]],
    ['null and undefined keys are keys', [[[null, 1], [undefined, 1]], [[null, 1]]], (r) => r.reduceByKey((x: number, y: number) => x + y), [[undefined, 1], [null, 2]]],
  ];

  test.each(cases)('%s', async (_name, input, build, output) => {
    const rdd = build(newContext().fromPartitions(input));
    expect(sorted(await rdd.collect())).toEqual(sorted(output));
  });

  test('groupByKey keeps every value, in input order per key', async () => {
    const grouped = newContext().fromPartitions(sales).groupByKey(1);
    expect(await grouped.collect()).toEqual([['a', [1, 3]], ['b', [2, 5]], ['c', [4]]]);
  });

  test.each([
    ['reduceByKey', (r: RDD<[string, number]>, n?: number) => r.reduceByKey((x: number, y: number) => x + y, n)],
    ['groupByKey', (r: RDD<[string, number]>, n?: number) => r.groupByKey(n)],
    ['foldByKey', (r: RDD<[string, number]>, n?: number) => r.foldByKey(0, (x: number, y: number) => x + y, n)],
    ['aggregateByKey', (r: RDD<[string, number]>, n?: number) => r.aggregateByKey(0, (x: number, y: number) => x + y, (x: number, y: number) => x + y, n)],
    ['combineByKey', (r: RDD<[string, number]>, n?: number) => r.combineByKey((v: number) => v, (x: number, y: number) => x + y, (x: number, y: number) => x + y, n)],
    ['distinct', (r: RDD<[string, number]>, n?: number) => r.distinct(n)],
  ])('%s: defaultParallelism partitions by default, n when given, hash-partitioned', (_name, build) => {
    const input = newContext().fromPartitions(sales as [string, number][][]);
    expect(build(input).getNumPartitions()).toBe(2);
    const five = build(input, 5);
    expect(five.getNumPartitions()).toBe(5);
    if (_name !== 'distinct') expect(five.partitioner?.equals(new HashPartitioner(5))).toBe(true);
  });

  test('reduceByKey with a Partitioner uses it', async () => {
    const p = new HashPartitioner(3);
    const reduced = newContext().fromPartitions(sales).reduceByKey((x: any, y: any) => x + y, p);
    expect(reduced.partitioner).toBe(p);
    // Every key sits in the partition the partitioner names.
    (await partitionsOf(reduced)).forEach((part, i) => part.forEach(([k]) => expect(p.getPartition(k)).toBe(i)));
  });

  test('on input already partitioned alike, combining needs no shuffle', async () => {
    const partitioned = newContext().fromPartitions(sales as [string, number][][]).partitionBy(2);
    const reduced = partitioned.reduceByKey((x: number, y: number) => x + y);
    expect(reduced.dependencies.map((d) => d.kind)).toEqual(['narrow']);
    expect(reduced.partitioner).toBe(partitioned.partitioner);
    expect(sorted(await reduced.collect())).toEqual([['a', 4], ['b', 7], ['c', 4]]);
    // A different partition count does shuffle.
    expect(partitioned.reduceByKey((x: number, y: number) => x + y, 3).dependencies.map((d) => d.kind)).toEqual(['shuffle']);
  });

  // Spark allows seqOp/combOp (and mergeValue/mergeCombiners) to modify and return their first
  // argument. Map outputs are kept for the next job, so that must not change what it reads.
  test.each([
    ['aggregateByKey', (r: RDD<[string, number]>) => r.aggregateByKey([] as number[], (acc: number[], v: number) => { acc.push(v); return acc; }, (x: number[], y: number[]) => { x.push(...y); return x; })],
    ['foldByKey', (r: RDD<[string, number[]]>) => r.foldByKey([] as number[], (x: number[], y: number[]) => { x.push(...y); return x; })],
    ['combineByKey', (r: RDD<[string, number]>) => r.combineByKey((v: number) => [v], (c: number[], v: number) => { c.push(v); return c; }, (x: number[], y: number[]) => { x.push(...y); return x; })],
    ['combineByKey without map-side combine, identity createCombiner', (r: RDD<[string, number[]]>) => r.combineByKey((v: number[]) => v, (c: number[], v: number[]) => { c.push(...v); return c; }, (x: number[], y: number[]) => { x.push(...y); return x; }, undefined, false)],
  ] as [string, (r: RDD<any>) => RDD<[string, number[]]>][])('%s that mutates its first argument gives the same result on every action', async (name, build) => {
    const sc = newContext();
    const input = name.startsWith('foldByKey') || name.includes('identity') ? sc.fromPartitions(sales.map((p) => p.map(([k, v]) => [k, [v]]))) : sc.fromPartitions(sales);
    const rdd = build(input).mapValues((vs: number[]) => [...vs].sort());
    const expected = [['a', [1, 3]], ['b', [2, 5]], ['c', [4]]];
    expect(sorted(await rdd.collect())).toEqual(expected);
    expect(sorted(await rdd.collect())).toEqual(expected);
    expect(sorted(await rdd.collect())).toEqual(expected);
  });

  test('foldByKey and aggregateByKey give every key its own copy of a mutable zero', async () => {
    const zero: string[] = [];
    const folded = newContext().fromPartitions([[['a', ['x']], ['b', ['y']]]] as [string, string[]][][]).foldByKey(zero, (acc: string[], v: string[]) => { acc.push(...v); return acc; });
    expect(sorted(await folded.collect())).toEqual([['a', ['x']], ['b', ['y']]]);
    expect(zero).toEqual([]);
  });

  test('the zero value is taken when the operation is defined', async () => {
    const zero = { n: 1 };
    const folded = newContext().fromPartitions<[string, { n: number }]>([[['a', { n: 1 }]]]).foldByKey(zero, (x: { n: number }, y: { n: number }) => ({ n: x.n + y.n }));
    zero.n = 100;
    expect(await folded.collect()).toEqual([['a', { n: 2 }]]);
  });
});

describe('reduceByKey in one thread: the map partitions combine into one map', () => {
  // Locally every map partition of a reduceByKey merges into the same map (rdd/shuffle.ts). With an
  // associative function that is the value the reduce side gives, keys in the same order: the same
  // as combineByKey with the same functions, whose map partitions keep outputs of their own.
  // Concatenation is associative and not commutative, so the order of merging shows too.
  const words = (seed: number, n: number): [string, string][] => {
    let x = seed;
    return Array.from({ length: n }, (_, i) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return [`k${x % 17}`, `${i},`];
    });
  };
  const concat = (a: string, b: string) => a + b;
  test.each([1, 2, 3, 5])('%i partitions: the pairs and their order are combineByKey\'s', async (n) => {
    const sc = newContext();
    const input = sc.parallelize(words(n, 200), n);
    const reduced = await input.reduceByKey(concat, 3).collect();
    const combined = await input.combineByKey((v: string) => v, concat, concat, 3).collect();
    expect(reduced).toEqual(combined);
    expect(reduced.length).toBe(17);
  });

  test('the map side runs once per record, and a second job reads the same outputs', async () => {
    const sc = newContext();
    let merges = 0;
    const reduced = sc.fromPartitions(sales as [string, number][][]).reduceByKey((x: number, y: number) => (merges++, x + y));
    expect(sorted(await reduced.collect())).toEqual([['a', 4], ['b', 7], ['c', 4]]);
    expect(merges).toBe(2);
    expect(await reduced.count()).toBe(3);
    expect(merges).toBe(2);
  });
});

describe('distinct', () => {
  test.each([
    ['numbers', [[1, 2, 1], [2, 3]], [1, 2, 3]],
    ['strings', [['a', 'b'], ['a'], []], ['a', 'b']],
    ['arrays by value', [[[1, 2], [2, 1]], [[1, 2]]], [[1, 2], [2, 1]]],
    ['objects by value', [[{ a: 1, b: [2] }], [{ b: [2], a: 1 }, { a: 2 }]], [{ a: 1, b: [2] }, { a: 2 }]],
    ['pairs (records that look like key-value pairs)', [[['a', 1], ['a', 1]], [['a', 2]]], [['a', 1], ['a', 2]]],
    ['0 and -0, NaN and NaN', [[0, NaN], [-0, NaN]], [0, NaN]],
    ['nothing', [[], []], []],
  ])('%s', async (_name, input, output) => {
    expect(sorted(await newContext().fromPartitions(input as unknown[][]).distinct().collect())).toEqual(sorted(output as unknown[]));
  });

  test('distinct(n) has n partitions', () => {
    expect(newContext().parallelize([1, 2, 3]).distinct(4).getNumPartitions()).toBe(4);
  });
});

describe('partitionBy', () => {
  // HashPartitioner places keys as Spark does: Java hashCode, non-negative modulo.
  test.each([
    ['a', 2, 1], // "a".hashCode() = 97
    ['b', 2, 0],
    ['ab', 3, 0], // 3105
    [3, 2, 1],
    [-3, 2, 1], // non-negative modulo
    [true, 2, 1], // Boolean.hashCode() = 1231
    [null, 4, 0],
    ['polygenelubricants', 5, 2], // hashCode() = Integer.MIN_VALUE
  ])('key %j with %i partitions goes to partition %i', async (key, n, partition) => {
    const parts = await partitionsOf(newContext().parallelize([[key, 'v'] as [unknown, string]]).partitionBy(n));
    expect(parts.length).toBe(n);
    expect(parts[partition]).toEqual([[key, 'v']]);
  });

  test('is a no-op when the RDD is already partitioned by an equal partitioner', () => {
    const sc = newContext();
    const once = sc.fromPartitions(sales).partitionBy(new HashPartitioner(3));
    expect(once.partitionBy(new HashPartitioner(3))).toBe(once);
    expect(once.partitionBy(3)).toBe(once);
    expect(once.partitionBy(2)).not.toBe(once);
    const reduced = sc.fromPartitions(sales).reduceByKey((x: any, y: any) => x + y, 4);
    expect(reduced.partitionBy(4)).toBe(reduced);
  });

  test('moves records, keeps them all, and sets the partitioner', async () => {
    const p = new HashPartitioner(2);
    const rdd = newContext().fromPartitions(sales).partitionBy(p);
    expect(rdd.partitioner).toBe(p);
    expect(await partitionsOf(rdd)).toEqual([
      [['b', 2], ['b', 5]],
      [['a', 1], ['a', 3], ['c', 4]],
    ]);
  });
});

describe('repartition', () => {
  test.each([
    [[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], 3],
    [[[1, 2, 3], [4, 5, 6], [7, 8, 9, 10]], 2],
    [[[1, 2], [3]], 5],
    [[[], []], 3],
  ])('%j into %i partitions keeps every record and balances them', async (input, n) => {
    const rdd = newContext().fromPartitions(input).repartition(n);
    expect(rdd.getNumPartitions()).toBe(n);
    const parts = await partitionsOf(rdd);
    expect(parts.flat().sort((a, b) => a - b)).toEqual(input.flat());
    const sizes = parts.map((p) => p.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(input.length);
    expect(rdd.partitioner).toBeUndefined();
  });

  test('records need not be pairs', async () => {
    expect((await newContext().parallelize(['x', 'y'], 1).repartition(2).collect()).sort()).toEqual(['x', 'y']);
  });

  test('coalesce(n, true) is repartition', async () => {
    const rdd = newContext().parallelize([1, 2, 3, 4], 1).coalesce(3, true);
    expect(rdd.getNumPartitions()).toBe(3);
    expect((await rdd.collect()).sort()).toEqual([1, 2, 3, 4]);
  });
});

describe('sortByKey and sortBy', () => {
  const numbers = [10, 9, 100, 1, -5, 2.5, 33, 0];

  test.each([
    ['numbers ascending', numbers, true, [-5, 0, 1, 2.5, 9, 10, 33, 100]],
    ['numbers descending', numbers, false, [100, 33, 10, 9, 2.5, 1, 0, -5]],
    ['numeric strings compare as strings', ['10', '9', '100', '1'], true, ['1', '10', '100', '9']],
    ['strings by code unit', ['b', 'B', 'a', 'ab', ''], true, ['', 'B', 'a', 'ab', 'b']],
    ['array keys element by element', [[2, 'a'], [1, 'b'], [1, 'a'], [1]], true, [[1], [1, 'a'], [1, 'b'], [2, 'a']]],
    ['mixed types: undefined < booleans < numbers < strings < arrays', ['x', 2, [0], true, undefined, 1], true, [undefined, true, 1, 2, 'x', [0]]],
    ['duplicate keys', [2, 1, 2, 1, 2], true, [1, 1, 2, 2, 2]],
    ['one key', [7, 7, 7], false, [7, 7, 7]],
  ])('%s', async (_name, keys, ascending, expectedKeys) => {
    const pairs = newContext().parallelize((keys as unknown[]).map((k, i) => [k, i] as [unknown, number]), 3);
    const byKey = pairs.sortByKey(ascending);
    expect((await byKey.collect()).map(([k]) => k)).toEqual(expectedKeys);
    const by = newContext().parallelize(keys as unknown[], 3).sortBy((k: unknown) => k, ascending);
    expect(await by.collect()).toEqual(expectedKeys);
  });

  test('globally sorted across partitions: each partition sorted, partitions in order', async () => {
    // A deterministic shuffle of 0..999 over 5 partitions, sorted into 4.
    const keys = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    for (const ascending of [true, false]) {
      const rdd = newContext().parallelize(keys.map((k) => [k, `v${k}`] as [number, string]), 5).sortByKey(ascending, 4);
      const parts = await partitionsOf(rdd);
      expect(parts.length).toBe(4);
      const flat = parts.flat().map(([k]) => k);
      const expected = [...keys].sort((a, b) => (ascending ? a - b : b - a));
      expect(flat).toEqual(expected);
      // The range partitioner spreads the keys: no partition is empty or holds most of them.
      for (const p of parts) {
        expect(p.length).toBeGreaterThan(100);
        expect(p.length).toBeLessThan(500);
      }
      expect(rdd.partitioner).toBeInstanceOf(RangePartitioner);
    }
  });

  test('values travel with their keys', async () => {
    const rdd = newContext().fromPartitions<[string, number]>([[['b', 2], ['c', 3]], [['a', 1]]]).sortByKey();
    expect(await rdd.collect()).toEqual([['a', 1], ['b', 2], ['c', 3]]);
  });

  test('keeps the input partition count unless told otherwise', () => {
    const pairs = newContext().parallelize([[1, 1] as [number, number]], 3);
    expect(pairs.sortByKey().getNumPartitions()).toBe(3);
    expect(pairs.sortByKey(true, 2).getNumPartitions()).toBe(2);
    expect(pairs.map((kv: [number, number]) => kv[0]).sortBy((x: number) => x, true, 5).getNumPartitions()).toBe(5);
  });

  test('sorting an RDD with no partitions gives no records', async () => {
    const sc = newContext();
    expect(await sc.emptyRDD<[number, number]>().sortByKey().collect()).toEqual([]);
    expect(await sc.emptyRDD<number>().sortBy((x: number) => x, false).collect()).toEqual([]);
    expect(await sc.parallelize([] as [number, number][], 3).sortByKey().collect()).toEqual([]);
  });

  test('sortBy with a composite key and captures', async () => {
    const words = newContext().parallelize(['pear', 'fig', 'apple', 'kiwi', 'date'], 2);
    const byLengthThenWord = words.sortBy((w: string) => [w.length, w]);
    expect(await byLengthThenWord.collect()).toEqual(['fig', 'date', 'kiwi', 'pear', 'apple']);
    const rank = { apple: 3, fig: 1, pear: 2 } as Record<string, number>;
    const byRank = words.sortBy((w: string) => rank[w] ?? 0, false, 2);
    expect(await byRank.collect()).toEqual(['apple', 'pear', 'fig', 'kiwi', 'date']);
  });

  test('a sorted RDD can be sorted again and stays correct on a second action', async () => {
    const sortedDesc = newContext().parallelize([3, 1, 2], 2).sortBy((x: number) => x).sortBy((x: number) => x, false);
    expect(await sortedDesc.collect()).toEqual([3, 2, 1]);
    expect(await sortedDesc.collect()).toEqual([3, 2, 1]);
  });
});

describe('shuffle reuse', () => {
  test('a second action reuses the map outputs: the map side runs once', async () => {
    const sc = newContext();
    const reduced = sc
      .fromPartitions(sales)
      .map((kv: [unknown, unknown]) => { globalThis.rivuletTestSeen!.push(kv); return kv; })
      .reduceByKey((x: any, y: any) => x + y);
    globalThis.rivuletTestSeen = [];
    await reduced.collect();
    await reduced.count();
    expect(globalThis.rivuletTestSeen.length).toBe(5);
  });
});
