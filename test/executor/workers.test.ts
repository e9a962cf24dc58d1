import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RDDContext, type RDD } from '../../engine/rdd/index.ts';
import { UserFunctionError } from '../../engine/util/errors.ts';
import { LocalExecutor, WorkerPool } from '../../engine/executor/index.ts';
import { failure, sorted } from '../rdd/helpers.ts';

// The same pipelines in local mode and on two worker threads: equal results, partition by
// partition where the partitioning is fixed (glom), as sorted records where a shuffle decides order.

type Case = [name: string, run: (sc: RDDContext) => Promise<unknown>];

const lines = ['the quick brown fox', 'jumps over the lazy dog', 'the dog', '', 'quick quick'];
const words = (sc: RDDContext) => sc.parallelize(lines, 3).flatMap((l) => l.split(' ')).filter((w) => w.length > 0);
const pairs = (sc: RDDContext) => words(sc).map((w) => [w, 1] as [string, number]);

const cases: Case[] = [
  ['narrow chain, per partition', (sc) => words(sc).filter((w) => !['the', 'over'].includes(w)).map((w) => w.toUpperCase()).glom().collect()],
  ['a function with a helper of its own', (sc) => words(sc).filter((w) => {
    const isStop = (x: string) => x === 'the' || x === 'over';
    return !isStop(w);
  }).collect()],
  ['word count', async (sc) => sorted(await pairs(sc).reduceByKey((a, b) => a + b).collect())],
  ['word count, 4 reduce partitions, per partition', (sc) => pairs(sc).reduceByKey((a, b) => a + b, 4).mapValues((n) => n * 10).glom().collect()],
  ['groupByKey', async (sc) => sorted((await pairs(sc).groupByKey().collect()).map(([k, vs]) => [k, vs.length]))],
  ['foldByKey / aggregateByKey', async (sc) => [
    sorted(await pairs(sc).foldByKey(100, (a, b) => a + b).collect()),
    sorted(await pairs(sc).aggregateByKey([] as number[], (acc, v) => [...acc, v], (a, b) => [...a, ...b]).collect()),
  ]],
  ['combineByKey on pre-partitioned data (no shuffle)', async (sc) => sorted(await pairs(sc).partitionBy(2).reduceByKey((a, b) => a + b, 2).collect())],
  ['sortBy, descending, per partition', (sc) => words(sc).sortBy((w) => w, false, 3).glom().collect()],
  ['sortByKey', (sc) => pairs(sc).sortByKey().collect()],
  ['distinct', async (sc) => sorted(await words(sc).distinct().collect())],
  ['repartition, per partition', (sc) => words(sc).repartition(4).glom().collect()],
  ['union and coalesce, per partition', (sc) => words(sc).map((w): string | number => w).union(words(sc).map((w): string | number => w.length)).coalesce(2).glom().collect()],
  ['join / outer joins / subtractByKey', async (sc) => {
    const left = pairs(sc);
    const right = sc.parallelize([['the', 'T'], ['dog', 'D'], ['cat', 'C']] as [string, string][], 2);
    return [
      sorted(await left.join(right).collect()),
      sorted(await left.leftOuterJoin(right).collect()),
      sorted(await left.rightOuterJoin(right).collect()),
      sorted(await left.fullOuterJoin(right).collect()),
      sorted(await left.subtractByKey(right).collect()),
      sorted(await left.cogroup(right).mapValues(([a, b]) => [a.length, b.length]).collect()),
    ];
  }],
  ['join of co-partitioned RDDs', async (sc) => {
    const a = pairs(sc).reduceByKey((x, y) => x + y, 3);
    const b = pairs(sc).mapValues((n) => n * 2).reduceByKey((x, y) => x + y, 3);
    return sorted(await a.join(b).collect());
  }],
  ['actions: count, take, first, reduce, fold, aggregate, countByValue, isEmpty', async (sc) => [
    await words(sc).count(),
    await words(sc).take(6),
    await words(sc).first(),
    await words(sc).map((w) => w.length).reduce((a, b) => a + b),
    await words(sc).fold('', (a, b) => (a > b ? a : b)),
    await words(sc).aggregate({ n: 0, chars: 0 }, (acc, w) => ({ n: acc.n + 1, chars: acc.chars + w.length }), (a, b) => ({ n: a.n + b.n, chars: a.chars + b.chars })),
    sorted([...(await words(sc).countByValue())]),
    sorted([...(await pairs(sc).countByKey())]),
    await sc.emptyRDD().isEmpty(),
  ]],
  ['sample, mapPartitionsWithIndex, keyBy, flatMapValues, keys/values', (sc) => Promise.all([
    words(sc).sample(false, 0.5, 7).glom().collect(),
    words(sc).mapPartitionsWithIndex((i, ws) => ws.map((w) => `${i}:${w}`)).collect(),
    words(sc).keyBy((w) => w[0]).flatMapValues((w) => w.split('')).keys().collect(),
    pairs(sc).values().collect(),
  ])],
  ['a persisted RDD read by two jobs', async (sc) => {
    const cached = pairs(sc).reduceByKey((a, b) => a + b).persist();
    return [sorted(await cached.collect()), await cached.map(([, n]) => n).reduce((a, b) => a + b)];
  }],
  // Partitions of a few hundred records and more cross columnar (engine/executor/columnar.ts) both ways.
  ['large partitions (columnar both ways): objects, pairs, numbers with -0, NaN, null, undefined', async (sc) => {
    const rows = Array.from({ length: 1200 }, (_, i) => ({ id: i, user: `u${i % 37}`, score: i % 5 === 0 ? -0 : i % 7 === 0 ? NaN : i / 4, ok: i % 3 === 0 ? null : i % 2 === 0 }));
    const objects = sc.parallelize(rows, 3);
    return [
      await objects.map((r) => ({ ...r, ok: r.ok ?? undefined })).collect(),
      sorted(await objects.map((r) => [r.user, r.score] as [string, number]).reduceByKey((a, b) => a + b).collect()),
      await objects.map((r) => r.score).glom().collect(),
    ];
  }],
  ['foreach / foreachPartition complete', async (sc) => {
    await words(sc).foreach((w) => { if (typeof w !== 'string') throw new Error('not a word'); });
    await words(sc).foreachPartition(async (ws) => { await Promise.resolve(ws.length); });
    return 'done';
  }],
];

