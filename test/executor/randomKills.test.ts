import { describe, expect, test } from 'vitest';
import { StateSpec, type DStream, type State, type StreamingContext, type TaskFailureInfo } from '../../engine/index.ts';
import type { WorkerPool } from '../../engine/executor/index.ts';
import { runStreams, seededRandom } from '../support/TestSuiteBase.ts';

// Workers killed at random points of random batches (a seeded RNG, so a failure reproduces):
// as a task is sent (the task is retried) and as a task completes (the blocks its worker holds —
// map outputs, cached partitions — are lost and recomputed from lineage). Every batch's output
// must equal local mode's.

const numBatches = 12;
const input = Array.from({ length: numBatches }, (_, b) => Array.from({ length: 8 }, (_, i) => `w${(b * 7 + i) % 9} w${i % 4} w${(b + i) % 6}`));
const pairs = (lines: DStream<string>) => lines.flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]);

const pipelines: [name: string, operation: (lines: DStream<string>) => DStream<any>][] = [
  ['word count (reduceByKey)', (lines) => pairs(lines).reduceByKey((a, b) => a + b, 3)],
  ['a window with an inverse reduce', (lines) => pairs(lines).reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000, 3)],
  ['a window of persisted batches', (lines) => pairs(lines).reduceByKey((a, b) => a + b).window(3000, 1000).groupByKey(2).mapValues((ns) => ns.reduce((a, b) => a + b, 0))],
  ['a join', (lines) => {
    const counts = pairs(lines).reduceByKey((a, b) => a + b, 2);
    const lengths = lines.flatMap((l) => l.split(' ')).map((w) => [w, w.length] as [string, number]);
    return counts.join(lengths, 3);
  }],
  ['updateStateByKey', (lines) => pairs(lines).updateStateByKey((vs: number[], s: number | undefined) => vs.reduce((a, b) => a + b, s ?? 0))],
  ['mapWithState with a timeout, and its snapshots', (lines) => {
    // A word's running count, forgotten after 2 s without data; the mapped values and the whole state each batch.
    const counted = pairs(lines).mapWithState(StateSpec.function((w: string, one: number | undefined, s: State<number>) => {
      if (s.isTimingOut()) return `${w} timed out at ${s.get()}`;
      const n = (s.getOption() ?? 0) + (one ?? 0);
      s.update(n);
      return `${w}=${n}`;
    }).timeout(2000));
    return counted.map((m) => ['mapped', m] as [string, unknown]).union(counted.stateSnapshots().map((kv) => ['state', kv] as [string, unknown]));
  }],
];

const canonical = (batches: unknown[][]) => batches.map((b) => b.map((r) => JSON.stringify(r)).sort());

describe('workers killed at random points: every batch equals local mode', () => {
  test.each(pipelines.flatMap(([name, op], i) => [1, 2].map((seed) => [name, seed * 1000 + i, op] as const)))('%s (seed %i)', async (_name, seed, operation) => {
    const local = await runStreams({ input, operation });
    const rand = seededRandom(seed);
    const kills = { sent: 0, completed: 0 };
    const lost: TaskFailureInfo[] = [];
    const retried: TaskFailureInfo[] = [];
    let pool: WorkerPool | undefined;
    const run = await runStreams({
      input,
      // Direct, and state in workers: every map output and state partition stays in a worker, so
      // every kill loses blocks (auto would relay these small shuffles and keep small states on the driver).
      context: { workers: 2, shuffleTransfer: 'direct', stateInWorkers: true, placement: 'workers' },
      operation: (lines: DStream<string>, ssc: StreamingContext) => {
        pool = ssc.sparkContext.executor as WorkerPool;
        ssc.addStreamingListener({ onWorkerLost: (e) => void lost.push(e), onTaskRetried: (e) => void retried.push(e) });
        pool.onTaskEvent = (event, worker) => {
          if (rand() >= 0.05) return;
          kills[event]++;
          // Right after a task is sent: that worker, mid-task. After one completes: any live worker.
          const live = pool!.workers;
          void (event === 'sent' ? worker : live[Math.floor(rand() * live.length)] ?? worker).terminate();
        };
        return operation(lines);
      },
    });
    try {
      expect(run.error && `${(run.error as Error).message} / ${((run.error as Error).cause as Error)?.message}`).toBeUndefined();
      expect(canonical(run.output)).toEqual(canonical(local.output));
      expect(run.output).toHaveLength(local.output.length);
      expect(kills.sent + kills.completed).toBeGreaterThan(0);
      // Every worker killed under a task was reported, with the batch it happened in; a worker killed
      // after its task (idle) is reported too, without a task, and maybe after its batch completed.
      // No death is reported twice.
      expect(lost.length).toBeGreaterThanOrEqual(kills.sent);
      expect(lost.length).toBeLessThanOrEqual(kills.sent + kills.completed);
      for (const e of lost) if (e.stage !== undefined || e.batchTime !== undefined) expect(run.batches.map((b) => b.batchTime)).toContain(e.batchTime);
      expect(retried.length).toBeGreaterThanOrEqual(Math.min(1, kills.sent));
      console.log(`${_name} (seed ${seed}): killed ${kills.sent} workers mid-task and ${kills.completed} after a task; ` +
        `${lost.length} reported lost (${lost.filter((e) => e.stage === undefined).length} idle), ${retried.length} tasks retried, ${pool!.replacedWorkers} replaced, ` +
        `${run.ssc.sparkContext.scheduler.metrics.fetchFailures} fetch failures, ${run.ssc.sparkContext.scheduler.metrics.resubmittedStages} stages resubmitted`);
    } finally {
      await run.ssc.sparkContext.close();
    }
  });
});
