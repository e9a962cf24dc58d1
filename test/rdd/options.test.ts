import { describe, expect, test } from 'vitest';
import { HashPartitioner, RDDContext, type RDD } from '../../engine/index.ts';
import { sortCanonically } from '../support/TestSuiteBase.ts';

// Every RDD operation with trailing optional arguments takes them positionally, as Spark does, or
// as one options object in their place. Each row builds both forms over the same data and
// compares their records and their number of partitions with the expected ones.

type KV = [string, number];
const sc = new RDDContext({ defaultParallelism: 2 });
const sales = (): RDD<KV> => sc.parallelize<KV>([['a', 1], ['b', 2], ['a', 3], ['c', 4], ['b', 5]], 2);
const nums = (): RDD<number> => sc.parallelize([5, 3, 1, 4, 2], 2);
const plus = (a: number, b: number) => a + b;

type Row = [name: string, positional: () => RDD<unknown>, options: () => RDD<unknown>, records: unknown[], partitions: number, ordered?: boolean];

const rows: Row[] = [
  ['reduceByKey: numPartitions', () => sales().reduceByKey(plus, 3), () => sales().reduceByKey(plus, { numPartitions: 3 }), [['a', 4], ['b', 7], ['c', 4]], 3],
  ['reduceByKey: partitioner', () => sales().reduceByKey(plus, new HashPartitioner(4)), () => sales().reduceByKey(plus, { partitioner: new HashPartitioner(4) }), [['a', 4], ['b', 7], ['c', 4]], 4],
  ['foldByKey', () => sales().foldByKey(0, plus, 1), () => sales().foldByKey(0, plus, { numPartitions: 1 }), [['a', 4], ['b', 7], ['c', 4]], 1],
  ['aggregateByKey', () => sales().aggregateByKey(0, plus, plus, 3), () => sales().aggregateByKey(0, plus, plus, { numPartitions: 3 }), [['a', 4], ['b', 7], ['c', 4]], 3],
  ['groupByKey', () => sales().groupByKey(3).mapValues((vs) => vs.sort()), () => sales().groupByKey({ numPartitions: 3 }).mapValues((vs) => vs.sort()), [['a', [1, 3]], ['b', [2, 5]], ['c', [4]]], 3],
  ['combineByKey: partitions and mapSideCombine',
    () => sales().combineByKey((v) => v, plus, plus, 3, false),
    () => sales().combineByKey((v) => v, plus, plus, { numPartitions: 3, mapSideCombine: false }),
    [['a', 4], ['b', 7], ['c', 4]], 3],
  ['join', () => sales().join(sales().filter(([k]) => k === 'c'), 5), () => sales().join(sales().filter(([k]) => k === 'c'), { numPartitions: 5 }), [['c', [4, 4]]], 5],
  ['leftOuterJoin', () => sales().leftOuterJoin(sc.parallelize<KV>([['c', 0]]), 1), () => sales().leftOuterJoin(sc.parallelize<KV>([['c', 0]]), { numPartitions: 1 }),
    [['a', [1, undefined]], ['a', [3, undefined]], ['b', [2, undefined]], ['b', [5, undefined]], ['c', [4, 0]]], 1],
  ['rightOuterJoin', () => sales().rightOuterJoin(sc.parallelize<KV>([['d', 0]]), 2), () => sales().rightOuterJoin(sc.parallelize<KV>([['d', 0]]), { partitioner: new HashPartitioner(2) }), [['d', [undefined, 0]]], 2],
  ['fullOuterJoin', () => sales().filter(([k]) => k === 'a').fullOuterJoin(sc.parallelize<KV>([['d', 0]]), 3), () => sales().filter(([k]) => k === 'a').fullOuterJoin(sc.parallelize<KV>([['d', 0]]), { numPartitions: 3 }),
    [['a', [1, undefined]], ['a', [3, undefined]], ['d', [undefined, 0]]], 3],
  ['subtractByKey', () => sales().subtractByKey(sc.parallelize<KV>([['a', 0]]), 1), () => sales().subtractByKey(sc.parallelize<KV>([['a', 0]]), { numPartitions: 1 }), [['b', 2], ['b', 5], ['c', 4]], 1],
  ['cogroup of 2', () => sales().filter(([k]) => k === 'c').cogroup(sales().filter(([k]) => k === 'c'), 4), () => sales().filter(([k]) => k === 'c').cogroup(sales().filter(([k]) => k === 'c'), { numPartitions: 4 }), [['c', [[4], [4]]]], 4],
  ['cogroup of 3', () => sales().filter(([k]) => k === 'c').cogroup(sales().filter(([k]) => k === 'c'), sales().filter(([k]) => k === 'c'), 1),
    () => sales().filter(([k]) => k === 'c').cogroup(sales().filter(([k]) => k === 'c'), sales().filter(([k]) => k === 'c'), { numPartitions: 1 }), [['c', [[4], [4], [4]]]], 1],
  ['distinct', () => sc.parallelize([1, 1, 2, 3, 3], 2).distinct(3), () => sc.parallelize([1, 1, 2, 3, 3], 2).distinct({ numPartitions: 3 }), [1, 2, 3], 3],
  ['sortBy: descending into one partition', () => nums().sortBy((n) => n, false, 1), () => nums().sortBy((n) => n, { ascending: false, numPartitions: 1 }), [5, 4, 3, 2, 1], 1, true],
  ['sortByKey: descending, the partitions left at their default', () => sales().sortByKey(false).keys(), () => sales().sortByKey({ ascending: false }).keys(), ['c', 'b', 'b', 'a', 'a'], 2, true],
  ['coalesce with a shuffle', () => nums().coalesce(3, true), () => nums().coalesce(3, { shuffle: true }), [1, 2, 3, 4, 5], 3],
  ['sample: seed', () => nums().sample(false, 0.5, 7), () => nums().sample(false, 0.5, { seed: 7 }), [], 2],
  ['mapPartitions: preservesPartitioning',
    () => sales().reduceByKey(plus, 2).mapPartitions((kvs) => kvs, true).reduceByKey(plus),
    () => sales().reduceByKey(plus, 2).mapPartitions((kvs) => kvs, { preservesPartitioning: true }).reduceByKey(plus),
    [['a', 4], ['b', 7], ['c', 4]], 2],
  ['mapPartitionsWithIndex: preservesPartitioning',
    () => sales().reduceByKey(plus, 2).mapPartitionsWithIndex((_i, kvs) => kvs, true),
    () => sales().reduceByKey(plus, 2).mapPartitionsWithIndex((_i, kvs) => kvs, { preservesPartitioning: true }),
    [['a', 4], ['b', 7], ['c', 4]], 2],
];