describe('workers: 2 give local mode results', () => {
  const local = new RDDContext();
  const workers = new RDDContext({ workers: 2, shuffleTransfer: 'direct' });
  const relay = new RDDContext({ workers: 2, shuffleTransfer: 'relay' });
  const loopback = new RDDContext({ executor: new LocalExecutor() });
  afterAll(() => Promise.all([workers.close(), relay.close()]));

  test.each(cases)('%s', async (_name, run) => {
    const expected = await run(local);
    expect(await run(loopback)).toEqual(expected);
    expect(await run(workers)).toEqual(expected);
    expect(await run(relay)).toEqual(expected);
  });

  test('tasks really run on worker threads', async () => {
    const threads = await workers.parallelize([1, 2, 3, 4, 5, 6], 6).mapPartitions(() => [(globalThis as { rivuletThreadId?: number }).rivuletThreadId ?? 0]).collect();
    expect(threads.every((t) => t > 0)).toBe(true);
    expect(new Set(threads).size).toBe(2);
  });

  test('partitions of a persisted RDD stay in the workers that computed them, and are read there', async () => {
    const random = workers.parallelize([1, 2, 3], 3).map((x) => x + Math.random()).persist();
    const first = await random.collect();
    expect(random.isMaterialized()).toBe(false); // nothing came back to the driver's cache
    expect(workers.scheduler.blockManagerMaster.allLive(random)).toBe(true);
    expect(await random.collect()).toEqual(first); // read from the blocks, not computed again
    expect(await random.map((x) => x * 2).collect()).toEqual(first.map((x) => x * 2));
    // A job that runs on the driver (no ResultKind) fetches them.
    expect((await workers.runJob(random, (iterate) => { const out: number[] = []; iterate((x) => out.push(x)); return out; })).flat()).toEqual(first);
    random.unpersist();
    expect(workers.scheduler.blockManagerMaster.allLive(random)).toBe(false);
  });

  test('without the bundle, a worker starts from the sources through tsx (the fallback when esbuild is missing)', async () => {
    const { spawnWorker, sourceEntry } = await import('../../engine/platform/worker.node.ts');
    const sc = new RDDContext({ executor: new WorkerPool({ workers: 1, spawn: () => spawnWorker({}, sourceEntry) }) });
    expect(await sc.parallelize(['a b', 'b'], 2).flatMap((l) => l.split(' ')).countByValue()).toEqual(new Map([['a', 1], ['b', 2]]));
    await sc.close();
  });

  test("workers: 'auto' is the available cores minus one (at least one)", async () => {
    const { availableParallelism } = await import('node:os');
    const auto = new RDDContext({ workers: 'auto' });
    expect((auto.executor as WorkerPool).size).toBe(Math.max(1, availableParallelism() - 1));
    await auto.close();
  });

  test('a function that uses its surroundings, with no pipeline loaded in the workers, runs on the driver: same result, and the stage says why', async () => {
    const k = 3;
    const reasons: string[] = [];
    workers.scheduler.addStageListener((d) => { if (d.executedOn === 'local') reasons.push(d.reason); });
    const before = workers.scheduler.metrics.localTasks;
    expect(await workers.parallelize([1, 2], 2).map((x) => x + k).collect()).toEqual([4, 5]);
    expect(workers.scheduler.metrics.localTasks - before).toBe(2);
    expect(reasons.some((r) => /map at workers\.test\.ts:\d+:\d+ uses `k` from its surroundings/.test(r))).toBe(true);
  });

  test("a user function's error names the operation and the user's line", async () => {
    const e = await failure(() => workers.parallelize([1, 2], 2).map((x) => { if (x === 2) throw new RangeError('bad record'); return x; }).collect());
    expect(e).toBeInstanceOf(UserFunctionError);
    expect((e as UserFunctionError).operation).toBe('map');
    expect((e as UserFunctionError).callSite).toMatch(/workers\.test\.ts:\d+/);
    expect(e.message).toContain('RangeError: bad record');
  });

  test('records that cannot cross threads fail with the operation named', async () => {
    const fns = await failure(() => workers.parallelize([1], 1).map((x) => () => x).collect());
    expect(fns.message).toMatch(/records of map at .*workers\.test\.ts.* cannot be sent from a worker.*function/s);
    const instances = await failure(() => workers.parallelize([1], 1).map((x) => { class Point { constructor(readonly x: number) {} norm() { return this.x; } } return new Point(x); }).collect());
    expect(instances.message).toMatch(/records of map at .* instance of Point/s);
    class Input { constructor(readonly v: number) {} }
    const inputs = await failure(() => workers.parallelize([new Input(1)], 1).map((x) => x).collect());
    expect(inputs.message).toMatch(/records of parallelize at .* cannot be sent to a worker.*instance of Input/s);
  });

  test('a function is sent to each worker once, then named by hash', async () => {
    const pool = new WorkerPool({ workers: 1 });
    const sc = new RDDContext({ executor: pool });
    const sent: number[] = [];
    const handle = pool['send'].bind(pool);
    (pool as any)['send'] = (slot: unknown, message: { functions: unknown[] }) => {
      sent.push(message.functions.length);
      return handle(slot as never, message as never);
    };
    const rdd = sc.parallelize([1, 2, 3], 3).map((x) => Array.from({ length: 1000 }, (_, i) => i)[x]);
    expect(await rdd.collect()).toEqual([1, 2, 3]);
    expect(await rdd.collect()).toEqual([1, 2, 3]);
    expect(sent.reduce((a, b) => a + b, 0)).toBe(1);
    await sc.close();
  });
});

