import { afterEach, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Subject } from 'rxjs';
import { CheckpointMismatchError, FileSystemCheckpointStore, ManualClock, NoGoodCheckpointError, StateSpec, StreamingContext, type DStream } from '../../engine/index.ts';
import { seededRandom } from '../support/TestSuiteBase.ts';
import { expectSameOutputs, record, removeTempDirectories, runUninterrupted, runUntilCrash, runWithCrash, Sink, tempDirectory, type Build } from './recoveryHarness.ts';

// Recovery from checkpoints (issue 4, items 2–4): run with checkpoints, crash, resume with
// getOrCreate on a fresh ManualClock at a later time, and compare every batch's output with an
// uninterrupted run.

afterEach(() => removeTempDirectories());

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

/** Seeded batches of words from a small vocabulary; some batches are empty. */
function wordBatches(n: number, seed = 1): string[][] {
  const random = seededRandom(seed);
  const vocabulary = ['ant', 'bee', 'cat', 'dog', 'eel'];
  return Array.from({ length: n }, () => Array.from({ length: Math.floor(random() * 5) }, () => vocabulary[Math.floor(random() * vocabulary.length)]!));
}

const sum = (values: number[], state: number | undefined) => values.reduce((a, b) => a + b, state ?? 0);
const pairsOf = (words: DStream<string>) => words.map((w) => [w, 1] as [string, number]);

describe('updateStateByKey', () => {
  const batches = [['a', 'b'], ['a'], [], ['b', 'c'], ['a'], ['c', 'c'], [], ['d']];
  const build: Build = (ssc, sink) => {
    const totals = pairsOf(ssc.queueStream(batches.map((b) => [...b]))).updateStateByKey(sum);
    totals.checkpoint(3000);
    record(sink, 'totals', totals);
  };

  test('crash after batch 5, resume at 7 s: batches 4–5 run again from the checkpoint at 3 s, 6–7 are the down time', async () => {
    const dir = tempDirectory();
    const { sink, warnings } = await runWithCrash({ store: dir, first: build, crashAt: 5000, resumeAt: 7000, until: 8000 });
    expect(sink.final()).toStrictEqual({
      totals: {
        1000: [['a', 1], ['b', 1]],
        2000: [['a', 2], ['b', 1]],
        3000: [['a', 2], ['b', 1]],
        4000: [['a', 2], ['b', 2], ['c', 1]],
        5000: [['a', 3], ['b', 2], ['c', 1]],
        6000: [['a', 3], ['b', 2], ['c', 3]],
        7000: [['a', 3], ['b', 2], ['c', 3]],
        8000: [['a', 3], ['b', 2], ['c', 3], ['d', 1]],
      },
    });
    expect(sink.rewritten()).toEqual({ totals: [4000, 5000] });
    expectSameOutputs(sink, await runUninterrupted(build, 8000));
    expect(warnings).toEqual([]);
  });

  test('a longer random run, crashing at each of several batches', async () => {
    const input = wordBatches(30, 7);
    const build: Build = (ssc, sink) => {
      const totals = pairsOf(ssc.queueStream(input.map((b) => [...b]))).updateStateByKey(sum, { numPartitions: 3 });
      totals.checkpoint(4000);
      record(sink, 'totals', totals);
    };
    const reference = await runUninterrupted(build, 30_000);
    for (const crashAt of [1000, 4000, 9000, 17_000]) {
      const { sink } = await runWithCrash({ store: tempDirectory(), first: build, crashAt, resumeAt: crashAt + 3000, until: 30_000 });
      expectSameOutputs(sink, reference);
    }
  });
});

