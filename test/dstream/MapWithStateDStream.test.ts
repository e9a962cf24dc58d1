import { afterEach, describe, expect, test, vi } from 'vitest';
import { runStreams, expectBatches, createTestContext, collectBatches } from '../support/TestSuiteBase.ts';
import { StateSpec, HashPartitioner, type Checkpoint, type CheckpointStore, type State } from '../../engine/index.ts';
import { StateMap } from '../../engine/dstream/StateMap.ts';
import { mulberry32 } from '../../engine/rdd/RDD.ts';

// mapWithState (Spark's MapWithStateSuite). Every mapping function below returns one record per
// call, so the mapped output shows exactly which calls the engine made.

type KV = [string, number];

/** Running sum per key; returns [key, value, sum] for each call. */
const runningSum = () =>
  StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
    const sum = (state.getOption() ?? 0) + (value ?? 0);
    if (!state.isTimingOut()) state.update(sum);
    return [key, value, sum] as [string, number | undefined, number];
  });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('mapWithState', () => {
  test('the function is called only for keys with data in the batch', async () => {
    const { output } = await runStreams({
      input: [[['a', 1]], [['b', 2]], [], [['a', 3], ['a', 4]]] as KV[][],
      operation: (s) => s.mapWithState(runningSum()),
    });
    expectBatches(output, [
      [['a', 1, 1]],
      [['b', 2, 2]],
      [],
      [['a', 3, 4], ['a', 4, 8]],
    ]);
  });

  test('stateSnapshots is the whole state after each batch', async () => {
    const { output } = await runStreams({
      input: [[['a', 1]], [['b', 2]], [], [['a', 3]]] as KV[][],
      operation: (s) => s.mapWithState(runningSum()).stateSnapshots(),
    });
    expectBatches(output, [
      [['a', 1]],
      [['a', 1], ['b', 2]],
      [['a', 1], ['b', 2]],
      [['a', 4], ['b', 2]],
    ]);
  });

  test('mapped values and snapshots together', async () => {
    const { ssc, clock } = createTestContext();
    const mapped = ssc.queueStream<KV>([[['a', 1], ['b', 1]], [['a', 1]]]).mapWithState(runningSum());
    const out = collectBatches(mapped);
    const snap = collectBatches(mapped.stateSnapshots());
    ssc.start();
    await clock.advance(2000);
    await ssc.stop();
    expectBatches(out.output, [[['a', 1, 1], ['b', 1, 1]], [['a', 1, 2]]]);
    expectBatches(snap.output, [[['a', 1], ['b', 1]], [['a', 2], ['b', 1]]]);
  });

  test('stateSnapshots read later (a window sliding by 2) are the snapshots of their own batches', async () => {
    const { output, times, error } = await runStreams({
      input: [[['a', 1]], [['a', 1]], [['b', 1]], [['b', 1]]] as KV[][],
      operation: (s) => s.mapWithState(runningSum()).stateSnapshots().window(2000, 2000),
    });
    expect(error).toBeUndefined();
    expect(times).toEqual([2000, 4000]);
    expectBatches(output, [
      [['a', 1], ['a', 2]],
      [['a', 2], ['b', 1], ['a', 2], ['b', 2]],
    ]);
  });

  test('stateSnapshots keeps the state partitioner (a join with it needs no shuffle of the state)', async () => {
    const { output } = await runStreams({
      input: [[['a', 1], ['b', 2], ['c', 3]]] as KV[][],
      operation: (s) =>
        s.mapWithState(runningSum().numPartitions(3)).stateSnapshots()
          .transform((rdd) => rdd.context.parallelize([rdd.partitioner?.numPartitions ?? 'none'])),
    });
    expect(output).toEqual([[3]]);
  });

  test('a function returning undefined contributes no record', async () => {
    const { output } = await runStreams({
      input: [[['a', 1], ['b', 2]]] as KV[][],
      operation: (s) => s.mapWithState(StateSpec.function((key: string, value: number | undefined) => (key === 'a' ? value : undefined))),
    });
    expectBatches(output, [[1]]);
  });

  test('remove() drops the key; it starts fresh when it comes back', async () => {
    const spec = StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
      if (value === 0) {
        state.remove();
        return `${key} removed`;
      }
      const sum = (state.getOption() ?? 0) + value!;
      state.update(sum);
      return `${key}=${sum}`;
    });
    const { ssc, clock } = createTestContext();
    const mapped = ssc.queueStream<KV>([[['a', 1], ['b', 1]], [['a', 0]], [['a', 5], ['b', 1]]]).mapWithState(spec);
    const out = collectBatches(mapped);
    const snap = collectBatches(mapped.stateSnapshots());
    ssc.start();
    await clock.advance(3000);
    await ssc.stop();
    expectBatches(out.output, [['a=1', 'b=1'], ['a removed'], ['a=5', 'b=2']]);
    expectBatches(snap.output, [[['a', 1], ['b', 1]], [['b', 1]], [['a', 5], ['b', 2]]]);
  });

  test('a key that gets data but no update keeps its state', async () => {
    const spec = StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
      if (!state.exists()) state.update(value!);
      return `${key}:${state.get()}`;
    });
    const { output } = await runStreams({
      input: [[['a', 1]], [['a', 2]], [['a', 3]]] as KV[][],
      operation: (s) => s.mapWithState(spec),
    });
    expectBatches(output, [['a:1'], ['a:1'], ['a:1']]);
  });

  test('initialState', async () => {
    const { ssc, clock } = createTestContext();
    const mapped = ssc.queueStream<KV>([[['a', 1]], [['c', 1]]]).mapWithState(runningSum().initialState([['a', 10], ['b', 20]]));
    const out = collectBatches(mapped);
    const snap = collectBatches(mapped.stateSnapshots());
    ssc.start();
    await clock.advance(2000);
    await ssc.stop();
    // Keys only in the initial state are not called; they are in the snapshots.
    expectBatches(out.output, [[['a', 1, 11]], [['c', 1, 1]]]);
    expectBatches(snap.output, [[['a', 11], ['b', 20]], [['a', 11], ['b', 20], ['c', 1]]]);
  });

  test('initialState as an RDD', async () => {
    const { output } = await runStreams({
      input: [[['b', 1]]] as KV[][],
      operation: (s, ssc) => s.mapWithState(runningSum().initialState(ssc.sparkContext.parallelize<KV>([['b', 100]], 3))),
    });
    expectBatches(output, [[['b', 1, 101]]]);
  });

  test('numPartitions and partitioner set the state partition count', async () => {
    const a = await runStreams({
      input: [[['a', 1], ['b', 1], ['c', 1]]] as KV[][],
      operation: (s) => s.mapWithState(runningSum().numPartitions(5)).stateSnapshots().glom(),
    });
    expect(a.output[0]).toHaveLength(5);
    const b = await runStreams({
      input: [[['a', 1], ['b', 1], ['c', 1]]] as KV[][],
      operation: (s) => s.mapWithState(runningSum().partitioner(new HashPartitioner(3))).stateSnapshots().glom(),
    });
    expect(b.output[0]).toHaveLength(3);
    expect(() => runningSum().numPartitions(0)).toThrow(RangeError);
  });

  test('composite keys are compared by content', async () => {
    const { output } = await runStreams({
      input: [[[['u', 1], 1], [['u', 1], 2]], [[['u', 1], 3]]] as [[string, number], number][][],
      operation: (s) =>
        s.mapWithState(StateSpec.function((_key: [string, number], value: number | undefined, state: State<number>) => {
          state.update((state.getOption() ?? 0) + value!);
          return state.get();
        })).stateSnapshots(),
    });
    expectBatches(output, [[[['u', 1], 3]], [[['u', 1], 6]]]);
  });

  test('random batches of new, updated, removed and repeated keys agree with a model of the state', async () => {
    // Keys come and go in numbers (the state table grows, and removals move other keys within it),
    // a key can appear several times in a batch: each call must still see its key's own state.
    const rand = mulberry32(11);
    const batches: [number, number][][] = Array.from({ length: 30 }, (_, b) =>
      Array.from({ length: 150 }, () => [Math.floor(rand() * (50 + 40 * b)), rand() < 0.3 ? -1 : 1 + Math.floor(rand() * 9)] as [number, number]),
    );
    const model = new Map<number, number>();
    const expected = batches.map((batch) =>
      batch.map(([key, value]) => {
        const before = model.get(key);
        if (value < 0) model.delete(key);
        else model.set(key, (before ?? 0) + value);
        return [key, before ?? null, model.get(key) ?? null];
      }),
    );
    const { output } = await runStreams({
      input: batches,
      operation: (s) =>
        s.mapWithState(StateSpec.function((key: number, value: number | undefined, state: State<number>) => {
          const before = state.exists() ? state.get() : null;
          if (value! < 0) {
            if (state.exists()) state.remove();
          } else state.update((before ?? 0) + value!);
          return [key, before, state.getOption() ?? null];
        }).numPartitions(1)),
    });
    expectBatches(output, expected, { ordered: true });
  });

  test('a long run keeps state (200 batches)', async () => {
    const n = 200;
    const { output } = await runStreams({
      input: Array.from({ length: n }, () => [['x', 1]] as KV[]),
      operation: (s) => s.mapWithState(runningSum()),
    });
    expect(output.map((b) => b[0]![2])).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });
});

