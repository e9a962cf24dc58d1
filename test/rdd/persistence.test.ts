import { describe, expect, test } from 'vitest';
import { newContext, seen } from './helpers.ts';

/** An RDD whose map records every computation in the side channel. */
function tracked(numSlices = 2) {
  const log = seen();
  const rdd = newContext()
    .parallelize([1, 2, 3, 4], numSlices)
    .map((x: number) => { globalThis.rivuletTestSeen!.push(x); return x * 10; });
  return { rdd, log };
}

describe('cache / persist / unpersist', () => {
  test('without cache, every action recomputes the lineage', async () => {
    const { rdd, log } = tracked();
    await rdd.collect();
    await rdd.count();
    expect(log).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
  });

  test('a cached RDD is computed once, then read from memory', async () => {
    const { rdd, log } = tracked();
    rdd.cache();
    expect(await rdd.collect()).toEqual([10, 20, 30, 40]);
    expect(await rdd.count()).toBe(4);
    expect(await rdd.reduce((a: number, b: number) => a + b)).toBe(100);
    expect(log).toEqual([1, 2, 3, 4]);
  });

  test('children of a cached RDD read it from memory, across a shuffle too', async () => {
    const { rdd, log } = tracked();
    rdd.persist();
    await rdd.collect();
    expect(await rdd.map((x: number) => x + 1).collect()).toEqual([11, 21, 31, 41]);
    expect((await rdd.keyBy((x: number) => x % 20).groupByKey().collect()).length).toBe(2);
    expect(log).toEqual([1, 2, 3, 4]);
  });

  test('a cached map that makes the pairs of a reduceByKey is read from memory (the map side does not call its function itself then)', async () => {
    const log = seen();
    const pairs = newContext()
      .parallelize([1, 2, 3, 4], 2)
      .map((x: number): [number, number] => { globalThis.rivuletTestSeen!.push(x); return [x % 2, x]; })
      .cache();
    expect((await pairs.reduceByKey((a: number, b: number) => a + b).collect()).sort()).toEqual([[0, 6], [1, 4]]);
    expect((await pairs.reduceByKey((a: number, b: number) => a * b).collect()).sort()).toEqual([[0, 8], [1, 3]]);
    expect(log).toEqual([1, 2, 3, 4]);
  });

  test('isMaterialized once every partition was computed; take fills only what it computed', async () => {
    const { rdd, log } = tracked();
    rdd.cache();
    expect(rdd.isPersisted).toBe(true);
    expect(rdd.isMaterialized()).toBe(false);
    expect(await rdd.take(1)).toEqual([10]);
    expect(rdd.isMaterialized()).toBe(false);
    await rdd.collect();
    expect(rdd.isMaterialized()).toBe(true);
    // take(1) computed partition 0 whole (a cached partition is stored complete); collect computed only partition 1.
    expect(log).toEqual([1, 2, 3, 4]);
  });

  test('unpersist drops the blocks: the next action recomputes', async () => {
    const { rdd, log } = tracked();
    rdd.cache();
    await rdd.collect();
    expect(rdd.unpersist()).toBe(rdd);
    expect(rdd.isPersisted).toBe(false);
    expect(rdd.isMaterialized()).toBe(false);
    await rdd.collect();
    expect(log).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
  });

  test('cache and persist return the RDD itself and are idempotent', async () => {
    const { rdd, log } = tracked();
    expect(rdd.cache()).toBe(rdd);
    await rdd.collect();
    expect(rdd.persist()).toBe(rdd);
    await rdd.collect();
    expect(log).toEqual([1, 2, 3, 4]);
  });

  test('a failed computation caches nothing for that partition', async () => {
    const log = seen();
    const rdd = newContext()
      .parallelize([1, 2], 1)
      .map((x: number) => { globalThis.rivuletTestSeen!.push(x); if (globalThis.rivuletTestSeen!.length === 2) throw new Error('once'); return x; })
      .cache();
    await expect(rdd.collect()).rejects.toThrow(/once/);
    expect(rdd.isMaterialized()).toBe(false);
    expect(await rdd.collect()).toEqual([1, 2]);
    expect(log).toEqual([1, 2, 1, 2]);
  });

  test('a cached RDD with no partitions is materialized at once', () => {
    expect(newContext().emptyRDD().cache().isMaterialized()).toBe(true);
  });

  test('a cached shuffled RDD does not rerun the shuffle, even for a child that shuffles again', async () => {
    const log = seen();
    const sc = newContext();
    const counts = sc
      .parallelize(['a', 'b', 'a'], 2)
      .map((w: string) => { globalThis.rivuletTestSeen!.push(w); return [w, 1] as [string, number]; })
      .reduceByKey((x: number, y: number) => x + y)
      .cache();
    await counts.collect();
    expect((await counts.sortByKey(false).collect())).toEqual([['b', 1], ['a', 2]]);
    expect(log).toEqual(['a', 'b', 'a']);
  });
});
