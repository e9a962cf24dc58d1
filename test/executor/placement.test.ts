import { describe, expect, test } from 'vitest';
import { OutOfRangeError, RDDContext, StreamingContext, type DStream, type StageRun } from '../../engine/index.ts';
import { StagePlacement } from '../../engine/rdd/StagePlacement.ts';
import { runStreams } from '../support/TestSuiteBase.ts';

// Choosing local execution by cost, end to end on two real worker threads. The costs the driver
// measures are replaced by scripted ones (a StagePlacement whose record() sees fixed times), so
// the decisions do not depend on this machine's speed or load; the tasks really run where decided.

/** Every run of every stage "measured" as `costs` says. */
class ScriptedPlacement extends StagePlacement {
  constructor(private readonly costs: { workers: number; local: number }) {
    super({ warmUpRuns: 2, probeEvery: 4 });
  }

  override record(run: StageRun): void {
    super.record({ ...run, wallMs: this.costs[run.executedOn] });
  }
}

const input = [['a b a', 'c'], ['b b', 'd a'], ['a'], ['c c c'], ['a b'], ['d'], ['b a']];
const wordCount = (lines: DStream<string>) => lines.flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b);
const canonical = (batches: unknown[][]) => batches.map((b) => b.map((r) => JSON.stringify(r)).sort());

describe('placement by cost on 2 workers: batches in, where they ran out', () => {
  // Batches 1–2 measure the workers, 3–4 the driver; then the cheaper side (the other is 1.8 times slower or more,
  // so it is measured again only after 8 runs).
  test.each([
    ['shipping costs more than it saves: the stages run on the driver', { workers: 30, local: 3 }, ['workers', 'workers', 'local', 'local', 'local', 'local', 'local']],
    ['CPU-heavy stages run on the workers', { workers: 30, local: 55 }, ['workers', 'workers', 'local', 'local', 'workers', 'workers', 'workers']],
  ])('%s', async (_name, costs, expected) => {
    const local = await runStreams({ input, operation: wordCount });
    const run = await runStreams({ input, operation: wordCount, context: { workers: 2, placement: new ScriptedPlacement(costs) } });
    expect(run.error).toBeUndefined();
    expect(canonical(run.output)).toEqual(canonical(local.output));
    expect(run.batches.map((b) => b.executedOn)).toEqual(expected);
    for (const [i, b] of run.batches.entries()) {
      // Two stages per batch: reduceByKey's map side, and the collect of its result.
      expect(b.stageDecisions!.map((d) => d.executedOn)).toEqual([expected[i], expected[i]]);
      if (expected[i] === 'local') {
        expect(b.numRemoteTasks).toBe(0);
        const why = i < 4 ? 'measuring here \\(run \\d of 2\\)' : 'shipping costs more than it saves: estimated 3\\.0 ms here vs 30 ms on workers';
        expect(b.localReason).toMatch(new RegExp(`the map side of reduceByKey\\): ${why}; .*\\(collect\\): ${why}$`));
      } else {
        expect(b.numLocalTasks).toBe(0);
        expect(b.localReason).toBeUndefined();
      }
    }
    const metrics = run.ssc.sparkContext.scheduler.metrics;
    const localBatches = expected.filter((e) => e === 'local').length;
    expect(metrics.localTasksByCost).toBe(localBatches * 4); // 2 map tasks + 2 result tasks per batch
    expect(metrics.stages.map((s) => s.stage)).toEqual([
      expect.stringMatching(/^map at .*placement\.test\.ts:\d+:\d+ \(the map side of reduceByKey\)$/),
      expect.stringMatching(/^reduceByKey at .*placement\.test\.ts:\d+:\d+ \(collect\)$/),
    ]);
  });

  test("placement: 'workers' ships every stage that can be shipped, however cheap", async () => {
    const run = await runStreams({ input, operation: wordCount, context: { workers: 2, placement: 'workers' } });
    expect(run.batches.map((b) => b.executedOn)).toEqual(input.map(() => 'workers'));
    expect(run.batches.every((b) => b.stageDecisions!.every((d) => d.reason === "placement: 'workers' (forced)"))).toBe(true);
  });

  test('placement options (a plain object) tune the estimates: warmUpRuns 1 moves cheap stages to the driver after one run on each side', async () => {
    const run = await runStreams({ input, operation: wordCount, context: { workers: 2, placement: { warmUpRuns: 1 } } });
    expect(run.batches.map((b) => b.executedOn).slice(0, 2)).toEqual(['workers', 'local']);
    const forced = await runStreams({ input, operation: wordCount, context: { workers: 2, placement: { mode: 'workers' } } });
    expect(forced.batches.map((b) => b.executedOn)).toEqual(input.map(() => 'workers'));
  });

  // Refused as the context is created, not at the first job on workers (which loads StagePlacement).
  test.each([
    ['fast', "placement must be 'auto' or 'workers', got fast."],
    [{ mode: 'fast' }, "placement must be 'auto' or 'workers', got fast."],
    [{ warmUpRuns: 0 }, 'placement warmUpRuns must be a positive integer, got 0.'],
    [{ warmUpRuns: -3 }, 'placement warmUpRuns must be a positive integer, got -3.'],
    [{ warmUpRuns: Infinity }, 'placement warmUpRuns must be a positive integer, got Infinity.'],
    [{ probeEvery: -1 }, 'placement probeEvery must be a positive integer, got -1.'],
    [{ probeEvery: 2.5 }, 'placement probeEvery must be a positive integer, got 2.5.'],
    [{ probeEvery: 0 }, 'placement probeEvery must be a positive integer, got 0.'],
    [{ window: NaN }, 'placement window must be a positive integer, got NaN.'],
    [{ mode: 'workers', warmUpRuns: 2, window: 0.5 }, 'placement window must be a positive integer, got 0.5.'],
  ])('a bad placement option is refused when the context is created: %o', (placement, message) => {
    expect(() => new StreamingContext({ batchInterval: 1000, workers: 2, placement: placement as never })).toThrow(new OutOfRangeError(message)); // a RangeError with code RIVULET_OUT_OF_RANGE
    expect(() => new RDDContext({ workers: 2, placement: placement as never })).toThrow(new OutOfRangeError(message)); // a RangeError with code RIVULET_OUT_OF_RANGE
  });

  test('good placement options are accepted when the context is created', () => {
    for (const placement of ['auto', 'workers', {}, { mode: 'auto', warmUpRuns: 1, probeEvery: 1, window: 1 }, { warmUpRuns: 5, probeEvery: 20, window: 7 }, new StagePlacement({ warmUpRuns: 2 })] as const) {
      expect(new RDDContext({ workers: 2, placement }).scheduler).toBeDefined();
    }
  });
});
