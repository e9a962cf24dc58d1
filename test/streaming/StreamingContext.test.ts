import { describe, expect, test, vi } from 'vitest';
import { Subject } from 'rxjs';
import { createTestContext, collectBatches, expectBatches } from '../support/TestSuiteBase.ts';
import { IllegalStateError, ManualClock, Receiver, StreamingContext, type CheckpointStore, type StreamingListenerEvent } from '../../engine/index.ts';
import { until } from '../sources/helpers.ts';

// The context's lifecycle (Spark's StreamingContextSuite).

/** A context whose start() fails: no output operation. */
function createFailing(): StreamingContext {
  const { ssc } = createTestContext();
  ssc.queueStream([[1]]).map((x) => x);
  return ssc;
}

/** A CheckpointStore that only records which of its two parts (store, log) was closed. */
function memoryStore(closed: string[]): CheckpointStore {
  const part = (name: string): CheckpointStore => ({
    location: `memory:${name}`,
    write: async () => {},
    read: async () => { throw new Error('empty'); },
    list: async () => [],
    delete: async () => {},
    prune: async () => [],
    close: async () => void closed.push(name),
    writeAheadLog: () => part('log'),
  });
  return part('store');
}

describe('states', () => {
  test('initialized → active → stopped', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).foreachRDD(() => {});
    expect(ssc.state).toBe('initialized');
    expect(ssc.getState()).toBe('initialized');
    expect(ssc.isActive).toBe(false);
    ssc.start();
    expect(ssc.state).toBe('active');
    expect(ssc.isActive).toBe(true);
    await clock.advance(1000);
    await ssc.stop();
    expect(ssc.state).toBe('stopped');
    expect(ssc.isActive).toBe(false);
  });

  test('start with no output operations is an error that says what to add', () => {
    const { ssc } = createTestContext();
    ssc.queueStream([[1]]).map((x) => x);
    expect(() => ssc.start()).toThrow(IllegalStateError);
    expect(() => createFailing().start()).toThrow(/no output operations registered.*stream\.print\(\) or stream\.foreachRDD/);
  });

  // Spark's StreamingContextSuite "start failure should stop internal components".
  test('a start() that fails leaves the context stopped: not startable again, awaitTermination rejects with the error', async () => {
    const ssc = createFailing();
    let error: unknown;
    try {
      ssc.start();
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(/no output operations registered/);
    expect(ssc.state).toBe('stopped');
    expect(ssc.isActive).toBe(false);
    expect(() => ssc.start()).toThrow(/has been stopped; a stopped context cannot be started again/);
    await expect(ssc.awaitTermination()).rejects.toBe(error);
    await ssc.stop(); // harmless
    expect(() => ssc.queueStream([[1]])).toThrow(/stopped; create a new one/);
  });

  test('a start() refused while checkpointing (two inputs with one id) releases the store it opened', async () => {
    const { ssc } = createTestContext();
    const closed: string[] = [];
    const store = memoryStore(closed);
    ssc.checkpoint(store);
    ssc.queueStream([]).name('in').foreachRDD(() => {});
    ssc.queueStream([]).name('in').foreachRDD(() => {});
    expect(() => ssc.start()).toThrow(/Two input streams have the same checkpoint id "in"/);
    expect(ssc.state).toBe('stopped');
    await ssc.stop();
    expect(closed).toEqual(['log']); // the log this context opened; the store passed in stays open (as on stop())
  });

  test('defining a stream, a transformation or an output after start is an IllegalStateError', async () => {
    const { ssc } = createTestContext();
    const input = ssc.queueStream<number>([]);
    input.foreachRDD(() => {});
    ssc.start();
    expect(() => ssc.queueStream([[1]])).toThrow(IllegalStateError);
    expect(() => input.map((x) => x)).toThrow(/map: adding new inputs, transformations and output operations after starting a context is not supported/);
    expect(() => input.print()).toThrow(IllegalStateError);
    expect(() => input.window(2000)).toThrow(IllegalStateError);
    expect(() => ssc.remember(5000)).toThrow(IllegalStateError);
    await ssc.stop();
    expect(() => input.filter(() => true)).toThrow(/stopped; create a new one/);
  });

  test('start after stop is an error; a stopped context cannot be restarted', async () => {
    const { ssc } = createTestContext();
    ssc.queueStream([[1]]).foreachRDD(() => {});
    ssc.start();
    await ssc.stop();
    expect(() => ssc.start()).toThrow(IllegalStateError);
    expect(() => ssc.start()).toThrow(/cannot be started again/);
  });

  test('start twice warns and is ignored', async () => {
    const { ssc, clock } = createTestContext();
    const out = collectBatches(ssc.queueStream([[1], [2]]));
    ssc.start();
    const warn = console.warn;
    const warnings: unknown[] = [];
    console.warn = (...a: unknown[]) => void warnings.push(a.join(' '));
    try {
      ssc.start();
    } finally {
      console.warn = warn;
    }
    expect(warnings).toHaveLength(1);
    await clock.advance(2000);
    await ssc.stop();
    expect(out.times).toEqual([1000, 2000]);
  });

  test('stop before start: stopped, awaitTermination resolves, start is refused', async () => {
    const { ssc } = createTestContext();
    ssc.queueStream([[1]]).foreachRDD(() => {});
    await ssc.stop();
    expect(ssc.state).toBe('stopped');
    await expect(ssc.awaitTermination()).resolves.toBeUndefined();
    expect(() => ssc.start()).toThrow(IllegalStateError);
  });

  test('stop twice is harmless, including concurrently', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).foreachRDD(() => {});
    ssc.start();
    await clock.advance(1000);
    await Promise.all([ssc.stop(), ssc.stop()]);
    await ssc.stop();
    expect(ssc.state).toBe('stopped');
  });

  test('no batch runs after stop, however far the clock moves', async () => {
    const { ssc, clock } = createTestContext();
    const out = collectBatches(ssc.queueStream([[1], [2], [3], [4]]));
    ssc.start();
    await clock.advance(2000);
    await ssc.stop();
    await clock.advance(5000);
    expect(out.times).toEqual([1000, 2000]);
  });
});