describe('positional arguments and options objects give the same RDDs', () => {
  test.each(rows)('%s', async (name, positional, options, records, partitions, ordered) => {
    const [a, b] = [positional(), options()];
    expect(a.getNumPartitions()).toBe(partitions);
    expect(b.getNumPartitions()).toBe(partitions);
    const [ra, rb] = [await a.collect(), await b.collect()];
    expect(rb).toEqual(ra);
    // sample's records depend on the seed only: the same seed gives the same sample both ways.
    if (name.startsWith('sample')) return expect(ra.length).toBeGreaterThan(0);
    expect(ordered ? ra : sortCanonically(ra)).toEqual(ordered ? records : sortCanonically(records));
  });

  test('preservesPartitioning given as an option keeps the partitioner, so the next reduceByKey does not shuffle', () => {
    const kept = sales().reduceByKey(plus, 2).mapPartitions((kvs) => kvs, { preservesPartitioning: true });
    const lost = sales().reduceByKey(plus, 2).mapPartitions((kvs) => kvs, { preservesPartitioning: false });
    expect(kept.partitioner).toBeDefined();
    expect(lost.partitioner).toBeUndefined();
    expect(kept.reduceByKey(plus).dependencies.map((d) => d.kind)).not.toContain('shuffle');
    expect(lost.reduceByKey(plus).dependencies.map((d) => d.kind)).toContain('shuffle');
  });
});

describe('a wrong options object is an error where the RDD is defined', () => {
  const cases: [string, () => unknown, string][] = [
    ['a misspelt key', () => sales().reduceByKey(plus, { numPartiton: 2 } as never), "reduceByKey: unknown option 'numPartiton'; the options are numPartitions, partitioner."],
    ['both numPartitions and a partitioner', () => sales().join(sales(), { numPartitions: 2, partitioner: new HashPartitioner(2) }), 'join: give numPartitions or partitioner, not both'],
    ['combineByKey: an option it does not have', () => sales().combineByKey((v) => v, plus, plus, { ascending: true } as never), "combineByKey: unknown option 'ascending'; the options are numPartitions, partitioner, mapSideCombine."],
    ['sortByKey: an array where the options go', () => sales().sortByKey([] as never), 'sortByKey: expected an options object { ascending, numPartitions }, got an array.'],
    ['coalesce: a string', () => nums().coalesce(2, 'yes' as never), "coalesce: expected an options object { shuffle }, got string yes."],
  ];
  test.each(cases)('%s', (_name, define, message) => {
    expect(define).toThrow(TypeError);
    expect(define).toThrow(message);
  });
});
