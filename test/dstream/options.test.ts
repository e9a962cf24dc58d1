import { describe, expect, test } from 'vitest';
import { runStreams, expectBatches } from '../support/TestSuiteBase.ts';
import { HashPartitioner, type DStream } from '../../engine/index.ts';

// Every DStream operation with trailing optional arguments takes them positionally, as Spark
// does, or as one options object in their place. Each row runs both forms over the same batches:
// the outputs must be the same, and the expected ones.

type KV = [string, number];
const words: string[][] = [['a', 'b', 'a'], ['b'], [], ['a', 'c']];
const pairs: KV[][] = words.map((batch) => batch.map((w): KV => [w, 1]));
const plus = (a: number, b: number) => a + b;
const minus = (a: number, b: number) => a - b;
/** One record per partition of each batch: how many partitions the operation made. */
const partitionCount = <T>(s: DStream<T>) => s.glom().map(() => 1).reduce(plus);

type Row = [name: string, input: unknown[][], positional: (s: DStream<any>) => DStream<unknown>, options: (s: DStream<any>) => DStream<unknown>, expected: unknown[][]];

const rows: Row[] = [
  ['reduceByKey: numPartitions', pairs, (s) => partitionCount(s.reduceByKey(plus, 3)), (s) => partitionCount(s.reduceByKey(plus, { numPartitions: 3 })), [[3], [3], [3], [3]]],
  ['reduceByKey: partitioner', pairs, (s) => s.reduceByKey(plus, new HashPartitioner(1)), (s) => s.reduceByKey(plus, { partitioner: new HashPartitioner(1) }), [[['a', 2], ['b', 1]], [['b', 1]], [], [['a', 1], ['c', 1]]]],
  ['groupByKey', pairs, (s) => partitionCount(s.groupByKey(5)), (s) => partitionCount(s.groupByKey({ numPartitions: 5 })), [[5], [5], [5], [5]]],
  ['combineByKey: partitions and mapSideCombine', pairs,
    (s) => partitionCount(s.combineByKey((v: number) => [v], (c: number[], v: number) => [...c, v], (a: number[], b: number[]) => [...a, ...b], 4, false)),
    (s) => partitionCount(s.combineByKey((v: number) => [v], (c: number[], v: number) => [...c, v], (a: number[], b: number[]) => [...a, ...b], { numPartitions: 4, mapSideCombine: false })),
    [[4], [4], [4], [4]]],
  ['join', pairs, (s) => partitionCount(s.join(s, 3)), (s) => partitionCount(s.join(s, { numPartitions: 3 })), [[3], [3], [3], [3]]],
  ['leftOuterJoin', pairs, (s) => s.leftOuterJoin(s.filter(([k]: KV) => k === 'a'), 1), (s) => s.leftOuterJoin(s.filter(([k]: KV) => k === 'a'), { numPartitions: 1 }),
    [[['a', [1, 1]], ['a', [1, 1]], ['a', [1, 1]], ['a', [1, 1]], ['b', [1, undefined]]], [['b', [1, undefined]]], [], [['a', [1, 1]], ['c', [1, undefined]]]]],
  ['cogroup', pairs, (s) => partitionCount(s.cogroup(s, 2)), (s) => partitionCount(s.cogroup(s, { partitioner: new HashPartitioner(2) })), [[2], [2], [2], [2]]],
  ['countByValue', words, (s) => partitionCount(s.countByValue(3)), (s) => partitionCount(s.countByValue({ numPartitions: 3 })), [[3], [3], [3], [3]]],
  ['mapPartitions: preservesPartitioning', pairs,
    (s) => s.reduceByKey(plus, 2).mapPartitions((kvs: KV[]) => kvs, true).transform((rdd) => rdd.map(() => rdd.partitioner?.numPartitions ?? 0).coalesce(1).distinct()),
    (s) => s.reduceByKey(plus, 2).mapPartitions((kvs: KV[]) => kvs, { preservesPartitioning: true }).transform((rdd) => rdd.map(() => rdd.partitioner?.numPartitions ?? 0).coalesce(1).distinct()),
    [[2], [2], [], [2]]],
  ['window: slideDuration', words, (s) => s.window(2000, 2000), (s) => s.window(2000, { slideDuration: 2000 }), [['a', 'b', 'a', 'b'], ['a', 'c']]],
  ['countByWindow: slideDuration', words, (s) => s.countByWindow(2000, 2000), (s) => s.countByWindow(2000, { slideDuration: 2000 }), [[4], [2]]],
  ['reduceByWindow: inverse function and slide', [[1, 2], [3], [], [4]], (s) => s.reduceByWindow(plus, minus, 2000, 1000), (s) => s.reduceByWindow(plus, 2000, { invFunc: minus, slideDuration: 1000 }), [[3], [6], [3], [4]]],
  ['reduceByWindow: slide only', [[1, 2], [3], [], [4]], (s) => s.reduceByWindow(plus, 2000, 2000), (s) => s.reduceByWindow(plus, 2000, { slideDuration: 2000 }), [[6], [4]]],
  ['groupByKeyAndWindow: slide and partitions', pairs,
    (s) => s.groupByKeyAndWindow(2000, 2000, 1),
    (s) => s.groupByKeyAndWindow(2000, { slideDuration: 2000, numPartitions: 1 }),
    [[['a', [1, 1]], ['b', [1, 1]]], [['a', [1]], ['c', [1]]]]],
  ['countByValueAndWindow: partitions, the slide left at its default', words,
    (s) => partitionCount(s.countByValueAndWindow(2000, undefined, 3)),
    (s) => partitionCount(s.countByValueAndWindow(2000, { numPartitions: 3 })),
    [[3], [3], [3], [3]]],
  ['reduceByKeyAndWindow without an inverse: slide', pairs,
    (s) => s.reduceByKeyAndWindow(plus, 2000, 2000),
    (s) => s.reduceByKeyAndWindow(plus, 2000, { slideDuration: 2000 }),
    [[['a', 2], ['b', 2]], [['a', 1], ['c', 1]]]],
  ['reduceByKeyAndWindow with an inverse and a filter, the slide and partitions left at their defaults', pairs,
    (s) => s.reduceByKeyAndWindow(plus, minus, 2000, undefined, undefined, ([, n]: KV) => n > 0),
    (s) => s.reduceByKeyAndWindow(plus, 2000, { invFunc: minus, filterFunc: ([, n]: KV) => n > 0 }),
    [[['a', 2], ['b', 1]], [['a', 2], ['b', 2]], [['b', 1]], [['a', 1], ['c', 1]]]],
  ['updateStateByKey: numPartitions', pairs,
    (s) => partitionCount(s.updateStateByKey((vs: number[], st: number | undefined) => (st ?? 0) + vs.length, 3)),
    (s) => partitionCount(s.updateStateByKey((vs: number[], st: number | undefined) => (st ?? 0) + vs.length, { numPartitions: 3 })),
    [[3], [3], [3], [3]]],
  ['updateStateByKey: a partitioner, positional, and initialState in the options', pairs,
    (s) => s.updateStateByKey((vs: number[], st: number | undefined) => (st ?? 0) + vs.length, new HashPartitioner(2)),
    (s) => s.updateStateByKey((vs: number[], st: number | undefined) => (st ?? 0) + vs.length, { partitioner: new HashPartitioner(2), initialState: [] }),
    [[['a', 2], ['b', 1]], [['a', 2], ['b', 2]], [['a', 2], ['b', 2]], [['a', 3], ['b', 2], ['c', 1]]]],
];

