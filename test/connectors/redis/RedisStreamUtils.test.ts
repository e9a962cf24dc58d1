/**
 * RedisStreamUtils against a real redis-server (test/support/brokers): entry ids as offsets,
 * batches as tables, exact re-reads after a crash, the consumer group as a progress marker, and
 * the sink writing each batch once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { hasOffsetRanges, type OffsetRange } from '../../../engine/index.ts';
import { RedisStreamUtils } from '../../../engine/connectors/redis/index.ts';
import { redisStreamSource } from '../../../engine/connectors/redis/RedisStreamSource.ts';
import { collectBatches, createTestContext, expectBatches } from '../../support/TestSuiteBase.ts';
import { expectSameOutputs, record, removeTempDirectories, runUninterrupted, runWithCrash, tempDirectory, type Build } from '../../streaming/recoveryHarness.ts';
import { describeWithBrokers } from '../../support/brokers/binaries.ts';
import { startRedis, type RedisBroker } from '../../support/brokers/redis.ts';

const describeRedis = describeWithBrokers('redis-server');
let broker: RedisBroker;
let redis: Redis;

beforeAll(async () => {
  if (describeRedis === describe.skip) return;
  broker = await startRedis();
  redis = new Redis(broker.url);
});
afterAll(async () => {
  redis?.disconnect();
  await broker?.stop();
});
afterEach(() => removeTempDirectories());

/** Bytes the server has sent to its clients so far (INFO stats' total_net_output_bytes). */
async function bytesSent(): Promise<number> {
  return Number(/total_net_output_bytes:(\d+)/.exec(await redis.info('stats'))![1]);
}

/** Add entries `{ word }` with explicit ids `<ms>-0`, ms = 1, 2, …: ids the test can name. */
async function fill(key: string, ...words: string[]): Promise<void> {
  const len = await redis.xlen(key);
  for (const [i, word] of words.entries()) await redis.xadd(key, `${len + i + 1}-0`, 'word', word);
}

