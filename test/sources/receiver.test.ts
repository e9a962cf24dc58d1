import { afterEach, describe, expect, test } from 'vitest';
import { interval, Subject, take } from 'rxjs';
import { StreamingContext } from '../../engine/streaming/StreamingContext.ts';
import { ManualClock } from '../../engine/streaming/ManualClock.ts';
import { Receiver } from '../../engine/sources/Receiver.ts';
import type { DStream } from '../../engine/dstream/DStream.ts';
import type { StreamingListenerEvent } from '../../engine/streaming/listener.ts';

/** A receiver the test drives by hand: it only counts its starts and stops. */
class HandReceiver<T> extends Receiver<T> {
  starts = 0;
  stops = 0;
  onStart(): void {
    this.starts++;
  }
  onStop(): void {
    this.stops++;
  }
}

/** Each batch's partitions (glom), by batch time. */
function partitionsPerBatch<T>(stream: DStream<T>): Map<number, T[][]> {
  const out = new Map<number, T[][]>();
  stream.glom().foreachRDD(async (rdd, time) => {
    out.set(time, await rdd.collect());
  });
  return out;
}

function receiverEvents(ssc: StreamingContext): StreamingListenerEvent[] {
  const events: StreamingListenerEvent[] = [];
  ssc.events$.subscribe((e) => {
    if (e.type.startsWith('receiver')) events.push(e);
  });
  return events;
}

let ssc: StreamingContext | undefined;
afterEach(async () => {
  await ssc?.stop();
  ssc = undefined;
});

function setup(batchInterval = 1000) {
  const clock = new ManualClock();
  ssc = new StreamingContext({ batchInterval, scheduler: clock });
  return { clock, ssc };
}

