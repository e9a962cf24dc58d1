import { afterEach, describe, expect, test } from 'vitest';
import { RDDContext, type RDD, type ShuffledRDD } from '../../engine/rdd/index.ts';
import { WorkerPool, type TaskFailure } from '../../engine/executor/index.ts';
import { sorted } from '../rdd/helpers.ts';

// Block stores: map outputs and cached partitions stay in the worker that computed them, reduce
// tasks fetch them worker to worker, and what a dead worker held is recomputed from lineage.

const lines = Array.from({ length: 40 }, (_, i) => `w${i % 7} w${i % 3} w${(i * 5) % 11}`);
const wordCount = (sc: RDDContext) =>
  sc.parallelize(lines, 4).flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b, 3);
const expected = sorted(Object.entries(lines.flatMap((l) => l.split(' ')).reduce<Record<string, number>>((m, w) => ((m[w] = (m[w] ?? 0) + 1), m), {})));

const contexts: RDDContext[] = [];
function context(options: ConstructorParameters<typeof RDDContext>[0] = {}): { sc: RDDContext; pool: WorkerPool } {
  const pool = new WorkerPool({ workers: 2 });
  const sc = new RDDContext({ executor: pool, shuffleTransfer: 'direct', ...options });
  contexts.push(sc);
  return { sc, pool };
}
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((sc) => sc.close()));
});

/** Where each map output of the shuffle under `rdd` is: an executor id, or 'driver'. */
const mapOutputPlaces = (sc: RDDContext, rdd: RDD<any>) =>
  sc.scheduler.mapOutputs.get((rdd as ShuffledRDD<any, any, any>).dep).map((o) => o.executor ?? 'driver');

/** Terminate the worker running executor `executor`, and wait until the pool has seen it die. */
async function kill(pool: WorkerPool, executor: number): Promise<void> {
  const i = pool.executors.indexOf(executor);
  expect(i).toBeGreaterThanOrEqual(0);
  await pool.workers[i]!.terminate();
  while (pool.isLive(executor)) await new Promise((r) => setTimeout(r, 5));
  expect(pool.isLive(executor)).toBe(false);
}

describe('shuffles between workers', () => {
  const big = Array.from({ length: 4_000 }, (_, i) => i); // 1,000 records per map task
  test.each([
    // transfer, records,           where the map outputs are
    ['direct', 'the word count', 'in the workers that ran the map tasks'],
    ['relay', 'the word count', 'on the driver'],
    ['auto', 'the word count', 'on the driver'], // 500 records or fewer per map task: relayed
    ['auto', 'a large shuffle', 'in the workers that ran the map tasks'],
  ] as const)('%s, %s: map outputs are %s, and the result is local mode\'s', async (shuffleTransfer, records, where) => {
    const { sc, pool } = context({ shuffleTransfer });
    await pool.start();
    let shuffled: RDD<any>;
    if (records === 'the word count') {
      shuffled = wordCount(sc);
      expect(sorted(await shuffled.collect())).toEqual(expected);
    } else {
      shuffled = sc.parallelize(big, 4).map((i) => [i % 100, i] as [number, number]).groupByKey(3);
      const sums = (await shuffled.mapValues((vs: number[]) => vs.reduce((a, b) => a + b, 0)).collect()) as [number, number][];
      expect(sorted(sums)).toEqual(Array.from({ length: 100 }, (_, k) => [k, big.filter((i) => i % 100 === k).reduce((a, b) => a + b, 0)]));
    }
    const places = mapOutputPlaces(sc, shuffled);
    expect(places).toHaveLength(4);
    if (where === 'on the driver') expect(places).toEqual(['driver', 'driver', 'driver', 'driver']);
    else expect(places.every((p) => typeof p === 'number' && pool.executors.includes(p))).toBe(true);
  });

  test("auto: a large shuffle read by a stage that runs on the driver is relayed (fetching it back would cost more)", async () => {
    const { sc } = context({ shuffleTransfer: 'auto' });
    const grouped = sc.parallelize(Array.from({ length: 4_000 }, (_, i) => i), 4).map((i) => [i % 10, i] as [number, number]).groupByKey(2);
    const onDriver = await sc.runJob(grouped, (iterate) => { let n = 0; iterate(() => n++); return n; });
    expect(onDriver.reduce((a, b) => a + b, 0)).toBe(10);
    expect(mapOutputPlaces(sc, grouped)).toEqual(['driver', 'driver', 'driver', 'driver']);
  });

  test('a stage that runs on the driver reads worker-held map outputs (fetched to the driver)', async () => {
    const { sc } = context();
    const counts = wordCount(sc);
    await counts.count(); // the map stage runs; its outputs stay in the workers
    const viaDriver = await sc.runJob(counts, (iterate) => { const out: [string, number][] = []; iterate((x) => out.push(x)); return out; });
    expect(sorted(viaDriver.flat())).toEqual(expected);
  });
});