// Spark's MapWithStateSuite "mapWithState - checkpoint durations": 10 batches by default, not the
// 10 s rule of the other stateful streams.
describe('mapWithState checkpoint interval', () => {
  /** A store that keeps nothing and records the times written; its log likewise. */
  const recordingStore = (written: number[]): CheckpointStore => ({
    location: 'memory',
    write: async (c: Checkpoint) => void written.push(c.time),
    read: async () => { throw new Error('nothing stored'); },
    list: async () => [],
    delete: async () => {},
    prune: async () => [],
    close: async () => {},
    writeAheadLog: () => recordingStore([]),
  });

  /** The times of the checkpoints written in 21 batches (the initial one at 0 and the one at stop left out). */
  async function checkpointTimes(batchInterval: number, explicit?: number): Promise<number[]> {
    const { ssc, clock } = createTestContext({ batchInterval });
    const written: number[] = [];
    ssc.checkpoint(recordingStore(written));
    const state = ssc.queueStream<KV>([]).mapWithState(StateSpec.function((_k: string, v: number | undefined) => v));
    if (explicit !== undefined) state.checkpoint(explicit);
    state.foreachRDD(() => {});
    ssc.start();
    await clock.advance(batchInterval * 21);
    await ssc.stop();
    return written.filter((t) => t !== 0 && t !== batchInterval * 21);
  }

  test.each([
    [100, 1000],
    [1000, 10_000],
    [10_000, 100_000],
    [3000, 30_000], // the 10 s rule would give 12 s
  ])('batches of %i ms: every %i ms', async (batchInterval, expected) => {
    expect(await checkpointTimes(batchInterval)).toEqual([expected, 2 * expected]);
  });

  test.each([
    [100, 2000],
    [1000, 2000],
    [10_000, 20_000],
  ])('batches of %i ms with .checkpoint(%i): that interval', async (batchInterval, explicit) => {
    const times = await checkpointTimes(batchInterval, explicit);
    expect(times[0]).toBe(explicit);
    expect(times.every((t) => t % explicit === 0)).toBe(true);
  });
});

