import { describe, expect, test } from 'vitest';
import { runStreams, expectBatches, createTestContext, collectBatches } from '../support/TestSuiteBase.ts';

// updateStateByKey (Spark's BasicOperationsSuite "updateStateByKey" cases).

type KV = [string, number];

describe('updateStateByKey', () => {
  test('running count per key; the output is the whole state every batch', async () => {
    const { output } = await runStreams({
      input: [['a'], ['a', 'b'], ['a', 'b', 'c'], ['a', 'b'], ['a'], []],
      operation: (s) =>
        s.map((w) => [w, 1] as KV).updateStateByKey<string, number, number>((values, state) => values.reduce((a, b) => a + b, state ?? 0)),
    });
    expectBatches(output, [
      [['a', 1]],
      [['a', 2], ['b', 1]],
      [['a', 3], ['b', 2], ['c', 1]],
      [['a', 4], ['b', 3], ['c', 1]],
      [['a', 5], ['b', 3], ['c', 1]],
      [['a', 5], ['b', 3], ['c', 1]],
    ]);
  });

  test('count() is the number of keys with state each batch (counted from the maps), removals included', async () => {
    const counts: [count: number, pairs: number][] = [];
    await runStreams({
      input: [['a'], ['a', 'b'], ['-a', 'c'], ['-b', '-c'], []],
      operation: (s) => {
        const state = s.map((w: string) => [w.replace('-', ''), w.startsWith('-') ? -1 : 1] as KV).updateStateByKey<string, number, number>((values, n) => (values.includes(-1) ? undefined : values.length + (n ?? 0)));
        state.foreachRDD(async (rdd) => void counts.push([await rdd.count(), (await rdd.collect()).length]));
        return state;
      },
    });
    expect(counts).toEqual([[1, 1], [2, 2], [2, 2], [0, 0], [0, 0]]);
  });

  test('called for every key every batch, with [] when a key has no new data (seen in the output)', async () => {
    // The state records every call's values, so the output shows each call the engine made.
    const { output } = await runStreams({
      input: [[['a', 1]], [['b', 2]], [], [['a', 3]]] as KV[][],
      operation: (s) => s.updateStateByKey<string, number, number[][]>((values, state) => [...(state ?? []), values]),
    });
    expectBatches(output, [
      [['a', [[1]]]],
      [['a', [[1], []]], ['b', [[2]]]],
      [['a', [[1], [], []]], ['b', [[2], []]]],
      [['a', [[1], [], [], [3]]], ['b', [[2], [], []]]],
    ]);
  });

  test('all of a batch\'s values for a key arrive in one call', async () => {
    const { output } = await runStreams({
      input: [[['a', 1], ['a', 2], ['b', 5], ['a', 3]]] as KV[][],
      operation: (s) => s.updateStateByKey<string, number, number[]>((values, state) => [...(state ?? []), ...values.sort()]),
    });
    expectBatches(output, [[['a', [1, 2, 3]], ['b', [5]]]]);
  });

  test('returning undefined removes the key; it can come back later', async () => {
    const { output } = await runStreams({
      input: [[['a', 1], ['b', 1]], [['a', -1]], [], [['a', 5]]] as KV[][],
      operation: (s) =>
        s.updateStateByKey<string, number, number>((values, state) => {
          const sum = values.reduce((x, y) => x + y, state ?? 0);
          return sum === 0 ? undefined : sum;
        }),
    });
    expectBatches(output, [[['a', 1], ['b', 1]], [['b', 1]], [['b', 1]], [['a', 5], ['b', 1]]]);
  });

  test('a key seen only with [] values does not appear unless the function makes state', async () => {
    const { output } = await runStreams({
      input: [[['a', 1]], [], []] as KV[][],
      operation: (s) => s.updateStateByKey<string, number, number>((values, state) => (values.length === 0 ? undefined : values.length + (state ?? 0))),
    });
    expectBatches(output, [[['a', 1]], [], []]);
  });

  test('initialState seeds the state (as pairs)', async () => {
    const { output } = await runStreams({
      input: [[['a', 1]], [['c', 1]]] as KV[][],
      operation: (s) =>
        s.updateStateByKey<string, number, number>((values, state) => values.reduce((a, b) => a + b, state ?? 0), {
          initialState: [['a', 10], ['b', 20]],
        }),
    });
    expectBatches(output, [[['a', 11], ['b', 20]], [['a', 11], ['b', 20], ['c', 1]]]);
  });

  test('initialState as an RDD', async () => {
    const { output } = await runStreams({
      input: [[['b', 1]]] as KV[][],
      operation: (s, ssc) =>
        s.updateStateByKey<string, number, number>((values, state) => values.reduce((a, b) => a + b, state ?? 0), {
          initialState: ssc.sparkContext.parallelize<KV>([['b', 100]]),
        }),
    });
    expectBatches(output, [[['b', 101]]]);
  });

  test('numPartitions sets the state partition count', async () => {
    const { output } = await runStreams({
      input: [[['a', 1], ['b', 1], ['c', 1]]] as KV[][],
      operation: (s) => s.updateStateByKey<string, number, number>((v, st) => v.length + (st ?? 0), { numPartitions: 4 }).glom(),
    });
    expect(output[0]).toHaveLength(4);
  });

  test('the update function runs once per key per batch, even with several outputs', async () => {
    const { ssc, clock } = createTestContext();
    const calls: string[] = [];
    const state = ssc
      .queueStream<KV>([[['a', 1]], [['a', 1]], []])
      .updateStateByKey<string, number, number>((values, s) => values.reduce((a, b) => a + b, s ?? 0));
    // Count calls through the state itself: each call adds 1000 to a call counter kept in the value.
    const counted = ssc
      .queueStream<KV>([[['k', 1]], [], [['k', 1]]])
      .updateStateByKey<string, number, { sum: number; calls: number }>((values, s) => ({
        sum: values.reduce((a, b) => a + b, s?.sum ?? 0),
        calls: (s?.calls ?? 0) + 1,
      }));
    const a = collectBatches(state);
    const b = collectBatches(state.map(([k, v]) => `${k}=${v}`));
    const c = collectBatches(counted);
    const d = collectBatches(counted.filter(() => true));
    state.foreachRDD((_rdd, time) => void calls.push(String(time)));
    ssc.start();
    await clock.advance(3000);
    await ssc.stop();
    expectBatches(a.output, [[['a', 1]], [['a', 2]], [['a', 2]]]);
    expectBatches(b.output, [['a=1'], ['a=2'], ['a=2']]);
    expectBatches(c.output, [[['k', { sum: 1, calls: 1 }]], [['k', { sum: 1, calls: 2 }]], [['k', { sum: 2, calls: 3 }]]]);
    expectBatches(d.output, c.output);
    expect(calls).toEqual(['1000', '2000', '3000']);
  });

  test('state is kept across many batches (the state chain does not grow)', async () => {
    const n = 200;
    const { output } = await runStreams({
      input: Array.from({ length: n }, () => [['x', 1]] as KV[]),
      operation: (s) => s.updateStateByKey<string, number, number>((values, state) => values.reduce((a, b) => a + b, state ?? 0)),
    });
    expect(output.map((b) => b[0]![1])).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  test('state of a windowed stream (slide 2) advances only every slide', async () => {
    const { output, times } = await runStreams({
      input: [[['a', 1]], [['a', 1]], [['a', 1]], [['a', 1]]] as KV[][],
      operation: (s) => s.window(2000, 2000).updateStateByKey<string, number, number>((values, state) => values.reduce((a, b) => a + b, state ?? 0)),
    });
    expect(times).toEqual([2000, 4000]);
    expectBatches(output, [[['a', 2]], [['a', 4]]]);
  });

  test('a state stream nobody prints at some times still advances every batch', async () => {
    // The output reads the state only every 2 batches; the state still counts every batch.
    const { output, times } = await runStreams({
      input: [[['a', 1]], [['a', 1]], [['a', 1]], [['a', 1]]] as KV[][],
      operation: (s) => s.updateStateByKey<string, number, number>((values, state) => values.reduce((a, b) => a + b, state ?? 0)).window(2000, 2000),
    });
    expect(times).toEqual([2000, 4000]);
    expectBatches(output, [[['a', 1], ['a', 2]], [['a', 3], ['a', 4]]]);
  });
});
