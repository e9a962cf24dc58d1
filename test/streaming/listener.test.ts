import { describe, expect, test } from 'vitest';
import { Subject } from 'rxjs';
import { createTestContext } from '../support/TestSuiteBase.ts';
import type { StreamingListenerEvent } from '../../engine/index.ts';

// StreamingListener callbacks, BatchInfo fields and the events$ Observable.

describe('listener events', () => {
  test('per batch: submitted, started, output started/completed per output, completed — in order', async () => {
    const { ssc, clock } = createTestContext();
    const input = ssc.queueStream([[1, 2], [3]]);
    input.print();
    input.count().foreachRDD(() => {});
    const events: string[] = [];
    ssc.addStreamingListener({
      onStreamingStarted: (e) => void events.push(`streamingStarted ${e.time}`),
      onBatchSubmitted: (e) => void events.push(`submitted ${e.batchInfo.batchTime}`),
      onBatchStarted: (e) => void events.push(`started ${e.batchInfo.batchTime}`),
      onOutputOperationStarted: (e) => void events.push(`opStarted ${e.outputOperationInfo.batchTime} #${e.outputOperationInfo.id}`),
      onOutputOperationCompleted: (e) => void events.push(`opCompleted ${e.outputOperationInfo.batchTime} #${e.outputOperationInfo.id}`),
      onBatchCompleted: (e) => void events.push(`completed ${e.batchInfo.batchTime}`),
    });
    const log = console.log;
    console.log = () => {};
    try {
      ssc.start();
      await clock.advance(2000);
      await ssc.stop();
    } finally {
      console.log = log;
    }
    expect(events).toEqual([
      'streamingStarted 0',
      'submitted 1000', 'started 1000', 'opStarted 1000 #0', 'opCompleted 1000 #0', 'opStarted 1000 #1', 'opCompleted 1000 #1', 'completed 1000',
      'submitted 2000', 'started 2000', 'opStarted 2000 #0', 'opCompleted 2000 #0', 'opStarted 2000 #1', 'opCompleted 2000 #1', 'completed 2000',
    ]);
  });

  test('output operations are named `<operation> at <file>:<line>:<column>`', async () => {
    const { ssc, clock } = createTestContext();
    const input = ssc.queueStream([[1]]);
    const printLine = new Error().stack!.split('\n')[1]!.match(/:(\d+):\d+\)?$/)![1]!;
    input.print(); // must stay on the line after `printLine`
    input.foreachRDD(() => {});
    const names: string[] = [];
    ssc.addStreamingListener({ onOutputOperationCompleted: (e) => void names.push(e.outputOperationInfo.name) });
    const log = console.log;
    console.log = () => {};
    try {
      ssc.start();
      await clock.advance(1000);
      await ssc.stop();
    } finally {
      console.log = log;
    }
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(new RegExp(`^print at listener\\.test\\.ts:${Number(printLine) + 1}:\\d+$`));
    expect(names[1]).toMatch(/^foreachRDD at listener\.test\.ts:\d+:\d+$/);
  });

  test('BatchInfo: numRecords per input and in total; times and delays consistent', async () => {
    const { ssc, clock } = createTestContext();
    const a = ssc.queueStream([[1, 2, 3], [], [4]]);
    const b = ssc.queueStream([['x'], ['y', 'z'], []]);
    a.foreachRDD(async (rdd) => {
      await rdd.collect();
      await clock.sleep(300); // processing takes 300 virtual ms
    });
    b.foreachRDD(() => {});
    const infos: any[] = [];
    ssc.addStreamingListener({ onBatchCompleted: (e) => void infos.push(e.batchInfo) });
    ssc.start();
    await clock.advance(3300);
    await ssc.stop();
    expect(infos.map((i) => i.batchTime)).toEqual([1000, 2000, 3000]);
    expect(infos.map((i) => i.numRecords)).toEqual([4, 2, 1]);
    expect(infos.map((i) => i.streamIdToNumRecords)).toEqual([{ 0: 3, 1: 1 }, { 0: 0, 1: 2 }, { 0: 1, 1: 0 }]);
    for (const i of infos) {
      expect(i.submissionTime).toBe(i.batchTime);
      expect(i.processingStartTime).toBe(i.batchTime);
      expect(i.processingEndTime).toBe(i.batchTime + 300);
      expect(i.schedulingDelay).toBe(i.processingStartTime - i.submissionTime);
      expect(i.processingDelay).toBe(i.processingEndTime - i.processingStartTime);
      expect(i.processingDelay).toBe(300);
      expect(i.totalDelay).toBe(i.schedulingDelay + i.processingDelay);
      expect(i.failureReason).toBeUndefined();
      expect(i.outputOperationInfos).toHaveLength(2);
      const [first, second] = i.outputOperationInfos;
      expect(first).toMatchObject({ batchTime: i.batchTime, id: 0, startTime: i.batchTime, endTime: i.batchTime + 300, duration: 300 });
      expect(second).toMatchObject({ batchTime: i.batchTime, id: 1, duration: 0 });
    }
  });

  test('submitted and started events carry what is known at that point', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).foreachRDD(() => {});
    const submitted: any[] = [];
    const started: any[] = [];
    ssc.addStreamingListener({ onBatchSubmitted: (e) => void submitted.push(e.batchInfo), onBatchStarted: (e) => void started.push(e.batchInfo) });
    ssc.start();
    await clock.advance(1000);
    await ssc.stop();
    expect(submitted[0]).toMatchObject({ batchTime: 1000, numRecords: 1, submissionTime: 1000 });
    expect(submitted[0].processingStartTime).toBeUndefined();
    expect(started[0]).toMatchObject({ batchTime: 1000, processingStartTime: 1000, schedulingDelay: 0 });
    expect(started[0].processingEndTime).toBeUndefined();
  });

  test('a listener that throws does not affect the stream or other listeners', async () => {
    const { ssc, clock } = createTestContext();
    const seen: number[] = [];
    ssc.queueStream([[1], [2]]).foreachRDD((_rdd, time) => void seen.push(time));
    const completed: number[] = [];
    ssc.addStreamingListener({ onBatchCompleted: () => { throw new Error('listener bug'); } });
    ssc.addStreamingListener({ onBatchCompleted: (e) => void completed.push(e.batchInfo.batchTime) });
    const errors: unknown[] = [];
    const error = console.error;
    console.error = (...a: unknown[]) => void errors.push(a);
    try {
      ssc.start();
      await clock.advance(2000);
      await ssc.stop();
    } finally {
      console.error = error;
    }
    expect(seen).toEqual([1000, 2000]);
    expect(completed).toEqual([1000, 2000]);
    expect(errors).toHaveLength(2);
    expect(String((errors[0] as unknown[])[0])).toMatch(/StreamingListener\.onBatchCompleted threw/);
  });

  test('removeStreamingListener stops the callbacks', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream<number>([]).foreachRDD(() => {});
    const completed: number[] = [];
    const listener = { onBatchCompleted: (e: { batchInfo: { batchTime: number } }) => void completed.push(e.batchInfo.batchTime) };
    ssc.addStreamingListener(listener);
    ssc.start();
    await clock.advance(1000);
    ssc.removeStreamingListener(listener);
    await clock.advance(1000);
    await ssc.stop();
    expect(completed).toEqual([1000]);
  });

  test('receiver events: started, stopped', async () => {
    const { ssc, clock } = createTestContext();
    const subject = new Subject<number>();
    ssc.fromObservable(subject).foreachRDD(() => {});
    const events: string[] = [];
    ssc.addStreamingListener({
      onReceiverStarted: (e) => void events.push(`receiverStarted ${e.streamId}`),
      onReceiverStopped: (e) => void events.push(`receiverStopped ${e.streamId}`),
    });
    ssc.start();
    await clock.advance(1000);
    await ssc.stop();
    expect(events).toEqual(['receiverStarted 0', 'receiverStopped 0']);
  });

  // Spark's StreamingListenerSuite "StreamingListener receives no events after stopping StreamingListenerBus".
  test('no event reaches a listener after stop(): a receiver reporting late, an event posted on the bus', async () => {
    const { ssc, clock } = createTestContext();
    const subject = new Subject<number>();
    const stream = ssc.fromObservable(subject);
    stream.foreachRDD(() => {});
    const events: string[] = [];
    ssc.addStreamingListener({
      onBatchCompleted: (e) => void events.push(`completed ${e.batchInfo.batchTime}`),
      onReceiverError: (e) => void events.push(`receiverError ${e.message}`),
    });
    ssc.start();
    await clock.advance(1000);
    await ssc.stop();
    const before = [...events];
    stream.supervisor.reportError('a callback of the closed connection');
    ssc.listenerBus.post({ type: 'batchCompleted', batchInfo: { batchTime: 9000, streamIdToNumRecords: {}, streamIdToInputInfo: {}, numRecords: 0, submissionTime: 9000, outputOperationInfos: [] } });
    expect(before).toEqual(['completed 1000']);
    expect(events).toEqual(before);
  });
});