describe('mapWithState with a timeout', () => {
  const input = wordBatches(24, 3);
  const spec = () =>
    StateSpec.function((word: string, one: number | undefined, state) => {
      if (state.isTimingOut()) return `${word} idle after ${state.get()}`;
      const n = (state.exists() ? (state.get() as number) : 0) + (one ?? 0);
      state.update(n);
      return `${word} ${n}`;
    }).timeout(3000);
  const buildWith = (numPartitions: number): Build => (ssc, sink) => {
    const counts = pairsOf(ssc.queueStream(input.map((b) => [...b]))).mapWithState(spec().numPartitions(numPartitions));
    counts.checkpoint(2000);
    record(sink, 'mapped', counts);
    record(sink, 'snapshots', counts.stateSnapshots());
  };

  test('the state and each key\'s idle time are restored: timeouts fire at the same batches, also during the down time', async () => {
    const reference = await runUninterrupted(buildWith(2), 24_000);
    const timeouts = Object.values(reference.final().mapped!).flat().filter((m) => String(m).includes('idle'));
    expect(timeouts.length).toBeGreaterThan(3);
    for (const [crashAt, resumeAt] of [[5000, 9000], [8000, 8000], [13_000, 20_000]] as const) {
      const { sink } = await runWithCrash({ store: tempDirectory(), first: buildWith(2), crashAt, resumeAt, until: 24_000 });
      expectSameOutputs(sink, reference);
    }
  });

  test('restored into a different number of partitions', async () => {
    const reference = await runUninterrupted(buildWith(2), 24_000);
    const { sink } = await runWithCrash({ store: tempDirectory(), first: buildWith(2), second: buildWith(5), crashAt: 11_000, resumeAt: 14_000, until: 24_000 });
    expectSameOutputs(sink, reference);
  });
});

describe('reduceByKeyAndWindow with an inverse function', () => {
  const input = wordBatches(24, 11);
  const build: Build = (ssc, sink) => {
    const pairs = pairsOf(ssc.queueStream(input.map((b) => [...b])));
    // Checkpoints every 3 s: the 2-s-sliding window's state is then its window at the last even time.
    const sliding = pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000).checkpoint(3000);
    const hopping = pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 4000, 2000, 2, (kv) => kv[1] !== 0);
    const counted = pairs.map(() => 1).countByWindow(5000, 1000);
    record(sink, 'sliding', sliding);
    record(sink, 'hopping', hopping);
    record(sink, 'counted', counted);
  };

  test('the window and the reduced batches still in it are restored; windows after recovery equal the uninterrupted ones', async () => {
    const reference = await runUninterrupted(build, 24_000);
    for (const [crashAt, resumeAt] of [[4000, 4000], [5000, 8000], [7000, 12_000], [16_000, 17_000]] as const) {
      const { sink } = await runWithCrash({ store: tempDirectory(), first: build, crashAt, resumeAt, until: 24_000 });
      expectSameOutputs(sink, reference);
    }
  });

  test('a batch that fails part-way through the windows stops the context; recovery makes it again exactly', async () => {
    const reference = await runUninterrupted(build, 24_000);
    for (const failAt of [4, 11, 25]) {
      // The inverse function throws once, at its `failAt`-th call (in the window step of some
      // batch, part-way through its keys): the context stops with the error and a new one
      // recovers from the last checkpoint, the failed batch included.
      let calls = 0;
      let failedAt: number | undefined;
      const failing: Build = (ssc, sink) => {
        const pairs = pairsOf(ssc.queueStream(input.map((b) => [...b])));
        ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void (batchInfo.failureReason && (failedAt ??= batchInfo.batchTime)) });
        const subtract = (a: number, b: number) => {
          if (++calls === failAt) throw new Error(`fails once, at call ${failAt}`);
          return a - b;
        };
        const sliding = pairs.reduceByKeyAndWindow((a, b) => a + b, subtract, 3000, 1000).checkpoint(3000);
        const hopping = pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 4000, 2000, 2, (kv) => kv[1] !== 0);
        const counted = pairs.map(() => 1).countByWindow(5000, 1000);
        record(sink, 'sliding', sliding);
        record(sink, 'hopping', hopping);
        record(sink, 'counted', counted);
      };
      const first = new Sink();
      await quietly(() => runUntilCrash({ store: tempDirectory('rivulet-probe-'), first: failing, crashAt: 24_000, sink: first }));
      expect(failedAt).toBeGreaterThan(3000);
      const crashAt = failedAt! + 1000;
      calls = 0;
      const { sink } = await quietly(() => runWithCrash({ store: tempDirectory(), first: failing, crashAt, resumeAt: crashAt, until: 24_000 }));
      expect(calls).toBeGreaterThan(failAt);
      expectSameOutputs(sink, reference);
    }
  });

  test('the checkpoint holds the window and the per-batch reduced values inside it', async () => {
    const dir = tempDirectory();
    await runUntilCrash({ store: dir, first: build, crashAt: 6000 });
    const checkpoint = await new FileSystemCheckpointStore(dir).read(6000);
    const state = checkpoint.data['queueStream#0/reduceByKeyAndWindow#0'] as { window: unknown[]; batches: [number, unknown[]][] };
    expect(state.batches.map(([t]) => t)).toEqual([4000, 5000, 6000]);
    expect((checkpoint.metadata.operators as Record<string, { time: number; parameters: unknown }>)['queueStream#0/reduceByKeyAndWindow#1']).toMatchObject({
      time: 6000,
      parameters: { windowDuration: 4000, slideDuration: 2000, parentSlideDuration: 1000 },
    });
  });
});

