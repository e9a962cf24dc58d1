import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin, Consumer, Producer, stringSerializers } from '@platformatic/kafka';
import { KafkaSource } from '../../../../engine/connectors/kafka/KafkaSource.ts';
import { seededRandom } from '../../../support/TestSuiteBase.ts';
import { skipWithoutKafka, startKafka, type KafkaBroker } from '../../../support/kafka/broker.ts';

// Issue 12, item 3 for Kafka: a pipeline reading a topic, keeping state and writing to a topic is
// SIGKILLed at random moments 20+ times and restarted; at the end the state is exact and every
// output record is in the output topic exactly once.

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const PIPELINE = fileURLToPath(new URL('./pipeline.ts', import.meta.url));
const KILLS = Number(process.env.RIVULET_KAFKA_KILLS ?? 22);
const WORDS = ['ant', 'bee', 'cat', 'dog', 'eel', 'fox', 'gnu'];
const PARTITIONS = 3;
const TOTAL = 2400;

class Child {
  readonly process: ChildProcess;
  readonly startedAt = Date.now();
  endedAt: number | undefined;
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: { match: (l: string) => boolean; resolve: () => void }[] = [];
  constructor(args: string[]) {
    this.process = spawn(process.execPath, ['--import', 'tsx', PIPELINE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        for (const w of this.waiters.filter((x) => x.match(line))) w.resolve();
      }
    });
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.process.on('close', (code) => {
      this.endedAt = Date.now();
      for (const w of this.waiters) w.resolve();
      resolve(code);
    }));
  }
  /** Resolves at the first line matching, or when the process exits. */
  line(match: (l: string) => boolean): Promise<void> {
    if (this.lines.some(match) || this.process.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}

// The moments vary with RIVULET_KAFKA_KILL_SEED=n (default 12). It found the client's
// read_committed filter dropping committed markers (one run in 40; see readRange.ts): on failure
// it prints both topics as Kafka holds them (batches, producer epochs, markers, aborted
// transactions) and each run's output.
describe.skipIf(skipWithoutKafka())('Kafka in, state, Kafka out, SIGKILLed', () => {
  let broker: KafkaBroker;
  let dir: string;
  beforeAll(async () => {
    broker = await startKafka();
    dir = mkdtempSync(path.join(tmpdir(), 'rivulet-kafka-kill-'));
  }, 120_000);
  afterAll(async () => {
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test(`${KILLS} kills at random moments: every output record exactly once, the counts exact`, async () => {
    const admin = new Admin({ clientId: 'kill-test', bootstrapBrokers: [broker.bootstrap] });
    await admin.createTopics({ topics: ['kill-in'], partitions: PARTITIONS, replicas: 1 });
    await admin.createTopics({ topics: ['kill-out'], partitions: 1, replicas: 1 });
    await expect.poll(async () => (await admin.metadata({ topics: ['kill-in', 'kill-out'], forceUpdate: true }).catch(() => undefined))?.topics.size).toBe(2);
    await admin.close();
    const random = seededRandom(Number(process.env.RIVULET_KAFKA_KILL_SEED ?? 12));
    const input = Array.from({ length: TOTAL }, (_, i) => `r${i} ${WORDS[Math.floor(random() * WORDS.length)]}`);
    const producer = new Producer({ clientId: 'kill-test', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, idempotent: true, producerId: -1n, producerEpoch: -1 });
    for (let i = 0; i < TOTAL; i += 400) await producer.send({ messages: input.slice(i, i + 400).map((value, j) => ({ topic: 'kill-in', value, partition: (i + j) % PARTITIONS })) });
    await producer.close();

    const args = ['--bootstrap', broker.bootstrap, '--checkpoint', path.join(dir, 'checkpoint'), '--in', 'kill-in', '--out', 'kill-out', '--total', String(TOTAL), '--interval', '100', '--rate', '150'];
    const kills: string[] = [];
    const runs: Child[] = [];
    for (let k = 0; k < KILLS; k++) {
      const child = new Child(args);
      runs.push(child);
      await child.line((l) => l.startsWith('ready '));
      // Somewhere in the next 0–1.5 s: during a batch, a log or checkpoint write, a transaction.
      // Killed after a random number of this run's batches (0 to 3) and a few ms more, so the
      // moment falls anywhere from start-up to mid-batch, and the kills follow the pipeline's
      // progress rather than the wall clock (a loaded or an idle machine kills as often).
      const batches = Math.floor(random() * 4);
      await child.line(() => child.lines.filter((l) => l.startsWith('batch-done ')).length >= batches);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 60)));
      const consumed = child.lines.findLast((l) => l.startsWith('batch-done '))?.split(' ')[2];
      if (child.lines.includes('finished')) break;
      child.process.kill('SIGKILL');
      const code = await child.exited;
      expect(child.stderr, `run ${k} wrote to stderr`).not.toMatch(/Error/);
      kills.push(`${code ?? 'killed'} after ${consumed ?? 0}`);
    }
    expect(kills.length, `the pipeline finished before ${KILLS} kills (${kills.join(', ')}): make the input larger`).toBe(KILLS);
    // The last run goes to the end.
    const last = new Child(args);
    runs.push(last);
    await last.line((l) => l === 'finished');
    expect(await last.exited, last.stderr).toBe(0);

    // A commit is acknowledged before Kafka writes its markers: read once the last one is written
    // (the last stable offset is the high watermark), or the read could stop short of it.
    const offsets = new Consumer({ clientId: 'kill-test', groupId: 'kill-test-check', bootstrapBrokers: [broker.bootstrap] });
    const end = async (isolationLevel: number) => (await offsets.listOffsets({ topics: ['kill-out'], timestamp: -1n, isolationLevel })).get('kill-out')![0];
    await expect.poll(async () => (await end(1)) === (await end(0))).toBe(true);
    await offsets.close(true);
    const source = new KafkaSource({ topics: ['kill-out'], kafkaParams: { 'bootstrap.servers': broker.bootstrap, 'auto.offset.reset': 'earliest' } });
    const [range] = await source.planBatch(await source.initialOffsets(), {});
    const records = await source.readRange(range!);
    const output = records.map((r) => r.value!);
    await source.close();

    // Every input record's output, exactly once.
    const ids = output.map((o) => o.split(' ')[0]!);
    if (new Set(ids).size !== TOTAL || ids.length !== TOTAL) {
      const seen = new Set(ids);
      const missing = input.map((r) => r.split(' ')[0]!).filter((id) => !seen.has(id)).map((id) => `${id}@kill-in-${Number(id.slice(1)) % PARTITIONS}:${Math.floor(Number(id.slice(1)) / PARTITIONS)}`);
      console.error(`the marker topic as Kafka holds it:\n${await dumpPartition(broker.bootstrap, 'kill-out.rivulet-batches.kill-test-sink').catch((e) => String(e))}`);
      console.error(`the output topic as Kafka holds it:\n${await dumpPartition(broker.bootstrap, 'kill-out').catch((e) => String(e))}`);
      // Each id written more than once: its output offsets and when each was produced, to tell which runs wrote it.
      const at = new Map<string, string[]>();
      for (const r of records) {
        const id = r.value!.split(' ')[0]!;
        at.set(id, [...(at.get(id) ?? []), `offset ${r.offset} at ${r.timestamp}`]);
      }
      const twice = [...at].filter(([, w]) => w.length > 1);
      console.error(
        `missing ${missing.length}: ${missing.slice(0, 60).join(' ')}\n` +
          `written more than once ${twice.length}: ${twice.slice(0, 10).map(([id, w]) => `${id} (${w.join(', ')})`).join('; ')}\n` +
          runs.map((r, i) => `--- run ${i} (${r.startedAt} to ${r.endedAt})\n${r.lines.join('\n')}\n${r.stderr}`).join('\n'),
      );
    }
    expect(ids.length).toBe(TOTAL);
    expect(new Set(ids).size).toBe(TOTAL);
    // Each word's counts are 1..n, once each, n its number of input records: no state applied twice or lost.
    const expected = new Map<string, number>();
    for (const r of input) expected.set(r.split(' ')[1]!, (expected.get(r.split(' ')[1]!) ?? 0) + 1);
    for (const [word, n] of expected) {
      const counts = output.filter((o) => o.split(' ')[1] === word).map((o) => Number(o.split(' ')[2])).sort((a, b) => a - b);
      expect(counts, word).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
    // And each output names the word of its input record.
    const wordOf = new Map(input.map((r) => [r.split(' ')[0]!, r.split(' ')[1]!]));
    for (const o of output) expect(o.split(' ')[1]).toBe(wordOf.get(o.split(' ')[0]!));
  }, 600_000);
});

/** Partition 0 of `topic` as Kafka holds it, a line per record batch (read uncommitted), and the aborted transactions a read-committed fetch lists. */
async function dumpPartition(bootstrap: string, topic: string): Promise<string> {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({ clientId: 'kill-dump', groupId: 'kill-dump', bootstrapBrokers: [bootstrap] });
  try {
    const metadata = await consumer.metadata({ topics: [topic] });
    const t = metadata.topics.get(topic)!;
    const lines: string[] = [];
    for (const isolationLevel of [0, 1]) {
      let offset = 0n;
      for (let round = 0; round < 50; round++) {
        const response = await consumer.fetch({
          node: t.partitions[0]!.leader,
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: 8 * 1024 * 1024,
          isolationLevel,
          topics: [{ topicId: t.id, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 8 * 1024 * 1024, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
        });
        const answer = response.responses[0]!.partitions[0]!;
        if (isolationLevel === 1) {
          lines.push(`read committed from ${offset}: high watermark ${answer.highWatermark}, last stable ${answer.lastStableOffset}, aborted ${JSON.stringify((answer.abortedTransactions ?? []).map((a) => `${a.producerId}@${a.firstOffset}`))}`);
          break;
        }
        const batches = answer.records ?? [];
        if (batches.length === 0) break;
        for (const b of batches) {
          const control = (b.attributes & 0x20) !== 0;
          const what = control ? (b.records[0]?.key?.readInt16BE(2) === 0 ? 'ABORT' : 'COMMIT') : b.records.map((r) => (r.value ? r.value.toString().split(' ').slice(0, topic === 'kill-out' ? 1 : 2).join(' ') : '')).join(',').slice(0, 60);
          lines.push(`${b.firstOffset}..${b.firstOffset + BigInt(b.lastOffsetDelta)} pid ${b.producerId} epoch ${b.producerEpoch}${(b.attributes & 0x10) !== 0 ? ' txn' : ''} ${what}`);
          offset = b.firstOffset + BigInt(b.lastOffsetDelta) + 1n;
        }
      }
    }
    return lines.join('\n');
  } finally {
    await consumer.close(true);
  }
}
