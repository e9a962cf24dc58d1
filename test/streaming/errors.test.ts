import { describe, expect, test } from 'vitest';
import { createTestContext, collectBatches, expectBatches, runStreams } from '../support/TestSuiteBase.ts';
import { BatchFailedError, RDDContext, StateSpec, StreamingContext, UserFunctionError, type State, type BatchInfo, type DStream, type RDD } from '../../engine/index.ts';

// Failures: what the user sees, and what happens to the context and its state.

type KV = [string, number];

/** The chain of causes of an error, outermost first. */
function causes(e: unknown): unknown[] {
  const out: unknown[] = [];
  for (let x = e; x !== undefined && x !== null; x = (x as Error).cause) out.push(x);
  return out;
}

/** Silence console.error (the context logs a batch failure nobody awaits). */
async function quietly<R>(body: () => Promise<R>): Promise<R> {
  const error = console.error;
  console.error = () => {};
  try {
    return await body();
  } finally {
    console.error = error;
  }
}

const lineOf = (marker: string, source: string) => source.split('\n').findIndex((l) => l.includes(marker)) + 1;

describe('a user function that throws fails the batch', () => {
  test('BatchFailedError names the operation and the batch time; the cause chain holds the user\'s error', async () => {
    const { ssc, clock } = createTestContext();
    const input = ssc.queueStream([[1, 2], [3], [4]]);
    const mapped = input.map((x) => { if (x === 3) throw new RangeError(`bad record ${x}`); return x; }); // MAP-SITE
    const out = collectBatches(mapped);
    ssc.start();
    const terminated = ssc.awaitTermination();
    await clock.advance(3000);
    const error = await terminated.then(() => undefined, (e) => e);
    expect(error).toBeInstanceOf(BatchFailedError);
    const e = error as BatchFailedError;
    expect(e.batchTime).toBe(2000);
    // The output is collectBatches' foreachRDD (in TestSuiteBase.ts); the operation that threw is the map here.
    expect(e.message).toMatch(/^Batch 2000 ms failed in foreachRDD at TestSuiteBase\.ts:\d+:\d+: map at errors\.test\.ts:\d+:\d+ threw RangeError: bad record 3$/);
    expect(e.message).toContain(`map at errors.test.ts:${lineOf('// MAP-SITE', await source())}:`);
    const chain = causes(e);
    expect(chain.some((c) => c instanceof UserFunctionError && c.operation === 'map')).toBe(true);
    const user = chain[chain.length - 1] as Error;
    expect(user).toBeInstanceOf(RangeError);
    expect(user.message).toBe('bad record 3');
    expect(e.stack).toContain('Caused by:');
    // The context stopped; the batch before ran, the one after did not.
    expect(ssc.state).toBe('stopped');
    expect(out.times).toEqual([1000]);
  });

  test('the user\'s own error object is the root cause', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).map((x) => { throw new TypeError(`no ${x}`); }).foreachRDD(async (rdd) => { await rdd.collect(); });
    const terminated = ssc.awaitTermination().then(() => undefined, (e) => e);
    ssc.start();
    await clock.advance(1000);
    const e = await terminated;
    const root = causes(e).at(-1) as Error;
    expect(root).toBeInstanceOf(TypeError);
    expect(root.message).toBe('no 1');
    expect(root.stack).toMatch(/errors\.test\.ts/);
  });

  test('awaitTerminationOrTimeout rejects with the error too', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).filter(() => { throw new Error('filter broke'); }).foreachRDD(async (rdd) => { await rdd.count(); });
    ssc.start();
    const waiting = ssc.awaitTerminationOrTimeout(10_000);
    await clock.advance(1000);
    await expect(waiting).rejects.toThrow(/Batch 1000 ms failed in foreachRDD at .*: filter at errors\.test\.ts:\d+:\d+ threw Error: filter broke/);
  });

  test('an error in an async foreachRDD fails the batch, naming the output', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).foreachRDD(async () => {
      await Promise.resolve();
      throw new Error('sink unavailable');
    });
    const terminated = ssc.awaitTermination().then(() => undefined, (e) => e);
    ssc.start();
    await clock.advance(1000);
    const e = (await terminated) as BatchFailedError;
    expect(e).toBeInstanceOf(BatchFailedError);
    expect(e.outputOperation).toMatch(/^foreachRDD at errors\.test\.ts:\d+:\d+$/);
    expect(e.message).toMatch(/sink unavailable/);
    expect(ssc.state).toBe('stopped');
  });

  test('a failure nobody awaits is logged, and the context stops', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).map(() => { throw new Error('x'); }).foreachRDD(async (rdd) => { await rdd.collect(); });
    const logged: unknown[] = [];
    const error = console.error;
    console.error = (...a: unknown[]) => void logged.push(a[1]); // (message, error), as the Logger contract has it
    try {
      ssc.start();
      await clock.advance(1000);
      await ssc.stop();
    } finally {
      console.error = error;
    }
    expect(logged).toHaveLength(1);
    expect(logged[0]).toBeInstanceOf(BatchFailedError);
    expect(ssc.state).toBe('stopped');
  });

  test('a failed output does not stop the other outputs of the batch; listeners see failureReason', async () => {
    const { ssc, clock } = createTestContext();
    const input = ssc.queueStream([[1]]);
    input.foreachRDD(() => { throw new Error('first output failed'); });
    const ran: number[] = [];
    input.foreachRDD((_rdd, time) => void ran.push(time));
    const infos: BatchInfo[] = [];
    const ops: string[] = [];
    ssc.addStreamingListener({
      onBatchCompleted: (e) => void infos.push(e.batchInfo),
      onOutputOperationCompleted: (e) => void ops.push(e.outputOperationInfo.failureReason ?? 'ok'),
    });
    const terminated = ssc.awaitTermination().catch(() => {});
    ssc.start();
    await clock.advance(1000);
    await terminated;
    expect(ran).toEqual([1000]);
    expect(ops).toHaveLength(2);
    expect(ops[0]).toMatch(/first output failed/);
    expect(ops[1]).toBe('ok');
    expect(infos[0]!.failureReason).toMatch(/^Batch 1000 ms failed in foreachRDD at .*first output failed/);
  });

  test('a transform function that throws at batch generation fails the batch, naming the transform', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1], [2]]).transform((rdd, time) => {
      if (time === 2000) throw new Error('no RDD for you');
      return rdd;
    }).foreachRDD(() => {});
    const terminated = ssc.awaitTermination().then(() => undefined, (e) => e);
    ssc.start();
    await clock.advance(2000);
    const e = (await terminated) as BatchFailedError;
    expect(e).toBeInstanceOf(BatchFailedError);
    expect(e.batchTime).toBe(2000);
    expect(e.message).toMatch(/^Batch 2000 ms failed in job generation: transform at errors\.test\.ts:\d+:\d+ threw Error: no RDD for you$/);
    expect((causes(e).at(-1) as Error).message).toBe('no RDD for you');
    expect(ssc.state).toBe('stopped');
  });

  // The window's functions run in its in-place step (WindowStateRDD), mapWithState's in applyBatch.
  test.each([
    ['the inverse function', 'reduceByKeyAndWindow (inverse)', (s: DStream<KV>) => s.reduceByKeyAndWindow((a, b) => a + b, (): number => { throw new Error('boom'); }, 1000, 1000)],
    ['the function, on a key already in the window', 'reduceByKeyAndWindow', (s: DStream<KV>) => s.reduceByKeyAndWindow((a, b) => { if (b < 0) throw new Error('boom'); return a + b; }, (a, b) => a - b, 2000, 1000)],
    ['filterFunc', 'reduceByKeyAndWindow (filter)', (s: DStream<KV>) => s.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 2000, 1000, undefined, ([, v]) => { if (v === 0) throw new Error('boom'); return true; })],
    ['the mapping function', 'mapWithState', (s: DStream<KV>) => s.mapWithState(StateSpec.function((_k: string, v: number | undefined) => { if (v! < 0) throw new Error('boom'); return v; }))],
  ] as [string, string, (s: DStream<KV>) => DStream<unknown>][])('%s that throws fails the batch, naming %s', async (_what, operation, build) => {
    const { error } = await quietly(() => runStreams({ inputs: [[[['a', 1]], [['a', -1]]]], operation: build }));
    expect(error).toBeInstanceOf(BatchFailedError);
    const stream = operation.replace(/ \(.*\)$/, '');
    expect((error as Error).message).toMatch(new RegExp(`^Batch 2000 ms failed in ${stream} at errors\\.test\\.ts:\\d+:\\d+: ${operation.replace(/[()]/g, '\\$&')} at errors\\.test\\.ts:\\d+:\\d+ threw Error: boom$`));
  });

  test('an update function that throws fails the batch, naming updateStateByKey', async () => {
    const { error } = await quietly(() =>
      runStreams({
        input: [[['a', 1]], [['a', -1]]] as KV[][],
        operation: (s) => s.updateStateByKey<string, number, number>((values, state) => {
          const sum = values.reduce((a, b) => a + b, state ?? 0);
          if (sum <= 0) throw new Error('negative');
          return sum;
        }),
      }),
    );
    expect(error).toBeInstanceOf(BatchFailedError);
    expect((error as Error).message).toMatch(/^Batch 2000 ms failed in updateStateByKey at errors\.test\.ts:\d+:\d+: updateStateByKey at errors\.test\.ts:\d+:\d+ threw Error: negative$/);
  });
});