describe('State', () => {
  /** Runs `body` for each record and returns what it returned, or the message it threw. */
  const probe = (body: (value: number, state: State<number>) => unknown) =>
    StateSpec.function((_key: string, value: number | undefined, state: State<number>) => {
      try {
        return body(value!, state);
      } catch (e) {
        return `threw: ${(e as Error).message}`;
      }
    });

  test('get() throws when there is no state; exists() and getOption() do not', async () => {
    const { output } = await runStreams({
      input: [[['a', 1]]] as KV[][],
      operation: (s) => s.mapWithState(probe((_v, state) => [state.exists(), state.getOption(), state.get()])),
    });
    expect(output[0]![0]).toMatch(/^threw: State\.get\(\): this key has no state .*Check state\.exists\(\) first/);
  });

  test('update after remove throws', async () => {
    const { output } = await runStreams({
      input: [[['a', 1]]] as KV[][],
      operation: (s) => s.mapWithState(probe((v, state) => { state.update(v); state.remove(); state.update(2); return 'no error'; })),
    });
    expect(output[0]![0]).toMatch(/^threw: State\.update\(\): cannot update the state after it has been removed/);
  });

  test('remove twice throws', async () => {
    const { output } = await runStreams({
      input: [[['a', 1]]] as KV[][],
      operation: (s) => s.mapWithState(probe((v, state) => { state.update(v); state.remove(); state.remove(); return 'no error'; })),
    });
    expect(output[0]![0]).toMatch(/^threw: State\.remove\(\): the state has already been removed/);
  });

  test('update then get in the same call sees the new state; isTimingOut is false with data', async () => {
    const { output } = await runStreams({
      input: [[['a', 7]]] as KV[][],
      operation: (s) => s.mapWithState(probe((v, state) => { state.update(v * 2); return [state.get(), state.isTimingOut()]; })),
    });
    expectBatches(output, [[[14, false]]]);
  });

  test('each call sees its own key\'s state (one view object serves a partition)', async () => {
    const { output } = await runStreams({
      input: [[['a', 1], ['b', 2]], [['b', 0], ['a', 0], ['c', 0]]] as KV[][],
      operation: (s) =>
        s.mapWithState(StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
          const before = state.getOption();
          if (value !== 0) state.update(value!);
          return [key, before ?? null];
        })),
    });
    expectBatches(output, [[['a', null], ['b', null]], [['a', 1], ['b', 2], ['c', null]]]);
  });
});