describe('awaitTermination', () => {
  test('resolves when the context stops', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).foreachRDD(() => {});
    ssc.start();
    let done = false;
    const terminated = ssc.awaitTermination().then(() => { done = true; });
    await clock.advance(3000);
    expect(done).toBe(false);
    await ssc.stop();
    await terminated;
    expect(done).toBe(true);
  });

  test('awaitTerminationOrTimeout: false when the time passes first (on the ManualClock), true once stopped', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).foreachRDD(() => {});
    ssc.start();
    let result: boolean | undefined;
    const waiting = ssc.awaitTerminationOrTimeout(2500).then((r) => { result = r; });
    await clock.advance(2000);
    expect(result).toBeUndefined(); // 2000 of 2500 virtual ms: still waiting
    await clock.advance(500);
    await waiting;
    expect(result).toBe(false);

    const second = ssc.awaitTerminationOrTimeout(10_000);
    await ssc.stop();
    await expect(second).resolves.toBe(true);
    await expect(ssc.awaitTerminationOrTimeout(1000)).resolves.toBe(true);
  });
});

describe('graceful stop', () => {
  test('with a receiver: everything received before stop is processed', async () => {
    const { ssc, clock } = createTestContext();
    const subject = new Subject<number>();
    const out = collectBatches(ssc.fromObservable(subject));
    ssc.start();
    subject.next(1);
    await clock.advance(1000);
    await clock.advance(300);
    subject.next(2);
    subject.next(3);
    await clock.advance(400);
    subject.next(4);
    await ssc.stop({ stopGracefully: true });
    expect(ssc.state).toBe('stopped');
    expect(out.times).toEqual([1000, 2000]);
    expectBatches(out.output, [[1], [2, 3, 4]], { ordered: true });
    // The subscription was released.
    expect(subject.observed).toBe(false);
  });

  test('stop(true) is the same as stop({ stopGracefully: true })', async () => {
    const { ssc, clock } = createTestContext();
    const subject = new Subject<string>();
    const out = collectBatches(ssc.fromObservable(subject));
    ssc.start();
    await clock.advance(500);
    subject.next('x');
    await ssc.stop(true);
    expect(out.output.flat()).toEqual(['x']);
  });

  test('without grace, records not yet in a batch are dropped', async () => {
    const { ssc, clock } = createTestContext();
    const subject = new Subject<number>();
    const out = collectBatches(ssc.fromObservable(subject));
    ssc.start();
    subject.next(1);
    await clock.advance(1500);
    subject.next(2);
    await ssc.stop();
    expect(out.output.flat()).toEqual([1]);
  });

  test('graceful stop with nothing pending does not add a batch', async () => {
    const { ssc, clock } = createTestContext();
    const subject = new Subject<number>();
    const out = collectBatches(ssc.fromObservable(subject));
    ssc.start();
    subject.next(1);
    await clock.advance(1000);
    await ssc.stop({ stopGracefully: true });
    expect(out.times).toEqual([1000]);
  });

  test('records are batched by arrival time: one arriving exactly at a batch time belongs to the next batch', async () => {
    const { ssc, clock } = createTestContext();
    const subject = new Subject<number>();
    const out = collectBatches(ssc.fromObservable(subject));
    ssc.start();
    await clock.advance(999);
    subject.next(1);
    await clock.advance(1);
    subject.next(2);
    await clock.advance(1000);
    await ssc.stop();
    expectBatches(out.output, [[1], [2]]);
  });
});