describe('locality', () => {
  test("a task reading a cached partition runs on the worker that holds it (waiting for it while it is busy), up to that worker's fair share of the stage", async () => {
    const pool = new WorkerPool({ workers: 2, localityWait: 10_000 });
    const sc = new RDDContext({ executor: pool });
    contexts.push(sc);
    await pool.start();
    await sc.parallelize([0, 1], 2).collect(); // both workers started
    const cached = sc.parallelize([1, 2, 3, 4, 5, 6], 6).map((x) => x * 2).persist();
    await cached.count();
    const threadOf = new Map(pool.executors.map((e, i) => [e, pool.workers[i]!.threadId]));
    const holders = [0, 1, 2, 3, 4, 5].map((p) => threadOf.get(sc.scheduler.blockManagerMaster.location(cached, p)!));
    const ranOn = await cached.mapPartitionsWithIndex((i) => [(globalThis as { rivuletThreadId?: number }).rivuletThreadId]).collect();
    // Tasks are launched in partition order; a worker's fair share is ceil(6 tasks / 2 workers) = 3:
    // a task past its holder's share runs on the other worker (fetching the block).
    const taken = new Map<number | undefined, number>();
    const other = (t: number | undefined) => pool.workers.map((w) => w.threadId).find((id) => id !== t);
    const expected = holders.map((t) => {
      const n = taken.get(t) ?? 0;
      taken.set(t, n + 1);
      return n < 3 ? t : other(t);
    });
    expect(ranOn).toEqual(expected);
    expect(new Set(ranOn).size).toBe(2);
  });
});