describe('mapWithState timeout', () => {
  type Call = [key: string, value: number | null, timingOut: boolean, state: number | null];
  const tracking = (timeout: number) =>
    StateSpec.function((key: string, value: number | undefined, state: State<number>): Call => {
      const before = state.getOption() ?? null;
      if (!state.isTimingOut()) state.update((before ?? 0) + value!);
      return [key, value === undefined ? null : value, state.isTimingOut(), before];
    }).timeout(timeout);

  test('a key idle for the timeout gets one last call (value undefined, isTimingOut) and is removed', async () => {
    const { ssc, clock } = createTestContext();
    const mapped = ssc.queueStream<KV>([[['a', 1], ['b', 1]], [['b', 1]], [['b', 1]], [['b', 1]], [], [], []]).mapWithState(tracking(2000));
    const out = collectBatches(mapped);
    const snap = collectBatches(mapped.stateSnapshots());
    ssc.start();
    await clock.advance(7000);
    await ssc.stop();
    expectBatches(out.output, [
      [['a', 1, false, null], ['b', 1, false, null]],
      [['b', 1, false, 1]],
      [['b', 1, false, 2]],
      // a: last data at 1000; idle at 2000 and 3000; timed out at 4000 (1000 < 4000 - 2000).
      [['b', 1, false, 3], ['a', null, true, 1]],
      [],
      [],
      [['b', null, true, 4]],
    ]);
    expectBatches(snap.output, [
      [['a', 1], ['b', 1]],
      [['a', 1], ['b', 2]],
      [['a', 1], ['b', 3]],
      [['b', 4]],
      [['b', 4]],
      [['b', 4]],
      [],
    ]);
  });

  test('data resets the idle time even when the function does not update the state', async () => {
    const spec = StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
      if (state.isTimingOut()) return `${key} timed out`;
      if (!state.exists()) state.update(value!);
      return `${key} got ${value}`;
    }).timeout(2000);
    const { output } = await runStreams({
      input: [[['a', 1]], [['a', 2]], [['a', 3]], [['a', 4]], [], [], []] as KV[][],
      operation: (s) => s.mapWithState(spec),
    });
    expectBatches(output, [['a got 1'], ['a got 2'], ['a got 3'], ['a got 4'], [], [], ['a timed out']]);
  });

  test('update() and remove() throw while timing out', async () => {
    const spec = StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
      if (!state.isTimingOut()) {
        state.update(value!);
        return 'updated';
      }
      const errors: string[] = [];
      try { state.update(1); } catch (e) { errors.push((e as Error).message); }
      try { state.remove(); } catch (e) { errors.push((e as Error).message); }
      return errors;
    }).timeout(1000);
    const { output } = await runStreams({
      input: [[['a', 1]], [], []] as KV[][],
      operation: (s) => s.mapWithState(spec),
    });
    expect(output[0]).toEqual(['updated']);
    expect(output[1]).toEqual([]);
    expect(output[2]).toHaveLength(1);
    const [updateError, removeError] = output[2]![0] as string[];
    expect(updateError).toMatch(/State\.update\(\): cannot update the state of a key that is timing out/);
    expect(removeError).toMatch(/State\.remove\(\): cannot remove the state of a key that is timing out/);
  });

  test('keys from initialState time out too', async () => {
    const { output } = await runStreams({
      input: [[], [], [], []] as KV[][],
      operation: (s) => s.mapWithState(tracking(2000).initialState([['z', 9]])),
    });
    expectBatches(output, [[], [], [], [['z', null, true, 9]]]);
  });

  test('timeout must be a positive duration', () => {
    expect(() => runningSum().timeout(0)).toThrow(RangeError);
    expect(() => runningSum().timeout(-5)).toThrow(/positive whole number/);
  });
});