describe('events$', () => {
  test('emits every listener event and completes when the context stops', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1], [2]]).foreachRDD(() => {});
    const events: StreamingListenerEvent[] = [];
    let completed = false;
    ssc.events$.subscribe({ next: (e) => void events.push(e), complete: () => { completed = true; } });
    ssc.start();
    await clock.advance(2000);
    expect(completed).toBe(false);
    await ssc.stop();
    expect(completed).toBe(true);
    expect(events.map((e) => e.type)).toEqual([
      'streamingStarted',
      'batchSubmitted', 'batchStarted', 'outputOperationStarted', 'outputOperationCompleted', 'batchCompleted',
      'batchSubmitted', 'batchStarted', 'outputOperationStarted', 'outputOperationCompleted', 'batchCompleted',
      'streamingStopped',
    ]);
    expect(events.at(-1)).toEqual({ type: 'streamingStopped', time: 2000, graceful: false, timeout: 2000, abandoned: [] });
    const done = events.filter((e): e is Extract<StreamingListenerEvent, { type: 'batchCompleted' }> => e.type === 'batchCompleted');
    expect(done.map((e) => [e.batchInfo.batchTime, e.batchInfo.numRecords])).toEqual([[1000, 1], [2000, 1]]);
  });

  test('events are snapshots: a later change to the batch does not alter an emitted event', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).foreachRDD(() => {});
    const submitted: any[] = [];
    ssc.events$.subscribe((e) => { if (e.type === 'batchSubmitted') submitted.push(e.batchInfo); });
    ssc.start();
    await clock.advance(1000);
    await ssc.stop();
    expect(submitted[0].processingEndTime).toBeUndefined();
    expect(submitted[0].outputOperationInfos).toEqual([]);
  });
});