describe('a plain window (no inverse) over a replayable input', () => {
  test('the input batches before the checkpoint that windows still read are made again from the log', async () => {
    const input = wordBatches(16, 5);
    const build: Build = (ssc, sink) => {
      const words = ssc.queueStream(input.map((b) => [...b]));
      record(sink, 'window', words.window(4000, 2000));
      record(sink, 'totals', pairsOf(words).updateStateByKey(sum).checkpoint(3000));
    };
    const reference = await runUninterrupted(build, 16_000);
    for (const crashAt of [3000, 4000, 7000, 10_000]) {
      const { sink } = await runWithCrash({ store: tempDirectory(), first: build, crashAt, resumeAt: crashAt + 2000, until: 16_000 });
      expectSameOutputs(sink, reference);
    }
  });
});

describe('windows over stateful streams', () => {
  const input = wordBatches(18, 13);
  const spec = () =>
    StateSpec.function((word: string, one: number | undefined, state) => {
      const n = ((state.getOption() as number | undefined) ?? 0) + (one ?? 0);
      state.update(n);
      return `${word}=${n}`;
    });

  test('a window over updateStateByKey, over what mapWithState returns and over an inverse window: the earlier times they read are saved too', async () => {
    const build: Build = (ssc, sink) => {
      const pairs = pairsOf(ssc.queueStream(input.map((b) => [...b])));
      record(sink, 'totals-window', pairs.updateStateByKey(sum).checkpoint(3000).window(3000, 1000));
      record(sink, 'mapped-window', pairs.mapWithState(spec()).checkpoint(3000).window(2000));
      record(sink, 'window-window', pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 2000).checkpoint(3000).window(3000, 1000));
    };
    const reference = await runUninterrupted(build, 18_000);
    for (const [crashAt, resumeAt] of [[3000, 3000], [4000, 6000], [10_000, 14_000]] as const) {
      const { sink } = await runWithCrash({ store: tempDirectory(), first: build, crashAt, resumeAt, until: 18_000 });
      expectSameOutputs(sink, reference);
    }
    const dir = tempDirectory();
    await runUntilCrash({ store: dir, first: build, crashAt: 6000 });
    const checkpoint = await new FileSystemCheckpointStore(dir).read(6000);
    expect(Object.keys(checkpoint.data).filter((k) => k.includes('updateStateByKey'))).toEqual([
      'queueStream#0/updateStateByKey#0',
      // What the stream remembers: the window's 3 s and its own slide.
      'queueStream#0/updateStateByKey#0@3000',
      'queueStream#0/updateStateByKey#0@4000',
      'queueStream#0/updateStateByKey#0@5000',
    ]);
  });

  test('a window over stateSnapshots() at the checkpoint works; reaching before it, the first batch after recovery fails, saying so', async () => {
    const reaching = (size: number): Build => (ssc, sink) => {
      record(sink, 'snapshots', pairsOf(ssc.queueStream(input.map((b) => [...b]))).mapWithState(spec()).checkpoint(3000).stateSnapshots().window(size));
    };
    const { sink } = await runWithCrash({ store: tempDirectory(), first: reaching(2000), crashAt: 4000, resumeAt: 5000, until: 8000 });
    expectSameOutputs(sink, await runUninterrupted(reaching(2000), 8000));

    const dir = tempDirectory();
    const build = reaching(3000);
    await runUntilCrash({ store: dir, first: build, crashAt: 4000 });
    const clock = new ManualClock(5000);
    const ssc = await StreamingContext.getOrCreate(dir, () => {
      const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, defaultParallelism: 2 });
      build(ssc, new Sink());
      return ssc;
    });
    const failed = ssc.awaitTermination().then(() => undefined, (e: unknown) => e as Error);
    ssc.start();
    await clock.advanceTo(5000);
    expect((await failed)?.message).toMatch(/^Batch 4000 ms failed in job generation: mapWithState at .*: the state at 2000 ms is not in the checkpoint this stream was restored from \(only what the function returned then is\), so a window over stateSnapshots\(\) cannot reach back to it after recovery/);
  });
});

