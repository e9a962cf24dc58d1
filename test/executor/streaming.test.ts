import { describe, expect, test } from 'vitest';
import { StateSpec, type DStream, type StreamingContext } from '../../engine/index.ts';
import { runStreams } from '../support/TestSuiteBase.ts';

// Streaming pipelines batch by batch: local mode and workers: 2 must produce equal output for every
// batch, and some of each pipeline's tasks must have run on the workers (mapWithState's own step,
// whose RDDs hold per-partition state maps, stays on the driver for now; its input's shuffle does not).

const input = [['a b a', 'c'], ['b b', 'd a'], [], ['a', 'c c c'], ['d'], ['a b', 'b']];
const pairs = (lines: DStream<string>) => lines.flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]);

type Case = [name: string, operation: (lines: DStream<string>, ssc: StreamingContext) => DStream<any>, remote: true];

const cases: Case[] = [
  ['word count', (lines) => pairs(lines).reduceByKey((a, b) => a + b), true],
  ['sortBy within each batch', (lines) => lines.flatMap((l) => l.split(' ')).transform((rdd) => rdd.sortBy((w) => w)), true],
  ['join with a static RDD', (lines, ssc) => {
    const names = ssc.sparkContext.parallelize([['a', 'Alpha'], ['b', 'Beta']] as [string, string][], 2);
    return pairs(lines).reduceByKey((a, b) => a + b).transform((rdd) => rdd.leftOuterJoin(names));
  }, true],
  ['join of two streams', (lines) => pairs(lines).join(lines.map((l) => [l.split(' ')[0]!, l.length] as [string, number])), true],
  ['window (3 batches, slide 1)', (lines) => pairs(lines).window(3000, 1000).reduceByKey((a, b) => a + b), true],
  ['countByValueAndWindow', (lines) => lines.flatMap((l) => l.split(' ')).countByValueAndWindow(2000, 1000), true],
  ['reduceByKeyAndWindow with an inverse', (lines) => pairs(lines).reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000), true],
  ['updateStateByKey (running count)', (lines) => pairs(lines).updateStateByKey((values: number[], state: number | undefined) => values.reduce((a, b) => a + b, state ?? 0)), true],
  ['mapWithState (the shuffle of its input on workers, the state step on the driver)', (lines) => pairs(lines).mapWithState(StateSpec.function((key: string, one: number | undefined, state: { getOption(): number | undefined; update(n: number): void }) => {
    const n = (state.getOption() ?? 0) + (one ?? 0);
    state.update(n);
    return [key, n];
  })), true],
];

describe('streaming: workers: 2 give local mode output, batch by batch', () => {
  test.each(cases)('%s', async (_name, operation, remote) => {
    const local = await runStreams({ input, operation });
    const workers = await runStreams({ input, operation, context: { workers: 2 } });
    try {
      expect(local.error).toBeUndefined();
      expect(workers.error).toBeUndefined();
      expect(workers.times).toEqual(local.times);
      const canonical = (batches: unknown[][]) => batches.map((b) => b.map((r) => JSON.stringify(r)).sort());
      expect(canonical(workers.output)).toEqual(canonical(local.output));
      const metrics = workers.ssc.sparkContext.scheduler.metrics;
      expect(metrics.remoteTasks > 0).toBe(remote);
    } finally {
      await workers.ssc.sparkContext.close();
    }
  });
});
