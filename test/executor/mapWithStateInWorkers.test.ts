import { describe, expect, test } from 'vitest';
import { MaterializedRDD } from '../../engine/dstream/MaterializedRDD.ts';
import { StateSpec, type DStream, type StreamingContext } from '../../engine/index.ts';
import type { WorkerPool } from '../../engine/executor/index.ts';
import { expectBatches, runStreams } from '../support/TestSuiteBase.ts';
import { recordWhereHeld } from '../support/whereHeld.ts';

// mapWithState with workers and stateInWorkers: true: the state step runs in the worker that holds
// the state partition, the state stays in the block stores between checkpoint intervals (3 s
// here), a failed batch leaves it as it was, and a partition lost with its worker is recomputed
// from the latest state on the driver through the batches since. Every batch's mapped values and
// state snapshot equal local mode's.

// Batches of words: a word counts up; `-w` removes w's state; `boom` makes the function throw (the
// batch fails and is skipped); a word with no data for 2 s times out.
const input: string[][] = [
  ['a b', 'a c'],
  ['a', 'b d'],
  [],
  ['-a c', 'e'],
  ['a boom', 'b'],
  ['c', 'f f'],
  [],
  [],
  ['a b', '-f c'],
  ['g'],
];

const spec = () =>
  StateSpec.function<string, string, number, string>((key, word, state) => {
    if (state.isTimingOut()) return `${key} timed out at ${String(state.get())}`;
    if (word === 'boom') throw new Error('boom');
    if (word!.startsWith('-')) {
      if (state.exists()) state.remove();
      return `${key} removed`;
    }
    const n = (state.getOption() ?? 0) + 1;
    state.update(n);
    return `${key}=${n}`;
  }).timeout(2000);

/** The state stream and the output: mapped values and state snapshots of each batch, tagged. */
const pipeline = (lines: DStream<string>) => {
  // `-a` is keyed by `a`, so that it reaches a's state.
  const mapped = lines.flatMap((l) => l.split(' ')).map((w) => [w.replace(/^-/, ''), w] as [string, string]).mapWithState(spec()).checkpoint(3000);
  const out = mapped.map((m) => ['mapped', m] as [string, unknown]).union(mapped.stateSnapshots().map((kv) => ['state', kv] as [string, unknown]));
  return { state: mapped.internal, out };
};
const counts = (lines: DStream<string>) => pipeline(lines).out;

const canonical = (batches: unknown[][]) => batches.map((b) => b.map((r) => JSON.stringify(r)).sort());
const workers = { workers: 2, stateInWorkers: true, placement: 'workers', skipFailedBatches: true } as const;

