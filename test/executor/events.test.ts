import { describe, expect, test } from 'vitest';
import { StateSpec, type BatchInfo, type DStream, type StageResubmittedInfo, type StreamingContext, type TaskFailureInfo } from '../../engine/index.ts';
import type { WorkerPool } from '../../engine/executor/index.ts';
import { collectBatches, createTestContext, expectBatches, runStreams } from '../support/TestSuiteBase.ts';

// What listeners are told about workers: where each batch's tasks ran, and workers lost under a task.

const input = [['a b a', 'c'], ['b b', 'd a'], ['a']];
const pairs = (lines: DStream<string>) => lines.flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]);

describe('BatchInfo.executedOn', () => {
  test.each([
    ['local mode', undefined, (lines: DStream<string>) => pairs(lines).reduceByKey((a, b) => a + b), 'local'],
    ['word count on 2 workers', 2, (lines: DStream<string>) => pairs(lines).reduceByKey((a, b) => a + b), 'workers'],
    ['mapWithState on 2 workers (its state step runs on the driver)', 2, (lines: DStream<string>) => pairs(lines).mapWithState(StateSpec.function((key: string, one: number | undefined, state: { getOption(): number | undefined; update(n: number): void }) => {
      state.update((state.getOption() ?? 0) + (one ?? 0));
      return key;
    })), 'mixed'],
  ] as const)('%s: %s', async (_name, workers, operation, expected) => {
    // placement: 'workers', or tiny stages would move to the driver by cost after two batches.
    const run = await runStreams({ input, operation: operation as (lines: DStream<string>) => DStream<unknown>, context: { workers, placement: 'workers' } });
    expect(run.error).toBeUndefined();
    expect(run.batches.map((b) => b.executedOn)).toEqual(input.map(() => expected));
    for (const b of run.batches) {
      expect(b.numRemoteTasks! + b.numLocalTasks!).toBeGreaterThan(0);
      if (expected === 'local') expect(b.numRemoteTasks).toBe(0);
    }
  });
});

describe('listener events for worker failures', () => {
  test('a worker terminated under a task: onWorkerLost, then onTaskRetried, and the batch completes with the local result', async () => {
    // Each record keeps its worker busy, so the kill lands mid-task.
    const busy = (lines: DStream<string>) => pairs(lines.map((l) => { const end = Date.now() + 200; while (Date.now() < end); return l; })).reduceByKey((a, b) => a + b);
    const local = await runStreams({ input, operation: busy });
    const lost: TaskFailureInfo[] = [];
    const retried: TaskFailureInfo[] = [];
    const order: string[] = [];
    const run = await runStreams({
      input,
      context: { workers: 2, placement: 'workers' },
      operation: (lines: DStream<string>, ssc: StreamingContext) => {
        const pool = ssc.sparkContext.executor as WorkerPool;
        ssc.addStreamingListener({
          onWorkerLost: (e) => void (lost.push(e), order.push(`lost ${e.attempt}`)),
          onTaskRetried: (e) => void (retried.push(e), order.push(`retried ${e.attempt}`)),
          onBatchCompleted: (e: { batchInfo: BatchInfo }) => void order.push(`completed ${e.batchInfo.batchTime}`),
        });
        // Terminate the worker that received the first task of batch 2000, 50 ms after sending it.
        let inBatch2 = false;
        ssc.addStreamingListener({ onBatchStarted: (e) => void (inBatch2 = e.batchInfo.batchTime === 2000) });
        const send = pool['send'].bind(pool);
        let killed = false;
        (pool as any)['send'] = (slot: { worker: { terminate(): Promise<void> } }, message: never) => {
          if (inBatch2 && !killed) {
            killed = true;
            setTimeout(() => void slot.worker.terminate(), 50);
          }
          return send(slot as never, message);
        };
        return busy(lines);
      },
    });
    expect(run.error).toBeUndefined();
    const canonical = (batches: unknown[][]) => batches.map((b) => b.map((r) => JSON.stringify(r)).sort());
    expect(canonical(run.output)).toEqual(canonical(local.output));
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ type: 'workerLost', batchTime: 2000, attempt: 0, reason: expect.stringMatching(/worker \d \(thread \d+\) exited/) });
    expect(lost[0]!.operation).toMatch(/map at .*events\.test\.ts:\d+/);
    expect(retried).toEqual([{ ...lost[0], type: 'taskRetried', attempt: 1 }]);
    expect(order).toEqual(['completed 1000', 'lost 0', 'retried 1', 'completed 2000', 'completed 3000']);
    expect(run.batches.map((b) => b.executedOn)).toEqual(['workers', 'workers', 'workers']);
  });
});

