import { describe, expect, test } from 'vitest';
import { Subject } from 'rxjs';
import { createTestContext, collectBatches, expectBatches } from '../support/TestSuiteBase.ts';
import { IllegalStateError, ManualClock, StreamingContext, type CheckpointStore } from '../../engine/index.ts';

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
