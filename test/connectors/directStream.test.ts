import { afterEach, describe, expect, test } from 'vitest';
import { createDirectStream, hasOffsetRanges, type BatchInfo, type OffsetRange, type ReplayableSource } from '../../engine/index.ts';
import { collectBatches, createTestContext, expectBatches } from '../support/TestSuiteBase.ts';
import { expectSameOutputs, record, removeTempDirectories, runUninterrupted, runWithCrash, tempDirectory, type Build } from '../streaming/recoveryHarness.ts';
import { MemoryLog } from './memoryLog.ts';

// The public Source API (issue 12, item 1), with an in-process log: ranges decided on the driver
// per batch, one partition per log partition, logged before the batch runs, re-read exactly on
// recovery, committed after the outputs.

afterEach(() => removeTempDirectories());

describe('directStream over a replayable source', () => {
  test('each batch takes what was appended since the previous one, one RDD partition per log partition, with its offset ranges', async () => {
    const log = new MemoryLog<string>();
    const { ssc, clock } = createTestContext();
    const stream = createDirectStream(ssc, log.source());
    const { output } = collectBatches(stream);
    const ranges: OffsetRange[][] = [];
    const partitions: string[][][] = [];
    stream.foreachRDD(async (rdd) => {
      if (hasOffsetRanges<number>(rdd)) ranges.push([...rdd.offsetRanges]);
      partitions.push(await rdd.glom().collect());
    });
    const infos: BatchInfo[] = [];
    ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void infos.push(batchInfo) });

    const appended = [
      [['p0', 'a', 'b'], ['p1', 'x']],
      [],
      [['p1', 'y', 'z'], ['p0', 'c']],
    ] as const;
    log.append('p0');
    log.append('p1');
    ssc.start();
    for (const batch of appended) {
      for (const [partition, ...records] of batch) log.append(partition, ...records);
      await clock.advance(1000);
    }
    await ssc.stop();

    expectBatches(output, [['a', 'b', 'x'], [], ['c', 'y', 'z']]);
    expect(partitions).toEqual([[['a', 'b'], ['x']], [[], []], [['c'], ['y', 'z']]]);
    expect(ranges).toEqual([
      [{ partition: 'p0', fromOffset: 0, untilOffset: 2 }, { partition: 'p1', fromOffset: 0, untilOffset: 1 }],
      [{ partition: 'p0', fromOffset: 2, untilOffset: 2 }, { partition: 'p1', fromOffset: 1, untilOffset: 1 }],
      [{ partition: 'p0', fromOffset: 2, untilOffset: 3 }, { partition: 'p1', fromOffset: 1, untilOffset: 3 }],
    ]);
    expect(infos.map((b) => b.numRecords)).toEqual([3, 0, 3]);
  });

  test('offsets are committed after each batch\'s outputs completed, in order; the source is closed at stop', async () => {
    const log = new MemoryLog<number>();
    const { ssc, clock } = createTestContext();
    const source = log.source();
    const stream = createDirectStream(ssc, source);
    const seenAtOutput: Record<string, number>[] = [];
    stream.foreachRDD(async (rdd) => {
      await rdd.count();
      // While the batch's output runs, its offsets are not committed yet.
      seenAtOutput.push({ ...log.committed });
    });
    log.append('p0', 1, 2, 3);
    ssc.start();
    await clock.advance(1000);
    log.append('p0', 4);
    await clock.advance(1000);
    await ssc.stop();
    expect(seenAtOutput).toEqual([{}, { p0: 3 }]);
    expect(log.commits).toEqual([[{ partition: 'p0', fromOffset: 0, untilOffset: 3 }], [{ partition: 'p0', fromOffset: 3, untilOffset: 4 }]]);
    expect(source.closed).toBe(true);
  });

  test('maxRatePerPartition: at most rate × interval records from each partition per batch; the rest waits for later batches', async () => {
    const log = new MemoryLog<number>();
    const { ssc, clock } = createTestContext({ batchInterval: 500 });
    const stream = createDirectStream(ssc, log.source(), { maxRatePerPartition: 6 });
    const { output } = collectBatches(stream);
    log.append('p0', ...Array.from({ length: 7 }, (_, i) => i));
    log.append('p1', 100, 101);
    ssc.start();
    await clock.advance(2500);
    await ssc.stop();
    // 6 records/s × 0.5 s = 3 per partition and batch.
    expectBatches(output, [[0, 1, 2, 100, 101], [3, 4, 5], [6], [], []]);
    expect(log.limits[0]).toEqual({ maxRecordsPerPartition: 3 });
  });

  test('a partition that appears later is read from its start', async () => {
    const log = new MemoryLog<string>();
    const { ssc, clock } = createTestContext();
    const { output } = collectBatches(createDirectStream(ssc, log.source()));
    log.append('p0', 'a');
    ssc.start();
    await clock.advance(1000);
    log.append('p1', 'new-1', 'new-2');
    await clock.advance(1000);
    await ssc.stop();
    expectBatches(output, [['a'], ['new-1', 'new-2']]);
  });

  test('a source whose range does not start where the previous batch ended fails the batch, saying so', async () => {
    const log = new MemoryLog<string>();
    const inner = log.source();
    const skipping: ReplayableSource<string> = { ...inner, planBatch: async (from) => Object.keys(from).map((p) => ({ partition: p, fromOffset: from[p]! + 1, untilOffset: from[p]! + 2 })) };
    const { ssc, clock } = createTestContext();
    collectBatches(createDirectStream(ssc, skipping));
    log.append('p0', 'a', 'b', 'c');
    ssc.start();
    await clock.advance(1000);
    await expect(ssc.awaitTermination()).rejects.toThrow(/planBatch\(\) gave p0 a range from 1, but the previous batch ended at 0; a batch starts where the one before it ended/);
  });

  test('a read that gives fewer records than its range holds fails the batch (records deleted from the log are not silently skipped)', async () => {
    const log = new MemoryLog<string>();
    const inner = log.source();
    const lossy: ReplayableSource<string> = { ...inner, readRange: async (r) => (await inner.readRange(r)).slice(1) };
    const { ssc, clock } = createTestContext();
    collectBatches(createDirectStream(ssc, lossy));
    log.append('p0', 'a', 'b');
    ssc.start();
    await clock.advance(1000);
    await expect(ssc.awaitTermination()).rejects.toThrow(/readRange\(p0 \[0, 2\)\) for the batch at 1000 ms gave 1 records, the range holds 2/);
  });

  test('an object that is not a source is refused when the stream is defined', () => {
    const { ssc } = createTestContext();
    expect(() => createDirectStream(ssc, { kind: 'x', planBatch: async () => [] } as never)).toThrow('directStream: the source lacks initialOffsets, readRange');
    expect(() => createDirectStream(ssc, new MemoryLog().source(), { maxRatePerPartition: 0 })).toThrow('directStream: maxRatePerPartition must be a positive number of records per second, got 0.');
  });
});

