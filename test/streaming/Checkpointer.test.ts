import { afterEach, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import { Subject } from 'rxjs';
import {
  CHECKPOINTS_KEPT,
  FileSystemCheckpointStore,
  IllegalStateError,
  ManualClock,
  StateSpec,
  StreamingContext,
  defaultCheckpointInterval,
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointStore,
  type State,
} from '../../engine/index.ts';
import { removeTempDirectories, tempDirectory } from './recoveryHarness.ts';

// What is saved, and when (issue 4, item 2): the initial checkpoint, a log record per batch,
// checkpoints at the streams' intervals and at stop, pruning.

afterEach(() => removeTempDirectories());

const sum = (values: number[], state: number | undefined) => values.reduce((a, b) => a + b, state ?? 0);

/** A context on a ManualClock at 0, checkpointing to a new directory. */
function checkpointed(batchInterval = 1000): { ssc: StreamingContext; clock: ManualClock; dir: string; store: FileSystemCheckpointStore } {
  const clock = new ManualClock(0);
  const ssc = new StreamingContext({ batchInterval, scheduler: clock, defaultParallelism: 2 });
  const dir = tempDirectory();
  ssc.checkpoint(dir);
  return { ssc, clock, dir, store: new FileSystemCheckpointStore(dir) };
}

const times = (dir: string, prefix: string) =>
  fs.readdirSync(dir).filter((f) => f.startsWith(`${prefix}-`)).map((f) => Number(f.slice(prefix.length + 1, -'.rvck'.length))).sort((a, b) => a - b);

describe('when checkpoints are written', () => {
  test('Spark\'s default interval: the smallest multiple of the slide that is at least 10 s', () => {
    expect(defaultCheckpointInterval(1000)).toBe(10_000);
    expect(defaultCheckpointInterval(3000)).toBe(12_000);
    expect(defaultCheckpointInterval(10_000)).toBe(10_000);
    expect(defaultCheckpointInterval(15_000)).toBe(15_000);
  });

  test('at the zero time before any batch, then at every multiple of a stream\'s interval, and at stop', async () => {
    const { ssc, clock, dir } = checkpointed();
    const pairs = ssc.queueStream([[['a', 1]]] as [string, number][][]);
    const atFirstBatch: number[][] = [];
    pairs.updateStateByKey(sum).checkpoint(4000).foreachRDD((_rdd, time) => void (time === 1000 && atFirstBatch.push(times(dir, 'checkpoint'))));
    // A window sliding by 2 s with the default interval (10 s) adds the multiples of 10 s.
    pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 4000, 2000).foreachRDD(() => {});
    ssc.start();
    await clock.advanceTo(13_000);
    expect(atFirstBatch).toEqual([[0]]);
    await ssc.stop();
    // Kept: the last CHECKPOINTS_KEPT of 0, 4000, 8000, 10000, 12000 and 13000 (stop).
    expect(CHECKPOINTS_KEPT).toBe(3);
    expect(times(dir, 'checkpoint')).toEqual([10_000, 12_000, 13_000]);
  });

  test('every batch for an interval equal to the batch interval', async () => {
    const { ssc, clock, dir, store } = checkpointed();
    ssc.queueStream([[['a', 1]]] as [string, number][][]).updateStateByKey(sum).checkpoint(1000).foreachRDD(() => {});
    const seen: number[] = [];
    const write = store.write.bind(store);
    ssc.checkpoint(Object.assign(store, { write: (c: Checkpoint) => (seen.push(c.time), write(c)) }));
    ssc.start();
    await clock.advanceTo(5000);
    await ssc.stop();
    expect(seen).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(times(dir, 'checkpoint')).toEqual([3000, 4000, 5000]);
  });

  test('without any stateful stream: metadata-only checkpoints every 10 s (for the inputs\' positions)', async () => {
    const { ssc, clock, dir } = checkpointed();
    ssc.queueStream([[1], [2]]).foreachRDD(() => {});
    ssc.start();
    await clock.advanceTo(25_000);
    expect(times(dir, 'checkpoint')).toEqual([0, 10_000, 20_000]);
    await ssc.stop();
  });

  test('dstream.checkpoint(interval) must be a multiple of the stream\'s slide, and set before start', async () => {
    const { ssc, clock } = checkpointed();
    const windowed = ssc.queueStream<[string, number]>([]).reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 6000, 2000);
    expect(() => windowed.checkpoint(3000)).toThrow(
      /^checkpoint: the interval \(3000 ms\) must be a multiple of the slide duration of reduceByKeyAndWindow at .*Checkpointer\.test\.ts:\d+:\d+ \(2000 ms\), e\.g\. 4000 ms\.$/,
    );
    expect(() => windowed.checkpoint(0)).toThrow(/checkpoint: interval must be a positive whole number of milliseconds/);
    expect(windowed.checkpoint(4000)).toBe(windowed);
    windowed.foreachRDD(() => {});
    ssc.start();
    expect(() => windowed.checkpoint(8000)).toThrow(IllegalStateError);
    await clock.advanceTo(1000);
    await ssc.stop();
  });

  test('.checkpoint() and .name() on what mapWithState and countByWindow return apply to the state behind them', async () => {
    const { ssc, clock, dir, store } = checkpointed();
    const pairs = ssc.queueStream<[string, number]>([[['a', 1]], [['b', 2]]]);
    pairs.mapWithState(StateSpec.function((_k: string, v: number | undefined, s) => s.update(v))).name('latest').checkpoint(3000).foreachRDD(() => {});
    pairs.map(() => 1).countByWindow(2000).name('recent').checkpoint(3000).foreachRDD(() => {});
    ssc.start();
    await clock.advanceTo(3000);
    const checkpoint = await store.read(3000);
    expect(Object.keys(checkpoint.data).sort()).toEqual(['latest', 'recent']);
    // Without a timeout no update times are kept: each key is saved with the checkpoint's time.
    expect(sortPairs(checkpoint.data.latest as [string, number, number][])).toEqual([['a', 1, 3000], ['b', 2, 3000]]);
    expect(times(dir, 'checkpoint')).toEqual([0, 3000]);
    await ssc.stop();
  });

  test('mapWithState with a timeout saves each key\'s last update time', async () => {
    const { ssc, clock, store } = checkpointed();
    const pairs = ssc.queueStream<[string, number]>([[['a', 1]], [['b', 2]], [['a', 3]]]);
    const spec = StateSpec.function((_k: string, v: number | undefined, s: State<number>) => {
      if (!s.isTimingOut()) s.update(v!);
    }).timeout(10_000);
    pairs.mapWithState(spec).name('sessions').checkpoint(3000).foreachRDD(() => {});
    ssc.start();
    await clock.advanceTo(3000);
    const checkpoint = await store.read(3000);
    expect(sortPairs(checkpoint.data.sessions as [string, number, number][])).toEqual([['a', 3, 3000], ['b', 2, 2000]]);
    await ssc.stop();
  });
});

