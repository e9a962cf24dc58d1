import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ManualClock, RDDContext, StateSpec, StreamingContext, type RDD, type State } from '../../engine/index.ts';
import type { WorkerPool } from '../../engine/executor/index.ts';
import type { RDDDescriptor } from '../../engine/rdd/descriptor.ts';
import type { WorkerMemory } from '../../engine/executor/protocol.ts';
import { MAX_STATE_LINEAGE_BATCHES } from '../../engine/dstream/StateInWorkers.ts';
import { stateLineageDepth } from '../support/lineage.ts';

// Runs of thousands of tiny batches back to back on a ManualClock, with workers: what the engine
// keeps, and how deep the lineage it walks gets, must not grow with the number of batches.

/** How deeply a descriptor nests (what a structured clone and a worker's rebuild recurse through), measured without recursion. */
function descriptorDepth(d: RDDDescriptor): number {
  let deepest = 0;
  const stack: [RDDDescriptor, number][] = [[d, 1]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    for (const p of x.parents) stack.push([p, depth + 1]);
  }
  return deepest;
}

describe('state kept in the workers at a short batch interval', () => {
  test('2,000 batches of mapWithState at 20 ms (checkpoint interval 200 s): no stack overflow, and its lineage is cut every 100 batches', async () => {
    const interval = 20;
    const batches = 2000;
    const clock = new ManualClock();
    const ssc = new StreamingContext({ batchInterval: interval, scheduler: clock, workers: 2, stateInWorkers: true });
    const queue: string[][] = [];
    const spec = StateSpec.function((key: string, n: number | undefined, state: State<number>) => {
      const total = (state.getOption() ?? 0) + (n ?? 0);
      state.update(total);
      return [key, total] as [string, number];
    });
    // A checkpoint interval of 10,000 batches: only the cut by depth keeps the lineage short.
    const mapped = ssc.queueStream(queue).map((w) => [w, 1] as [string, number]).mapWithState(spec).checkpoint(interval * 10_000);
    let total = 0;
    mapped.stateSnapshots().foreachRDD(async (rdd) => void (total = (await rdd.collect()).reduce((a, [, n]) => a + n, 0)));
    let failure: string | undefined;
    ssc.addStreamingListener({ onBatchCompleted: (e) => void (failure ??= e.batchInfo.failureReason && `batch ${e.batchInfo.batchTime}: ${e.batchInfo.failureReason}`) });
    ssc.start();
    const deepest = { lineage: 0, descriptor: 0, debugLines: 0 };
    let completed = 0;
    try {
      for (let b = 1; b <= batches && failure === undefined; b++) {
        queue.push([`k${b % 5}`, `k${b % 7}`]);
        await clock.advance(interval);
        completed = b;
        const state = mapped.internal.generatedRDDs.get(b * interval) as RDD<unknown> | undefined;
        if (!state) throw new Error(`no state at batch ${b}`);
        deepest.lineage = Math.max(deepest.lineage, stateLineageDepth(mapped.internal));
        if (b % 10 === 0) {
          deepest.descriptor = Math.max(deepest.descriptor, descriptorDepth(state.describe() ?? ({ parents: [] } as unknown as RDDDescriptor)));
          deepest.debugLines = Math.max(deepest.debugLines, state.toDebugString().split('\n').length);
        }
      }
    } finally {
      await ssc.stop();
    }
    console.log(`longRun: deepest ${JSON.stringify(deepest)}`);
    expect(failure).toBeUndefined();
    expect(completed).toBe(batches);
    expect(total).toBe(2 * batches); // every record counted once
    // Per batch the state's lineage grows by a step and a union (and the copy on the driver names the
    // state it copied): cut every MAX_STATE_LINEAGE_BATCHES batches, it never passes twice that.
    expect(deepest.lineage).toBeGreaterThan(MAX_STATE_LINEAGE_BATCHES);
    expect(deepest.lineage).toBeLessThanOrEqual(2 * MAX_STATE_LINEAGE_BATCHES + 10);
    expect(deepest.descriptor).toBeLessThanOrEqual(2 * MAX_STATE_LINEAGE_BATCHES + 10);
    expect(deepest.debugLines).toBeLessThanOrEqual(5 * MAX_STATE_LINEAGE_BATCHES + 10);
    // Stages are known by what they compute, not by how deep the state below them is.
    expect(ssc.sparkContext.scheduler.metrics.stages.length).toBeLessThan(10);
  }, 180_000);
});