describeRedis('RedisStreamUtils.createDirectStream', () => {
  test('entry ids are the offsets: a range runs from the id the previous batch ended on (excluded) to its last id, with its count', async () => {
    await fill('read', 'a', 'b', 'c');
    const { ssc, clock } = createTestContext();
    const stream = RedisStreamUtils.createDirectStream(ssc, { url: broker.url, streams: 'read', decode: (_id, f) => f.word! }, { maxRatePerPartition: 2 });
    const { output } = collectBatches(stream);
    const ranges: OffsetRange<string>[][] = [];
    stream.foreachRDD((rdd) => void (hasOffsetRanges<string>(rdd) && ranges.push([...rdd.offsetRanges])));
    ssc.start();
    await clock.advance(1000);
    await clock.advance(1000);
    await fill('read', 'd');
    await clock.advance(1000);
    await clock.advance(1000);
    await ssc.stop();
    expectBatches(output, [['a', 'b'], ['c'], ['d'], []], { ordered: true });
    expect(ranges).toEqual([
      [{ partition: 'read', fromOffset: '0-0', untilOffset: '2-0', count: 2 }],
      [{ partition: 'read', fromOffset: '2-0', untilOffset: '3-0', count: 1 }],
      [{ partition: 'read', fromOffset: '3-0', untilOffset: '4-0', count: 1 }],
      [{ partition: 'read', fromOffset: '4-0', untilOffset: '4-0', count: 0 }],
    ]);
  });

  test('planning sends back only where each range ends: ranges across the script\'s 1,000-entry chunks, and the entries cross the network once, to the read', async () => {
    const key = 'plan-chunks';
    const ids = Array.from({ length: 2500 }, (_, i) => `${i + 1}-0`);
    for (let i = 0; i < ids.length; i += 500) {
      const pipeline = redis.pipeline();
      for (const id of ids.slice(i, i + 500)) pipeline.xadd(key, id, 'n', id);
      await pipeline.exec();
    }
    // Planned by the driver's source, read by another (a worker's copy of the pipeline makes its own).
    const source = redisStreamSource<string>({ url: broker.url, streams: key, decode: (id) => id });
    const reader = redisStreamSource<string>({ url: broker.url, streams: key, decode: (id) => id });
    // [limit per stream, the range planned from where the last one ended]
    const table: [number | undefined, Omit<OffsetRange<string>, 'partition'>][] = [
      [1200, { fromOffset: '0-0', untilOffset: '1200-0', count: 1200 }],
      [1000, { fromOffset: '1200-0', untilOffset: '2200-0', count: 1000 }],
      [undefined, { fromOffset: '2200-0', untilOffset: '2500-0', count: 300 }],
      [undefined, { fromOffset: '2500-0', untilOffset: '2500-0', count: 0 }],
    ];
    const before = await bytesSent();
    let from: Record<string, string> = { [key]: '0-0' };
    const read: string[] = [];
    for (const [limit, want] of table) {
      const [range] = await source.planBatch(from, limit === undefined ? {} : { maxRecordsPerPartition: limit });
      expect(range).toEqual({ partition: key, ...want });
      read.push(...(await reader.readRange!(range!)));
      from = { [key]: range!.untilOffset };
    }
    const sent = (await bytesSent()) - before;
    await Promise.all([source.close?.(), reader.close?.()]);
    expect(read).toEqual(ids);
    // Each entry is about 40 bytes in an XRANGE reply (RESP: its id, the field and its value): read once, not twice (planned by reading them too, it was 202,526 bytes).
    expect(sent).toBeGreaterThan(2500 * 30);
    expect(sent).toBeLessThan(2500 * 60);
  });

  test('with workers: 2, each range is read in a worker, with the connection its copy of the pipeline opened; none on the driver', async () => {
    await fill('workers-a', 'a', 'b', 'c');
    await fill('workers-b', 'x');
    process.env.RIVULET_TEST_REDIS_URL = broker.url;
    process.env.RIVULET_TEST_REDIS_STREAMS = 'workers-a,workers-b';
    const p = await import('./fixtures/inWorkers.ts');
    try {
      await p.clock.advance(2000);
      await fill('workers-b', 'y');
      await p.clock.advance(1000);
      expect(p.output).toEqual([
        [1000, [['a', 'b'], ['x']]],
        [2000, [['c'], []]],
        [3000, [[], ['y']]],
      ]);
      const { rangesReadInWorkers, rangesReadOnDriver } = p.ssc.sparkContext.scheduler.metrics;
      expect([rangesReadInWorkers, rangesReadOnDriver]).toEqual([3 * 2, 0]);
    } finally {
      await p.ssc.stop();
    }
  });

  test("the default record is the entry's fields; 'latest' skips what is there; two streams are two partitions", async () => {
    await fill('left', 'old');
    const { ssc, clock } = createTestContext();
    const { output } = collectBatches(RedisStreamUtils.createDirectStream(ssc, { url: broker.url, streams: ['left', 'right'], startingOffsets: 'latest' }).glom());
    ssc.start();
    await clock.advance(1000);
    await fill('left', 'new');
    await redis.xadd('right', '*', 'word', 'r', 'n', '1');
    await clock.advance(1000);
    await ssc.stop();
    expect(output).toEqual([[[], []], [[{ word: 'new' }], [{ word: 'r', n: '1' }]]]);
  });

  test('a crash and recovery from the checkpoint: the logged ranges are read again exactly and the outputs equal an uninterrupted run', async () => {
    await fill('crash', 'a', 'b', 'a', 'c', 'a', 'b', 'd', 'a');
    const build: Build = (ssc, sink) => {
      const words = RedisStreamUtils.createDirectStream(ssc, { url: broker.url, streams: 'crash', decode: (_id, f) => f.word! }, { maxRatePerPartition: 1 });
      const counts = words.map((w) => [w, 1] as [string, number]).updateStateByKey((vs: number[], s: number | undefined) => vs.reduce((a, b) => a + b, s ?? 0));
      counts.checkpoint(2000);
      record(sink, 'words', words);
      record(sink, 'counts', counts);
    };
    const reference = await runUninterrupted(build, 10_000);
    const { sink } = await runWithCrash({ store: tempDirectory(), first: build, crashAt: 5000, resumeAt: 5000, until: 10_000 });
    expectSameOutputs(sink, reference);
    expect(sink.final().counts![10_000]).toEqual([['a', 4], ['b', 2], ['c', 1], ['d', 1]]);
    expect(sink.rewritten().words?.length ?? 0).toBeGreaterThan(0);
  });

  test("consumerGroup: each completed batch's end becomes the group's last-delivered id (XINFO GROUPS sees the progress); 'group' starts after it", async () => {
    await fill('grouped', 'a', 'b', 'c');
    const first = createTestContext();
    collectBatches(RedisStreamUtils.createDirectStream(first.ssc, { url: broker.url, streams: 'grouped', consumerGroup: 'dash' }, { maxRatePerPartition: 2 }));
    first.ssc.start();
    await first.clock.advance(1000);
    await first.ssc.stop();
    const group = ((await redis.xinfo('GROUPS', 'grouped')) as string[][]).map((g) => Object.fromEntries(g.reduce<[string, string][]>((out, v, i, all) => (i % 2 === 0 ? [...out, [v, all[i + 1]!]] : out), [])));
    expect(group.map((g) => [g.name, g['last-delivered-id']])).toEqual([['dash', '2-0']]);

    const second = createTestContext();
    const { output } = collectBatches(RedisStreamUtils.createDirectStream(second.ssc, { url: broker.url, streams: 'grouped', consumerGroup: 'dash', startingOffsets: 'group', decode: (_id, f) => f.word! }));
    second.ssc.start();
    await second.clock.advance(1000);
    await second.ssc.stop();
    expect(output).toEqual([['c']]);
  });

  test('checks its arguments when defined', () => {
    const { ssc } = createTestContext();
    expect(() => RedisStreamUtils.createDirectStream(ssc, { url: 'localhost:6379', streams: 's' })).toThrow(/url must be a redis:\/\/ or rediss:\/\/ URL, got "localhost:6379"/);
    expect(() => RedisStreamUtils.createDirectStream(ssc, { url: 'redis://x', streams: [] })).toThrow(/streams must be a stream key or a non-empty array of them/);
    expect(() => RedisStreamUtils.createDirectStream(ssc, { url: 'redis://x', streams: 's', startingOffsets: 'group' })).toThrow(/startingOffsets 'group' needs a consumerGroup/);
    expect(() => RedisStreamUtils.createDirectStream(ssc, { url: 'redis://x', streams: 's', startingOffsets: { s: '12' } })).toThrow(/must give an entry id \(like 1700000000000-0\) for stream s, got "12"/);
  });
});

