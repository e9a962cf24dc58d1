import { describe, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { WorkerPool } from '../../engine/executor/index.ts';
import type { PlatformWorker } from '../../engine/platform/worker.ts';
import { createTestContext, runStreams } from '../support/TestSuiteBase.ts';

// ssc.stop() owns the worker pool: it terminates every worker thread, also when an error stopped the context.

/** The live workers of a context's pool, each with a promise that resolves when its thread exits. */
function watchWorkers(pool: WorkerPool): { workers: PlatformWorker[]; exited: Promise<string[]> } {
  const workers = pool.workers;
  return { workers, exited: Promise.all(workers.map((w) => new Promise<string>((resolve) => w.onExit(resolve)))) };
}

describe('StreamingContext.stop() and the worker pool', () => {
  test('stop() terminates the workers', async () => {
    let watched: ReturnType<typeof watchWorkers> | undefined;
    const run = await runStreams({
      input: [['a b'], ['c']],
      operation: (lines, ssc) => {
        const words = lines.flatMap((l) => l.split(' '));
        words.foreachRDD(async (rdd) => {
          await rdd.count();
          watched ??= watchWorkers(ssc.sparkContext.executor as WorkerPool);
        });
        return words;
      },
      context: { workers: 2 },
    });
    expect(run.error).toBeUndefined();
    expect(watched!.workers.length).toBe(2);
    expect(await watched!.exited).toHaveLength(2);
    expect((run.ssc.sparkContext.executor as WorkerPool).workers).toEqual([]);
  });

  test('a batch error that stops the context terminates the workers too', async () => {
    const { ssc, clock } = createTestContext({ workers: 2 });
    let watched: ReturnType<typeof watchWorkers> | undefined;
    ssc.queueStream([['a'], ['boom'], ['c']]).map((l) => { if (l === 'boom') throw new Error('bad line'); return l; }).foreachRDD(async (rdd) => {
      await rdd.collect();
      watched ??= watchWorkers(ssc.sparkContext.executor as WorkerPool);
    });
    const terminated = ssc.awaitTermination();
    ssc.start();
    await clock.advance(3000);
    await expect(terminated).rejects.toThrow(/bad line/);
    expect(ssc.state).toBe('stopped');
    expect(watched!.workers.length).toBeGreaterThan(0);
    await watched!.exited;
    expect((ssc.sparkContext.executor as WorkerPool).workers).toEqual([]);
  });

  test('a context stopped before start() closes a pool its sparkContext started', async () => {
    const { ssc } = createTestContext({ workers: 1 });
    expect(await ssc.sparkContext.parallelize([1, 2], 1).map((x) => x * 2).collect()).toEqual([2, 4]);
    const watched = watchWorkers(ssc.sparkContext.executor as WorkerPool);
    await ssc.stop();
    expect(await watched.exited).toHaveLength(1);
  });

  test('a Node script that only calls ssc.stop() exits, its workers stopped', async () => {
    const script = fileURLToPath(new URL('./fixtures/streaming-workers-exit.ts', import.meta.url));
    const { stdout } = await promisify(execFile)('node_modules/.bin/tsx', [script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 150_000 });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ counts: [3, 1, 3], workersBefore: 2, workersAfter: 0 });
  });
});