describe('stages over a state kept in the workers', () => {
  test('are the same stage batch after batch, however deep the state below them (updateStateByKey, an inverse window; placement by cost)', async () => {
    const interval = 20;
    const clock = new ManualClock();
    const ssc = new StreamingContext({ batchInterval: interval, scheduler: clock, workers: 2, stateInWorkers: true });
    const queue: string[][] = [];
    const pairs = ssc.queueStream(queue).map((w) => [w, 1] as [string, number]);
    const totals = pairs.updateStateByKey((vs: number[], s: number | undefined) => vs.reduce((a, b) => a + b, s ?? 0)).checkpoint(interval * 10_000);
    const windowed = pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, interval * 4, interval).checkpoint(interval * 10_000);
    for (const s of [totals, windowed]) s.foreachRDD(async (rdd) => void (await rdd.count()));
    let failure: string | undefined;
    ssc.addStreamingListener({ onBatchCompleted: (e) => void (failure ??= e.batchInfo.failureReason) });
    ssc.start();
    try {
      for (let b = 1; b <= 150 && failure === undefined; b++) {
        queue.push([`k${b % 5}`, `k${b % 3}`]);
        await clock.advance(interval);
      }
    } finally {
      await ssc.stop();
    }
    expect(failure).toBeUndefined();
    const stages = ssc.sparkContext.scheduler.metrics.stages;
    // Before, each batch's state stage was a new one (its key held the lineage down to the last
    // copy): never measured twice, one more entry every batch.
    expect(stages.length).toBeLessThan(25);
    for (const stream of [totals, windowed]) {
      const site = stream.creationSite.replace(/^\S+ at /, '');
      const runs = stages.filter((s) => s.stage.includes(site)).map((s) => s.workersRuns + s.localRuns);
      expect(Math.max(0, ...runs)).toBeGreaterThan(100);
    }
  }, 120_000);
});

/** One measurement of fixtures/longRun.ts: after `batch` batches, the heaps after GC and what the engine holds (see the fixture). */
interface Point {
  batch: number;
  driver: number;
  workers: WorkerMemory[];
  depth: number;
  stages: number;
}