describe('Receiver', () => {
  test('store and storeAll: records go to the batch after their arrival, one partition per 200 ms block', async () => {
    const { clock, ssc } = setup();
    const receiver = new HandReceiver<string>();
    const stream = ssc.receiverStream(receiver);
    const batches = partitionsPerBatch(stream);
    const numRecords: Record<number, number> = {};
    ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void (numRecords[batchInfo.batchTime] = batchInfo.numRecords) });
    ssc.start();
    expect(receiver.starts).toBe(1);
    expect(receiver.isStarted()).toBe(true);

    await clock.advanceTo(100);
    receiver.store('a');
    await clock.advanceTo(350);
    receiver.storeAll(['b', 'c']);
    await clock.advanceTo(999);
    receiver.store('e');
    await clock.advanceTo(1000); // batch 1000 is generated here; what arrives now is in the next one
    receiver.store('f');
    await clock.advanceTo(3000);

    expect([...batches]).toEqual([
      [1000, [['a'], ['b', 'c'], ['e']]],
      [2000, [['f']]],
      [3000, []],
    ]);
    expect(numRecords).toEqual({ 1000: 4, 2000: 1, 3000: 0 });
  });

  test('storeReliably: resolves once the batch holding the records has completed; rejects when the context stopped first', async () => {
    const { clock, ssc } = setup();
    const receiver = new HandReceiver<string>();
    const outputs: [number, string[]][] = [];
    ssc.receiverStream(receiver).foreachRDD(async (rdd, time) => void outputs.push([time, await rdd.collect()]));
    ssc.start();
    const settled: string[] = [];
    const track = (name: string, p: Promise<void>) => p.then(() => settled.push(`${name} safe`), (e: Error) => settled.push(`${name} rejected: ${e.message}`));

    await clock.advanceTo(100);
    const a = track('a', receiver.storeReliably(['a']));
    await clock.advanceTo(999);
    const b = track('b', receiver.storeReliably(['b']));
    await clock.advanceTo(1000); // batch 1000 is generated now: c is in batch 2000
    const c = track('c', receiver.storeReliably(['c']));
    await a;
    await b;
    expect(settled).toEqual(['a safe', 'b safe']);
    expect(outputs).toEqual([[1000, ['a', 'b']]]);

    await ssc.stop();
    await c;
    expect(settled[2]).toMatch(/^c rejected: receiverStream at .*: the context stopped before the batch holding these records completed\.$/);
    await expect(receiver.storeReliably(['d'])).rejects.toThrow(/storeReliably\(\) after the receiver stopped; the records were not stored/);
  });

  test('storeReliably: rejects when the batch holding the records failed', async () => {
    const { clock, ssc } = setup();
    const receiver = new HandReceiver<string>();
    ssc.receiverStream(receiver).foreachRDD(async (rdd) => {
      if ((await rdd.count()) > 0) throw new Error('sink down');
    });
    ssc.start();
    await clock.advanceTo(100);
    const stored = receiver.storeReliably(['a']);
    await clock.advanceTo(1000);
    await expect(stored).rejects.toThrow(/^receiverStream at .*: the batch at 1000 ms did not complete \(Batch 1000 ms failed in foreachRDD at .*: sink down\)$/);
  });

  test('reportError reaches onReceiverError and the receiver keeps running', async () => {
    const { clock, ssc } = setup();
    const receiver = new HandReceiver<number>();
    const stream = ssc.receiverStream(receiver);
    const batches = partitionsPerBatch(stream);
    const errors: { message: string; error: unknown; streamId: number; time: number; name: string }[] = [];
    ssc.addStreamingListener({ onReceiverError: (e) => void errors.push(e) });
    ssc.start();
    await clock.advanceTo(300);
    const cause = new Error('bad record');
    receiver.reportError('could not parse a record', cause);
    receiver.store(1);
    await clock.advanceTo(1000);

    expect(errors).toEqual([{ type: 'receiverError', message: 'could not parse a record', error: cause, streamId: receiver.streamId, time: 300, name: expect.stringMatching(/^receiverStream at receiver\.test\.ts:\d+:\d+$/) }]);
    expect(receiver.isStarted()).toBe(true);
    expect(batches.get(1000)).toEqual([[1]]);
  });

  test('restart: onStop now, onStart again after the delay; records stored meanwhile are dropped', async () => {
    const { clock, ssc } = setup();
    const receiver = new HandReceiver<string>();
    const batches = partitionsPerBatch(ssc.receiverStream(receiver));
    const events = receiverEvents(ssc);
    ssc.start();
    await clock.advanceTo(100);
    receiver.store('before');
    const cause = new Error('connection lost');
    receiver.restart('lost the source', cause, 500);
    expect(receiver.stops).toBe(1);
    expect(receiver.isStopped()).toBe(true);
    receiver.store('while stopped');

    await clock.advanceTo(599);
    expect(receiver.starts).toBe(1);
    await clock.advanceTo(600);
    expect(receiver.starts).toBe(2);
    expect(receiver.isStarted()).toBe(true);
    receiver.store('after');
    await clock.advanceTo(1000);

    expect(batches.get(1000)).toEqual([['before'], ['after']]);
    expect(events.map((e) => [e.type, 'time' in e ? e.time : undefined, 'message' in e ? e.message : undefined])).toEqual([
      ['receiverStarted', 0, undefined],
      ['receiverError', 100, 'Restarting receiver with delay 500 ms: lost the source'],
      ['receiverStarted', 600, undefined],
    ]);
    expect((events[1] as { error: unknown }).error).toBe(cause);
  });

  test('restart without a delay argument waits 2000 ms (Spark\'s default)', async () => {
    const { clock, ssc } = setup();
    const receiver = new HandReceiver<string>();
    partitionsPerBatch(ssc.receiverStream(receiver));
    ssc.start();
    receiver.restart('again');
    await clock.advanceTo(1999);
    expect(receiver.starts).toBe(1);
    await clock.advanceTo(2000);
    expect(receiver.starts).toBe(2);
  });

  test('stop(): the receiver stops for good, the context goes on with empty batches', async () => {
    const { clock, ssc } = setup();
    const receiver = new HandReceiver<string>();
    const batches = partitionsPerBatch(ssc.receiverStream(receiver));
    const events = receiverEvents(ssc);
    ssc.start();
    await clock.advanceTo(100);
    receiver.store('x');
    receiver.stop('source finished');
    receiver.store('ignored');
    await clock.advanceTo(5000);

    expect(receiver.stops).toBe(1);
    expect(receiver.starts).toBe(1);
    expect(receiver.isStopped()).toBe(true);
    expect(ssc.state).toBe('active');
    expect(batches.get(1000)).toEqual([['x']]);
    expect(batches.get(5000)).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['receiverStarted', 'receiverStopped']);
    expect(events[1]).toMatchObject({ message: 'source finished', time: 100 });
  });

  test('a receiver stopped for good is not brought back by a late restart()', async () => {
    const { clock, ssc } = setup();
    const receiver = new HandReceiver<string>();
    partitionsPerBatch(ssc.receiverStream(receiver));
    const events = receiverEvents(ssc);
    ssc.start();
    receiver.stop('source finished');
    receiver.restart('a late callback of the old connection', undefined, 100);
    await clock.advanceTo(3000);
    expect(receiver.starts).toBe(1);
    expect(receiver.isStopped()).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['receiverStarted', 'receiverStopped']);
  });

  test('stopping the context stops the receiver', async () => {
    const { clock, ssc } = setup();
    const receiver = new HandReceiver<string>();
    partitionsPerBatch(ssc.receiverStream(receiver));
    const events = receiverEvents(ssc);
    ssc.start();
    await clock.advanceTo(1500);
    await ssc.stop();
    expect(receiver.stops).toBe(1);
    expect(events.at(-1)).toMatchObject({ type: 'receiverStopped', message: 'StreamingContext stopped' });
  });

  test('a receiver must be attached before use, and feeds one stream only', () => {
    const { ssc } = setup();
    const receiver = new HandReceiver<string>();
    expect(() => receiver.store('x')).toThrow(/not attached to a stream; pass it to ssc\.receiverStream\(\) first/);
    ssc.receiverStream(receiver);
    expect(() => ssc.receiverStream(receiver)).toThrow(/already feeds another stream/);
  });

  test('onStart throwing is reported and retried after 2000 ms', async () => {
    const { clock, ssc } = setup();
    let attempts = 0;
    class Flaky extends Receiver<number> {
      onStart() {
        if (++attempts === 1) throw new Error('port busy');
      }
      onStop() {}
    }
    partitionsPerBatch(ssc.receiverStream(new Flaky()));
    const events = receiverEvents(ssc);
    ssc.start();
    await clock.advanceTo(2000);
    expect(attempts).toBe(2);
    expect(events.map((e) => e.type)).toEqual(['receiverError', 'receiverStarted']);
    expect(events[0]).toMatchObject({ message: 'Restarting receiver with delay 2000 ms: onStart() threw' });
  });
});

