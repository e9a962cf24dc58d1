import { afterAll, describe, expect, test } from 'vitest';
import { ManualClock, SourceRDD, StreamingContext, type TaskFailureInfo } from '../../engine/index.ts';
import type { WorkerPool } from '../../engine/executor/index.ts';
import type { ReadByThread } from './memoryLog.ts';
import { define, filledLog, showRange, type Outputs } from './fixtures/wordsPipeline.ts';
import { MemoryLog } from './memoryLog.ts';
import { expectSameOutputs, removeTempDirectories, runUninterrupted, runWithCrash, tempDirectory } from '../streaming/recoveryHarness.ts';

// Issue 12, item 1: a direct stream's batch has one partition per source partition, read where its
// task runs — in a worker, by the source object that worker's copy of the pipeline made (Spark's
// KafkaRDD, computed on the executor with its own consumer). The pipeline (fixtures/wordsPipeline.ts)
// outputs each batch's partitions, its word counts and a window of two batches; its log holds 2
// records per partition and batch (maxRatePerPartition: 2 at 1 s batches):
//
//   batch   p0              p1            p2
//   1000    'a b', 'b c'    'b', 'a a'    'c c c'
//   2000    'c d', 'a'      'd'           —
//   3000    'e'             —             —
//   4000    —               —             —
const expected: Outputs = {
  ranges: [
    [1000, ['p0 [0, 2)', 'p1 [0, 2)', 'p2 [0, 1)']],
    [2000, ['p0 [2, 4)', 'p1 [2, 3)', 'p2 [1, 1)']],
    [3000, ['p0 [4, 5)', 'p1 [3, 3)', 'p2 [1, 1)']],
    [4000, ['p0 [5, 5)', 'p1 [3, 3)', 'p2 [1, 1)']],
  ],
  partitions: [
    [1000, [['a b', 'b c'], ['b', 'a a'], ['c c c']]],
    [2000, [['c d', 'a'], ['d'], []]],
    [3000, [['e'], [], []]],
    [4000, [[], [], []]],
  ],
  counts: [
    [1000, [['a', 3], ['b', 3], ['c', 4]]],
    [2000, [['a', 1], ['c', 1], ['d', 2]]],
    [3000, [['e', 1]]],
    [4000, []],
  ],
  windows: [
    [1000, ['a a', 'a b', 'b', 'b c', 'c c c']],
    [2000, ['a', 'a a', 'a b', 'b', 'b c', 'c c c', 'c d', 'd']],
    [3000, ['a', 'c d', 'd', 'e']],
    [4000, ['e']],
  ],
};

/** The same pipeline in local mode: the reference every run with workers must equal. */
async function localRun(batches: number): Promise<Outputs> {
  const clock = new ManualClock();
  const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
  const log = filledLog();
  const { outputs } = define(ssc, log.source());
  ssc.start();
  await clock.advance(batches * 1000);
  await ssc.stop();
  // In local mode every range is read once, on the driver.
  expect(log.readsByThread.every((r) => r.thread === 0)).toBe(true);
  return outputs;
}

const show = (r: ReadByThread) => showRange(r.range);
const rangesOf = (...times: number[]) => expected.ranges.filter(([t]) => times.includes(t)).flatMap(([, rs]) => rs);

