import { describe, expect, test } from 'vitest';
import { UserFunctionError } from '../../engine/util/errors.ts';
import { newContext, failure, seen } from './helpers.ts';

describe('collect and count', () => {
  test.each([
    [[[1, 2], [3]], [1, 2, 3]],
    [[[], [1], [], [2, 3]], [1, 2, 3]],
    [[[], []], []],
    [[], []],
    [[[[1, 2]], [[3]]], [[1, 2], [3]]], // array records are not flattened
  ])('%j → %j', async (input, output) => {
    const rdd = newContext().fromPartitions(input as unknown[][]);
    expect(await rdd.collect()).toEqual(output);
    expect(await rdd.count()).toBe(output.length);
  });
});

describe('take, first, isEmpty', () => {
  test.each([
    [[[1, 2], [3, 4]], 0, []],
    [[[1, 2], [3, 4]], 1, [1]],
    [[[1, 2], [3, 4]], 3, [1, 2, 3]],
    [[[1, 2], [3, 4]], 10, [1, 2, 3, 4]],
    [[[], [], [5]], 1, [5]],
    [[[], [1], [], [2, 3]], 2, [1, 2]],
    [[[], []], 3, []],
  ])('%j take(%i) → %j', async (input, n, output) => {
    expect(await newContext().fromPartitions(input).take(n)).toEqual(output);
  });

  test('take computes partitions in order and stops once it has enough', async () => {
    const rdd = newContext()
      .fromPartitions([[1, 2], [3], [4]])
      .map((x: number) => { if (x >= 3) throw new Error(`computed ${x}`); return x; });
    // Partition 1 and 2 throw when computed: take(1) and take(2) must not compute them.
    expect(await rdd.take(1)).toEqual([1]);
    expect(await rdd.take(2)).toEqual([1, 2]);
    const e = await failure(() => rdd.take(3));
    expect(e).toBeInstanceOf(UserFunctionError);
    expect(e.message).toContain('computed 3');
  });

  test('take stops inside a partition once it has enough records', async () => {
    const log = seen();
    const rdd = newContext()
      .parallelize([1, 2, 3, 4, 5], 1)
      .map((x: number) => { globalThis.rivuletTestSeen!.push(x); return x; });
    expect(await rdd.take(2)).toEqual([1, 2]);
    expect(log).toEqual([1, 2]);
  });

  test('take after a shuffle', async () => {
    const rdd = newContext().parallelize([3, 1, 2], 2).sortBy((x: number) => x);
    expect(await rdd.take(2)).toEqual([1, 2]);
  });

  test.each([-1, 1.5, NaN])('take(%d) is a RangeError', async (n) => {
    const e = await failure(() => newContext().parallelize([1]).take(n));
    expect(e).toBeInstanceOf(RangeError);
  });

  test.each([
    [[[7, 8]], 7],
    [[[], [], [9]], 9],
    [[[undefined, 1]], undefined], // an undefined record is a record
  ])('first of %j is %j', async (input, value) => {
    expect(await newContext().fromPartitions(input).first()).toBe(value);
  });

  test.each([
    ['parallelize([])', () => newContext().parallelize([], 3)],
    ['emptyRDD()', () => newContext().emptyRDD()],
    ['a filter that keeps nothing', () => newContext().parallelize([1, 2]).filter(() => false)],
  ])('first of an empty RDD (%s) is an error naming the RDD', async (_name, make) => {
    const e = await failure(() => make().first());
    expect(e.message).toMatch(/^first: .*RDD\[\d+\] at .* is empty\.$/);
  });

  test.each([
    [[[1]], false],
    [[[], [1]], false],
    [[[undefined]], false],
    [[[], []], true],
    [[], true],
  ])('isEmpty of %j is %s', async (input, empty) => {
    expect(await newContext().fromPartitions(input).isEmpty()).toBe(empty);
  });
});

