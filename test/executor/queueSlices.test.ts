import { describe, expect, test } from 'vitest';
import { ManualClock, StreamingContext, type StreamingContextOptions } from '../../engine/index.ts';

// How many partitions a queueStream batch has: defaultParallelism, except with workers when none
// was given, where a batch of a few hundred records or more is cut into up to 2 slices per worker
// (at least 100 records each), so that a worker that finishes early takes another slice.

type Options = Omit<StreamingContextOptions, 'batchInterval' | 'scheduler'>;

/** Each batch's partition count and records, in order. */
async function partitionsOf(options: Options, batches: number[][]): Promise<{ partitions: number[]; records: number[][] }> {
  const clock = new ManualClock();
  const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, ...options });
  const partitions: number[] = [];
  const records: number[][] = [];
  ssc.queueStream(batches.map((b) => [...b])).foreachRDD(async (rdd) => {
    partitions.push(rdd.numPartitions);
    records.push(await rdd.collect());
  });
  ssc.start();
  await clock.advance(batches.length * 1000);
  await ssc.stop();
  return { partitions, records };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sizes = [0, 10, 199, 200, 300, 399, 400, 4000, 100_000];

describe('queueStream slices', () => {
  test.each<[string, Options, number[]]>([
    // options                                    batch sizes:  0  10 199 200 300 399 400 4000 100k
    ['local mode', {}, /*                                     */ [2, 2, 2, 2, 2, 2, 2, 2, 2]],
    ['workers: 2', { workers: 2 }, /*                         */ [2, 2, 2, 2, 3, 3, 4, 4, 4]],
    ['workers: 3', { workers: 3 }, /*                         */ [2, 2, 2, 2, 3, 3, 4, 6, 6]],
    ['workers: 2, defaultParallelism: 2 (given)', { workers: 2, defaultParallelism: 2 }, [2, 2, 2, 2, 2, 2, 2, 2, 2]],
    ['workers: 2, defaultParallelism: 8 (given)', { workers: 2, defaultParallelism: 8 }, [8, 8, 8, 8, 8, 8, 8, 8, 8]],
    ['local mode, defaultParallelism: 3', { defaultParallelism: 3 }, [3, 3, 3, 3, 3, 3, 3, 3, 3]],
  ])('%s', async (_name, options, expected) => {
    const { partitions, records } = await partitionsOf({ placement: 'workers', ...options }, sizes.map(range));
    expect(partitions).toEqual(expected);
    // Slices are contiguous: the batch collects in its order, whatever the count.
    expect(records).toEqual(sizes.map(range));
  });

  test('a keyed result comes out in local mode order (shuffles keep defaultParallelism partitions)', async () => {
    const lines = range(4000).map((i) => `w${(i * 7919) % 37} w${i % 11}`);
    const run = async (options: Options) => {
      const clock = new ManualClock();
      const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, ...options });
      const out: unknown[][] = [];
      const slices: number[] = [];
      const words = ssc.queueStream([lines, lines.slice(0, 350)]);
      words.foreachRDD((rdd) => void slices.push(rdd.numPartitions));
      words
        .flatMap((l) => l.split(' '))
        .map((w) => [w, 1] as [string, number])
        .reduceByKey((a, b) => a + b)
        .foreachRDD(async (rdd) => void out.push(await rdd.collect()));
      ssc.start();
      await clock.advance(2000);
      await ssc.stop();
      return { out, slices };
    };
    const local = await run({});
    const workers = await run({ workers: 2, placement: 'workers' });
    expect(local.slices).toEqual([2, 2]);
    expect(workers.slices).toEqual([4, 3]);
    expect(workers.out).toEqual(local.out);
  });
});