describe('recovery of a direct stream', () => {
  // 1 s batches; records appended by a schedule keyed on the batch they arrive before.
  const arrivals: Record<number, [string, string[]][]> = {
    1000: [['p0', ['a', 'b']], ['p1', ['c']]],
    2000: [['p1', ['a']]],
    3000: [['p0', ['b', 'b']]],
    4000: [['p0', ['c']], ['p1', ['a', 'd']]],
    5000: [],
    6000: [['p1', ['e']]],
    7000: [['p0', ['a']]],
    8000: [['p0', ['f']], ['p1', ['f']]],
  };
  /** The log filled as arrivals say, on the clock of each run (a batch at t sees the arrivals up to t). */
  function feeding(log: MemoryLog<string>) {
    return (clock: { schedule(f: () => void, delay: number): unknown; now(): number }) => {
      for (const [t, parts] of Object.entries(arrivals)) {
        const at = Number(t) - 500;
        if (at < clock.now()) continue;
        clock.schedule(() => {
          for (const [p, records] of parts) log.append(p, ...records);
        }, at - clock.now());
      }
    };
  }
  const sum = (values: number[], state: number | undefined) => values.reduce((a, b) => a + b, state ?? 0);
  const buildOn = (log: MemoryLog<string>, start: 'earliest' | 'committed' = 'earliest'): Build => (ssc, sink) => {
    const words = createDirectStream(ssc, log.source(start));
    const counts = words.map((w) => [w, 1] as [string, number]).updateStateByKey(sum);
    counts.checkpoint(3000);
    record(sink, 'counts', counts);
    record(sink, 'words', words);
  };

  test('after a crash the logged batches re-read exactly their ranges and later batches go on from their ends: the state is exact', async () => {
    const referenceLog = new MemoryLog<string>();
    referenceLog.append('p0');
    referenceLog.append('p1');
    // The uninterrupted run sees the same arrivals at the same times.
    const reference = await runUninterrupted((ssc, sink) => {
      buildOn(referenceLog)(ssc, sink);
      feeding(referenceLog)(ssc.scheduler as never);
    }, 8000);

    const log = new MemoryLog<string>();
    log.append('p0');
    log.append('p1');
    const { sink, recovered } = await runWithCrash({
      store: tempDirectory(),
      first: buildOn(log, 'committed'),
      crashAt: 5000,
      resumeAt: 5000,
      until: 8000,
      beforeFirstStart: (_ssc, clock) => feeding(log)(clock),
      beforeSecondStart: (_ssc, clock) => feeding(log)(clock),
    });
    expectSameOutputs(sink, reference);
    expect(sink.final().counts![8000]).toEqual([['a', 4], ['b', 3], ['c', 2], ['d', 1], ['e', 1], ['f', 2]]);
    // Batches 4 and 5 ran again from the checkpoint at 3 s, reading exactly the logged ranges.
    expect(sink.rewritten()).toEqual({ counts: [4000, 5000], words: [4000, 5000] });
    expect(recovered.getState()).toBe('stopped');
  });

  test('the committed offsets are not what recovery trusts: a source committing nothing (or wrong offsets) recovers the same', async () => {
    const log = new MemoryLog<string>();
    log.append('p0', 'a', 'b', 'c');
    const source = log.source('committed');
    const noCommit: ReplayableSource<string> = { ...source, commit: async () => { log.committed.p0 = 0; } };
    const build: Build = (ssc, sink) => record(sink, 'words', createDirectStream(ssc, noCommit));
    const { sink } = await runWithCrash({
      store: tempDirectory(),
      first: build,
      crashAt: 2000,
      resumeAt: 2000,
      until: 4000,
      beforeSecondStart: () => log.append('p0', 'd'),
    });
    expect(sink.final().words).toEqual({ 1000: ['a', 'b', 'c'], 2000: [], 3000: ['d'], 4000: [] });
  });
});