describe('positional arguments and options objects give the same streams', () => {
  test.each(rows)('%s', async (_name, input, positional, options, expected) => {
    const a = await runStreams({ input, operation: positional });
    const b = await runStreams({ input, operation: options });
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    expectBatches(a.output, expected);
    expectBatches(b.output, expected);
  });
});

describe('a wrong options object is an error where the stream is defined (the compiler rejects these too: `as never` lets them through)', () => {
  const cases: [string, (s: DStream<any>) => unknown, string][] = [
    ['a misspelt key', (s) => s.reduceByKey(plus, { numPartition: 3 } as never), "reduceByKey: unknown option 'numPartition'; the options are numPartitions, partitioner."],
    ['both numPartitions and a partitioner', (s) => s.groupByKey({ numPartitions: 2, partitioner: new HashPartitioner(3) }), 'groupByKey: give numPartitions or partitioner, not both'],
    ['a partitioner that is not one', (s) => s.join(s, { partitioner: { numPartitions: 2 } } as never), 'join: the partitioner option must be a Partitioner (with getPartition), got an object (Object).'],
    ['a number of partitions that is not one', (s) => s.reduceByKey(plus, { numPartitions: 0 }), 'reduceByKey: the number of partitions must be a positive integer, got 0.'],
    ['filterFunc without invFunc', (s) => s.reduceByKeyAndWindow(plus, 2000, { filterFunc: () => true }), 'reduceByKeyAndWindow: filterFunc needs invFunc'],
    ['options and a positional numPartitions', (s) => s.groupByKeyAndWindow(2000, { slideDuration: 1000 }, 3), 'groupByKeyAndWindow: numPartitions goes in the options object when one is given.'],
    ['a window option the operation does not have', (s) => s.countByValueAndWindow(2000, { invFunc: minus } as never), "countByValueAndWindow: unknown option 'invFunc'; the options are slideDuration, numPartitions, partitioner."],
    ['a slide in the wrong key', (s) => s.window(2000, { slide: 1000 } as never), "window: unknown option 'slide'; the options are slideDuration."],
  ];
  test.each(cases)('%s', async (_name, define, message) => {
    let thrown: unknown;
    await runStreams({ input: pairs, numBatches: 0, operation: (s) => { try { define(s); } catch (e) { thrown = e; } return s; } });
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toContain(message);
  });
});