describe('lost blocks are recomputed from lineage', () => {
  test('a worker killed between jobs: only its map partitions run again, then the reduce stage', async () => {
    const { sc, pool } = context();
    await pool.start();
    const counts = wordCount(sc);
    expect(sorted(await counts.collect())).toEqual(expected);
    const places = mapOutputPlaces(sc, counts) as number[];
    const victim = places[0]!;
    const lost = places.filter((e) => e === victim).length;
    await kill(pool, victim);
    const before = sc.scheduler.metrics.remoteTasks;
    expect(sorted(await counts.collect())).toEqual(expected);
    expect(sc.scheduler.metrics.remoteTasks - before).toBe(lost + counts.numPartitions);
    expect(mapOutputPlaces(sc, counts)).not.toContain(victim);
  });

  test('a worker killed between jobs is noticed at once: reported without a task, replaced, and its blocks counted lost before the next job', async () => {
    const { sc, pool } = context();
    const failures: TaskFailure[] = [];
    pool.addFailureListener((f) => void failures.push(f));
    await pool.start();
    const counts = wordCount(sc).persist();
    expect(sorted(await counts.collect())).toEqual(expected);
    const places = mapOutputPlaces(sc, counts) as number[];
    const holders = [0, 1, 2].map((p) => sc.scheduler.blockManagerMaster.location(counts, p));
    const victim = places[0]!;
    const slot = pool.executors.indexOf(victim);
    const survivor = pool.executors.find((e) => e !== victim)!;
    await pool.workers[slot]!.terminate(); // resolves after the worker's 'exit' event: no job runs in between
    expect(failures).toEqual([{ type: 'workerLost', worker: slot, executor: victim, reason: expect.stringMatching(new RegExp(`^worker ${slot} \\(thread \\d+\\) exited with code 1$`)) }]);
    expect(failures[0]!.stage).toBeUndefined();
    // Replaced in the same slot by a new executor; the other worker is untouched.
    expect(pool.executors).toHaveLength(2);
    expect(pool.executors).toContain(survivor);
    expect(pool.executors).not.toContain(victim);
    // The MapOutputTracker and the BlockManagerMaster already count what it held as lost.
    const shuffle = (counts as unknown as ShuffledRDD<any, any, any>).dep;
    expect(sc.scheduler.mapOutputs.missing(shuffle)).toEqual(places.flatMap((e, p) => (e === victim ? [p] : [])));
    expect([0, 1, 2].map((p) => sc.scheduler.blockManagerMaster.location(counts, p))).toEqual(holders.map((e) => (e === victim ? undefined : e)));
    expect(sorted(await counts.collect())).toEqual(expected);
    expect(failures).toHaveLength(1);
  });

  test('blocks missing from a live worker: the fetch fails, the map stage is resubmitted, the job completes', async () => {
    const { sc, pool } = context();
    const counts = wordCount(sc);
    expect(sorted(await counts.collect())).toEqual(expected);
    pool.removeBlocks(['shuffle_']); // the workers forget every map output; the driver still lists them
    expect(sorted(await counts.collect())).toEqual(expected);
    expect(sc.scheduler.metrics.fetchFailures).toBeGreaterThanOrEqual(1);
    expect(sc.scheduler.metrics.resubmittedStages).toBeGreaterThanOrEqual(1);
  });

  test('cached partitions missing from a live worker: the fetch fails, and they are computed again from lineage', async () => {
    const { sc, pool } = context();
    const cached = sc.parallelize([1, 2, 3, 4], 2).map((x) => x * 10).persist();
    expect(await cached.collect()).toEqual([10, 20, 30, 40]);
    pool.removeBlocks(['rdd_']); // the task below is sent no input for them: the driver thinks them cached
    expect(await cached.map((x) => x + 1).collect()).toEqual([11, 21, 31, 41]);
    expect(sc.scheduler.metrics.fetchFailures).toBeGreaterThanOrEqual(1);
    expect(sc.scheduler.blockManagerMaster.allLive(cached)).toBe(true); // computed again, and kept again
  });

  test('two shuffles deep: a worker killed after both map stages, then a job reads the second', async () => {
    const { sc, pool } = context();
    await pool.start();
    const byCount = wordCount(sc).map(([w, n]) => [n, w] as [number, string]).groupByKey(2).mapValues((ws) => ws.length);
    const first = sorted(await byCount.collect());
    await kill(pool, pool.executors[1]!);
    expect(sorted(await byCount.collect())).toEqual(first);
    await kill(pool, pool.executors[0]!);
    expect(sorted(await byCount.collect())).toEqual(first);
  });

  test('a persisted RDD: partitions on a killed worker are computed again, the others read where they are', async () => {
    const { sc, pool } = context();
    await pool.start();
    const computed = sc.parallelize([1, 2, 3, 4], 4).map((x) => [x, Math.random()] as [number, number]).persist();
    const first = await computed.collect();
    const holders = [0, 1, 2, 3].map((p) => sc.scheduler.blockManagerMaster.location(computed, p)!);
    const victim = holders[0]!;
    await kill(pool, victim);
    const second = await computed.collect();
    holders.forEach((h, p) => {
      if (h === victim) expect(second[p]![1]).not.toBe(first[p]![1]); // recomputed (a new random number)
      else expect(second[p]).toEqual(first[p]); // read from the block
    });
    expect(sc.scheduler.blockManagerMaster.allLive(computed)).toBe(true);
  });

  test('a cached reduce side whose worker died, with the map outputs also lost: both recomputed', async () => {
    const { sc, pool } = context();
    await pool.start();
    const counts = wordCount(sc).persist();
    expect(sorted(await counts.collect())).toEqual(expected);
    await kill(pool, pool.executors[0]!);
    expect(sorted(await counts.mapValues((n) => n * 2).collect())).toEqual(expected.map(([w, n]) => [w, n * 2]));
    await kill(pool, pool.executors[1]!);
    expect(sorted(await counts.collect())).toEqual(expected);
  });
});
