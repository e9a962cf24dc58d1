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
import { Child, seededRandom, sleep } from '../../../checkpoint/kill/harness.ts';
import { describeWithBrokers } from '../../../support/brokers/binaries.ts';
import { startNats, type NatsBroker } from '../../../support/brokers/nats.ts';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
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

/**
 * pipeline.ts and the engine in one ES module for Node, so each restart is a Node start, not a tsx
 * compile. Kafka's client stays an import (it reads a .wasm file next to its own module), so the
 * bundle is written inside the repository, where node_modules resolves it.
 */
async function bundlePipeline(outDir: string): Promise<string> {
  const { build } = await import('vite');
  await build({
    root: ROOT,
    configFile: false,
    logLevel: 'warn',
    ssr: { noExternal: true, external: ['@platformatic/kafka'], target: 'node' },
    build: { ssr: PIPELINE, outDir, emptyOutDir: true, minify: false, target: 'node20', rolldownOptions: { output: { entryFileNames: 'pipeline.mjs', codeSplitting: false } } },
  });
  return path.join(outDir, 'pipeline.mjs');
}

beforeAll(async () => {
  if (describeNats === describe.skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-nats-kill-'));
  bundleDir = path.join(ROOT, 'node_modules', '.cache', `rivulet-nats-kill-${process.pid}`);
  [broker, bundle] = await Promise.all([startNats(), bundlePipeline(bundleDir)]);
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

/**
 * What the sink stream must hold: mapWithState calls its function once per record, so each word
 * occurrence publishes the word's count up to it — one message per input record.
 */
function expectedOutputs(words: string[]): { pairs: string[]; finalCounts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const pairs = words.map((w) => JSON.stringify([w, (counts[w] = (counts[w] ?? 0) + 1)]));
  return { pairs: pairs.sort(), finalCounts: counts };
}

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
    const runs: Child[] = [];
    const killedMidPublish: number[] = [];
    let kills = 0;
    for (;;) {
      const child = new Child(bundle, args);
      runs.push(child);
      if (kills < KILLS) {
        const mode = rand();
        if (mode < 0.2) {
          // While it starts: loading, reading the checkpoint, recovering.
          await sleep(20 + rand() * 400);
          child.kill();
        } else if (mode < 0.5) {
          const ready = await child.next((l) => l.startsWith('ready '));
          if (ready !== undefined) await sleep(rand() * 600);
          child.kill();
        } else {
          // Right as a batch begins publishing: part of its messages may be out, the rest not.
          let skip = Math.floor(rand() * 6);
          const arm = () =>
            child.onNext(
              (l) => l.startsWith('publish '),
              (line) => {
                if (line === undefined) return;
                if (skip-- > 0) return arm();
                killedMidPublish.push(Number(line.split(' ')[1]));
                child.kill();
              },
            );
          arm();
        }
      }
      const exit = await child.exited;
      if (keep) fs.writeFileSync(path.join(tmp, `run-${String(runs.length).padStart(2, '0')}.log`), `${child.lines.join('\n')}\nexit ${JSON.stringify(exit)}\nstderr:\n${child.stderr}`);
      if (exit.signal === 'SIGKILL') {
        kills++;
        continue;
      }
      expect(child.stderr, 'the finishing run').toBe('');
      expect(exit.code).toBe(0);
      expect(child.lines).toContain('finished');
      break;
    }
    expect(kills).toBe(KILLS);
    expect(runs.flatMap((r) => r.lines).filter((l) => l.startsWith('batch-failed'))).toEqual([]);

    const published: string[] = [];
    const { state } = await jsm.streams.info('TOTALS');
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) published.push(new TextDecoder().decode((await jsm.streams.getMessage('TOTALS', { seq }))!.data));
    const { pairs, finalCounts } = expectedOutputs(words);
    expect(published.length).toBe(pairs.length);
    expect([...published].sort()).toEqual(pairs);
    const last: Record<string, number> = {};
    for (const p of published) {
      const [w, n] = JSON.parse(p) as [string, number];
      last[w] = Math.max(last[w] ?? 0, n);
    }
    expect(last).toEqual(finalCounts);
    // Some kills landed while a batch was publishing: those batches ran again.
    if (KILLS > 0) expect(killedMidPublish.length).toBeGreaterThan(0);
  });
});
