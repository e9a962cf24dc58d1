/**
 * Exactly-once end to end with NATS JetStream (issue 12, item 3), tested as the checkpoint kill
 * test does (test/checkpoint/kill): pipeline.ts reads words from a JetStream stream, keeps a
 * running count per word and publishes each batch's changed counts to another stream; it is
 * SIGKILLed at seeded random moments — while starting and recovering, some time into a run, and
 * right as a batch begins publishing — 24 times, restarted each time with the same arguments,
 * and the last run finishes. Then:
 * - the state is exact: each word's last published count is its number in the input;
 * - every output record is in the sink stream exactly once: the stream holds exactly the
 *   (word, count) pairs the input makes, one per input record, none missing and none twice —
 *   batches cut short by a kill ran again after recovery and JetStream dropped their repeated
 *   message ids.
 *
 * RIVULET_KILL_SEED=n varies the words and the kill schedule; RIVULET_KILL_KEEP=1 keeps every
 * run's stdout in a temporary directory.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { seededRandom } from '../../../checkpoint/kill/harness.ts';
import { bundlePipeline, expectExactlyOnce, killAndRestart, ROOT } from '../../support/brokerKill.ts';
import { describeWithBrokers } from '../../../support/brokers/binaries.ts';
import { startNats, type NatsBroker } from '../../../support/brokers/nats.ts';

const PIPELINE = fileURLToPath(new URL('./pipeline.ts', import.meta.url));
const SEED = Number(process.env.RIVULET_KILL_SEED ?? 7);
const KILLS = Number(process.env.RIVULET_NATS_KILLS ?? 24);
const PER_BATCH = 5;
const RECORDS = 1000;
const WORDS = Array.from({ length: 40 }, (_, i) => `w${i}`);
const keep = process.env.RIVULET_KILL_KEEP === '1';

const describeNats = describeWithBrokers('nats-server');
let broker: NatsBroker;
let nc: NatsConnection;
let jsm: JetStreamManager;
let tmp: string;
let bundle: string;
let bundleDir: string | undefined;

beforeAll(async () => {
  if (describeNats === describe.skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-nats-kill-'));
  bundleDir = path.join(ROOT, 'node_modules', '.cache', `rivulet-nats-kill-${process.pid}`);
  [broker, bundle] = await Promise.all([startNats(), bundlePipeline(PIPELINE, bundleDir, ['@platformatic/kafka'])]);
  nc = await connect({ servers: broker.url });
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await nc?.close();
  await broker?.stop();
  if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
  if (keep) console.log(`NATS kill test: kept ${tmp}`);
  else if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describeNats('NATS JetStream: exactly-once under SIGKILL', () => {
  test(`a stateful pipeline from one stream to another, killed ${KILLS} times: final state exact, every output once`, async () => {
    const rand = seededRandom(SEED);
    const words = Array.from({ length: RECORDS }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
    await jsm.streams.add({ name: 'WORDS', subjects: ['words'] });
    // Longer than the whole test, so every re-run batch is within it.
    await jsm.streams.add({ name: 'TOTALS', subjects: ['totals'], duplicate_window: 30 * 60 * 1e9 });
    const js = jsm.jetstream();
    for (const w of words) await js.publish('words', w);

    const args = ['--checkpoint', path.join(tmp, 'checkpoints'), '--servers', broker.url, '--in', 'WORDS', '--out', 'totals', '--per-batch', String(PER_BATCH), '--records', String(RECORDS)];
    const { killedMidWrite } = await killAndRestart({ bundle, args, kills: KILLS, rand, writeLine: 'publish ', keepDir: keep ? tmp : undefined });

    const published: string[] = [];
    const { state } = await jsm.streams.info('TOTALS');
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) published.push(new TextDecoder().decode((await jsm.streams.getMessage('TOTALS', { seq }))!.data));
    expectExactlyOnce(published, words);
    // Some kills landed while a batch was publishing: those batches ran again.
    if (KILLS > 0) expect(killedMidWrite.length).toBeGreaterThan(0);
  });
});