describeRedis('RedisStreamUtils.saveToRedisStream', () => {
  test('each batch once: a batch run again adds nothing; ids are the batch times', async () => {
    const batches = [[['a', 1], ['b', 2]], [['a', 3]]] as [string, number][][];
    // The first run stops after batch 1; the second (a recovery) runs batches 1 and 2.
    for (const until of [1000, 2000]) {
      const { ssc, clock } = createTestContext();
      RedisStreamUtils.saveToRedisStream(ssc.queueStream(batches.map((b) => [...b])), { url: broker.url, key: 'out', fields: ([w, n]) => ({ word: w, n: String(n) }) });
      ssc.start();
      await clock.advance(until);
      await ssc.stop();
    }
    expect(await redis.xrange('out', '-', '+')).toEqual([
      ['1000-0', ['word', 'a', 'n', '1']],
      ['1000-1', ['word', 'b', 'n', '2']],
      ['2000-0', ['word', 'a', 'n', '3']],
    ]);
  });

  test('a record whose fields are not strings fails the batch, saying which', async () => {
    const { ssc, clock } = createTestContext();
    RedisStreamUtils.saveToRedisStream(ssc.queueStream([[1]]), { url: broker.url, key: 'bad', fields: (n) => ({ n: n as unknown as string }) });
    ssc.start();
    await clock.advance(1000);
    await expect(ssc.awaitTermination()).rejects.toThrow(/RedisStreamUtils\.saveToRedisStream: fields must give an entry at least one field, every value a string; got \{"n":1\} for a record of the batch at 1000 ms/);
    expect(await redis.exists('bad')).toBe(0);
  });
});