describe('reduce, fold, aggregate', () => {
  test.each([
    [[[1, 2], [3]], 6],
    [[[], [5], []], 5],
    [[[4]], 4],
  ])('reduce(+) of %j is %i', async (input, sum) => {
    expect(await newContext().fromPartitions(input).reduce((a: number, b: number) => a + b)).toBe(sum);
  });

  test('reduce combines partition results in partition order', async () => {
    const rdd = newContext().fromPartitions([['a', 'b'], [], ['c'], ['d']]);
    expect(await rdd.reduce((x: string, y: string) => x + y)).toBe('abcd');
  });

  test.each([
    ['parallelize([])', [[], []]],
    ['no partitions', []],
  ])('reduce of an empty RDD (%s) is an error pointing to fold', async (_name, input) => {
    const e = await failure(() => newContext().fromPartitions(input as number[][]).reduce((a: number, b: number) => a + b));
    expect(e.message).toMatch(/^reduce: .* is empty; use fold\(\) to give a zero value\.$/);
  });

  // Spark's fold applies the zero once per partition and once more when merging.
  test.each([
    [[[1, 2], [3]], 0, 6],
    [[[1, 2], [3]], 1, 1 + (1 + 1 + 2) + (1 + 3)],
    [[[], []], 1, 3],
    [[], 1, 1],
  ])('fold of %j with zero %i is %i', async (input, zero, result) => {
    expect(await newContext().fromPartitions(input).fold(zero, (a: number, b: number) => a + b)).toBe(result);
  });

  test('fold and aggregate never modify the zero value given', async () => {
    const zero: number[] = [];
    const rdd = newContext().fromPartitions([[[1], [2]], [[3]]]);
    const all = await rdd.fold(zero, (a: number[], b: number[]) => { a.push(...b); return a; });
    expect(all.sort()).toEqual([1, 2, 3]);
    expect(zero).toEqual([]);
    const acc = { seen: [] as number[] };
    const agg = await newContext().fromPartitions([[1, 2], [3]]).aggregate(acc, (a, x: number) => { a.seen.push(x); return a; }, (a, b) => { a.seen.push(...b.seen); return a; });
    expect(agg.seen.sort()).toEqual([1, 2, 3]);
    expect(acc.seen).toEqual([]);
  });

  test.each([
    [[[1, 2], [3]], [6, 3]],
    [[[], []], [0, 0]],
  ])('aggregate of %j to [sum, count] is %j', async (input, result) => {
    const sumCount = await newContext()
      .fromPartitions(input)
      .aggregate([0, 0], (acc: number[], x: number) => [acc[0]! + x, acc[1]! + 1], (a: number[], b: number[]) => [a[0]! + b[0]!, a[1]! + b[1]!]);
    expect(sumCount).toEqual(result);
  });
});

describe('counting and maps', () => {
  test('countByKey', async () => {
    const counts = await newContext().fromPartitions<[string, number]>([[['a', 1], ['b', 2]], [['a', 3]]]).countByKey();
    expect(counts).toEqual(new Map([['a', 2], ['b', 1]]));
  });

  test('countByKey on a partitioned RDD', async () => {
    const counts = await newContext().fromPartitions<[string, number]>([[['a', 1], ['b', 2]], [['a', 3]]]).partitionBy(3).countByKey();
    expect(counts).toEqual(new Map([['a', 2], ['b', 1]]));
  });

  test('countByValue', async () => {
    const counts = await newContext().fromPartitions([['x', 'y', 'x'], ['x'], []]).countByValue();
    expect(counts).toEqual(new Map([['x', 3], ['y', 1]]));
  });

  test('countByValue counts array records by value (keys of the Map are the first seen)', async () => {
    const counts = await newContext().fromPartitions([[[1, 2], [3]], [[1, 2]]]).countByValue();
    expect([...counts].sort((a, b) => b[1] - a[1])).toEqual([[[1, 2], 2], [[3], 1]]);
  });

  test('collectAsMap: the last value for a duplicated key wins', async () => {
    const map = await newContext().fromPartitions<[string, number]>([[['a', 1], ['b', 2]], [['a', 3]]]).collectAsMap();
    expect(map).toEqual(new Map([['a', 3], ['b', 2]]));
  });

  test('collectAsMap merges composite keys by value', async () => {
    const map = await newContext().fromPartitions<[[string, number], string]>([[[['u', 1], 'first']], [[['u', 1], 'second'], [['u', 2], 'other']]]).collectAsMap();
    expect(map.size).toBe(2);
    expect([...map.values()].sort()).toEqual(['other', 'second']);
  });
});

describe('foreach and foreachPartition', () => {
  test('foreach calls the function for every record', async () => {
    const log = seen();
    await newContext().fromPartitions([[1, 2], [], [3]]).foreach((x: number) => { globalThis.rivuletTestSeen!.push(x); });
    expect(log).toEqual([1, 2, 3]);
  });

  test('foreachPartition calls the function once per partition, with its records', async () => {
    const log = seen();
    await newContext().fromPartitions([[1, 2], [], [3]]).foreachPartition((xs: number[]) => { globalThis.rivuletTestSeen!.push(xs); });
    expect(log).toEqual([[1, 2], [], [3]]);
  });

  test('foreach with captures', async () => {
    const log = seen();
    const prefix = '>';
    await newContext().parallelize(['a', 'b']).foreach((x: string) => { globalThis.rivuletTestSeen!.push(prefix + x); });
    expect(log).toEqual(['>a', '>b']);
  });

  test('foreach resolves only after every record was seen, and returns nothing', async () => {
    const log = seen();
    const done = newContext().parallelize([1, 2, 3], 3).map((x: number) => x * 2).foreach((x: number) => { globalThis.rivuletTestSeen!.push(x); });
    expect(await done).toBeUndefined();
    expect(log).toEqual([2, 4, 6]);
  });
});