describe('options', () => {
  test('the batch interval must be a positive whole number of ms', () => {
    expect(() => new StreamingContext({ batchInterval: 0 })).toThrow(RangeError);
    expect(() => new StreamingContext({ batchInterval: 1.5 })).toThrow(/positive whole number/);
    expect(() => new StreamingContext(undefined as any)).toThrow(TypeError);
  });

  test('a scheduler must be an RxJS scheduler', () => {
    expect(() => new StreamingContext({ batchInterval: 1000, scheduler: {} as any })).toThrow(/SchedulerLike/);
  });

  test('the zero time is the clock time rounded down to the interval', async () => {
    const clock = new ManualClock(12_345);
    const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
    const out = collectBatches(ssc.queueStream([[1], [2]]));
    ssc.start();
    expect(ssc.zeroTime).toBe(12_000);
    await clock.advance(2000);
    await ssc.stop();
    expect(out.times).toEqual([13_000, 14_000]);
  });
});

/** Every listener event of `ssc`, and the console warnings, from now on. */
function watch(ssc: StreamingContext): { events: StreamingListenerEvent[]; warnings: string[]; restore(): void } {
  const events: StreamingListenerEvent[] = [];
  ssc.events$.subscribe((e) => void events.push(e));
  const warnings: string[] = [];
  const warn = vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void warnings.push(a.map(String).join(' ')));
  return { events, warnings, restore: () => warn.mockRestore() };
}

const ofType = <K extends StreamingListenerEvent['type']>(events: StreamingListenerEvent[], type: K) =>
  events.filter((e): e is Extract<StreamingListenerEvent, { type: K }> => e.type === type);