describe('what a checkpoint holds', () => {
  test('metadata: the grid, the last completed and the pending batches, each input\'s position, each stateful operator', async () => {
    const { ssc, clock, store } = checkpointed();
    const words = ssc.queueStream([['a', 'b'], ['a'], ['c'], ['a'], ['b']]).name('words');
    const pairs = words.map((w) => [w, 1] as [string, number]);
    const totals = pairs.updateStateByKey(sum).checkpoint(2000);
    totals.foreachRDD(async (rdd, time) => {
      // Batch 2 is slow: batches 3 and 4 are generated while it runs.
      if (time === 2000) await clock.sleep(2500);
      await rdd.collect();
    });
    pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000).name('recent').foreachRDD(() => {});
    ssc.start();
    await clock.advanceTo(4600);
    const checkpoint = await store.read(2000);
    const meta = checkpoint.metadata as unknown as CheckpointMetadata;
    expect(meta).toEqual({
      layout: 1,
      application: {}, // no appName; the main module is the test runner's, which identifies nothing
      zeroTime: 0,
      batchInterval: 1000,
      initial: false,
      lastCompletedBatchTime: 2000,
      pendingBatches: [3000, 4000],
      inputs: { words: { operation: 'queueStream', creationSite: expect.stringMatching(/^queueStream at .*Checkpointer\.test\.ts:\d+:\d+$/), position: { consumed: 2 } } },
      operators: {
        'words/updateStateByKey#0': { operation: 'updateStateByKey', creationSite: expect.stringMatching(/^updateStateByKey at /), time: 2000, parameters: { slideDuration: 1000 } },
        recent: {
          operation: 'reduceByKeyAndWindow',
          creationSite: expect.stringMatching(/^reduceByKeyAndWindow at /),
          time: 2000,
          parameters: { windowDuration: 3000, slideDuration: 1000, parentSlideDuration: 1000 },
        },
      },
    });
    expect(checkpoint.createdAt).toBeUndefined(); // virtual time: no wall-clock creation time
    expect(sortPairs(checkpoint.data['words/updateStateByKey#0'] as [string, number][])).toEqual([['a', 2], ['b', 1]]);
    expect(checkpoint.data.recent).toEqual({
      window: expect.arrayContaining([['a', 2], ['b', 1]]),
      batches: [[1000, expect.arrayContaining([['a', 1], ['b', 1]])], [2000, [['a', 1]]]],
    });
    const initial = (await store.read(0)).metadata as unknown as CheckpointMetadata;
    expect(initial).toMatchObject({ initial: true, lastCompletedBatchTime: null, pendingBatches: [], inputs: { words: { position: { consumed: 0 } } } });
    expect(initial.operators['words/updateStateByKey#0']!.time).toBeNull();
    await ssc.stop();
  });

  test('a log record per batch, written before the batch runs: what each input took', async () => {
    const { ssc, clock, store } = checkpointed();
    const subject = new Subject<string>();
    const log = store.writeAheadLog();
    ssc.queueStream([['x'], ['y', 'z']]).foreachRDD(() => {});
    const heard = ssc.fromObservable(subject).name('heard');
    const seenAtRun: number[][] = [];
    heard.foreachRDD(async () => void seenAtRun.push(await log.list()));
    ssc.start();
    clock.schedule(() => ['p', 'q'].forEach((x) => subject.next(x)), 500);
    clock.schedule(() => subject.next('r'), 2500);
    await clock.advanceTo(3000);
    expect(seenAtRun).toEqual([[1000], [2000, 1000], [3000, 2000, 1000]]);
    const records = await Promise.all([1000, 2000, 3000].map((t) => log.read(t)));
    expect(records.map((r) => r.metadata)).toEqual([1, 2, 3].map(() => ({ zeroTime: 0, batchInterval: 1000 })));
    expect(records.map((r) => r.data)).toEqual([
      { 'queueStream#0': { from: 0, to: 1 }, heard: { blocks: [['p', 'q']] } },
      { 'queueStream#0': { from: 1, to: 2 }, heard: { blocks: [] } },
      { 'queueStream#0': { from: 2, to: 2 }, heard: { blocks: [['r']] } },
    ]);
    await ssc.stop();
  });

  test('log records no kept checkpoint needs are deleted: those older than the oldest kept checkpoint, less what the inputs remember', async () => {
    const { ssc, clock, dir } = checkpointed();
    const words = ssc.queueStream<string>([]);
    words.map((w) => [w, 1] as [string, number]).updateStateByKey(sum).checkpoint(2000).foreachRDD(() => {});
    words.window(3000).foreachRDD(() => {}); // the input remembers 3 s
    ssc.start();
    await clock.advanceTo(12_000);
    // Kept checkpoints 8000, 10000, 12000; the input remembers 4 s (the window's 3 s and its own
    // slide): records after 8000 - 4000 stay.
    expect(times(dir, 'checkpoint')).toEqual([8000, 10_000, 12_000]);
    expect(times(dir, 'wal')).toEqual([5000, 6000, 7000, 8000, 9000, 10_000, 11_000, 12_000]);
    await ssc.stop();
  });

  test('a state that cannot be saved fails the batch, naming the value', async () => {
    const { ssc, clock } = checkpointed();
    ssc.queueStream([[['a', 1]]] as [string, number][][])
      .updateStateByKey(() => Symbol.for('not data'))
      .checkpoint(1000)
      .foreachRDD(() => {});
    const failed = ssc.awaitTermination().then(() => undefined, (e: unknown) => e as Error);
    ssc.start();
    await clock.advanceTo(1000);
    expect((await failed)?.message).toMatch(
      /^Batch 1000 ms failed in the checkpoint: Cannot write the checkpoint at time 1000: checkpoint\.data\["queueStream#0\/updateStateByKey#0"\]\[0\]\[1\] is a symbol\./,
    );
  });
});

