/**
 * Exactly-once end to end with Redis Streams (issue 12, item 3), tested as the NATS JetStream
 * kill test is (test/connectors/nats/kill): pipeline.ts reads words from a Redis stream, keeps a
 * running count per word and writes each batch's counts to another stream; it is SIGKILLed at
 * seeded random moments — while starting and recovering, some time into a run, and right as a
 * batch begins writing — 24 times, restarted each time with the same arguments, and the last run
 * finishes. Then:
 * - the state is exact: each word's last written count is its number in the input;
 * - every output record is in the sink stream exactly once: the stream holds exactly the
 *   (word, count) pairs the input makes, one per input entry, none missing and none twice —
 *   batches cut short by a kill ran again after recovery, and the sink's script added nothing for
 *   the batches already in the stream.
 *
 * RIVULET_KILL_SEED=n varies the words and the kill schedule; RIVULET_KILL_KEEP=1 keeps every
 * run's stdout in a temporary directory.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { seededRandom } from '../../../checkpoint/kill/harness.ts';
import { bundlePipeline, expectExactlyOnce, killAndRestart, ROOT } from '../../support/brokerKill.ts';
import { describeWithBrokers } from '../../../support/brokers/binaries.ts';
import { startRedis, type RedisBroker } from '../../../support/brokers/redis.ts';

const PIPELINE = fileURLToPath(new URL('./pipeline.ts', import.meta.url));
const SEED = Number(process.env.RIVULET_KILL_SEED ?? 7);
const KILLS = Number(process.env.RIVULET_REDIS_KILLS ?? 24);
const PER_BATCH = 5;
const RECORDS = 1000;
const WORDS = Array.from({ length: 40 }, (_, i) => `w${i}`);
const keep = process.env.RIVULET_KILL_KEEP === '1';

const describeRedis = describeWithBrokers('redis-server');
let broker: RedisBroker;
let redis: Redis;
let tmp: string;
let bundle: string;
let bundleDir: string | undefined;

beforeAll(async () => {
  if (describeRedis === describe.skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-redis-kill-'));
  bundleDir = path.join(ROOT, 'node_modules', '.cache', `rivulet-redis-kill-${process.pid}`);
  [broker, bundle] = await Promise.all([startRedis(), bundlePipeline(PIPELINE, bundleDir, ['@platformatic/kafka', 'ioredis'])]);
  redis = new Redis(broker.url);
});
afterAll(async () => {
  redis?.disconnect();
  await broker?.stop();
  if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
  if (keep) console.log(`Redis kill test: kept ${tmp}`);
  else if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describeRedis('Redis Streams: exactly-once under SIGKILL', () => {
  test(`a stateful pipeline from one stream to another, killed ${KILLS} times: final state exact, every output once`, async () => {
    const rand = seededRandom(SEED);
    const words = Array.from({ length: RECORDS }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
    const adding = redis.pipeline();
    words.forEach((w, i) => adding.xadd('words', `${i + 1}-0`, 'word', w));
    await adding.exec();

    const args = ['--checkpoint', path.join(tmp, 'checkpoints'), '--url', broker.url, '--in', 'words', '--out', 'totals', '--per-batch', String(PER_BATCH), '--records', String(RECORDS)];
    const { killedMidWrite } = await killAndRestart({ bundle, args, kills: KILLS, rand, writeLine: 'write ', keepDir: keep ? tmp : undefined });

    const written = (await redis.xrange('totals', '-', '+')).map(([, fields]) => {
      const f = Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i]!, fields[2 * i + 1]!]));
      return JSON.stringify([f.word, Number(f.n)]);
    });
    expectExactlyOnce(written, words);
    // Some kills landed while a batch was writing: those batches ran again.
    if (KILLS > 0) expect(killedMidWrite.length).toBeGreaterThan(0);
  });
});