const runningSumSpec = () =>
  StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
    state.update((state.getOption() ?? 0) + value!);
    return [key, state.get()] as KV;
  });

describe('skipFailedBatches', () => {
  const failOn3 = (x: number) => { if (x === 3) throw new Error('bad 3'); return x; };

  test('the next batches still run; the failure is reported to listeners', async () => {
    const { ssc, clock } = createTestContext({ skipFailedBatches: true });
    const out = collectBatches(ssc.queueStream([[1], [3], [4]]).map(failOn3));
    const failures: (string | undefined)[] = [];
    ssc.addStreamingListener({ onBatchCompleted: (e) => void failures.push(e.batchInfo.failureReason) });
    ssc.start();
    await clock.advance(3000);
    expect(ssc.state).toBe('active');
    await ssc.stop();
    await expect(ssc.awaitTermination()).resolves.toBeUndefined();
    expect(out.times).toEqual([1000, 3000]);
    expect(out.output).toEqual([[1], [4]]);
    expect(failures[0]).toBeUndefined();
    expect(failures[1]).toMatch(/Batch 2000 ms failed .* bad 3/);
    expect(failures[2]).toBeUndefined();
  });

  test('updateStateByKey keeps its state from before the failed batch', async () => {
    const { output, error } = await runStreams({
      input: [[['a', 1]], [['a', 3], ['b', 1]], [['a', 1]], []] as KV[][],
      context: { skipFailedBatches: true },
      operation: (s) =>
        s.map(([k, v]) => [k, failOn3(v)] as KV)
          .updateStateByKey<string, number, number>((values, state) => values.reduce((a, b) => a + b, state ?? 0)),
    });
    expect(error).toBeUndefined();
    // Batch 2000 failed: nothing of it (not even b) reached the state.
    expectBatches(output, [[['a', 1]], [['a', 2]], [['a', 2]]]);
  });

  test('the first batch fails: the state starts again from the initial state', async () => {
    const update = (values: number[], state: number | undefined) => values.reduce((a, b) => a + b, state ?? 0);
    const viaUpdate = await runStreams({
      input: [[['a', 3], ['b', 1]], [['a', 1]], [['a', 1]]] as KV[][],
      context: { skipFailedBatches: true },
      operation: (s) =>
        s.map(([k, v]) => [k, failOn3(v)] as KV).updateStateByKey<string, number, number>(update, { initialState: [['z', 9]] }),
    });
    expect(viaUpdate.times).toEqual([2000, 3000]);
    expectBatches(viaUpdate.output, [[['a', 1], ['z', 9]], [['a', 2], ['z', 9]]]);

    const viaMapWithState = await runStreams({
      input: [[['a', 3], ['b', 1]], [['a', 1]], [['a', 1]]] as KV[][],
      context: { skipFailedBatches: true },
      operation: (s) =>
        s.map(([k, v]) => [k, failOn3(v)] as KV)
          .mapWithState(StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
            state.update((state.getOption() ?? 0) + value!);
            return key;
          }).initialState([['z', 9]]))
          .stateSnapshots(),
    });
    expect(viaMapWithState.times).toEqual([2000, 3000]);
    expectBatches(viaMapWithState.output, [[['a', 1], ['z', 9]], [['a', 2], ['z', 9]]]);
  });

  test('a batch that fails at generation (a transform upstream) leaves the state as it was', async () => {
    const failAt2000 = <T>(rdd: RDD<T>, time: number): RDD<T> => {
      if (time === 2000) throw new Error('no RDD at 2000');
      return rdd;
    };
    const update = (values: number[], state: number | undefined) => values.reduce((a, b) => a + b, state ?? 0);
    const viaUpdate = await runStreams({
      input: [[['a', 1]], [['a', 10]], [['a', 100]]] as KV[][],
      context: { skipFailedBatches: true },
      operation: (s) => s.transform(failAt2000).updateStateByKey<string, number, number>(update),
    });
    expect(viaUpdate.times).toEqual([1000, 3000]);
    expectBatches(viaUpdate.output, [[['a', 1]], [['a', 101]]]);

    const viaMapWithState = await runStreams({
      input: [[['a', 1]], [['a', 10]], [['a', 100]]] as KV[][],
      context: { skipFailedBatches: true },
      operation: (s) => s.transform(failAt2000).mapWithState(runningSumSpec()),
    });
    expect(viaMapWithState.times).toEqual([1000, 3000]);
    expectBatches(viaMapWithState.output, [[['a', 1]], [['a', 101]]]);
  });

  test('updateStateByKey: an update function that throws leaves the state as it was', async () => {
    const { output } = await runStreams({
      input: [[['a', 1]], [['a', 3]], [['a', 1]]] as KV[][],
      context: { skipFailedBatches: true },
      operation: (s) =>
        s.updateStateByKey<string, number, number>((values, state) => {
          if (values.includes(3)) throw new Error('bad 3');
          return values.reduce((a, b) => a + b, state ?? 0);
        }),
    });
    expectBatches(output, [[['a', 1]], [['a', 2]]]);
  });

  test('mapWithState keeps its state from before a batch whose mapping function threw', async () => {
    const spec = StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
      const sum = (state.getOption() ?? 0) + value!;
      state.update(sum);
      if (value === 3) throw new Error('bad 3'); // after another key may have been updated
      return [key, sum] as KV;
    });
    const { ssc, clock } = createTestContext({ skipFailedBatches: true, defaultParallelism: 1 });
    const mapped = ssc.queueStream<KV>([[['a', 1]], [['b', 5], ['a', 3]], [['a', 1]]]).mapWithState(spec);
    const out = collectBatches(mapped);
    const snap = collectBatches(mapped.stateSnapshots());
    ssc.start();
    await quietly(() => clock.advance(3000));
    await ssc.stop();
    expect(out.times).toEqual([1000, 3000]);
    expectBatches(out.output, [[['a', 1]], [['a', 2]]]);
    expectBatches(snap.output, [[['a', 1]], [['a', 2]]]);
  });

  test('mapWithState: a throw in one partition undoes the partitions already computed', async () => {
    const spec = StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
      if (value === 3) throw new Error('bad 3');
      state.update((state.getOption() ?? 0) + value!);
      return [key, state.get()] as KV;
    });
    // 'a' and 'b' hash to partitions 1 and 0 of 2; the batch at 2000 updates 'b' (partition 0),
    // then fails on 'a' (partition 1).
    const { ssc, clock } = createTestContext({ skipFailedBatches: true });
    const mapped = ssc.queueStream<KV>([[['a', 1], ['b', 1]], [['a', 3], ['b', 10]], [['a', 1], ['b', 1]]]).mapWithState(spec.numPartitions(2));
    const out = collectBatches(mapped);
    const snap = collectBatches(mapped.stateSnapshots());
    ssc.start();
    await clock.advance(3000);
    await ssc.stop();
    expect(out.times).toEqual([1000, 3000]);
    expectBatches(out.output, [[['a', 1], ['b', 1]], [['a', 2], ['b', 2]]]);
    expectBatches(snap.output, [[['a', 1], ['b', 1]], [['a', 2], ['b', 2]]]);
  });

  test('mapWithState goes on after a batch whose output failed', async () => {
    const { ssc, clock } = createTestContext({ skipFailedBatches: true });
    const mapped = ssc.queueStream<KV>([[['a', 1]], [['a', 1]], [['a', 1]]]).mapWithState(
      StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
        state.update((state.getOption() ?? 0) + value!);
        return [key, state.get()] as KV;
      }),
    );
    const out = collectBatches(mapped);
    mapped.foreachRDD((_rdd, time) => { if (time === 2000) throw new Error('sink down'); });
    const snap = collectBatches(mapped.stateSnapshots());
    const failures: (string | undefined)[] = [];
    ssc.addStreamingListener({ onBatchCompleted: (e) => void failures.push(e.batchInfo.failureReason) });
    ssc.start();
    await clock.advance(3000);
    await ssc.stop();
    expect(failures[0]).toBeUndefined();
    expect(failures[1]).toMatch(/sink down/);
    expect(failures[2]).toBeUndefined();
    expect(out.times).toEqual([1000, 2000, 3000]);
    // As for updateStateByKey, the failed batch's changes were undone.
    expectBatches(out.output, [[['a', 1]], [['a', 2]], [['a', 2]]]);
    expectBatches(snap.output, [[['a', 1]], [['a', 2]], [['a', 2]]]);
  });

  test('updateStateByKey goes on after a batch whose output failed', async () => {
    const { ssc, clock } = createTestContext({ skipFailedBatches: true });
    const state = ssc.queueStream<KV>([[['a', 1]], [['a', 1]], [['a', 1]]])
      .updateStateByKey<string, number, number>((values, s) => values.reduce((a, b) => a + b, s ?? 0));
    const out = collectBatches(state);
    state.foreachRDD((_rdd, time) => { if (time === 2000) throw new Error('sink down'); });
    ssc.start();
    await clock.advance(3000);
    await ssc.stop();
    expect(out.times).toEqual([1000, 2000, 3000]);
    expect(out.output).toEqual([[['a', 1]], [['a', 2]], [['a', 2]]]);
  });
});

