/**
 * rivulet/playground's seeded sources (engine/playground): on the context's clock, so their
 * records fall into batches by virtual time, and seeded, so every run gives the same records.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, Seconds, StreamingContext, type DStream } from 'rivulet';
import { clickStream, sentenceStream, type Click } from 'rivulet/playground';

/** Each batch's records, for `batches` batches of one second. */
async function batchesOf<T>(define: (ssc: StreamingContext) => DStream<T>, batches: number): Promise<T[][]> {
  const clock = new ManualClock();
  const ssc = new StreamingContext({ batchInterval: Seconds(1), scheduler: clock });
  const out: T[][] = [];
  define(ssc).foreachRDD(async (rdd) => void out.push(await rdd.collect()));
  ssc.start();
  await clock.advance(Seconds(batches));
  await ssc.stop();
  return out;
}

describe('sentenceStream', () => {
  it('gives perSecond lines a second, of 3 to 8 words, the same on every run', async () => {
    const first = await batchesOf((ssc) => sentenceStream(ssc, { perSecond: 4 }), 3);
    // Ticks at 250, 500, 750 ms…: the one at a batch's own time is the next batch's (as a receiver's records are).
    expect(first.map((b) => b.length)).toEqual([3, 4, 4]);
    for (const line of first.flat()) expect(line.split(' ').length).toBeGreaterThanOrEqual(3);
    for (const line of first.flat()) expect(line.split(' ').length).toBeLessThanOrEqual(8);
    expect(await batchesOf((ssc) => sentenceStream(ssc, { perSecond: 4 }), 3)).toEqual(first);
    // Another seed, other lines.
    expect(await batchesOf((ssc) => sentenceStream(ssc, { perSecond: 4, seed: 12 }), 3)).not.toEqual(first);
  });
});

describe('clickStream', () => {
  it('gives perSecond clicks a second by the given users, stamped with the clock, the same on every run', async () => {
    const first = await batchesOf((ssc) => clickStream(ssc, { perSecond: 10, users: 3 }), 2);
    expect(first.map((b) => b.length)).toEqual([9, 10]);
    const clicks: Click[] = first.flat();
    expect(new Set(clicks.map((c) => c.user))).toEqual(new Set(['user1', 'user2', 'user3']));
    // Event time on the context's clock: 100 ms apart, the first tick at 100 ms; the tick at 2000 ms is the third batch's.
    expect(clicks.map((c) => c.time)).toEqual(Array.from({ length: 19 }, (_, i) => (i + 1) * 100));
    expect(await batchesOf((ssc) => clickStream(ssc, { perSecond: 10, users: 3 }), 2)).toEqual(first);
  });
});