// Spark bounds a stop: without grace the job executor waits 2 s for running jobs, then
// interrupts them; a graceful stop gives up after spark.streaming.gracefulStopTimeout.
describe('a stop is bounded', () => {
  test('stop(): an output still running after 2 s is abandoned, and said so to listeners and in a warning; the context stops', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1], [2]]).foreachRDD(() => clock.sleep(1e9)); // an output that never ends
    const { events, warnings, restore } = watch(ssc);
    let terminated = false;
    const terminating = ssc.awaitTermination().then(() => void (terminated = true));
    ssc.start();
    await clock.advance(1500); // the batch at 1000 runs until the end of time
    let stopped = false;
    const stopping = ssc.stop().then(() => void (stopped = true));
    await clock.advance(1999);
    expect(stopped).toBe(false);
    await clock.advance(1);
    await stopping;
    await terminating;
    restore();
    expect(ssc.state).toBe('stopped');
    expect(terminated).toBe(true);
    const outputSite = /foreachRDD at StreamingContext\.test\.ts:\d+:\d+/.source;
    expect(ofType(events, 'outputOperationCompleted').map((e) => e.outputOperationInfo)).toMatchObject([
      { batchTime: 1000, failureReason: 'abandoned: stop() gave up after 2000 ms', startTime: 1000, endTime: 3500, duration: 2500 },
    ]);
    const completed = ofType(events, 'batchCompleted').map((e) => e.batchInfo);
    expect(completed.map((b) => b.batchTime)).toEqual([1000]);
    expect(completed[0]!.failureReason).toMatch(new RegExp(`^abandoned in ${outputSite}: stop\\(\\) gave up after 2000 ms$`));
    const [last] = ofType(events, 'streamingStopped');
    expect(last).toMatchObject({ time: 3500, graceful: false, timeout: 2000 });
    expect(last!.abandoned).toHaveLength(1);
    expect(last!.abandoned[0]).toMatchObject({ kind: 'batch', batchTime: 1000, step: expect.stringMatching(new RegExp(`^${outputSite}$`)) });
    expect(last!.abandoned[0]!.message).toMatch(new RegExp(`^the batch at 1000 ms, still running in ${outputSite} \\(it may finish in the background, unobserved\\)$`));
    expect(events.at(-1)).toBe(last);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^StreamingContext\\.stop\\(\\): stop\\(\\) gave up after 2000 ms, abandoning the batch at 1000 ms, still running in ${outputSite}`));
  });

  test('stop({ timeout }) sets the time allowed; an output that finishes in time is not abandoned', async () => {
    const { ssc, clock } = createTestContext();
    const finished: number[] = [];
    ssc.queueStream([[1]]).foreachRDD(async (_rdd, time) => {
      await clock.sleep(4000);
      finished.push(time);
    });
    const { events, warnings, restore } = watch(ssc);
    ssc.start();
    await clock.advance(1000);
    const stopping = ssc.stop({ timeout: 5000 });
    await clock.advance(4000);
    await stopping;
    restore();
    expect(finished).toEqual([1000]);
    expect(ofType(events, 'batchCompleted').map((e) => e.batchInfo.failureReason)).toEqual([undefined]);
    expect(ofType(events, 'streamingStopped')[0]).toMatchObject({ timeout: 5000, abandoned: [] });
    expect(warnings).toEqual([]);
    expect(() => createTestContext().ssc.stop({ timeout: -1 })).toThrow(/^stop: timeout must be a positive whole number of milliseconds/);
  });

  test('a receiver whose onStop() never returns is abandoned after 2 s: reported stopped, what it stores later is dropped', async () => {
    const { ssc, clock } = createTestContext();
    class Stuck extends Receiver<string> {
      onStart() {}
      onStop() {
        return new Promise<void>(() => {});
      }
    }
    const receiver = new Stuck();
    const out = collectBatches(ssc.receiverStream(receiver));
    const { events, warnings, restore } = watch(ssc);
    ssc.start();
    receiver.store('a');
    await clock.advance(1000);
    const stopping = ssc.stop();
    await clock.advance(2000);
    await stopping;
    receiver.store('after');
    restore();
    expect(ssc.state).toBe('stopped');
    expect(out.output).toEqual([['a']]);
    expect(ofType(events, 'receiverStopped').map((e) => e.message)).toEqual(['StreamingContext stopped; stop() gave up after 2000 ms waiting for onStop()']);
    expect(ofType(events, 'streamingStopped')[0]!.abandoned).toEqual([
      { kind: 'input', streamId: 0, name: expect.stringMatching(/^receiverStream at StreamingContext\.test\.ts:\d+:\d+$/), message: expect.stringMatching(/^receiverStream at .*, whose receiver's onStop\(\) had not returned$/) },
    ]);
    expect(warnings[0]).toMatch(/^StreamingContext\.stop\(\): stop\(\) gave up after 2000 ms, abandoning receiverStream at .*, whose receiver's onStop\(\) had not returned\.$/);
  });

  test('a graceful stop gives up after gracefulStopTimeout (default 10 batch intervals): the running batch and the queued ones are abandoned', async () => {
    expect(createTestContext({ batchInterval: 300 }).ssc.gracefulStopTimeout).toBe(3000);
    expect(() => createTestContext({ gracefulStopTimeout: 0 })).toThrow(/gracefulStopTimeout must be a positive whole number/);
    const { ssc, clock } = createTestContext({ gracefulStopTimeout: 1000 });
    const finished: number[] = [];
    ssc.queueStream<number>([]).foreachRDD(async (_rdd, time) => {
      await clock.sleep(1500);
      finished.push(time);
    });
    const { events, warnings, restore } = watch(ssc);
    ssc.start();
    // Batch k runs from 1000 + (k - 1) * 1500: at 5000, 4000 runs (5500 to 7000) and 5000 waits.
    await clock.advance(5000);
    const stopping = ssc.stop({ stopGracefully: true });
    await clock.advance(1000);
    await stopping;
    restore();
    expect(finished).toEqual([1000, 2000, 3000]);
    const [last] = ofType(events, 'streamingStopped');
    expect(last).toMatchObject({ graceful: true, timeout: 1000 });
    expect(last!.abandoned.map((a) => [a.kind, a.kind === 'batch' ? a.batchTime : undefined, a.kind === 'batch' ? a.step : undefined])).toEqual([
      ['batch', 4000, expect.stringMatching(/^foreachRDD at /)],
      ['batch', 5000, undefined],
    ]);
    expect(last!.abandoned[1]!.message).toBe('the batch at 5000 ms, not run');
    expect(warnings[0]).toMatch(/^StreamingContext\.stop\(\): stop\(\{ stopGracefully: true \}\) gave up after 1000 ms, abandoning the batch at 4000 ms, still running in foreachRDD at .*; the batch at 5000 ms, not run\.$/);
    // The abandoned batch may finish later: nobody hears of it.
    await clock.advance(5000);
    expect(finished).toEqual([1000, 2000, 3000, 4000]);
    expect(ofType(events, 'batchCompleted').map((e) => e.batchInfo.batchTime)).toEqual([1000, 2000, 3000, 4000]);
  });

  test('on the real clock: an output whose promise never settles, and a graceful stop with its timeout', async () => {
    for (const graceful of [false, true]) {
      const ssc = new StreamingContext({ batchInterval: 20, gracefulStopTimeout: 100 });
      ssc.queueStream([[1]]).foreachRDD(() => new Promise<void>(() => {}));
      const { events, restore } = watch(ssc);
      ssc.start();
      await until(() => ofType(events, 'outputOperationStarted').length > 0, 'the output to start');
      await ssc.stop({ stopGracefully: graceful, timeout: graceful ? undefined : 50 });
      restore();
      const [last] = ofType(events, 'streamingStopped');
      expect(last).toMatchObject({ graceful, timeout: graceful ? 100 : 50 });
      expect(last!.abandoned[0]).toMatchObject({ kind: 'batch', step: expect.stringMatching(/^foreachRDD at /) });
      expect(ssc.state).toBe('stopped');
    }
  });

  test('with a checkpoint: a stop that abandoned a batch writes no last checkpoint (its state may be half-changed)', async () => {
    const { ssc, clock } = createTestContext();
    const written: number[] = [];
    const closed: string[] = [];
    ssc.checkpoint(Object.assign(memoryStore(closed), { write: async (c: { time: number }) => void written.push(c.time) }));
    const pairs = ssc.queueStream([[['a', 1]], [['a', 2]]] as [string, number][][]);
    pairs.updateStateByKey((vs: number[], s: number | undefined) => vs.reduce((x, y) => x + y, s ?? 0)).checkpoint(1000).foreachRDD(async (_rdd, time) => {
      if (time === 2000) await clock.sleep(1e9);
    });
    const { restore } = watch(ssc);
    ssc.start();
    await clock.advance(2000);
    const stopping = ssc.stop();
    await clock.advance(2000);
    await stopping;
    restore();
    expect(written).toEqual([0, 1000]); // the initial checkpoint and the one after batch 1000; none at stop
  });
});

describe('a graceful stop processes everything received', () => {
  // Spark's StreamingContextSuite "stop slow receiver gracefully": 15 records stored one a
  // second while onStop() waits for the last; Spark processes all 15 (Rivulet processed 0).
  test('records a receiver stores while its onStop() runs are processed', async () => {
    const { ssc, clock } = createTestContext({ batchInterval: 100, gracefulStopTimeout: 20_000_000 });
    const totalNumRecords = 15;
    class SlowTestReceiver extends Receiver<number> {
      private receivedAll: (() => void) | undefined;
      private done = false;
      onStart() {
        for (let i = 1; i <= totalNumRecords; i++) {
          clock.schedule(() => {
            this.store(i);
            if (i === totalNumRecords) {
              this.done = true;
              this.receivedAll?.();
            }
          }, i * 1000);
        }
      }
      onStop() {
        // Simulate a slow receiver by waiting for all records to be produced.
        return this.done ? undefined : new Promise<void>((resolve) => (this.receivedAll = resolve));
      }
    }
    let runningCount = 0;
    ssc.receiverStream(new SlowTestReceiver()).count().foreachRDD(async (rdd) => {
      runningCount += (await rdd.collect())[0]!;
    });
    ssc.start();
    await clock.advance(500);
    const stopping = ssc.stop({ stopGracefully: true });
    await clock.advance(15_000);
    await stopping;
    expect(runningCount).toBeGreaterThan(0);
    expect(runningCount).toBe(totalNumRecords);
  });

  test('a receiver that flushes its buffer in onStop(): the flushed records are in the last batch', async () => {
    const { ssc, clock } = createTestContext();
    class Buffering extends Receiver<string> {
      buffer: string[] = [];
      onStart() {}
      onStop() {
        this.storeAll(this.buffer.splice(0));
      }
    }
    const receiver = new Buffering();
    const out = collectBatches(ssc.receiverStream(receiver));
    ssc.start();
    receiver.store('stored');
    receiver.buffer.push('buffered 1', 'buffered 2');
    await clock.advance(1500);
    await ssc.stop({ stopGracefully: true });
    expect(out.times).toEqual([1000, 2000]);
    expectBatches(out.output, [['stored'], ['buffered 1', 'buffered 2']], { ordered: true });
    receiver.store('after stop');
    expect(receiver.isStopped()).toBe(true);
  });

  test('on the real clock, a batch boundary that fires late: records stored after it go to the next batch, none is lost', async () => {
    const ssc = new StreamingContext({ batchInterval: 50 });
    class Late extends Receiver<string> {
      onStart() {}
      onStop() {
        // The thread is busy past the next boundary, whose timer cannot fire meanwhile; then the
        // receiver stores what it still had.
        const until = performance.now() + 120;
        while (performance.now() < until) { /* busy */ }
        this.store('stored in onStop, after the boundary');
      }
    }
    const receiver = new Late();
    const out = collectBatches(ssc.receiverStream(receiver));
    ssc.start();
    receiver.store('before stop');
    await ssc.stop({ stopGracefully: true });
    expect(out.output.flat().sort()).toEqual(['before stop', 'stored in onStop, after the boundary']);
  });
});