/** Runs fixtures/longRun.ts (each worker re-imports it as the pipeline module) with `--expose-gc`. */
async function longRun(options: Record<string, unknown>): Promise<{ batches: number; records: number; points: Point[] }> {
  const script = fileURLToPath(new URL('./fixtures/longRun.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, RIVULET_LONG_RUN: JSON.stringify(options) },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/** Heap growth per batch between two measurements (bytes). */
const perBatch = (from: number, to: number, batches: number) => (to - from) / batches;

describe('a long run with workers: the heap after GC stays flat', () => {
  // Measured between two late points at the same phase of the state's cycle (each right after the
  // state was brought to the driver, as the checkpoint interval is a divisor of the measurement
  // interval), so a growth is a leak, not the state's lineage since its last copy. Before the
  // fixes the driver grew by 8.0 KB a batch in the first run (each task's reply kept by the
  // worker's lifetime promise, each copy of the state keeping the one before, down to the first)
  // and by 4.6 KB in the second, and each worker's store kept one more block per copy of the state.
  // Bytes per batch. What still grows between the points is V8's compiled code (up to ~500 bytes a
  // batch here, per heap snapshots: optimized code and its deopt data), not the engine's objects.
  const BOUND = 2048;

  test('mapWithState with its state and every stage in the workers: 1,200 batches of 20 ms', async () => {
    const run = await longRun({ mode: 'state', streams: ['mapWithState'], batches: 1200, every: 400, interval: 20, checkpoint: 200 });
    console.log(`longRun (state in workers): ${JSON.stringify(run.points.map((p) => ({ batch: p.batch, driver: p.driver, workers: p.workers.map((w) => [w.heapUsed, w.blocks, w.functions]) })))}`);
    expect(run.batches).toBe(1200);
    // After 400 and 1,200 batches: past the start, when the code is compiled and caches are warm.
    const first = run.points[0]!;
    const late = run.points.at(-1)!;
    expect(perBatch(first.driver, late.driver, late.batch - first.batch)).toBeLessThan(BOUND);
    expect(late.workers).toHaveLength(2);
    for (const w of late.workers) {
      const before = first.workers.find((x) => x.executor === w.executor)!;
      expect(w.afterGC).toBe(true);
      expect(perBatch(before.heapUsed!, w.heapUsed!, late.batch - first.batch)).toBeLessThan(BOUND);
      // Only the state since its last copy and the last batches' blocks are kept; the functions are the pipeline's.
      expect(w.blocks).toBeLessThanOrEqual(before.blocks);
      expect(w.functions).toBe(before.functions);
    }
    expect(late.depth).toBeLessThanOrEqual(2 * MAX_STATE_LINEAGE_BATCHES + 10);
  }, 300_000);

  test('the default state placement, every stage on the workers (mapWithState, updateStateByKey, an inverse window): 1,800 batches', async () => {
    const run = await longRun({ mode: 'ship', batches: 1800, every: 600, interval: 20, checkpoint: 2000 });
    console.log(`longRun (stages on workers): ${JSON.stringify(run.points.map((p) => ({ batch: p.batch, driver: p.driver, workers: p.workers.map((w) => [w.heapUsed, w.blocks, w.functions]) })))}`);
    expect(run.batches).toBe(1800);
    const first = run.points[0]!;
    const late = run.points.at(-1)!;
    expect(perBatch(first.driver, late.driver, late.batch - first.batch)).toBeLessThan(BOUND);
    for (const w of late.workers) {
      const before = first.workers.find((x) => x.executor === w.executor)!;
      expect(perBatch(before.heapUsed!, w.heapUsed!, late.batch - first.batch)).toBeLessThan(BOUND);
      expect(w.blocks).toBeLessThan(50);
    }
    expect(late.stages).toBe(first.stages);
  }, 300_000);
});

describe('functions a worker keeps', () => {
  test('past a bound the worker forgets them all and the driver sends again those it needs (functions whose arguments change every job: a foldByKey zero)', async () => {
    const pairs: [string, number][] = [['a', 1], ['b', 2], ['a', 3], ['c', 4]];
    const local = new RDDContext();
    const sc = new RDDContext({ workers: 1, placement: 'workers' });
    const pool = sc.executor as WorkerPool;
    pool.maxFunctionsPerWorker = 4;
    const held: number[] = [];
    try {
      for (let zero = 0; zero < 12; zero++) {
        const fold = (rdd: RDD<[string, number]>) => rdd.foldByKey(zero, (a, b) => a + b).collect().then((r) => r.sort());
        expect(await fold(sc.parallelize(pairs, 2))).toEqual(await fold(local.parallelize(pairs, 2)));
        held.push((await pool.memory())[0]!.functions);
      }
    } finally {
      await sc.close();
    }
    // Each job brings a new function (its zero): without the bound the worker would hold 13 by now.
    expect(Math.max(...held)).toBeLessThanOrEqual(pool.maxFunctionsPerWorker + 3);
    expect(held.some((n, i) => i > 0 && n < held[i - 1]!)).toBe(true);
    expect(sc.scheduler.metrics.localTasks).toBe(0);
  }, 60_000);
});