describe('queueStream positions', () => {
  const input = wordBatches(10, 2);
  const build: Build = (ssc, sink) => {
    record(sink, 'lines', ssc.queueStream(input.map((b) => [...b])));
  };

  test('the checkpoint records the entries consumed; on recovery the refilled queue is skipped that far', async () => {
    const dir = tempDirectory();
    const { sink } = await runWithCrash({ store: dir, first: build, crashAt: 4000, resumeAt: 4000, until: 10_000 });
    expectSameOutputs(sink, await runUninterrupted(build, 10_000));
    const store = new FileSystemCheckpointStore(dir);
    const last = await store.read((await store.list())[0]!);
    expect(last.time).toBe(10_000);
    expect((last.metadata.inputs as Record<string, unknown>)['queueStream#0']).toMatchObject({ operation: 'queueStream', position: { consumed: 10 } });
    expect((await store.writeAheadLog().read(4000)).data).toEqual({ 'queueStream#0': { from: 3, to: 4 } });
  });

  test('a queue not filled again on recovery is an error that says what createContext must do', async () => {
    const dir = tempDirectory();
    await runUntilCrash({ store: dir, first: build, crashAt: 4000 });
    const clock = new ManualClock(6000);
    const ssc = await StreamingContext.getOrCreate(dir, () => {
      const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
      ssc.queueStream<string>([['only one entry']]).foreachRDD(() => {});
      return ssc;
    });
    const failed = ssc.awaitTermination().then(() => undefined, (e: unknown) => e);
    ssc.start();
    await clock.advanceTo(6000);
    const error = (await failed) as Error;
    expect(error.message).toMatch(/the batch at 2000 ms needs queue entries up to #1 \(to make the batch at 2000 ms again from entries #1 to #1\), but after the 1 already taken, the queue holds only 0\./);
    expect(error.message).toMatch(/createContext must fill the queue again with the same entries, in the same order, from the first one/);
  });
});

describe('fromObservable with the write-ahead log', () => {
  const N = 10;
  const input = wordBatches(N, 9).map((b, k) => (b.length ? b : [`only-${k}`]));
  /** Batch k's words are emitted at (k - 1) s + 500 ms on the clock, for the batches in `which`. */
  const feed = (subject: Subject<string>, clock: ManualClock, which: (k: number) => boolean) => {
    for (let k = 1; k <= N; k++) {
      const due = (k - 1) * 1000 + 500;
      if (which(k) && due > clock.now()) clock.schedule(() => input[k - 1]!.forEach((w) => subject.next(w)), due - clock.now());
    }
  };
  const buildWith = (subject: Subject<string>, slowBatch?: number): Build => (ssc, sink) => {
    const words = ssc.fromObservable(subject);
    const totals = pairsOf(words).updateStateByKey(sum).checkpoint(3000);
    words.foreachRDD(async (rdd, time) => {
      // A slow batch: later batches are generated (and logged) while it runs.
      if (time === slowBatch) await (ssc.scheduler as ManualClock).sleep(5000);
      sink.writes.push({ name: 'words', time, records: (await rdd.collect()).sort() });
    });
    record(sink, 'totals', totals);
  };

  test('batches logged but not run when the process died are made again from the log; what arrived while it was down is lost', async () => {
    const first = new Subject<string>();
    const second = new Subject<string>();
    // Batch 4 is slow; the crash comes at 6.2 s, while it runs and batches 5 and 6 wait: their
    // records exist only in the write-ahead log. Batches 7 and 8 fall in the down time.
    const { sink } = await runWithCrash({
      store: tempDirectory(),
      first: buildWith(first, 4000),
      second: buildWith(second),
      crashAt: 6200,
      resumeAt: 8000,
      until: N * 1000,
      beforeFirstStart: (_ssc, clock) => feed(first, clock, () => true),
      beforeSecondStart: (_ssc, clock) => feed(second, clock, () => true),
    });
    const reference = new Subject<string>();
    const clock = new ManualClock(0);
    const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, defaultParallelism: 2 });
    const expected = new Sink();
    buildWith(reference)(ssc, expected);
    feed(reference, clock, (k) => k !== 7 && k !== 8);
    ssc.start();
    await clock.advanceTo(N * 1000);
    await ssc.stop();
    expectSameOutputs(sink, expected);
    expect(sink.final().words![5000]).toEqual([...input[4]!].sort());
    expect(sink.final().words![7000]).toEqual([]);
  });
});