describe('a worker that dies between batches', () => {
  test('is reported once as workerLost (no task, its executor id) and replaced at once; every later batch equals local mode', async () => {
    const batches = [['a b a', 'c'], ['b b', 'd a'], ['a'], ['c d', 'a b'], []];
    // The window reads the earlier batches' reduced RDDs again: their map outputs were kept in the workers.
    const windowed = (lines: DStream<string>) => pairs(lines).reduceByKey((a, b) => a + b).window(3000, 1000);
    const local = await runStreams({ input: batches, operation: windowed });
    const { ssc, clock } = createTestContext({ defaultParallelism: 2, workers: 2, placement: 'workers', shuffleTransfer: 'direct' });
    const out = collectBatches(windowed(ssc.queueStream(batches.map((b) => [...b]))));
    const lost: TaskFailureInfo[] = [];
    const retried: number[] = [];
    const resubmitted: StageResubmittedInfo[] = [];
    ssc.addStreamingListener({
      onWorkerLost: (e) => void lost.push(e),
      onTaskRetried: (e) => void retried.push(e.stage), // a number: a retried task always names its task
      onStageResubmitted: (e) => void resubmitted.push(e),
    });
    const terminated = ssc.awaitTermination();
    ssc.start();
    try {
      await clock.advance(1000);
      const pool = ssc.sparkContext.executor as WorkerPool;
      expect(pool.executors).toHaveLength(2);
      const victim = pool.executors[0]!;
      // Resolves after the pool has seen the worker exit: no batch runs in between.
      await pool.workers[0]!.terminate();
      expect(lost).toEqual([{ type: 'workerLost', time: 1000, batchTime: undefined, worker: 0, executor: victim, reason: expect.stringMatching(/^worker 0 \(thread \d+\) exited with code 1$/) }]);
      expect([lost[0]!.stage, lost[0]!.partition, lost[0]!.operation, lost[0]!.attempt]).toEqual([undefined, undefined, undefined, undefined]);
      expect(pool.executors).toHaveLength(2); // replaced already, by a new executor
      expect(pool.executors).not.toContain(victim);
      await clock.advance((batches.length - 1) * 1000);
      await ssc.stop();
      await expect(terminated).resolves.toBeUndefined();
    } finally {
      await ssc.stop();
    }
    expect(lost).toHaveLength(1);
    expect(retried).toEqual([]);
    expect(out.times).toEqual(local.times);
    expectBatches(out.output, local.output);
    // What it held was recomputed, and only what it held.
    expect(resubmitted.length).toBeGreaterThanOrEqual(1);
    for (const e of resubmitted) expect(e.executors).toEqual([lost[0]!.executor]);
  });
});

describe('listener events for lost blocks', () => {
  test('every worker killed between batches: onStageResubmitted for the shuffle whose map outputs they held, and the local result', async () => {
    // The window reads batch 1000's reduced RDD again at 2000: its partitions and map outputs were in the killed workers.
    const windowed = (lines: DStream<string>) => pairs(lines).reduceByKey((a, b) => a + b).window(3000, 1000);
    const local = await runStreams({ input, operation: windowed });
    const resubmitted: StageResubmittedInfo[] = [];
    const run = await runStreams({
      input,
      context: { workers: 2, shuffleTransfer: 'direct' },
      operation: (lines: DStream<string>, ssc: StreamingContext) => {
        const pool = ssc.sparkContext.executor as WorkerPool;
        ssc.addStreamingListener({
          onBatchCompleted: ({ batchInfo }) => { if (batchInfo.batchTime === 1000) for (const w of pool.workers) void w.terminate(); },
          onStageResubmitted: (e) => void resubmitted.push(e),
        });
        return windowed(lines);
      },
    });
    await run.ssc.sparkContext.close();
    expect(run.error).toBeUndefined();
    const canonical = (batches: unknown[][]) => batches.map((b) => b.map((r) => JSON.stringify(r)).sort());
    expect(canonical(run.output)).toEqual(canonical(local.output));
    expect(resubmitted.length).toBeGreaterThanOrEqual(1);
    expect(resubmitted[0]).toMatchObject({ type: 'stageResubmitted', batchTime: 2000, partitions: [0, 1] });
    expect(resubmitted[0]!.operation).toMatch(/reduceByKey at .*events\.test\.ts:\d+/);
    expect(resubmitted[0]!.executors).toHaveLength(2);
  });
});
