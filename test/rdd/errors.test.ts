import { describe, expect, test } from 'vitest';
import { HashPartitioner, RangePartitioner, type RDD } from '../../engine/rdd/index.ts';
import { UserFunctionError } from '../../engine/util/errors.ts';
import { failure, here, newContext } from './helpers.ts';

const sc = newContext();
const numbers = () => sc.parallelize([1, 2, 3], 2);
const pairs = () => sc.parallelize([['a', 1], ['b', 2], ['a', 3]] as [string, number][], 2);

// Each row defines an operation whose function throws, on the same line as here(), so the test
// knows the call site the error must name. The function runs when the action runs.
type ThrowingCase = [operation: string, define: () => [site: string, run: () => Promise<unknown>]];

const throwing: ThrowingCase[] = [
  ['map', () => { const r = [here(), numbers().map((x: number) => { if (x === 2) throw new Error('boom'); return x; })] as const; return [r[0], () => r[1].collect()]; }],
  // A map making a shuffle's pairs: called by the shuffle's map side itself (shuffle.ts).
  ['map', () => { const r = [here(), numbers().map((x: number): [number, number] => { if (x === 2) throw new Error('boom'); return [x, 1]; })] as const; return [r[0], () => r[1].reduceByKey((a: number, b: number) => a + b).collect()]; }],
  // …and a map whose records countByValue pairs with 1: called there too.
  ['map', () => { const r = [here(), numbers().map((x: number) => { if (x === 2) throw new Error('boom'); return x; })] as const; return [r[0], () => r[1].countByValue()]; }],
  ['flatMap', () => { const r = [here(), numbers().flatMap((): number[] => { throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
  ['filter', () => { const r = [here(), numbers().filter(() => { throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
  ['mapPartitions', () => { const r = [here(), numbers().mapPartitions((): number[] => { throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
  ['mapPartitionsWithIndex', () => { const r = [here(), numbers().mapPartitionsWithIndex((i: number): number[] => { if (i === 1) throw new Error('boom'); return []; })] as const; return [r[0], () => r[1].collect()]; }],
  ['keyBy', () => { const r = [here(), numbers().keyBy(() => { throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
  ['mapValues', () => { const r = [here(), pairs().mapValues(() => { throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
  ['flatMapValues', () => { const r = [here(), pairs().flatMapValues((): number[] => { throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
  ['sortBy', () => { const r = [here(), numbers().sortBy(() => { throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
  ['reduceByKey', () => { const r = [here(), pairs().reduceByKey((): number => { throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
  ['foldByKey', () => { const r = [here(), pairs().foldByKey(0, (): number => { throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
  ['aggregateByKey', () => { const r = [here(), pairs().aggregateByKey(0, (): number => { throw new Error('boom'); }, (a: number) => a)] as const; return [r[0], () => r[1].collect()]; }],
  ['combineByKey', () => { const r = [here(), pairs().combineByKey((): number => { throw new Error('boom'); }, (a: number) => a, (a: number) => a)] as const; return [r[0], () => r[1].collect()]; }],
  // mergeCombiners on the reduce side ('a' is in both partitions), mergeValue there without map-side combine.
  ['combineByKey', () => { const r = [here(), pairs().combineByKey((v: number) => v, (a: number) => a, (): number => { throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
  ['combineByKey', () => { const r = [here(), pairs().combineByKey((v: number) => v, (): number => { throw new Error('boom'); }, (a: number) => a, { mapSideCombine: false })] as const; return [r[0], () => r[1].collect()]; }],
  ['reduce', () => [here(), () => numbers().reduce((): number => { throw new Error('boom'); })]],
  ['fold', () => [here(), () => numbers().fold(0, (): number => { throw new Error('boom'); })]],
  ['aggregate', () => [here(), () => numbers().aggregate(0, (): number => { throw new Error('boom'); }, (a: number) => a)]],
  ['foreach', () => [here(), () => numbers().foreach(() => { throw new Error('boom'); })]],
  ['foreachPartition', () => [here(), () => numbers().foreachPartition(() => { throw new Error('boom'); })]],
  // Generators run lazily, after the user function has returned: still attributed to it.
  ['flatMap', () => { const r = [here(), numbers().flatMap(function* (x: number) { yield x; throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
  ['mapPartitions', () => { const r = [here(), numbers().mapPartitions(function* () { throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
  ['flatMapValues', () => { const r = [here(), pairs().flatMapValues(function* () { throw new Error('boom'); })] as const; return [r[0], () => r[1].collect()]; }],
];

describe('a throwing user function', () => {
  test.each(throwing)('%s: UserFunctionError naming the operation and call site, with the user error as cause', async (operation, define) => {
    const [site, run] = define();
    const e = await failure(run);
    expect(e).toBeInstanceOf(UserFunctionError);
    expect(e.name).toBe('UserFunctionError');
    expect(e.message).toMatch(new RegExp(`^${operation} at ${site.replace(/\./g, '\\.')}:\\d+ threw Error: boom$`));
    expect((e as UserFunctionError).operation).toBe(operation);
    expect((e as UserFunctionError).callSite.startsWith(site + ':')).toBe(true);
    expect(e.cause).toBeInstanceOf(Error);
    expect((e.cause as Error).message).toBe('boom');
    // The user's own stack is kept.
    expect(e.stack).toContain('Caused by: Error: boom');
  });

  test('a thrown non-Error is kept as the cause', async () => {
    const e = await failure(() => numbers().map(() => { throw 'plain string'; }).collect());
    expect(e).toBeInstanceOf(UserFunctionError);
    expect(e.cause).toBe('plain string');
    expect(e.message).toMatch(/threw plain string$/);
  });

  test.each([
    ['flatMap', (r: RDD<number>) => r.flatMap((x: number) => x as unknown as number[])],
    ['mapPartitions', (r: RDD<number>) => r.mapPartitions(() => 42 as unknown as number[])],
    ['flatMapValues', (r: RDD<number>) => r.keyBy((x: number) => x).flatMapValues(() => null as unknown as number[])],
  ])('%s returning a non-iterable: UserFunctionError with a TypeError cause', async (operation, build) => {
    const e = await failure(() => build(numbers()).collect());
    expect(e).toBeInstanceOf(UserFunctionError);
    expect(e.message).toMatch(new RegExp(`^${operation} at errors\\.test\\.ts:\\d+:\\d+ threw TypeError: ${operation} must return an iterable`));
    expect(e.cause).toBeInstanceOf(TypeError);
  });

  test('an error downstream of a failing shuffle fails the action, and the next action retries', async () => {
    const rdd = numbers().map((x: number) => [x % 2, x] as [number, number]).reduceByKey(() => { throw new Error('boom'); });
    await expect(rdd.collect()).rejects.toThrow(UserFunctionError);
    await expect(rdd.count()).rejects.toThrow(UserFunctionError);
  });
});

describe('pair operations on records that are not [key, value] pairs', () => {
  const bad: [string, (r: RDD<any>) => Promise<unknown>][] = [
    ['reduceByKey', (r) => r.reduceByKey((a: number) => a).collect()],
    ['reduceByKey', (r) => r.map((x: unknown) => x as [string, number]).reduceByKey((a: number) => a).collect()],
    ['groupByKey', (r) => r.groupByKey().collect()],
    ['combineByKey', (r) => r.combineByKey((v: number) => v, (a: number) => a, (a: number) => a).collect()],
    ['aggregateByKey', (r) => r.aggregateByKey(0, (a: number) => a, (a: number) => a).collect()],
    ['foldByKey', (r) => r.foldByKey(0, (a: number) => a).collect()],
    ['partitionBy', (r) => r.partitionBy(2).collect()],
    ['sortByKey', (r) => r.sortByKey().collect()],
    ['join', (r) => r.join(pairs()).collect()],
    ['leftOuterJoin', (r) => r.leftOuterJoin(pairs()).collect()],
    ['rightOuterJoin', (r) => pairs().rightOuterJoin(r).collect()],
    ['fullOuterJoin', (r) => r.fullOuterJoin(pairs()).collect()],
    ['subtractByKey', (r) => r.subtractByKey(pairs()).collect()],
    ['cogroup', (r) => r.cogroup(pairs()).collect()],
    ['mapValues', (r) => r.mapValues((v: unknown) => v).collect()],
    ['flatMapValues', (r) => r.flatMapValues((v: unknown) => [v]).collect()],
    ['keys', (r) => r.keys().collect()],
    ['values', (r) => r.values().collect()],
    ['countByKey', (r) => r.countByKey()],
    ['collectAsMap', (r) => r.collectAsMap()],
  ];
  const records: [string, unknown[]][] = [
    ['numbers', [1, 2]],
    ['strings (which index like pairs)', ['ab', 'cd']],
    ['triples', [['a', 1, 2]]],
    ['objects', [{ key: 'a', value: 1 }]],
  ];

  test.each(bad.flatMap(([op, run]) => records.map(([what, data]) => [op, what, data, run] as const)))(
    '%s on %s: TypeError saying records must be [key, value] pairs',
    async (operation, _what, data, run) => {
      const e = await failure(() => run(sc.parallelize(data, 2)));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/needs records that are \[key, value\] pairs, got .+\. Make pairs first, e\.g\. \.map\(x => \[key\(x\), x\]\) or \.keyBy\(key\)\.$/);
      // Named after the operation (countByKey is built on mapValues).
      expect(e.message.startsWith(operation === 'countByKey' ? 'mapValues' : operation)).toBe(true);
    },
  );

  test('on an input already partitioned by key (combined in place, no shuffle), too', async () => {
    // mapPartitions(…, preservesPartitioning) keeps the partitioner while breaking the records.
    const broken = pairs().partitionBy(2).mapPartitions((kvs: [string, number][]) => kvs.map(([, v]) => v) as unknown as [string, number][], true);
    const reduced = broken.reduceByKey((a: number) => a, 2);
    expect(reduced.dependencies[0]!.kind).toBe('narrow');
    const e = await failure(() => reduced.collect());
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/^reduceByKey needs records that are \[key, value\] pairs, got \d\./);
    const joined = broken.join(pairs().partitionBy(2));
    expect(joined.dependencies[0]!.rdd.dependencies.map((d) => d.kind)).toEqual(['narrow', 'narrow']);
    expect((await failure(() => joined.collect())).message).toMatch(/^join needs records that are \[key, value\] pairs/);
  });
});

describe('bad partition counts and arguments', () => {
  test.each([
    ['parallelize(…, 0)', () => sc.parallelize([1], 0)],
    ['parallelize(…, 1.5)', () => sc.parallelize([1], 1.5)],
    ['reduceByKey(…, 0)', () => pairs().reduceByKey((a: number) => a, 0)],
    ['groupByKey(-1)', () => pairs().groupByKey(-1)],
    ['foldByKey(…, 2.5)', () => pairs().foldByKey(0, (a: number) => a, 2.5)],
    ['aggregateByKey(…, 0)', () => pairs().aggregateByKey(0, (a: number) => a, (a: number) => a, 0)],
    ['combineByKey(…, 0)', () => pairs().combineByKey((v: number) => v, (a: number) => a, (a: number) => a, 0)],
    ['partitionBy(0)', () => pairs().partitionBy(0)],
    ['repartition(0)', () => numbers().repartition(0)],
    ['coalesce(-2)', () => numbers().coalesce(-2)],
    ['coalesce(NaN)', () => numbers().coalesce(NaN)],
    ['sortByKey(true, 0)', () => pairs().sortByKey(true, 0)],
    ['sortBy(f, true, 1.5)', () => numbers().sortBy((x: number) => x, true, 1.5)],
    ['distinct(0)', () => numbers().distinct(0)],
    ['join(other, 0)', () => pairs().join(pairs(), 0)],
    ['cogroup(other, -1)', () => pairs().cogroup(pairs(), -1)],
    ['new HashPartitioner(0)', () => new HashPartitioner(0)],
    ['new RangePartitioner(0, …)', () => new RangePartitioner(0, async () => [])],
  ])('%s: RangeError at definition', (_name, define) => {
    expect(define).toThrow(RangeError);
    expect(define).toThrow(/must be a positive integer, got/);
  });

  test.each([
    ['map(3)', () => numbers().map(3 as never)],
    ['filter(undefined)', () => numbers().filter(undefined as never)],
    ['reduceByKey(null)', () => pairs().reduceByKey(null as never)],
  ])('%s: TypeError saying a function is expected', (_name, define) => {
    expect(define).toThrow(TypeError);
    expect(define).toThrow(/expects a function, got/);
  });
});