describe('textFileStream', () => {
  // Files carry wall-clock modification times, so the virtual clock starts at one.
  const T0 = 1_700_000_000_000;

  test('files taken before the checkpoint are not taken again; logged batches read their files again; the down time takes the files that appeared', async () => {
    const inputDir = tempDirectory('rivulet-recovery-files-');
    const put = (name: string, text: string, mtime: number) => {
      const file = path.join(inputDir, name);
      fs.writeFileSync(file, text);
      fs.utimesSync(file, new Date(mtime), new Date(mtime));
    };
    put('old.txt', 'too old\n', T0 - 5000);
    for (let k = 1; k <= 12; k++) if (k % 3 !== 0) put(`f${k}.txt`, `line ${k}a\nline ${k}b\n`, T0 + k * 1000 - 400);
    const build: Build = (ssc, sink) => {
      const lines = ssc.textFileStream(inputDir);
      record(sink, 'lines', lines);
      record(sink, 'count', pairsOf(lines.map((l) => l.split(' ')[1]!.replace(/[ab]$/, ''))).updateStateByKey(sum).checkpoint(4000));
    };
    const reference = await runUninterrupted(build, T0 + 12_000, { clockStart: T0 });
    expect(reference.final().lines![T0 + 1000]).toEqual(['line 1a', 'line 1b']);
    const { sink } = await runWithCrash({ store: tempDirectory(), first: build, crashAt: T0 + 6000, resumeAt: T0 + 9000, until: T0 + 12_000, clockStart: T0 });
    expectSameOutputs(sink, reference);
  });
});

