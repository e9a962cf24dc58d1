import { describe, expect, test } from 'vitest';
import { HashPartitioner, RDDContext, type RDD } from '../../engine/rdd/index.ts';
import { here, newContext } from './helpers.ts';

const site = String.raw`lineage\.test\.ts:\d+:\d+`;

describe('getNumPartitions', () => {
  const pairs = () => newContext().parallelize([['a', 1], ['b', 2]] as [string, number][], 3);
  test.each([
    ['parallelize(…, 3)', 3, () => pairs()],
    ['map', 3, () => pairs().map((x: [string, number]) => x)],
    ['filter', 3, () => pairs().filter(() => true)],
    ['union of 3 and 3', 6, () => pairs().union(pairs())],
    ['coalesce(2)', 2, () => pairs().coalesce(2)],
    ['coalesce(5) of 3', 3, () => pairs().coalesce(5)],
    ['repartition(5)', 5, () => pairs().repartition(5)],
    ['reduceByKey: defaultParallelism', 2, () => pairs().reduceByKey((a: number, b: number) => a + b)],
    ['reduceByKey(…, 7)', 7, () => pairs().reduceByKey((a: number, b: number) => a + b, 7)],
    ['groupByKey(new HashPartitioner(4))', 4, () => pairs().groupByKey(new HashPartitioner(4))],
    ['partitionBy(6)', 6, () => pairs().partitionBy(6)],
    ['sortByKey: input partitions', 3, () => pairs().sortByKey()],
    ['join: defaultParallelism', 2, () => pairs().join(pairs())],
    ['glom', 3, () => pairs().glom()],
  ])('%s → %i', (_name, n, make) => {
    const rdd = (make as () => RDD<unknown>)();
    expect(rdd.getNumPartitions()).toBe(n);
    expect(rdd.numPartitions).toBe(n);
  });
});