describe('failures of the store', () => {
  /** A store in memory whose writes fail on demand. */
  function memoryStore(failWrites: { checkpoint?: boolean; log?: boolean }): CheckpointStore {
    const make = (which: 'checkpoint' | 'log'): CheckpointStore => {
      const saved = new Map<number, Checkpoint>();
      return {
        location: `memory (${which})`,
        write: async (c) => {
          if (failWrites[which]) throw new Error(`disk full (${which})`);
          saved.set(c.time, structuredClone(c));
        },
        list: async () => [...saved.keys()].sort((a, b) => b - a),
        read: async (t) => saved.get(t)!,
        delete: async (t) => void saved.delete(t),
        prune: async (keep) => {
          const doomed = [...saved.keys()].sort((a, b) => b - a).slice(keep);
          doomed.forEach((t) => saved.delete(t));
          return doomed;
        },
        close: async () => {},
        ...(which === 'checkpoint' ? { writeAheadLog: () => log } : {}),
      };
    };
    const log = make('log');
    return make('checkpoint');
  }

  test('a log record that cannot be written fails its batch before any output runs', async () => {
    const clock = new ManualClock(0);
    const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
    const fail = { log: false };
    ssc.checkpoint(memoryStore(fail));
    const outputs: number[] = [];
    ssc.queueStream([[1], [2], [3]]).foreachRDD((_rdd, t) => void outputs.push(t));
    const failed = ssc.awaitTermination().then(() => undefined, (e: unknown) => e as Error);
    ssc.start();
    await clock.advanceTo(1000);
    fail.log = true;
    await clock.advanceTo(3000);
    expect((await failed)?.message).toBe('Batch 2000 ms failed in the write-ahead log: disk full (log)');
    expect(outputs).toEqual([1000]);
  });

  test('a store without writeAheadLog() is refused, saying what it needs', () => {
    const ssc = new StreamingContext({ batchInterval: 1000 });
    const { writeAheadLog: _, ...plain } = memoryStore({}) as CheckpointStore & { writeAheadLog: unknown };
    expect(() => ssc.checkpoint(plain)).toThrow(/^checkpoint: the store for memory \(checkpoint\) has no writeAheadLog\(\) method/);
  });

  test('checkpoint() after start is refused', async () => {
    const { ssc, clock } = checkpointed();
    ssc.queueStream([[1]]).foreachRDD(() => {});
    ssc.start();
    expect(() => ssc.checkpoint(tempDirectory())).toThrow(IllegalStateError);
    await clock.advanceTo(1000);
    await ssc.stop();
  });
});

