import { describe, expect, test } from 'vitest';
import { asyncScheduler } from 'rxjs';
import { createTestContext, collectBatches } from '../support/TestSuiteBase.ts';
import { StreamingContext, type BatchInfo } from '../../engine/index.ts';

// One batch at a time, in order: a slow batch delays the next (scheduling delay), none is dropped.

function completedBatches(ssc: StreamingContext): BatchInfo[] {
  const infos: BatchInfo[] = [];
  ssc.addStreamingListener({ onBatchCompleted: (e) => void infos.push(e.batchInfo) });
  return infos;
}

describe('slow batches under the ManualClock', () => {
  test('a batch that takes 2.5 intervals delays the next ones; none is skipped', async () => {
    const { ssc, clock } = createTestContext();
    const input = ssc.queueStream([[1], [2], [3], [4], [5]]);
    const order: string[] = [];
    input.foreachRDD(async (rdd, time) => {
      order.push(`start ${time} at ${clock.now()}`);
      // The first batch is slow: it takes 2500 ms of virtual time.
      if (time === 1000) await clock.sleep(2500);
      order.push(`end ${time} at ${clock.now()} with ${(await rdd.collect()).join()}`);
    });
    const infos = completedBatches(ssc);
    ssc.start();
    await clock.advance(5000);
    await ssc.stop();
    expect(order).toEqual([
      'start 1000 at 1000', 'end 1000 at 3500 with 1',
      'start 2000 at 3500', 'end 2000 at 3500 with 2',
      'start 3000 at 3500', 'end 3000 at 3500 with 3',
      'start 4000 at 4000', 'end 4000 at 4000 with 4',
      'start 5000 at 5000', 'end 5000 at 5000 with 5',
    ]);
    expect(infos.map((i) => [i.batchTime, i.submissionTime, i.processingStartTime, i.processingEndTime])).toEqual([
      [1000, 1000, 1000, 3500],
      [2000, 2000, 3500, 3500],
      [3000, 3000, 3500, 3500],
      [4000, 4000, 4000, 4000],
      [5000, 5000, 5000, 5000],
    ]);
    expect(infos.map((i) => i.schedulingDelay)).toEqual([0, 1500, 500, 0, 0]);
    expect(infos.map((i) => i.processingDelay)).toEqual([2500, 0, 0, 0, 0]);
    expect(infos.map((i) => i.totalDelay)).toEqual([2500, 1500, 500, 0, 0]);
  });

  test('consistently slow batches: the delay grows and every batch still runs, in order', async () => {
    const { ssc, clock } = createTestContext();
    const out = collectBatches(ssc.queueStream<number>([]));
    ssc.queueStream<number>([]).foreachRDD(() => clock.sleep(1500));
    const infos = completedBatches(ssc);
    ssc.start();
    await clock.advance(8000);
    // Batch k (at k * 1000) starts at 1000 + (k - 1) * 1500: the delay grows by 500 ms a batch.
    // By 8000, batches 1000…5000 have finished, 6000 is running, 7000 and 8000 wait.
    const stopped = ssc.stop({ stopGracefully: true });
    await clock.advance(10_000);
    await stopped;
    const times = infos.map((i) => i.batchTime);
    expect(times).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000]);
    expect(out.times).toEqual(times);
    expect(infos.map((i) => i.schedulingDelay)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500]);
    expect(infos.map((i) => i.processingDelay)).toEqual([1500, 1500, 1500, 1500, 1500, 1500, 1500, 1500]);
  });

  test('between queued batches the event loop gets a turn (timers and I/O are not starved)', async () => {
    const { ssc, clock } = createTestContext();
    const log: string[] = [];
    ssc.queueStream<number>([]).foreachRDD(async (_rdd, time) => {
      log.push(`batch ${time}`);
      if (time !== 1000) return;
      await clock.sleep(2500); // 2000 and 3000 queue up behind this batch
      setImmediate(() => log.push('macrotask'));
    });
    ssc.start();
    await clock.advance(3500);
    await ssc.stop();
    expect(log).toEqual(['batch 1000', 'macrotask', 'batch 2000', 'batch 3000']);
  });

  test('stop without grace drops queued batches but finishes the running one', async () => {
    const { ssc, clock } = createTestContext();
    const finished: number[] = [];
    ssc.queueStream<number>([]).foreachRDD(async (_rdd, time) => {
      await clock.sleep(2500);
      finished.push(time);
    });
    ssc.start();
    await clock.advance(3000); // batch 1000 running until 3500; 2000 and 3000 queued
    const stopped = ssc.stop();
    await clock.advance(1000);
    await stopped;
    expect(finished).toEqual([1000]);
  });

  test('graceful stop waits for queued batches too', async () => {
    const { ssc, clock } = createTestContext();
    const finished: number[] = [];
    ssc.queueStream<number>([]).foreachRDD(async (_rdd, time) => {
      await clock.sleep(1500);
      finished.push(time);
    });
    ssc.start();
    await clock.advance(2000); // 1000 running until 2500; 2000 queued
    const stopped = ssc.stop({ stopGracefully: true });
    await clock.advance(5000);
    await stopped;
    expect(finished).toEqual([1000, 2000]);
  });
});

describe('slow batches in real time', () => {
  test('20 ms batches with a 50 ms job: scheduling delay > 0 and no batch skipped', async () => {
    const ssc = new StreamingContext({ batchInterval: 20, scheduler: asyncScheduler });
    const times: number[] = [];
    ssc.queueStream<number>([]).foreachRDD((_rdd, time) => {
      times.push(time);
      const until = performance.now() + 50;
      while (performance.now() < until) { /* busy: the thread is blocked, as with heavy processing */ }
    });
    const infos = completedBatches(ssc);
    ssc.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await ssc.stop();
    expect(times.length).toBeGreaterThanOrEqual(3);
    const zero = ssc.zeroTime!;
    expect(times).toEqual(Array.from({ length: times.length }, (_, i) => zero + (i + 1) * 20));
    expect(infos.map((i) => i.batchTime)).toEqual(times);
    expect(Math.max(...infos.map((i) => i.schedulingDelay!))).toBeGreaterThan(0);
    for (const i of infos) {
      expect(i.processingDelay).toBeGreaterThanOrEqual(49);
      expect(i.totalDelay).toBe(i.schedulingDelay! + i.processingDelay!);
    }
  });
});