describe('mapWithState cost grows with the keys touched, not the keys held', () => {
  test('100,000 keys of state, a batch touching 10 keys: the function is called exactly 10 times', async () => {
    const initial: KV[] = Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]);
    const touched: KV[] = Array.from({ length: 10 }, (_, i) => [`k${i * 9973}`, 1]);
    const snapshot = vi.spyOn(StateMap.prototype, 'snapshot');
    const { output } = await runStreams({
      input: [touched, [], [['new', 1]], touched.slice(0, 3)] as KV[][],
      operation: (s) => s.mapWithState(runningSum().initialState(initial)),
    });
    expect(output.map((b) => b.length)).toEqual([10, 0, 1, 3]);
    expectBatches(output.slice(0, 1), [touched.map(([k]) => [k, 1, Number(k.slice(1)) + 1] as [string, number, number])]);
    // The whole state was never listed: stateSnapshots() was not used.
    expect(snapshot).not.toHaveBeenCalled();
  });

  test('with timeouts, only the keys that time out are visited', async () => {
    const initial: KV[] = Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]);
    const spec = StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
      if (!state.isTimingOut()) state.update(value!);
      return key;
    }).timeout(3000);
    // Keep touching the same 5 keys; the initial keys (set at 1000) all time out at once at 5000
    // (1000 < 5000 - 3000), then nothing does.
    const five: KV[] = Array.from({ length: 5 }, (_, i) => [`k${i}`, 0]);
    const { output } = await runStreams({
      input: [five, five, five, five, five, five],
      operation: (s) => s.mapWithState(spec.initialState(initial)),
    });
    expect(output.map((b) => b.length)).toEqual([5, 5, 5, 5, 5 + 49_995, 5]);
  });

  test('stateSnapshots lists the state only when used', async () => {
    const snapshot = vi.spyOn(StateMap.prototype, 'snapshot');
    const { output } = await runStreams({
      input: [[['a', 1]], [['b', 1]]] as KV[][],
      operation: (s) => s.mapWithState(runningSum().numPartitions(2)).stateSnapshots(),
    });
    expect(output.map((b) => b.length)).toEqual([1, 2]);
    expect(snapshot).toHaveBeenCalledTimes(4); // 2 batches x 2 partitions
  });
});