describe('getOrCreate', () => {
  test('with nothing in the store: createContext\'s context, checkpointing there', async () => {
    const dir = tempDirectory();
    let calls = 0;
    const clock = new ManualClock(0);
    const ssc = await StreamingContext.getOrCreate(dir, () => {
      calls++;
      const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
      ssc.queueStream([[1]]).foreachRDD(() => {});
      return ssc;
    });
    expect(calls).toBe(1);
    expect(ssc.isCheckpointing).toBe(true);
    expect(ssc.checkpointStore?.location).toBe(new FileSystemCheckpointStore(dir).location);
    ssc.start();
    await clock.advanceTo(1000);
    await ssc.stop();
    expect(times(dir, 'checkpoint')).toEqual([0, 1000]);
  });

  test('createContext must return a new context', async () => {
    await expect(StreamingContext.getOrCreate(tempDirectory(), () => 42 as unknown as StreamingContext)).rejects.toThrow('getOrCreate: createContext must return a StreamingContext, got number.');
    const stopped = new StreamingContext({ batchInterval: 1000 });
    await stopped.stop();
    await expect(StreamingContext.getOrCreate(tempDirectory(), () => stopped)).rejects.toThrow(/returned a context that is stopped/);
  });

  test('createContext setting checkpoints elsewhere is an error', async () => {
    await expect(
      StreamingContext.getOrCreate(tempDirectory(), () => {
        const ssc = new StreamingContext({ batchInterval: 1000 });
        ssc.checkpoint(tempDirectory());
        return ssc;
      }),
    ).rejects.toThrow(/^getOrCreate: createContext set checkpoints to .*, but getOrCreate reads them from .*; use the same location\.$/);
  });

  test('a fresh start on a store holding another run\'s checkpoints at or after its zero time fails its batches, saying why', async () => {
    const dir = tempDirectory();
    const run = async (start: number, until: number) => {
      const clock = new ManualClock(start);
      const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
      ssc.checkpoint(dir);
      const outputs: number[] = [];
      ssc.queueStream([[1], [2], [3]]).foreachRDD((_rdd, t) => void outputs.push(t));
      const failed = ssc.awaitTermination().then(() => undefined, (e: unknown) => e as Error);
      ssc.start();
      await clock.advanceTo(until);
      await ssc.stop();
      return { outputs, error: await failed };
    };
    expect(await run(0, 3000)).toEqual({ outputs: [1000, 2000, 3000], error: undefined });
    const again = await run(0, 1000);
    expect(again.outputs).toEqual([]);
    expect(again.error?.message).toMatch(
      /^Batch 1000 ms failed in the write-ahead log: .* holds checkpoints at 0, 3000 ms and write-ahead log records of 3 batches up to 3000 ms, at or after this run's zero time \(0 ms\): they are another run's.*StreamingContext\.getOrCreate/,
    );
    // A later run (a later zero time on the wall clock) is fine.
    expect(await run(5000, 6000)).toEqual({ outputs: [6000], error: undefined });
  });

  test('a stateful operator defined after getOrCreate restored a checkpoint: start() refuses', async () => {
    const dir = tempDirectory();
    const build = (clock: ManualClock) => () => {
      const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
      ssc.queueStream([['a']]).map((w) => [w, 1] as [string, number]).updateStateByKey(sum).foreachRDD(() => {});
      return ssc;
    };
    const clock = new ManualClock(0);
    const first = await StreamingContext.getOrCreate(dir, build(clock));
    first.start();
    await clock.advanceTo(2000);
    await first.stop();
    const second = await StreamingContext.getOrCreate(dir, build(new ManualClock(3000)));
    second.queueStream<[string, number]>([]).updateStateByKey(sum).foreachRDD(() => {});
    expect(() => second.start()).toThrow(/^StreamingContext\.start\(\): updateStateByKey at .* \("queueStream#1\/updateStateByKey#0"\) was defined after getOrCreate\(\) restored the checkpoint at 2000 ms in .*Define the whole pipeline in createContext\.$/);
    await second.stop();
  });

  test('a non-graceful stop at a chosen batch: queued batches dropped at stop are run on recovery from the log', async () => {
    const dir = tempDirectory();
    const out = new Map<number, number>();
    const build = (clock: ManualClock) => () => {
      const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
      const counts = ssc.queueStream(Array.from({ length: 8 }, (_, k) => [k + 1])).map((x) => ['n', x] as [string, number]).updateStateByKey(sum).checkpoint(4000);
      counts.foreachRDD(async (rdd, time) => {
        if (time === 3000 && clock.now() < 5000) await clock.sleep(2000);
        out.set(time, (await rdd.collect())[0]![1]);
      });
      return ssc;
    };
    const clock1 = new ManualClock(0);
    const first = await StreamingContext.getOrCreate(dir, build(clock1));
    first.start();
    await clock1.advanceTo(4500); // batch 3 sleeps until 5 s; batch 4 is queued
    const stopping = first.stop({ stopGracefully: false });
    await clock1.advanceTo(5000);
    await stopping;
    expect([...out.keys()]).toEqual([1000, 2000, 3000]);
    const clock2 = new ManualClock(6000);
    const second = await StreamingContext.getOrCreate(dir, build(clock2));
    second.start();
    await clock2.advanceTo(8000);
    await second.stop();
    expect([...out]).toEqual([[1000, 1], [2000, 3], [3000, 6], [4000, 10], [5000, 15], [6000, 21], [7000, 28], [8000, 36]]);
  });
});

function sortPairs<T extends unknown[]>(pairs: T[]): T[] {
  return [...pairs].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
}
