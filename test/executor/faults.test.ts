import { describe, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../../engine/executor/index.ts';
import type { DStream } from '../../engine/index.ts';
import { mulberry32 } from '../../engine/rdd/RDD.ts';
import { runStreams } from '../support/TestSuiteBase.ts';

// Workers killed at random points of a streaming run: every batch's output still equals local mode's.

const input = Array.from({ length: 8 }, (_, b) => Array.from({ length: 6 }, (_, i) => `w${(b * 7 + i) % 5} w${i % 3} w${b % 4}`));

/** Word count with a windowed and a stateful output, each record costing a little CPU so kills land mid-task. */
const pipeline = (lines: DStream<string>) => {
  const pairs = lines
    .map((l) => { const end = Date.now() + 20; while (Date.now() < end); return l; })
    .flatMap((l) => l.split(' '))
    .map((w) => [w, 1] as [string, number]);
  return pairs
    .reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000)
    .join(pairs.updateStateByKey((vs: number[], s: number | undefined) => vs.reduce((a, b) => a + b, s ?? 0)));
};

describe('faults during a streaming run', () => {
  test('workers terminated at random points: every batch equals local mode, and workers were replaced', async () => {
    const local = await runStreams({ input, operation: pipeline });
    const rand = mulberry32(2024);
    let kills = 0;
    let pool: WorkerPool | undefined;
    const killer = setInterval(() => {
      const live = pool?.workers ?? [];
      if (live.length === 0) return;
      kills++;
      void live[Math.floor(rand() * live.length)]!.terminate();
    }, 500);
    let workers;
    try {
      workers = await runStreams({
        input,
        operation: (lines: DStream<string>, ssc) => {
          pool = ssc.sparkContext.executor as WorkerPool;
          return pipeline(lines);
        },
        context: { workers: 2, placement: 'workers' },
      });
    } finally {
      clearInterval(killer);
    }
    try {
      expect(workers.error).toBeUndefined();
      const canonical = (batches: unknown[][]) => batches.map((b) => b.map((r) => JSON.stringify(r)).sort());
      expect(canonical(workers.output)).toEqual(canonical(local.output));
      expect(kills).toBeGreaterThan(0);
      console.log(`faults: ${kills} workers terminated, ${pool!.replacedWorkers} replaced`);
      expect(pool!.replacedWorkers).toBeGreaterThan(0);
    } finally {
      await workers.ssc.sparkContext.close();
    }
  });
});

describe('a plain Node script', () => {
  test('the driver reading blocks from idle workers keeps the process alive until they answer', async () => {
    const script = fileURLToPath(new URL('./fixtures/blocks-fetch-workers.ts', import.meta.url));
    const { stdout } = await promisify(execFile)('node_modules/.bin/tsx', [script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 150_000 });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ fromShuffle: [['a', 3], ['b', 2], ['c', 1]], fromCache: [['a', 30], ['b', 20], ['c', 10]] });
  });
});

describe('block clean-up (Spark\'s ContextCleaner)', () => {
  test('blocks in workers are dropped once the driver\'s shuffle or RDD is garbage collected, and on unpersist()', async () => {
    const script = fileURLToPath(new URL('./fixtures/blocks-cleanup.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 150_000 });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({
      before: { shuffle: true, rdd: true },
      after: { shuffle: false, rdd: false },
      beforeUnpersist: true,
      afterUnpersist: false,
    });
  });
});

describe('starting workers', () => {
  const script = fileURLToPath(new URL('./fixtures/wordcount-workers.ts', import.meta.url));
  const expected = { counts: [['a', 3], ['b', 2], ['c', 1]], onWorkers: true };
  test.each([
    ['tsx script.ts', ['node_modules/.bin/tsx', script]],
    ['node --import tsx script.ts', [process.execPath, '--import', 'tsx', script]],
  ])('%s: no set-up, and the process exits', async (_name, [cmd, ...args]) => {
    const { stdout } = await promisify(execFile)(cmd!, args, { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 150_000 });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual(expected);
  });
});