describe('errors at definition', () => {
  test('functions may use what they close over: no declared captures, nothing to fix', async () => {
    const factor = 3;
    const limit = 2;
    const { output } = await runStreams({
      input: [[['a', 1], ['b', 3]], [['a', 2]]] as KV[][],
      operation: (s) => s.map(([k, v]) => [k, v * factor] as KV).filter(([, v]) => v > limit).reduceByKey((a, b) => a + b + limit - 2),
    });
    expectBatches(output, [[['a', 3], ['b', 9]], [['a', 6]]]);
  });

  test('a non-function is a TypeError naming the operation where it is defined', () => {
    const { ssc } = createTestContext();
    const pairs = ssc.queueStream<KV>([]);
    expect(() => pairs.map(3 as never)).toThrow(/^map at errors\.test\.ts:\d+:\d+ expects a function, got number\.$/);
    expect(() => pairs.updateStateByKey(null as never)).toThrow(/updateStateByKey at .* expects a function, got null/);
    expect(() => pairs.reduceByKeyAndWindow((a, b) => a + b, 'x' as never, 2000)).toThrow(/reduceByKeyAndWindow \(inverse\) at .* expects a function, got string/);
  });

  test('mapWithState without a StateSpec, union with something that is not a stream: a TypeError saying what is expected', () => {
    const { ssc } = createTestContext();
    const pairs = ssc.queueStream<KV>([]);
    expect(() => pairs.mapWithState(null as never)).toThrow(/^mapWithState expects a StateSpec, e\.g\. stream\.mapWithState\(StateSpec\.function\(\(key, value, state\) => mapped\)\); got null\.$/);
    expect(() => pairs.mapWithState({} as never)).toThrow(/^mapWithState expects a StateSpec, .*; got an object \(\{\}\)\.$/);
    expect(() => pairs.mapWithState((() => 1) as never)).toThrow(/^mapWithState expects a StateSpec, .*; got a function\.$/);
    expect(() => pairs.union(null as never)).toThrow(/^union expects DStreams \(of the same slide duration\), e\.g\. a\.union\(b, c\); argument 1 is null\.$/);
    expect(() => pairs.union(pairs, undefined as never)).toThrow(/argument 2 is undefined\.$/);
    expect(() => ssc.union([pairs, [1, 2] as never])).toThrow(/^union expects an array of DStreams \(of the same slide duration\); element 1 is an Array\.$/);
    expect(() => pairs.join(null as never)).toThrow(/^join expects another DStream, got null\.$/);
    expect(() => pairs.transformWith(null as never, (a) => a)).toThrow(/^transformWith expects DStreams, got null\.$/);
  });

  test('taskTimeout (and maxTaskAttempts) must be positive numbers a timer can hold', () => {
    for (const bad of [Number.NaN, -1, 0, 2 ** 31, Number.POSITIVE_INFINITY, '1000' as never]) {
      expect(() => new StreamingContext({ batchInterval: 1000, taskTimeout: bad })).toThrow(RangeError);
      expect(() => new StreamingContext({ batchInterval: 1000, taskTimeout: bad })).toThrow(/^StreamingContext: taskTimeout must be a positive number of milliseconds up to 2147483647 \(about 24\.8 days\), got .*; default 60 s\.$/);
      expect(() => new RDDContext({ taskTimeout: bad })).toThrow(/^taskTimeout must be a positive number of milliseconds/);
    }
    expect(() => new RDDContext({ maxTaskAttempts: 0 })).toThrow(/^maxTaskAttempts must be a positive integer, got 0\.$/);
    expect(new StreamingContext({ batchInterval: 1000, taskTimeout: 1.5 }).batchInterval).toBe(1000);
  });

  test('a circular object used as a key: a TypeError naming the operation, not a stack overflow', async () => {
    const circularObject = (name: string) => {
      const o: Record<string, unknown> = { name };
      o.self = o;
      return o;
    };
    const circularArray = (name: string) => {
      const a: unknown[] = [name];
      a.push(a);
      return a;
    };
    for (const [operation, define] of [
      ['reduceByKey', (s: DStream<[unknown, number]>) => s.reduceByKey((a, b) => a + b)],
      ['groupByKey', (s: DStream<[unknown, number]>) => s.groupByKey()],
      ['updateStateByKey', (s: DStream<[unknown, number]>) => s.updateStateByKey((vs: number[], st: number | undefined) => (st ?? 0) + vs.length)],
      ['sortByKey', (s: DStream<[unknown, number]>) => s.transform((rdd) => rdd.sortByKey())],
    ] as const) {
      for (const circular of [circularObject, circularArray]) {
        const input = [[['a', 1], [circular('ann'), 2], [circular('ann'), 3]]] as [unknown, number][][];
        const { error } = await runStreams({ input, operation: define as (s: DStream<[unknown, number]>) => DStream<unknown> });
        const typeError = causes(error).find((c) => c instanceof TypeError) as TypeError | undefined;
        expect(typeError?.message, `${operation} with ${circular.name}: ${String(error)}`).toMatch(
          /^[A-Za-z]+: a key is a circular object \(it contains itself\), so it cannot be compared by content\. Keys must be primitives, or arrays and plain objects without cycles/,
        );
        expect(String(error)).toContain(operation);
        expect(causes(error).some((c) => c instanceof RangeError)).toBe(false);
      }
    }
  });

  test('an async function given to map, filter, flatMap, mapValues, keyBy: a TypeError naming the operation, the same in local mode and on workers', async () => {
    const operations: [string, (s: DStream<number>) => DStream<any>][] = [
      ['map', (s) => s.map(async (x) => x * 2)],
      // The map that makes a shuffle's pairs is called by the shuffle's map side itself (shuffle.ts).
      ['map', (s) => s.map((async (x: number) => [x, 1]) as unknown as (x: number) => [number, number]).reduceByKey((a, b) => a + b)],
      // …and the map before countByValue, whose records are the keys.
      ['map', (s) => s.map(async (x) => x).countByValue()],
      ['filter', (s) => s.filter(async (x) => x > 1)],
      ['flatMap', (s) => s.flatMap((async (x: number) => [x]) as never)],
      ['mapValues', (s) => s.map((x) => [x, x] as [number, number]).mapValues(async (x) => x)],
      ['keyBy', (s) => s.transform((rdd) => rdd.keyBy(async (x) => x))],
    ];
    const message = (operation: string) =>
      new RegExp(`^${operation} at errors\\.test\\.ts:\\d+:\\d+ returned a Promise \\(is it an async function\\?\\): the function given to ${operation} must return its result, which is not awaited\\. Do asynchronous work in foreachRDD`);
    for (const [operation, define] of operations) {
      const { output, error } = await runStreams({ input: [[1, 2, 3]], operation: define });
      expect(output, operation).toEqual([]);
      const typeError = causes(error).find((c) => c instanceof TypeError) as TypeError | undefined;
      expect(typeError?.message, operation).toMatch(message(operation));
    }
    const onWorkers = await runStreams({ input: [[1, 2, 3]], operation: operations[0]![1], context: { workers: 1 } });
    expect(onWorkers.error).toBeInstanceOf(BatchFailedError);
    expect(String(onWorkers.error)).toMatch(/map at errors\.test\.ts:\d+:\d+ returned a Promise \(is it an async function\?\)/);
  });

  test('a pair operation on records that are not pairs: a clear TypeError in the failed batch', async () => {
    const { error } = await runStreams({
      input: [['just a string']],
      operation: (s) => (s as any).reduceByKey((a: number, b: number) => a + b),
    });
    expect(error).toBeInstanceOf(BatchFailedError);
    const typeError = causes(error).find((c) => c instanceof TypeError) as TypeError;
    expect(typeError.message).toMatch(/^reduceByKey needs records that are \[key, value\] pairs, got "just a string"\. Make pairs first/);
    expect((error as Error).message).toMatch(/^Batch 1000 ms failed in/);
  });
});

let cachedSource: string | undefined;
async function source(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  cachedSource ??= await readFile(new URL(import.meta.url), 'utf8');
  return cachedSource;
}
