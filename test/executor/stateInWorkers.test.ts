import { describe, expect, test } from 'vitest';
import { MaterializedRDD } from '../../engine/dstream/MaterializedRDD.ts';
import type { DStream, StreamingContext } from '../../engine/index.ts';
import type { WorkerPool } from '../../engine/executor/index.ts';
import { runStreams } from '../support/TestSuiteBase.ts';
import { recordWhereHeld } from '../support/whereHeld.ts';

// updateStateByKey and reduceByKeyAndWindow (with an inverse) with workers: the state stays in the
// workers' block stores between checkpoint intervals, is brought to the driver every interval, and
// a state partition lost with its worker is recomputed from lineage (from the latest state on the
// driver).

const input = Array.from({ length: 8 }, (_, b) => Array.from({ length: 5 }, (_, i) => `k${(b + i) % 7} k${i % 3}`));
const pairs = (lines: DStream<string>) => lines.flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]);
const pipelines: [name: string, state: (lines: DStream<string>) => DStream<[string, number]>][] = [
  ['updateStateByKey', (lines) => pairs(lines).updateStateByKey((vs: number[], s: number | undefined) => vs.reduce((a, b) => a + b, s ?? 0)).checkpoint(3000)],
  ['reduceByKeyAndWindow with an inverse', (lines) => pairs(lines).reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000).checkpoint(3000)],
];

const canonical = (batches: unknown[][]) => batches.map((b) => b.map((r) => JSON.stringify(r)).sort());

describe.each(pipelines)('%s keeps its state in the workers', (_name, counts) => {
  test('where each batch\'s state is held: in the workers, and on the driver every checkpoint interval (3 s)', async () => {
    const local = await runStreams({ input, operation: counts });
    const held: [number, string][] = [];
    const run = await runStreams({
      input,
      context: { workers: 2, stateInWorkers: true, placement: 'workers' },
      operation: (lines: DStream<string>, ssc: StreamingContext) => {
        const state = counts(lines);
        recordWhereHeld(state, ssc, held);
        return state;
      },
    });
    try {
      expect(run.error).toBeUndefined();
      expect(canonical(run.output)).toEqual(canonical(local.output));
      expect(held).toEqual([
        [1000, 'workers'], [2000, 'workers'], [3000, 'driver'], [4000, 'workers'],
        [5000, 'workers'], [6000, 'driver'], [7000, 'workers'], [8000, 'workers'],
      ]);
    } finally {
      await run.ssc.sparkContext.close();
    }
  });

  test("stateInWorkers 'auto' (the default): a state of 10,000 records or fewer stays on the driver", async () => {
    const held: string[] = [];
    const run = await runStreams({
      input,
      context: { workers: 2 },
      operation: (lines: DStream<string>, ssc: StreamingContext) => {
        const state = counts(lines);
        ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo: { batchTime } }) => void held.push(state.generatedRDDs.get(batchTime) instanceof MaterializedRDD ? 'driver' : 'workers') });
        return state;
      },
    });
    await run.ssc.sparkContext.close();
    expect(run.error).toBeUndefined();
    expect(held).toEqual(input.map(() => 'driver'));
  });

  test.each([
    // kill a worker after these batches   (state then held in the workers since the last driver copy)
    [[1000]],
    [[4000, 5000]],
    [[2000, 4000, 7000]],
  ])('a worker killed after batches %j: its state partitions are recomputed from lineage, every batch equals local mode', async (after) => {
    const local = await runStreams({ input, operation: counts });
    const run = await runStreams({
      input,
      context: { workers: 2, stateInWorkers: true, placement: 'workers' },
      operation: (lines: DStream<string>, ssc: StreamingContext) => {
        const pool = ssc.sparkContext.executor as WorkerPool;
        ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void (after.includes(batchInfo.batchTime) && pool.workers[0]?.terminate()) });
        return counts(lines);
      },
    });
    try {
      expect(run.error).toBeUndefined();
      expect(canonical(run.output)).toEqual(canonical(local.output));
      expect((run.ssc.sparkContext.executor as WorkerPool).replacedWorkers).toBe(after.length);
    } finally {
      await run.ssc.sparkContext.close();
    }
  });
});
