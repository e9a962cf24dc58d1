import { describe, expect, test } from 'vitest';
import { HashPartitioner, type RDD } from '../../engine/rdd/index.ts';
import { newContext, sorted } from './helpers.ts';

const left: [string, number][][] = [
  [['a', 1], ['a', 2]],
  [['b', 3], ['c', 4]],
];
const right: [string, string][][] = [
  [['a', 'x'], ['b', 'y']],
  [['b', 'z'], ['d', 'w']],
];

type Case = [name: string, build: (l: RDD<[string, number]>, r: RDD<[string, string]>) => RDD<[string, any]>, output: [string, unknown][]];

const cases: Case[] = [
  ['join', (l, r) => l.join(r), [['a', [1, 'x']], ['a', [2, 'x']], ['b', [3, 'y']], ['b', [3, 'z']]]],
  ['leftOuterJoin', (l, r) => l.leftOuterJoin(r), [['a', [1, 'x']], ['a', [2, 'x']], ['b', [3, 'y']], ['b', [3, 'z']], ['c', [4, undefined]]]],
  ['rightOuterJoin', (l, r) => l.rightOuterJoin(r), [['a', [1, 'x']], ['a', [2, 'x']], ['b', [3, 'y']], ['b', [3, 'z']], ['d', [undefined, 'w']]]],
  [
    'fullOuterJoin',
    (l, r) => l.fullOuterJoin(r),
    [['a', [1, 'x']], ['a', [2, 'x']], ['b', [3, 'y']], ['b', [3, 'z']], ['c', [4, undefined]], ['d', [undefined, 'w']]],
  ],
  ['subtractByKey', (l, r) => l.subtractByKey(r), [['c', 4]]],
  ['subtractByKey the other way', (l, r) => r.subtractByKey(l), [['d', 'w']]],
  [
    'cogroup of 2',
    (l, r) => l.cogroup(r).mapValues(([vs, ws]) => [vs.sort(), ws.sort()]),
    [['a', [[1, 2], ['x']]], ['b', [[3], ['y', 'z']]], ['c', [[4], []]], ['d', [[], ['w']]]],
  ],
  [
    'cogroup of 3',
    (l, r) => l.cogroup(r, l.filter(([k]) => k !== 'a').mapValues((v: number) => v * 10)).mapValues(([vs, ws, us]) => [vs.sort(), ws.sort(), us.sort()]),
    [['a', [[1, 2], ['x'], []]], ['b', [[3], ['y', 'z'], [30]]], ['c', [[4], [], [40]]], ['d', [[], ['w'], []]]],
  ],
  ['join with itself', (l) => l.join(l), [['a', [1, 1]], ['a', [1, 2]], ['a', [2, 1]], ['a', [2, 2]], ['b', [3, 3]], ['c', [4, 4]]]],
  ['join with an empty RDD', (l) => l.join(l.filter(() => false)), []],
  ['leftOuterJoin with an empty RDD', (l) => l.leftOuterJoin(l.filter(() => false)), [['a', [1, undefined]], ['a', [2, undefined]], ['b', [3, undefined]], ['c', [4, undefined]]]],
];

describe('joins and cogroup', () => {
  test.each(cases)('%s', async (_name, build, output) => {
    const sc = newContext();
    const rdd = build(sc.fromPartitions(left), sc.fromPartitions(right));
    expect(sorted(await rdd.collect())).toEqual(sorted(output));
  });

  test.each(cases)('%s on co-partitioned inputs gives the same result without a shuffle', async (_name, build, output) => {
    const sc = newContext();
    const p = new HashPartitioner(3);
    const rdd = build(sc.fromPartitions(left).partitionBy(p), sc.fromPartitions(right).partitionBy(p));
    expect(sorted(await rdd.collect())).toEqual(sorted(output));
  });

  test('co-partitioned inputs are read in place; only the other side is shuffled', () => {
    const sc = newContext();
    const l = sc.fromPartitions(left).partitionBy(2);
    const r = sc.fromPartitions(right).partitionBy(2);
    const both = l.cogroup(r);
    expect(both.dependencies.map((d) => d.kind)).toEqual(['narrow', 'narrow']);
    expect(both.partitioner).toBe(l.partitioner);
    const oneSide = l.cogroup(sc.fromPartitions(right));
    expect(oneSide.dependencies.map((d) => d.kind)).toEqual(['narrow', 'shuffle']);
    const neither = sc.fromPartitions(left).cogroup(sc.fromPartitions(right));
    expect(neither.dependencies.map((d) => d.kind)).toEqual(['shuffle', 'shuffle']);
  });

  test('join results keep the cogroup partitioner', () => {
    const sc = newContext();
    const l = sc.fromPartitions(left).partitionBy(2);
    for (const rdd of [l.join(sc.fromPartitions(right)), l.leftOuterJoin(sc.fromPartitions(right)), l.subtractByKey(sc.fromPartitions(right))]) {
      expect(rdd.partitioner).toBe(l.partitioner);
    }
  });

  test.each([
    ['default: defaultParallelism', undefined, 2],
    ['a count', 5, 5],
    ['a Partitioner', new HashPartitioner(4), 4],
  ])('partitions: %s', async (_name, numPartitions, n) => {
    const sc = newContext();
    const l = sc.fromPartitions(left);
    const r = sc.fromPartitions(right);
    for (const rdd of [l.join(r, numPartitions), l.leftOuterJoin(r, numPartitions), l.rightOuterJoin(r, numPartitions), l.fullOuterJoin(r, numPartitions), l.subtractByKey(r, numPartitions), l.cogroup(r, numPartitions)]) {
      expect(rdd.getNumPartitions()).toBe(n);
    }
    expect(l.cogroup(r, l, numPartitions).getNumPartitions()).toBe(n);
    expect(sorted(await l.join(r, numPartitions).keys().collect())).toEqual(['a', 'a', 'b', 'b']);
  });

  test('without a count, an existing partitioner at least as wide as every input is reused', () => {
    const sc = newContext();
    const wide = sc.fromPartitions(left).partitionBy(4);
    expect(wide.join(sc.fromPartitions(right)).partitioner).toBe(wide.partitioner);
    expect(sc.fromPartitions(right).join(wide).partitioner).toBe(wide.partitioner);
  });

  test('composite array keys match by value', async () => {
    const sc = newContext();
    const visits = sc.parallelize([[['ann', 1], 'home'], [['bob', 2], 'cart'], [['ann', 1], 'pay']] as [[string, number], string][], 2);
    const users = sc.parallelize([[['ann', 1], 'Ann'], [['bob', 3], 'Bob']] as [[string, number], string][], 2);
    expect(sorted(await visits.join(users).collect())).toEqual([
      [['ann', 1], ['home', 'Ann']],
      [['ann', 1], ['pay', 'Ann']],
    ]);
    expect(sorted(await visits.subtractByKey(users).collect())).toEqual([[['bob', 2], 'cart']]);
  });
});
