import { afterEach, describe, expect, test } from 'vitest';
import { Subject } from 'rxjs';
import { BatchFailedError, ManualClock, Receiver, ReceiverBufferFullError, StreamingContext, type BatchInfo, type OverflowPolicy, type ReceiverInputInfo, type ReceiverOptions } from '../../engine/index.ts';

// A receiver's bounded buffer (issue 12, item 4), as tables: a buffer of N, M records pushed
// while a slow batch holds some of them, and for each overflow policy which records reach which
// batch and what the counters in BatchInfo say. All on a ManualClock: a batch is made slow with
// clock.sleep(), so every time below is exact.

/** A receiver the test drives by hand. */
class HandReceiver<T> extends Receiver<T> {
  onStart(): void {}
  onStop(): void {}
}

let ssc: StreamingContext | undefined;
afterEach(async () => {
  await ssc?.stop();
  ssc = undefined;
});

/** Stop a context whose running batch sleeps on the clock: move the clock on until it has stopped. */
async function stopOn(clock: ManualClock): Promise<void> {
  const stopping = ssc!.stop();
  // Between steps the event loop turns: stop() loads its code with import().
  while (ssc!.state !== 'stopped') {
    await clock.advance(1000);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await stopping;
}

interface Run {
  clock: ManualClock;
  receiver: HandReceiver<string>;
  /** Records of each batch, by batch time. */
  batches: Map<number, string[]>;
  /** The receiver's counters in each completed batch's BatchInfo. */
  counters: Map<number, ReceiverInputInfo | undefined>;
  infos: BatchInfo[];
  terminated: Promise<unknown>;
}

/** A receiver stream whose batch at `slowBatch` takes `slowMs` of virtual time. */
function run(options: ReceiverOptions, slowBatch = 1000, slowMs = 1500): Run {
  const clock = new ManualClock();
  ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
  const receiver = new HandReceiver<string>();
  const stream = ssc.receiverStream(receiver, options);
  const batches = new Map<number, string[]>();
  stream.foreachRDD(async (rdd, time) => {
    batches.set(time, await rdd.collect());
    if (time === slowBatch) await clock.sleep(slowMs);
  });
  const counters = new Map<number, ReceiverInputInfo | undefined>();
  const infos: BatchInfo[] = [];
  ssc.addStreamingListener({
    onBatchCompleted: ({ batchInfo }) => {
      infos.push(batchInfo);
      counters.set(batchInfo.batchTime, batchInfo.streamIdToInputInfo[stream.inputId]?.receiver);
    },
  });
  const terminated = ssc.awaitTermination().then(
    () => 'stopped',
    (e: unknown) => e,
  );
  ssc.start();
  return { clock, receiver, batches, counters, infos, terminated };
}

/** The counters that change from batch to batch. */
const counts = (c: ReceiverInputInfo | undefined) => c && [c.numReceived, c.numDropped, c.blockedTime, c.numBuffered, c.numWaiting];

describe('a receiver buffer of 4: a, b, c at 100 ms go to the batch at 1000, which runs until 2500; d, e, f, g are stored at 1100', () => {
  // Columns of `counters`, over each batch's interval: [stored by the receiver, dropped, ms the
  // producer was blocked, held once the batch was cut, waiting for room].
  const table: { overflow: OverflowPolicy; batches: [number, string[]][]; storedAt: number; counters: [number, number[] | undefined][] }[] = [
    {
      // d goes in; e, f, g wait (the producer is blocked from 1100) until batch 1000 completes at
      // 2500 and frees 3 places: they go in then, and into the batch at 3000.
      overflow: 'block',
      storedAt: 2500,
      batches: [
        [1000, ['a', 'b', 'c']],
        [2000, ['d']],
        [3000, ['e', 'f', 'g']],
        [4000, []],
      ],
      counters: [
        [1000, [3, 0, 0, 3, 0]],
        [2000, [4, 0, 900, 4, 3]],
        [3000, [0, 0, 500, 3, 0]],
        [4000, [0, 0, 0, 0, 0]],
      ],
    },
    {
      // d goes in; e, f and g find the buffer full and are dropped.
      overflow: 'drop-newest',
      storedAt: 1100,
      batches: [
        [1000, ['a', 'b', 'c']],
        [2000, ['d']],
        [3000, []],
        [4000, []],
      ],
      counters: [
        [1000, [3, 0, 0, 3, 0]],
        [2000, [4, 3, 0, 4, 0]],
        [3000, [0, 0, 0, 0, 0]],
        [4000, [0, 0, 0, 0, 0]],
      ],
    },
    {
      // a, b, c are in a batch and never dropped; each newer record pushes out the oldest record
      // not yet in one: e drops d, f drops e, g drops f.
      overflow: 'drop-oldest',
      storedAt: 1100,
      batches: [
        [1000, ['a', 'b', 'c']],
        [2000, ['g']],
        [3000, []],
        [4000, []],
      ],
      counters: [
        [1000, [3, 0, 0, 3, 0]],
        [2000, [4, 3, 0, 4, 0]],
        [3000, [0, 0, 0, 0, 0]],
        [4000, [0, 0, 0, 0, 0]],
      ],
    },
    {
      // d goes in; e fails the stream (e, f, g are dropped, the receiver stops). The batch at 2000
      // still holds d; the next one fails with the buffer's error, and the context stops.
      overflow: 'fail',
      storedAt: 1100,
      batches: [
        [1000, ['a', 'b', 'c']],
        [2000, ['d']],
      ],
      counters: [
        [1000, [3, 0, 0, 3, 0]],
        [2000, [4, 3, 0, 4, 0]],
        [3000, undefined],
      ],
    },
  ];

  test.each(table)('overflow $overflow', async ({ overflow, batches, storedAt, counters }) => {
    const r = run({ bufferSize: 4, overflow });
    await r.clock.advanceTo(100);
    await r.receiver.storeAll(['a', 'b', 'c']);
    await r.clock.advanceTo(1100);
    let resolvedAt: number | undefined;
    void r.receiver.storeAll(['d', 'e', 'f', 'g']).then(() => (resolvedAt = r.clock.now()));
    expect(r.receiver.isBlocked()).toBe(overflow === 'block');
    await r.clock.advanceTo(4000);

    expect([...r.batches]).toEqual(batches);
    expect([...r.counters].map(([t, c]) => [t, counts(c)])).toEqual(counters);
    expect(resolvedAt).toBe(storedAt);
    expect(r.counters.get(1000)).toMatchObject({ bufferSize: 4, overflow });
    // The batch at 2000 waited for the slow one: the scheduling delay is there, and bounded.
    expect(r.infos.find((b) => b.batchTime === 2000)?.schedulingDelay).toBe(500);

    if (overflow === 'fail') {
      const error = await r.terminated;
      expect(error).toBeInstanceOf(BatchFailedError);
      const cause = (error as BatchFailedError).cause as ReceiverBufferFullError;
      expect(cause).toBeInstanceOf(ReceiverBufferFullError);
      expect(cause).toMatchObject({ code: 'RIVULET_RECEIVER_BUFFER_FULL', streamId: 0, bufferSize: 4, overflow: 'fail' });
      expect(cause.receiver).toMatch(/^receiverStream at receiverBuffer\.test\.ts:\d+:\d+$/);
      expect(cause.message).toMatch(/^receiverStream at receiverBuffer\.test\.ts:\d+:\d+: its buffer of 4 records \(stored, and not yet processed\) was full; the stream fails \(overflow 'fail'\)\./);
      expect((error as Error).message).toMatch(/^Batch 3000 ms failed in job generation/);
      expect(r.infos.find((b) => b.batchTime === 3000)?.failureReason).toMatch(/its buffer of 4 records/);
      expect(r.receiver.isStopped()).toBe(true);
    } else {
      expect(ssc!.state).toBe('active');
    }
  });
});

describe('overflow', () => {
  test("'block' with a receiver that stores on without waiting: once as many records wait as the buffer holds, the stream fails saying so", async () => {
    const r = run({ bufferSize: 2, overflow: 'block' });
    await r.clock.advanceTo(100);
    for (const x of ['a', 'b', 'c', 'd']) void r.receiver.store(x); // a, b in; c, d wait
    expect(r.receiver.isBlocked()).toBe(true);
    void r.receiver.store('e'); // a third waiting record: more than the buffer holds
    await r.clock.advanceTo(3000);
    expect([...r.batches]).toEqual([[1000, ['a', 'b']]]);
    const error = (await r.terminated) as BatchFailedError;
    expect(error.cause).toBeInstanceOf(ReceiverBufferFullError);
    expect((error.cause as Error).message).toMatch(/overflow 'block', and 3 more records were stored while its buffer of 2 was full without waiting for room: this receiver does not pause its source/);
    expect(r.counters.get(2000)).toBeUndefined(); // the batch at 2000 failed: nothing was left for it
  });

  test('a storeReliably() call whose records the policy dropped rejects with the buffer error; one that went in resolves with its batch', async () => {
    const r = run({ bufferSize: 2, overflow: 'drop-newest' }, -1);
    await r.clock.advanceTo(100);
    const settled: string[] = [];
    const track = (name: string, p: Promise<void>) => p.then(() => settled.push(`${name} safe`), (e: Error) => settled.push(`${name}: ${(e as ReceiverBufferFullError).code} ${(e as ReceiverBufferFullError).overflow}`));
    const a = track('a', r.receiver.storeReliably(['a', 'b']));
    const c = track('c', r.receiver.storeReliably(['c']));
    await c;
    expect(settled).toEqual(['c: RIVULET_RECEIVER_BUFFER_FULL drop-newest']);
    await r.clock.advanceTo(1000);
    await a;
    expect(settled).toEqual(['c: RIVULET_RECEIVER_BUFFER_FULL drop-newest', 'a safe']);
  });

  test("'drop-oldest' rejects the storeReliably() call whose waiting records it pushed out", async () => {
    const r = run({ bufferSize: 2, overflow: 'drop-oldest' }, -1);
    await r.clock.advanceTo(100);
    const settled: string[] = [];
    const a = r.receiver.storeReliably(['a']).then(() => settled.push('a safe'), () => settled.push('a dropped'));
    const b = r.receiver.storeReliably(['b', 'c']).then(() => settled.push('bc safe'), () => settled.push('bc dropped'));
    await a;
    expect(settled).toEqual(['a dropped']);
    await r.clock.advanceTo(1000);
    await b;
    expect(settled).toEqual(['a dropped', 'bc safe']);
    expect(r.batches.get(1000)).toEqual(['b', 'c']);
  });

  test('under overflow block, storeReliably() records wait for room and resolve with the batch that took them', async () => {
    const r = run({ bufferSize: 2, overflow: 'block' });
    await r.clock.advanceTo(100);
    const safeAt: Record<string, number> = {};
    void r.receiver.storeReliably(['a', 'b']).then(() => (safeAt.ab = r.clock.now()));
    void r.receiver.storeReliably(['c']).then(() => (safeAt.c = r.clock.now()));
    let roomAt: number | undefined;
    void r.receiver.whenRoom().then(() => (roomAt = r.clock.now()));
    await r.clock.advanceTo(4000);
    // a, b: batch 1000, completed at 2500 (it is the slow one); c went in then: batch 3000.
    expect([...r.batches]).toEqual([
      [1000, ['a', 'b']],
      [2000, []],
      [3000, ['c']],
      [4000, []],
    ]);
    expect(safeAt).toEqual({ ab: 2500, c: 3000 });
    expect(roomAt).toBe(2500); // batch 1000 completed: c went in, and one place is free
  });

  test('defaults: 100,000 records; block where the receiver can pause its source, fail where it cannot (an Observable), which refuses block', () => {
    const clock = new ManualClock();
    ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
    expect(ssc.receiverStream(new HandReceiver()).settings).toMatchObject({ bufferSize: 100_000, overflow: 'block', backpressure: false, receiverMaxRate: undefined });
    expect(ssc.fromObservable(new Subject()).settings).toMatchObject({ bufferSize: 100_000, overflow: 'fail' });
    expect(() => ssc!.fromObservable(new Subject(), { overflow: 'block' })).toThrow(
      "fromObservable: overflow 'block' needs a receiver that can pause its source, and an Observable pushes its values and cannot be paused; choose 'drop-oldest', 'drop-newest' or 'fail'.",
    );
    expect(() => ssc!.receiverStream(new HandReceiver(), { bufferSize: 0 })).toThrow('receiverStream: bufferSize must be a positive whole number of records, got 0.');
    expect(() => ssc!.receiverStream(new HandReceiver(), { overflow: 'drop' as never })).toThrow(`receiverStream: overflow must be one of 'block', 'drop-oldest', 'drop-newest', 'fail', got "drop".`);
    expect(() => ssc!.receiverStream(new HandReceiver(), { receiverMaxRate: -1 })).toThrow('receiverStream: receiverMaxRate must be a positive number of records per second, got -1.');
  });

  test('an Observable faster than the pipeline drops the oldest values waiting, never those in a batch', async () => {
    const clock = new ManualClock();
    ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
    const values = new Subject<number>();
    const stream = ssc.fromObservable(values, { bufferSize: 3, overflow: 'drop-oldest' });
    const batches: [number, number[]][] = [];
    stream.foreachRDD(async (rdd, time) => {
      const records = await rdd.collect();
      batches.push([time, records]);
      if (records.length > 0) await clock.sleep(1500);
    });
    ssc.start();
    await clock.advanceTo(100);
    for (let i = 1; i <= 5; i++) values.next(i); // 1 and 2 pushed out by 4 and 5
    await clock.advanceTo(1000); // batch 1000 takes 3, 4, 5 and runs until 2500
    for (let i = 6; i <= 9; i++) values.next(i); // nothing is free: each value is dropped as it comes (none is older outside a batch)
    await clock.advanceTo(2600);
    for (let i = 10; i <= 14; i++) values.next(i); // 3 places again: 12, 13, 14 remain
    await clock.advanceTo(3000);
    expect(batches.slice(0, 3)).toEqual([
      [1000, [3, 4, 5]],
      [2000, []],
      [3000, [12, 13, 14]],
    ]);
    await stopOn(clock);
  });
});

describe('receiverMaxRate (spark.streaming.receiver.maxRate)', () => {
  test('a batch takes at most rate × interval records, oldest first; the rest wait in the buffer for the next batches', async () => {
    const r = run({ receiverMaxRate: 2 }, -1);
    await r.clock.advanceTo(100);
    await r.receiver.storeAll(['a', 'b', 'c', 'd', 'e']);
    await r.clock.advanceTo(4000);
    expect([...r.batches]).toEqual([
      [1000, ['a', 'b']],
      [2000, ['c', 'd']],
      [3000, ['e']],
      [4000, []],
    ]);
    expect([...r.counters].map(([t, c]) => [t, c?.numReceived, c?.numBuffered, c?.rateLimit])).toEqual([
      [1000, 5, 5, 2],
      [2000, 0, 3, 2],
      [3000, 0, 1, 2],
      [4000, 0, 0, 2],
    ]);
  });

  test('below one record per batch, the allowance carries over: 0.5 records/s is one record every other second', async () => {
    const r = run({ receiverMaxRate: 0.5 }, -1);
    await r.clock.advanceTo(100);
    await r.receiver.storeAll(['a', 'b', 'c']);
    await r.clock.advanceTo(6000);
    expect([...r.batches].map(([t, records]) => [t, records.join('')])).toEqual([
      [1000, ''],
      [2000, 'a'],
      [3000, ''],
      [4000, 'b'],
      [5000, ''],
      [6000, 'c'],
    ]);
  });

  test('with a full buffer the held-back records block the producer: the rate limit and overflow block together', async () => {
    const r = run({ receiverMaxRate: 1, bufferSize: 2, overflow: 'block' }, -1);
    await r.clock.advanceTo(100);
    const resolved: string[] = [];
    for (const x of ['a', 'b', 'c', 'd']) void r.receiver.store(x).then(() => resolved.push(`${x} at ${r.clock.now()}`));
    await r.clock.advanceTo(4000);
    expect([...r.batches].map(([t, records]) => [t, records.join('')])).toEqual([
      [1000, 'a'],
      [2000, 'b'],
      [3000, 'c'],
      [4000, 'd'],
    ]);
    expect(resolved).toEqual(['a at 100', 'b at 100', 'c at 1000', 'd at 2000']);
  });
});

describe('backpressure on a receiver stream (Spark: ReceiverRateController)', () => {
  // A producer of 3,000 records/s and a pipeline that processes 1,000/s (1 ms of virtual time per
  // record), for 40 s, with a buffer of 20,000 and overflow drop-oldest.
  async function overload(backpressure: boolean): Promise<BatchInfo[]> {
    const clock = new ManualClock();
    ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
    const receiver = new HandReceiver<number>();
    const stream = ssc.receiverStream(receiver, { backpressure, bufferSize: 20_000, overflow: 'drop-oldest' });
    stream.foreachRDD(async (rdd) => clock.sleep(await rdd.count()));
    const infos: BatchInfo[] = [];
    ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void infos.push(batchInfo) });
    ssc.start();
    let n = 0;
    for (let t = 10; t <= 40_000; t += 10) {
      await clock.advanceTo(t);
      void receiver.storeAll(Array.from({ length: 30 }, () => n++));
    }
    await stopOn(clock);
    return infos;
  }

  test('with it the PID estimator cuts the batches to 1,000 records and the scheduling delay falls to nothing; without it the buffer alone holds the delay at its size × the cost of a record', async () => {
    const late = (infos: BatchInfo[]) => infos.filter((b) => b.batchTime > 30_000 && b.batchTime <= 39_000);
    const withIt = late(await overload(true));
    const without = late(await overload(false));
    expect(withIt).toHaveLength(9);
    for (const b of withIt) {
      expect(b.schedulingDelay).toBeLessThanOrEqual(1000);
      const r = b.streamIdToInputInfo[0]!.receiver!;
      expect(r.rateLimit).toBeGreaterThan(500);
      expect(r.rateLimit).toBeLessThan(1500);
      expect(b.numRecords).toBeLessThanOrEqual(Math.floor(r.rateLimit!) + 1);
      expect(r.numBuffered).toBeLessThanOrEqual(20_000);
      expect(r.numDropped).toBeGreaterThan(0); // 2,000 a second: what backpressure does not take is dropped as the buffer fills
    }
    // Without backpressure the batches take what came; the delay stops growing once the buffer is
    // full (20,000 records, 20 s of work), and stays there.
    for (const b of without) {
      expect(b.schedulingDelay).toBeGreaterThan(10_000);
      expect(b.schedulingDelay).toBeLessThanOrEqual(20_000 + 1000);
      expect(b.streamIdToInputInfo[0]!.receiver!.numBuffered).toBeLessThanOrEqual(20_000);
    }
  });
});