describe('fromObservable', () => {
  test('interval(100) on the ManualClock: deterministic batches, a value at a batch boundary goes to the next batch, blocks are partitions', async () => {
    const { clock, ssc } = setup();
    const batches = partitionsPerBatch(ssc.fromObservable(interval(100, clock).pipe(take(25))));
    const events = receiverEvents(ssc);
    ssc.start();
    await clock.advanceTo(4000);

    // value n is emitted at (n + 1) * 100 ms; blocks are [0,200), [200,400), … and never span a batch
    expect([...batches]).toEqual([
      [1000, [[0], [1, 2], [3, 4], [5, 6], [7, 8]]],
      [2000, [[9, 10], [11, 12], [13, 14], [15, 16], [17, 18]]],
      [3000, [[19, 20], [21, 22], [23, 24]]],
      [4000, []],
    ]);
    expect(events.map((e) => e.type)).toEqual(['receiverStarted', 'receiverStopped']);
    expect(events[1]).toMatchObject({ message: 'the observable completed', time: 2500 });
  });

  test('blockInterval sets the partitions', async () => {
    const clock = new ManualClock();
    ssc = new StreamingContext({ batchInterval: 1000, blockInterval: 500, scheduler: clock });
    const batches = partitionsPerBatch(ssc.fromObservable(interval(100, clock)));
    ssc.start();
    await clock.advanceTo(1000);
    expect(batches.get(1000)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7, 8]]);
  });

  test('an observable error is reported to listeners and ends the input', async () => {
    const { clock, ssc } = setup();
    const subject = new Subject<string>();
    const batches = partitionsPerBatch(ssc.fromObservable(subject));
    const events = receiverEvents(ssc);
    ssc.start();
    await clock.advanceTo(100);
    subject.next('a');
    const boom = new Error('boom');
    subject.error(boom);
    await clock.advanceTo(2000);
    expect(batches.get(1000)).toEqual([['a']]);
    expect(events.map((e) => e.type)).toEqual(['receiverStarted', 'receiverError', 'receiverStopped']);
    expect(events[1]).toMatchObject({ message: 'the observable errored', error: boom });
    expect(subject.observed).toBe(false);
  });
});