describe('ids', () => {
  test('every RDD of a context has its own id, in creation order', () => {
    const sc = newContext();
    const a = sc.parallelize([1]);
    const b = a.map((x: number) => x);
    const c = b.keyBy((x: number) => x).reduceByKey((x: number, y: number) => x + y);
    const d = sc.union([a, b]);
    const ids = [a.id, b.id, c.id, d.id];
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(a.id).toBe(0);
  });

  test('a transformation that builds several RDDs gives each its own id', () => {
    const sc = newContext();
    const sortedRdd = sc.parallelize([2, 1]).sortBy((x: number) => x);
    const ids: number[] = [];
    const walk = (r: RDD<any>) => { ids.push(r.id); r.dependencies.forEach((d) => walk(d.rdd)); };
    walk(sortedRdd);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('creation sites and toDebugString', () => {
  test('an RDD names its kind, id, operation and the user line that defined it', () => {
    const sc = newContext();
    const [where, rdd] = [here(), sc.parallelize([1]).map((x: number) => x)];
    expect(rdd.creationSite).toBe(`map at ${where}:${/:(\d+)$/.exec(rdd.creationSite)![1]}`);
    expect(String(rdd)).toMatch(new RegExp(String.raw`^MapPartitionsRDD\[1\] at map at ${site}$`));
    expect(String(rdd.setName('doubled'))).toMatch(new RegExp(String.raw`^doubled MapPartitionsRDD\[1\] at map at ${site}$`));
  });

  test('withCallSite attributes RDDs created inside it to the given site', () => {
    const sc = newContext();
    const rdd = sc.withCallSite('stream.ts:12:3', () => sc.parallelize([1]).map((x: number) => x));
    expect(rdd.creationSite).toBe('map at stream.ts:12:3');
    expect(sc.parallelize([1]).creationSite).toMatch(new RegExp(`^parallelize at ${site}$`));
  });

  test('word count lineage, in Spark format', () => {
    const sc = newContext();
    const counts = sc
      .parallelize(['a b', 'b'])
      .flatMap((line: string) => line.split(' '))
      .map((w: string) => [w, 1] as [string, number])
      .reduceByKey((a: number, b: number) => a + b);
    const lines = counts.toDebugString().split('\n');
    const expected = [
      String.raw`^\(2\) ShuffledRDD\[3\] at reduceByKey at ${site} \[\]$`,
      String.raw`^ \+-\(2\) MapPartitionsRDD\[2\] at map at ${site} \[\]$`,
      String.raw`^    \|  MapPartitionsRDD\[1\] at flatMap at ${site} \[\]$`,
      String.raw`^    \|  ParallelCollectionRDD\[0\] at parallelize at ${site} \[\]$`,
    ];
    expect(lines.length).toBe(expected.length);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(expected[i]!)));
  });

  test('lineage of a join: one +- per shuffled parent, a cached RDD marked', () => {
    const sc = newContext();
    const words = sc.parallelize([['a', 1]] as [string, number][], 3).cache();
    const joined = words.reduceByKey((a: number, b: number) => a + b).join(sc.parallelize([['a', 'x']] as [string, string][], 3));
    const lines = joined.toDebugString().split('\n');
    const expected = [
      String.raw`^\(2\) MapPartitionsRDD\[\d+\] at join at ${site} \[\]$`,
      String.raw`^ \|  CoGroupedRDD\[\d+\] at join at ${site} \[\]$`,
      String.raw`^ \|  ShuffledRDD\[\d+\] at reduceByKey at ${site} \[\]$`,
      String.raw`^ \+-\(3\) ParallelCollectionRDD\[0\] at parallelize at ${site} \[Memory Deserialized 1x Replicated\]$`,
      String.raw`^ \+-\(3\) ParallelCollectionRDD\[\d+\] at parallelize at ${site} \[\]$`,
    ];
    expect(lines.length).toBe(expected.length);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(expected[i]!)));
  });

  test('two-digit partition counts shift the bars as Spark does', () => {
    const sc = newContext();
    const rdd = sc.parallelize([['a', 1]] as [string, number][], 12).map((x: [string, number]) => x).groupByKey(10);
    const lines = rdd.toDebugString().split('\n');
    expect(lines[0]).toMatch(/^\(10\) ShuffledRDD\[2\] at groupByKey at /);
    expect(lines[1]).toMatch(/^ \+-\(12\) MapPartitionsRDD\[1\] at map at /);
    expect(lines[2]).toMatch(/^    \|   ParallelCollectionRDD\[0\] at parallelize at /);
  });

  test('a union lists each parent under it', () => {
    const sc = newContext();
    const u = sc.parallelize([1], 1).union(sc.parallelize([2], 2));
    const lines = u.toDebugString().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(String.raw`^\(3\) UnionRDD\[2\] at union at ${site} \[\]$`));
    expect(lines[1]).toMatch(/^ \|  ParallelCollectionRDD\[0\] at parallelize at /);
    expect(lines[2]).toMatch(/^ \|  ParallelCollectionRDD\[1\] at parallelize at /);
  });
});

describe('RDDContext', () => {
  test.each([0, -1, 1.5, NaN])('defaultParallelism %d is a RangeError', (n) => {
    expect(() => new RDDContext({ defaultParallelism: n })).toThrow(RangeError);
  });

  test('defaultParallelism defaults to 2', () => {
    expect(new RDDContext().defaultParallelism).toBe(2);
  });

  test('runJob runs a function per partition, optionally on some partitions only', async () => {
    const sc = newContext();
    const rdd = sc.fromPartitions([[1, 2], [3], []]);
    const sizes = await sc.runJob(rdd, (iterate) => { let n = 0; iterate(() => n++); return n; });
    expect(sizes).toEqual([2, 1, 0]);
    expect(await sc.runJob(rdd, (_iterate, p) => p, [2, 0])).toEqual([2, 0]);
    await expect(sc.runJob(rdd, () => 0, [3])).rejects.toThrow(RangeError);
  });
});