describe('upgrading the pipeline', () => {
  const input = wordBatches(14, 4);
  const original: Build = (ssc, sink) => {
    const pairs = pairsOf(ssc.queueStream(input.map((b) => [...b])));
    record(sink, 'totals', pairs.updateStateByKey(sum).checkpoint(2000));
    record(sink, 'window', pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000).checkpoint(2000));
  };

  test('stateless operations added, changed and renamed, and a new output: every stateful operator keeps its id and its state', async () => {
    const upgraded: Build = (ssc, sink) => {
      const lines = ssc.queueStream(input.map((b) => [...b]));
      record(sink, 'lengths', lines.map((w) => w.length)); // a new output on a new stateless branch
      const pairs = lines
        .map((w) => w.trim())
        .filter((w) => w.length > 0)
        .map((w) => [w, 1] as [string, number])
        .mapValues((n) => n * 1);
      record(sink, 'totals', pairs.updateStateByKey(sum));
      record(sink, 'window', pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000));
    };
    const reference = await runUninterrupted(original, 14_000);
    const { sink, warnings } = await runWithCrash({ store: tempDirectory(), first: original, second: upgraded, crashAt: 7000, resumeAt: 9000, until: 14_000 });
    const { lengths, ...rest } = sink.final();
    expect(rest).toStrictEqual(reference.final());
    expect(Object.keys(lengths!).map(Number)).toEqual([7000, 8000, 9000, 10_000, 11_000, 12_000, 13_000, 14_000]);
    expect(warnings).toEqual([]);
  });

  test('a new named stateful operator starts from its initial state, with a warning', async () => {
    const upgraded: Build = (ssc, sink) => {
      original(ssc, sink);
      const distinct = ssc.queueStream<string>([]).map((w) => [w, 1] as [string, number]).updateStateByKey(sum).name('distinct');
      distinct.foreachRDD(() => {});
    };
    const { warnings } = await runWithCrash({ store: tempDirectory(), first: original, second: upgraded, crashAt: 5000, resumeAt: 5000, until: 6000 });
    expect(warnings).toEqual([
      expect.stringMatching(/^updateStateByKey "distinct" \(updateStateByKey at .*recovery\.test\.ts:\d+:\d+\) is not in the checkpoint at 4000 ms in .*: it starts from its initial state\.$/),
      expect.stringMatching(/^input "queueStream#1" \(queueStream at .*\) is not in the checkpoint at 4000 ms in .*: it starts from its beginning\.$/),
    ]);
  });

  const crashThenRebuild = async (upgraded: (ssc: StreamingContext) => void): Promise<unknown> => {
    const dir = tempDirectory();
    await runUntilCrash({ store: dir, first: original, crashAt: 5000 });
    return StreamingContext.getOrCreate(dir, () => {
      const ssc = new StreamingContext({ batchInterval: 1000, scheduler: new ManualClock(9000) });
      upgraded(ssc);
      return ssc;
    }).then(() => undefined, (e: unknown) => e);
  };

  test('a stateful operator changed to another kind: getOrCreate rejects, naming the checkpointed operator and the current ones', async () => {
    const error = await crashThenRebuild((ssc) => {
      const pairs = pairsOf(ssc.queueStream(input.map((b) => [...b])));
      pairs.mapWithState(StateSpec.function<string, number, number, void>((_w, one, state) => state.update((state.getOption() ?? 0) + (one ?? 0)))).foreachRDD(() => {});
      pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000).foreachRDD(() => {});
    });
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    const message = (error as Error).message;
    expect(message).toMatch(/^The checkpoint at 4000 ms in .* does not match this pipeline, so its state cannot be restored:\n/);
    expect(message).toMatch(/ {2}- updateStateByKey "queueStream#0\/updateStateByKey#0" \(updateStateByKey at .*recovery\.test\.ts:\d+:\d+ when checkpointed\) is not in this pipeline\.\n/);
    expect(message).toContain('Stateful operators in the checkpoint: "queueStream#0/updateStateByKey#0" (updateStateByKey), "queueStream#0/reduceByKeyAndWindow#0" (reduceByKeyAndWindow)');
    expect(message).toMatch(/Stateful operators in this pipeline: "queueStream#0\/mapWithState#0" \(mapWithState at .*\), "queueStream#0\/reduceByKeyAndWindow#0" \(reduceByKeyAndWindow at .*\)/);
    expect(message).toContain(".name('<id>')");
  });

  test('a window whose duration changed: rejected, saying what changed', async () => {
    const error = await crashThenRebuild((ssc) => {
      const pairs = pairsOf(ssc.queueStream(input.map((b) => [...b])));
      pairs.updateStateByKey(sum).foreachRDD(() => {});
      pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 4000, 1000).foreachRDD(() => {});
    });
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    expect((error as Error).message).toMatch(/reduceByKeyAndWindow "queueStream#0\/reduceByKeyAndWindow#0" \(reduceByKeyAndWindow at .*\) changed: its windowDuration was 3000 ms when checkpointed and is 4000 ms now\./);
  });

  test('an unnamed stateful operator added before another of its kind: rejected, since their states would be mixed up', async () => {
    const error = await crashThenRebuild((ssc) => {
      const pairs = pairsOf(ssc.queueStream(input.map((b) => [...b])));
      pairs.updateStateByKey((vs: number[], s: number | undefined) => (s ?? 0) + vs.length * 2).foreachRDD(() => {});
      pairs.updateStateByKey(sum).foreachRDD(() => {});
      pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000).foreachRDD(() => {});
    });
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    expect((error as Error).message).toMatch(/updateStateByKey "queueStream#0\/updateStateByKey#1" \(.*\) is not in the checkpoint, which has other updateStateByKey operators on the same upstream/);
  });

  test('…which naming fixes: the old operator takes its checkpointed id with .name()', async () => {
    const dir = tempDirectory();
    const reference = await runUninterrupted(original, 10_000);
    const { sink } = await runWithCrash({
      store: dir,
      first: original,
      second: (ssc, sink) => {
        const pairs = pairsOf(ssc.queueStream(input.map((b) => [...b])));
        pairs.updateStateByKey((vs: number[], s: number | undefined) => (s ?? 0) + vs.length * 2).name('doubled').foreachRDD(() => {});
        record(sink, 'totals', pairs.updateStateByKey(sum).name('queueStream#0/updateStateByKey#0'));
        record(sink, 'window', pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000));
      },
      crashAt: 5000,
      resumeAt: 6000,
      until: 10_000,
    });
    expectSameOutputs(sink, reference);
  });

  test('an input that is gone: rejected', async () => {
    const error = await crashThenRebuild((ssc) => {
      const s = new Subject<string>();
      const pairs = pairsOf(ssc.fromObservable(s));
      pairs.updateStateByKey(sum).foreachRDD(() => {});
      pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 3000, 1000).foreachRDD(() => {});
    });
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    expect((error as Error).message).toMatch(/input "queueStream#0" \(queueStream at .* when checkpointed\) is not in this pipeline: its position and logged batches would be lost\./);
  });

  test('a different batch interval: rejected', async () => {
    const dir = tempDirectory();
    await runUntilCrash({ store: dir, first: original, crashAt: 3000 });
    await expect(
      StreamingContext.getOrCreate(dir, () => {
        const ssc = new StreamingContext({ batchInterval: 500, scheduler: new ManualClock(0) });
        original(ssc, new Sink());
        return ssc;
      }),
    ).rejects.toThrow(/was taken with a batch interval of 1000 ms; this context's is 500 ms/);
  });
});