describe('mapWithState keeps its state in the workers (stateInWorkers: true)', () => {
  test('batches in, mapped values and state snapshots out: equal to local mode, with removal, timeouts and a failed batch', async () => {
    const local = await runStreams({ input, operation: counts, context: { skipFailedBatches: true } });
    const run = await runStreams({ input, operation: counts, context: workers });
    const m = (...values: string[]) => values.map((v): [string, unknown] => ['mapped', v]);
    const st = (...kvs: [string, number][]) => kvs.map((kv): [string, unknown] => ['state', kv]);
    // The failed batch (5000 ms) produced nothing and changed nothing: b's update there did not
    // happen, so b times out at 6000 ms; a key with data in a batch does not time out in it (c, f at 9000 ms).
    const expected = [
      /* 1000 */ [...m('a=1', 'b=1', 'a=2', 'c=1'), ...st(['a', 2], ['b', 1], ['c', 1])],
      /* 2000 */ [...m('a=3', 'b=2', 'd=1'), ...st(['a', 3], ['b', 2], ['c', 1], ['d', 1])],
      /* 3000 */ [...st(['a', 3], ['b', 2], ['c', 1], ['d', 1])],
      /* 4000 */ [...m('a removed', 'c=2', 'e=1'), ...st(['b', 2], ['c', 2], ['d', 1], ['e', 1])],
      /* 6000 */ [...m('c=3', 'f=1', 'f=2', 'b timed out at 2', 'd timed out at 1'), ...st(['c', 3], ['e', 1], ['f', 2])],
      /* 7000 */ [...m('e timed out at 1'), ...st(['c', 3], ['f', 2])],
      /* 8000 */ [...st(['c', 3], ['f', 2])],
      /* 9000 */ [...m('a=1', 'b=1', 'f removed', 'c=4'), ...st(['a', 1], ['b', 1], ['c', 4])],
      /* 10000 */ [...m('g=1'), ...st(['a', 1], ['b', 1], ['c', 4], ['g', 1])],
    ];
    try {
      expect(local.error).toBeUndefined();
      expect(local.times).toEqual([1000, 2000, 3000, 4000, 6000, 7000, 8000, 9000, 10000]);
      expectBatches(local.output, expected);
      expect(run.error).toBeUndefined();
      expect(run.times).toEqual(local.times);
      expectBatches(run.output, expected);
      expect(run.ssc.sparkContext.scheduler.metrics.remoteTasks).toBeGreaterThan(0);
    } finally {
      await run.ssc.sparkContext.close();
    }
  });

  test('a batch that fails after its state step ran (an output throws) leaves the state as it was: the next batch rolls the worker\'s map back', async () => {
    // `oops` is counted like any word, but the output throws on it: the batch fails after the
    // state step changed the map in place in its worker (6000 ms is also a batch whose state is
    // copied to the driver, 8000 ms is not).
    const withOops = input.map((b, i) => (i === 5 || i === 7 ? [...b, 'oops a'] : b));
    const failingOutput = (lines: DStream<string>) => {
      const mapped = lines.flatMap((l) => l.split(' ')).map((w) => [w.replace(/^-/, ''), w] as [string, string]).mapWithState(spec()).checkpoint(3000);
      const checkedOutput = mapped.map((m) => {
        if (m.startsWith('oops')) throw new Error('the output refuses oops');
        return ['mapped', m] as [string, unknown];
      });
      return checkedOutput.union(mapped.stateSnapshots().map((kv) => ['state', kv] as [string, unknown]));
    };
    const local = await runStreams({ input: withOops, operation: failingOutput, context: { skipFailedBatches: true } });
    const run = await runStreams({ input: withOops, operation: failingOutput, context: workers });
    try {
      expect(local.error).toBeUndefined();
      expect(local.times).toEqual([1000, 2000, 3000, 4000, 7000, 9000, 10000]);
      expect(run.error).toBeUndefined();
      expect(run.times).toEqual(local.times);
      expect(canonical(run.output)).toEqual(canonical(local.output));
      // Neither failed batch's changes survived: `oops` never has a state, and at 9000 ms a (removed at 4000) starts again at 1.
      const flat = run.output.flat().map((r) => JSON.stringify(r));
      expect(flat.some((r) => r.includes('"oops"'))).toBe(false);
      expect(run.output[5]!.map((r) => JSON.stringify(r))).toContain(JSON.stringify(['mapped', 'a=1']));
    } finally {
      await run.ssc.sparkContext.close();
    }
  });

  test("where each batch's state is held: in the workers, and on the driver every checkpoint interval (3 s)", async () => {
    const held: [number, string][] = [];
    const run = await runStreams({
      input: input.map((b) => b.filter((l) => !l.includes('boom'))),
      context: workers,
      operation: (lines: DStream<string>, ssc: StreamingContext) => {
        const { state: internal, out } = pipeline(lines);
        recordWhereHeld(internal, ssc, held);
        return out;
      },
    });
    try {
      expect(run.error).toBeUndefined();
      expect(held.slice(0, 7)).toEqual([
        [1000, 'workers'], [2000, 'workers'], [3000, 'driver'], [4000, 'workers'],
        [5000, 'workers'], [6000, 'driver'], [7000, 'workers'],
      ]);
    } finally {
      await run.ssc.sparkContext.close();
    }
  });

  test("the state is never sent back to a worker: each batch reads it in place (after a copy to the driver too), spread over both workers; under placement 'auto' its stages stay on the workers", async () => {
    const clean = input.map((b) => b.filter((l) => !l.includes('boom')));
    const local = await runStreams({ input: clean, operation: counts, context: { skipFailedBatches: true } });
    const shipped: number[] = [];
    let readInPlace = 0;
    const holders = new Set<number>();
    const reasons = new Set<string>();
    const run = await runStreams({
      input: clean,
      context: { workers: 2, stateInWorkers: true, skipFailedBatches: true }, // placement: 'auto'
      operation: (lines: DStream<string>, ssc: StreamingContext) => {
        const pool = ssc.sparkContext.executor as WorkerPool;
        const runTask = pool.runTask.bind(pool);
        pool.runTask = (task) => {
          for (const b of task.inputs) {
            if (b.heldAs !== undefined) readInPlace++;
            // A state record sent as data: { entries, mapped }.
            if (b.records.some((r) => typeof r === 'object' && r !== null && 'entries' in r)) shipped.push(b.rddId);
          }
          return runTask(task);
        };
        const { state, out } = pipeline(lines);
        ssc.addStreamingListener({
          onBatchCompleted: ({ batchInfo }) => {
            for (const d of batchInfo.stageDecisions ?? []) if (d.stage.startsWith('mapWithState') || d.stage.startsWith('stateSnapshots')) reasons.add(`${d.executedOn}: ${d.reason}`);
            const rdd = state.generatedRDDs.get(batchInfo.batchTime)!;
            const bmm = ssc.sparkContext.scheduler.blockManagerMaster;
            if (!(rdd instanceof MaterializedRDD)) for (let p = 0; p < rdd.numPartitions; p++) holders.add(bmm.location(rdd, p)!);
          },
        });
        return out;
      },
    });
    try {
      expect(run.error).toBeUndefined();
      expect(canonical(run.output)).toEqual(canonical(local.output));
      expect(shipped).toEqual([]);
      expect(readInPlace).toBeGreaterThan(0); // the batches after 3000, 6000 and 9000 ms read the driver's copy's original
      expect(holders.size).toBe(2);
      expect([...reasons]).toEqual(['workers: mapWithState keeps its state in the workers (stateInWorkers: true)']);
    } finally {
      await run.ssc.sparkContext.close();
    }
  });

  test.each([
    // kill a worker after these batches   (state then held in the workers since the last driver copy)
    [[1000]],
    [[4000, 5000]],
    [[2000, 4000, 8000]],
  ])('a worker killed after batches %j: its state partitions are recomputed from lineage, every batch equals local mode', async (after) => {
    const local = await runStreams({ input, operation: counts, context: { skipFailedBatches: true } });
    const run = await runStreams({
      input,
      context: workers,
      operation: (lines: DStream<string>, ssc: StreamingContext) => {
        const pool = ssc.sparkContext.executor as WorkerPool;
        ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void (after.includes(batchInfo.batchTime) && pool.workers[0]?.terminate()) });
        return counts(lines);
      },
    });
    try {
      expect(run.error).toBeUndefined();
      expect(run.times).toEqual(local.times);
      expect(canonical(run.output)).toEqual(canonical(local.output));
      expect((run.ssc.sparkContext.executor as WorkerPool).replacedWorkers).toBe(after.length);
    } finally {
      await run.ssc.sparkContext.close();
    }
  });
});