describe('faults', () => {
  // A task that keeps its worker busy for `ms`, so a test can kill the worker mid-task.
  // The duration travels with the records: the function uses nothing from its surroundings, so it reaches the workers as text.
  const busy = (sc: RDDContext, ms: number): RDD<number> =>
    sc.parallelize([1, 2, 3, 4].map((x) => [x, ms] as [number, number]), 4).map(([x, wait]) => { const end = Date.now() + wait; while (Date.now() < end); return x * x; });

  test('a worker terminated mid-job is replaced and the job completes with the local result', async () => {
    const pool = new WorkerPool({ workers: 2 });
    const sc = new RDDContext({ executor: pool });
    expect(await sc.parallelize([0], 1).collect()).toEqual([0]); // workers started
    await pool.start();
    await sc.parallelize([0, 1], 2).collect();
    const job = busy(sc, 300).collect();
    await new Promise((r) => setTimeout(r, 100));
    await pool.workers[0]!.terminate();
    expect(await job).toEqual([1, 4, 9, 16]);
    expect(pool.replacedWorkers).toBeGreaterThanOrEqual(1);
    await sc.close();
  });

  test('a user function that exits its worker fails the job after maxTaskAttempts, naming the task', async () => {
    const sc = new RDDContext({ workers: 1, maxTaskAttempts: 2 });
    const e = await failure(() => sc.parallelize([1], 1).map((x) => { process.exit(3); return x; }).collect());
    expect(e.name).toBe('TaskFailedError');
    expect(e.message).toMatch(/map at .*workers\.test\.ts:\d+.* \(stage \d+, partition 0\) failed 2 times.*exited with code 3/s);
    await sc.close();
  });

  test('a task that hangs past the task timeout is retried, then fails the job', async () => {
    const sc = new RDDContext({ workers: 1, taskTimeout: 300, maxTaskAttempts: 2 });
    const e = await failure(() => sc.parallelize([1], 1).map((x) => { for (;;); return x; }).collect());
    expect(e.name).toBe('TaskFailedError');
    expect(e.message).toMatch(/failed 2 times.*task timeout of 300 ms/s);
    await sc.close();
  });
});

beforeAll(() => {});