describe('damaged checkpoints', () => {
  const input = wordBatches(12, 8);
  const build: Build = (ssc, sink) => {
    const pairs = pairsOf(ssc.queueStream(input.map((b) => [...b])));
    record(sink, 'totals', pairs.updateStateByKey(sum).checkpoint(2000));
  };
  const flipAByte = (file: string) => {
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 3] ^= 0x20;
    fs.writeFileSync(file, bytes);
  };

  test('a corrupt latest checkpoint: recovery falls back to the previous one with a warning, and replays from the log', async () => {
    const dir = tempDirectory();
    const reference = await runUninterrupted(build, 12_000);
    const { sink, warnings } = await runWithCrash({
      store: dir,
      first: build,
      crashAt: 7000,
      resumeAt: 9000,
      until: 12_000,
      // Damage the newest checkpoint (6000) between the crash and the recovery.
      betweenRuns: () => flipAByte(path.join(dir, 'checkpoint-6000.rvck')),
    });
    expect(warnings).toEqual([expect.stringMatching(/^Skipping the checkpoint at time 6000: Checkpoint .*checkpoint-6000\.rvck is corrupt: checksum mismatch.*Falling back to the checkpoint at time 4000\.$/)]);
    expect(sink.rewritten()).toEqual({ totals: [5000, 6000, 7000] });
    expectSameOutputs(sink, reference);
  });

  test('no good checkpoint at all: getOrCreate rejects, never starting from an empty state', async () => {
    const dir = tempDirectory();
    await runUntilCrash({ store: dir, first: build, crashAt: 5000 });
    for (const name of fs.readdirSync(dir)) if (name.startsWith('checkpoint-')) flipAByte(path.join(dir, name));
    let created = 0;
    const error = await StreamingContext.getOrCreate(dir, () => {
      created++;
      return new StreamingContext({ batchInterval: 1000, scheduler: new ManualClock(0) });
    }, { onWarning: () => {} }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(NoGoodCheckpointError);
    expect((error as Error).message).toMatch(/^None of the 3 checkpoints in .* can be read \(newest first\):/);
    expect(created).toBe(0);
  });

  test('log records without any checkpoint: rejected with what to delete', async () => {
    const dir = tempDirectory();
    await runUntilCrash({ store: dir, first: build, crashAt: 3000 });
    for (const name of fs.readdirSync(dir)) if (name.startsWith('checkpoint-')) fs.rmSync(path.join(dir, name));
    await expect(StreamingContext.getOrCreate(dir, () => new StreamingContext({ batchInterval: 1000 }))).rejects.toThrow(
      /holds write-ahead log records \(batches 1000 to 3000 ms\) but .* holds no checkpoint.*Delete the log records too to start over\./,
    );
  });
});
