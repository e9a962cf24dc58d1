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
import { Child, seededRandom, sleep } from '../../../checkpoint/kill/harness.ts';
import { describeWithBrokers } from '../../../support/brokers/binaries.ts';
import { startRedis, type RedisBroker } from '../../../support/brokers/redis.ts';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
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

/**
 * pipeline.ts and the engine in one ES module for Node, so each restart is a Node start, not a
 * tsx compile. The clients stay imports (Kafka's reads a .wasm file next to its own module;
 * ioredis is CommonJS), so the bundle is written inside the repository, where node_modules
 * resolves them.
 */
async function bundlePipeline(outDir: string): Promise<string> {
  const { build } = await import('vite');
  await build({
    root: ROOT,
    configFile: false,
    logLevel: 'warn',
    ssr: { noExternal: true, external: ['@platformatic/kafka', 'ioredis'], target: 'node' },
    build: { ssr: PIPELINE, outDir, emptyOutDir: true, minify: false, target: 'node20', rolldownOptions: { output: { entryFileNames: 'pipeline.mjs', codeSplitting: false } } },
  });
  return path.join(outDir, 'pipeline.mjs');
}

beforeAll(async () => {
  if (describeRedis === describe.skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-redis-kill-'));
  bundleDir = path.join(ROOT, 'node_modules', '.cache', `rivulet-redis-kill-${process.pid}`);
  [broker, bundle] = await Promise.all([startRedis(), bundlePipeline(bundleDir)]);
  redis = new Redis(broker.url);
});
afterAll(async () => {
  redis?.disconnect();
  await broker?.stop();
  if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
  if (keep) console.log(`Redis kill test: kept ${tmp}`);
  else if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * What the sink stream must hold: mapWithState calls its function once per record, so each word
 * occurrence writes the word's count up to it — one entry per input entry.
 */
function expectedOutputs(words: string[]): { pairs: string[]; finalCounts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const pairs = words.map((w) => JSON.stringify([w, (counts[w] = (counts[w] ?? 0) + 1)]));
  return { pairs: pairs.sort(), finalCounts: counts };
}

describeRedis('Redis Streams: exactly-once under SIGKILL', () => {
  test(`a stateful pipeline from one stream to another, killed ${KILLS} times: final state exact, every output once`, async () => {
    const rand = seededRandom(SEED);
    const words = Array.from({ length: RECORDS }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
    const adding = redis.pipeline();
    words.forEach((w, i) => adding.xadd('words', `${i + 1}-0`, 'word', w));
    await adding.exec();

    const args = ['--checkpoint', path.join(tmp, 'checkpoints'), '--url', broker.url, '--in', 'words', '--out', 'totals', '--per-batch', String(PER_BATCH), '--records', String(RECORDS)];
    const runs: Child[] = [];
    const killedMidWrite: number[] = [];
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
          // Right as a batch begins writing: its script may have run or not.
          let skip = Math.floor(rand() * 6);
          const arm = () =>
            child.onNext(
              (l) => l.startsWith('write '),
              (line) => {
                if (line === undefined) return;
                if (skip-- > 0) return arm();
                killedMidWrite.push(Number(line.split(' ')[1]));
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

    const written = (await redis.xrange('totals', '-', '+')).map(([, fields]) => {
      const f = Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i]!, fields[2 * i + 1]!]));
      return JSON.stringify([f.word, Number(f.n)]);
    });
    const { pairs, finalCounts } = expectedOutputs(words);
    expect(written.length).toBe(pairs.length);
    expect([...written].sort()).toEqual(pairs);
    const last: Record<string, number> = {};
    for (const p of written) {
      const [w, n] = JSON.parse(p) as [string, number];
      last[w] = Math.max(last[w] ?? 0, n);
    }
    expect(last).toEqual(finalCounts);
    // Some kills landed while a batch was writing: those batches ran again.
    if (KILLS > 0) expect(killedMidWrite.length).toBeGreaterThan(0);
  });
});