describe('a direct stream with workers reads its ranges in the workers', () => {
  test('every range is read once, by a worker, with its own copy of the source; the outputs equal local mode', async () => {
    const p = await import('./fixtures/readsInWorkers.ts');
    try {
      await p.clock.advance(4000);
      expect(p.outputs).toEqual(expected);
      expect(await localRun(4)).toEqual(expected);
      const ranges = 4 * 3;
      // Reported from the workers over a BroadcastChannel: wait for every report.
      await expect.poll(() => p.log.readsByThread.length).toBeGreaterThanOrEqual(ranges);
      const reads = p.log.readsByThread;
      // Each range once (the word count and the windows read the partitions kept in the workers), and never on the driver.
      expect(reads.map(show).sort()).toEqual(rangesOf(1000, 2000, 3000, 4000).sort());
      expect(reads.filter((r) => r.thread === 0)).toEqual([]);
      const workerThreads = new Set((p.ssc.sparkContext.executor as WorkerPool).workers.map((w) => w.threadId));
      for (const r of reads) expect(workerThreads).toContain(r.thread);
      // The driver's copy of the source read nothing.
      expect(p.log.reads).toEqual([]);
      const { rangesReadInWorkers, rangesReadOnDriver } = p.ssc.sparkContext.scheduler.metrics;
      expect([rangesReadInWorkers, rangesReadOnDriver]).toEqual([ranges, 0]);
    } finally {
      await p.ssc.stop();
      p.log.close();
    }
  });

  test('a worker lost after a batch: the ranges it held are read again from the source by a live worker when a window reads them', async () => {
    const p = await import('./fixtures/workerLost.ts');
    try {
      await p.clock.advance(2000);
      const pool = p.ssc.sparkContext.executor as WorkerPool;
      const batch2 = p.stream.generatedRDDs.get(2000) as SourceRDD<string, number>;
      const bmm = p.ssc.sparkContext.scheduler.blockManagerMaster;
      const holders = [0, 1, 2].map((q) => bmm.location(batch2, q));
      expect(holders.every((e) => e !== undefined && pool.executors.includes(e))).toBe(true);
      // Lose the worker holding the batch's first partition, between batches.
      const lost = holders[0]!;
      const lostThread = pool.workers[pool.executors.indexOf(lost)]!.threadId;
      await expect.poll(() => p.log.readsByThread.length).toBeGreaterThanOrEqual(6);
      expect(p.log.readsByThread.map(show).sort()).toEqual(rangesOf(1000, 2000).sort());
      const before = p.log.readsByThread.length;
      await pool.workers[pool.executors.indexOf(lost)]!.terminate();
      await expect.poll(() => pool.executors.includes(lost)).toBe(false);

      await p.clock.advance(2000);
      expect(p.outputs).toEqual(expected);
      // Batches 3 and 4, and again the ranges of batch 2 that the lost worker held; the others were read where they were kept.
      const again = batch2.offsetRanges.filter((_, q) => holders[q] === lost).map(showRange);
      expect(again.length).toBeGreaterThan(0);
      await expect.poll(() => p.log.readsByThread.length).toBeGreaterThanOrEqual(before + 6 + again.length);
      const after = p.log.readsByThread.slice(before);
      expect(after.map(show).sort()).toEqual([...rangesOf(3000, 4000), ...again].sort());
      // All by live workers: not the driver, not the lost one.
      for (const r of after) expect([0, lostThread]).not.toContain(r.thread);
      expect(p.ssc.sparkContext.scheduler.metrics.rangesReadOnDriver).toBe(0);
    } finally {
      await p.ssc.stop();
      p.log.close();
    }
  });

  test('a worker lost while its task reads: the task runs again on another worker, which reads the range again', async () => {
    const p = await import('./fixtures/workerLostMidTask.ts');
    try {
      const pool = p.ssc.sparkContext.executor as WorkerPool;
      const lost: TaskFailureInfo[] = [];
      p.ssc.addStreamingListener({ onWorkerLost: (e) => void lost.push(e) });
      let killed: number | undefined;
      // The first task sent: its worker dies as it starts reading its range.
      pool.onTaskEvent = (event, worker) => {
        if (event !== 'sent' || killed !== undefined) return;
        killed = worker.threadId;
        void worker.terminate();
      };
      await p.clock.advance(4000);
      expect(p.outputs).toEqual(expected);
      expect(lost.map((e) => e.batchTime)).toEqual([1000]);
      // Every range read by a live worker; the killed task's range maybe also by the killed one before it died.
      const killedRange = expected.ranges[0]![1][lost[0]!.partition!]!;
      await expect.poll(() => p.log.readsByThread.length).toBeGreaterThanOrEqual(12);
      const reads = p.log.readsByThread;
      const byLive = reads.filter((r) => r.thread !== killed);
      expect(byLive.map(show).sort()).toEqual(rangesOf(1000, 2000, 3000, 4000).sort());
      expect(reads.filter((r) => r.thread === killed).map(show)).toEqual(reads.length === 12 ? [] : [killedRange]);
      expect(reads.every((r) => r.thread !== 0)).toBe(true);
    } finally {
      await p.ssc.stop();
      p.log.close();
    }
  });

  test('a stage on the driver reads there what no worker holds, and fetches what a worker read: each range is read once', async () => {
    const p = await import('./fixtures/driverStages.ts');
    try {
      await p.clock.advance(3000);
      // The stage on the driver and the stage on the workers see the same batch.
      for (const out of [p.outputs.a, p.outputs.b]) {
        expect(out.map(([t, onDriver]) => [t, onDriver])).toEqual(expected.partitions.slice(0, 3).map(([t, parts]) => [t, parts.flat().map((l) => l + '!')]));
        expect(out.map(([t, , onWorkers]) => [t, onWorkers])).toEqual(expected.partitions.slice(0, 3));
      }
      await expect.poll(() => p.logB.readsByThread.length).toBeGreaterThanOrEqual(9);
      // a: read first by the stage on the driver, on the driver; then sent to the workers' tasks, not read again.
      expect(p.logA.readsByThread.map(show).sort()).toEqual(rangesOf(1000, 2000, 3000).sort());
      expect(p.logA.readsByThread.every((r) => r.thread === 0)).toBe(true);
      // b: read first by the stage on the workers, in the workers; then fetched by the stage on the driver, not read again.
      expect(p.logB.readsByThread.map(show).sort()).toEqual(rangesOf(1000, 2000, 3000).sort());
      expect(p.logB.readsByThread.every((r) => r.thread !== 0)).toBe(true);
      const { rangesReadInWorkers, rangesReadOnDriver, localTasks } = p.ssc.sparkContext.scheduler.metrics;
      expect([rangesReadInWorkers, rangesReadOnDriver]).toEqual([9, 9]);
      expect(localTasks).toBe(2 * 3 * 3);
    } finally {
      await p.ssc.stop();
      p.logA.close();
      p.logB.close();
    }
  });

  test("a source whose records only the driver has says readsIn: 'driver': its ranges are read on the driver when the batch starts", async () => {
    const p = await import('./fixtures/driverOnly.ts');
    try {
      await p.clock.advance(4000);
      expect(p.outputs).toEqual(expected);
      expect(p.log.readsByThread.map(show).sort()).toEqual(rangesOf(1000, 2000, 3000, 4000).sort());
      expect(p.log.readsByThread.every((r) => r.thread === 0)).toBe(true);
      const { rangesReadInWorkers, rangesReadOnDriver, remoteTasks } = p.ssc.sparkContext.scheduler.metrics;
      expect([rangesReadInWorkers, rangesReadOnDriver]).toEqual([0, 12]);
      // The tasks still ran on the workers, sent the records.
      expect(remoteTasks).toBeGreaterThan(0);
    } finally {
      await p.ssc.stop();
      p.log.close();
    }
  });

  test("a source whose records only the driver has, without readsIn: 'driver': the batch fails naming the range, the batch and the option", async () => {
    const p = await import('./fixtures/driverOnlyUnsaid.ts');
    const stopped = p.ssc.awaitTermination().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await p.clock.advance(1000);
    const error = await stopped;
    expect(error?.message).toMatch(
      /^Batch 1000 ms failed in foreachRDD at wordsPipeline\.ts:\d+:\d+: directStream at wordsPipeline\.ts:\d+:\d+: readRange\(p\d \[0, (\d)\)\) for the batch at 1000 ms gave 0 records, the range holds \1 \(read in a worker, by the source object the worker's copy of the pipeline made; a source whose records only the driver has says readsIn: 'driver'\)/,
    );
    expect(((error as Error).cause as { code?: string }).code).toBe('RIVULET_INPUT_READ_FAILED');
    p.log.close();
  });

  test('recovery from a checkpoint with workers: the logged ranges are read again exactly, in the workers, and the state is exact', async () => {
    const { build, feed, share } = await import('./fixtures/recoveryPipeline.ts');
    const emptyLog = (name?: string) => {
      const log = new MemoryLog<string>(name);
      log.append('p0');
      log.append('p1');
      return log;
    };
    const referenceLog = emptyLog();
    const reference = await runUninterrupted((ssc, sink) => {
      build(referenceLog)(ssc, sink);
      feed(referenceLog, ssc.scheduler as ManualClock);
    }, 8000);

    const log = emptyLog(share);
    let first: StreamingContext | undefined;
    try {
      const { sink } = await runWithCrash({
        store: tempDirectory(),
        first: build(log),
        crashAt: 5000,
        resumeAt: 5000,
        until: 8000,
        context: { workers: 2, placement: 'workers', pipelineModule: new URL('./fixtures/recoveryPipeline.ts', import.meta.url) },
        beforeFirstStart: (ssc, clock) => {
          first = ssc;
          feed(log, clock);
        },
        beforeSecondStart: (_ssc, clock) => feed(log, clock),
      });
      expectSameOutputs(sink, reference);
      // Batches 4 and 5 ran again from the checkpoint at 3 s.
      expect(sink.rewritten()).toEqual({ counts: [4000, 5000], words: [4000, 5000] });
      //            1000     2000     3000     4000     5000     6000     7000     8000
      const p0 = ['[0, 2)', '[2, 2)', '[2, 4)', '[4, 5)', '[5, 5)', '[5, 5)', '[5, 6)', '[6, 7)'];
      const p1 = ['[0, 1)', '[1, 2)', '[2, 2)', '[2, 4)', '[4, 4)', '[4, 5)', '[5, 5)', '[5, 6)'];
      const once = [...p0.map((r) => `p0 ${r}`), ...p1.map((r) => `p1 ${r}`)];
      const again = [`p0 ${p0[3]}`, `p0 ${p0[4]}`, `p1 ${p1[3]}`, `p1 ${p1[4]}`];
      await expect.poll(() => log.readsByThread.length).toBeGreaterThanOrEqual(once.length + again.length);
      expect(log.readsByThread.map(show).sort()).toEqual([...once, ...again].sort());
      expect(log.readsByThread.every((r) => r.thread !== 0)).toBe(true);
      expect(log.reads).toEqual([]);
    } finally {
      // The crashed run is abandoned, never stopped: its workers are stopped here.
      await first?.sparkContext.close();
      log.close();
    }
  });
});

afterAll(() => removeTempDirectories());
