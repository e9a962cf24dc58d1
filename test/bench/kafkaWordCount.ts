/**
 * `npx tsx test/bench/kafkaWordCount.ts [--quick]` (and part of `npm run bench`): issue 12, item
 * 7 — Kafka → parse → word count → Kafka, Rivulet's pipeline against a hand-written loop on the
 * same client's own consumer (kafkaWordCount/clientLoop.ts), at 100 ms and 1 s batch intervals,
 * against one local Kafka broker (KRaft, test/support/kafka).
 *
 * Two workloads, every variant run in turn in each round (rounds interleave, medians):
 * - drain: a backlog of input records produced before the run; records/s from the side's start
 *   (clients connecting included) to the acknowledgement of the write that covers the last record;
 * - paced: a producer process writes records at a fixed rate while the side runs; per batch
 *   (chunk) latency from the batch's time to its sink write's acknowledgement, p50 and p95 of
 *   every batch with records in every round.
 * After every run the sink topic is read back (read committed) and each word's summed counts
 * compared with the input's: a record lost or counted twice is reported.
 */
import os from 'node:os';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafkaMissing, startKafka } from '../support/kafka/broker.ts';
import { median, percentile, table } from './stats.ts';
import { countsDiffer, createTopics, expectedCounts, produce, sinkCounts } from './kafkaWordCount/input.ts';
import { clientLoop } from './kafkaWordCount/clientLoop.ts';
import { rivulet } from './kafkaWordCount/rivulet.ts';
import type { Side, SideResult } from './kafkaWordCount/side.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACED = fileURLToPath(new URL('./kafkaWordCount/pacedProducer.ts', import.meta.url));
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

interface Variant {
  name: string;
  delivery: string;
  run: Side;
}
const VARIANTS: Variant[] = [
  { name: 'Rivulet', delivery: 'exactly-once: write-ahead log + transactional saveToKafka', run: rivulet('exactly-once') },
  { name: 'Rivulet', delivery: 'at-least-once: no checkpoint, restarts from the committed offsets; saveToKafka', run: rivulet('at-least-once') },
  { name: 'client loop', delivery: 'exactly-once: transaction with the offsets', run: clientLoop('exactly-once') },
  { name: 'client loop', delivery: 'at-least-once: send, then commit offsets', run: clientLoop('at-least-once') },
];
/** The baseline of the ratios: the client loop, exactly once. */
const BASE = VARIANTS[2]!;
const label = (v: Variant) => `${v.name}, ${v.delivery.split(':')[0]}`;

/** Starts the paced producer; resolves when it has written every record. */
function pacedProducer(bootstrap: string, topic: string, seed: number, records: number, rate: number): { started: Promise<void>; done: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', PACED, bootstrap, topic, String(seed), String(records), String(rate)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let started!: () => void;
  const startedP = new Promise<void>((resolve) => (started = resolve));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (out.includes('started')) started();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const done = new Promise<void>((resolve, reject) =>
    child.on('close', (code) => {
      started();
      if (code === 0 && out.includes('done')) resolve();
      else reject(new Error(`the paced producer exited ${code}: ${err.slice(0, 500)}`));
    }),
  );
  return { started: startedP, done };
}

export async function runKafkaWordCount(quick: boolean): Promise<void> {
  const missing = kafkaMissing();
  if (missing) {
    console.log(`\nKafka word count (issue 12): skipped — ${missing}`);
    return;
  }
  const drainRecords = quick ? 30_000 : 150_000;
  const rate = quick ? 5_000 : 10_000;
  const pacedRecords = rate * (quick ? 4 : 8);
  const rounds = quick ? 1 : 3;
  const intervals = [100, 1000];
  const seed = 12;
  const loadBefore = load();
  const broker = await startKafka();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rivulet-kafka-bench-'));
  const defects: string[] = [];
  const drain = new Map<string, number[]>();
  const paced = new Map<string, { rates: number[]; latencies: number[]; waits: number[] }>();
  const key = (interval: number, v: Variant) => `${interval}\u0000${label(v)}`;
  try {
    await createTopics(broker.bootstrap, ['drain-in']);
    await produce(broker.bootstrap, 'drain-in', seed, 0, drainRecords);
    const drainExpected = expectedCounts(seed, drainRecords);
    const pacedExpected = expectedCounts(seed + 1, pacedRecords);
    let run = 0;
    const check = async (what: string, sink: string, expected: Map<string, number>) => {
      const { counts } = await sinkCounts(broker.bootstrap, sink);
      const differ = countsDiffer(expected, counts);
      if (differ) defects.push(`${what}: ${differ}`);
    };
    for (let round = 0; round < rounds; round++) {
      for (const interval of intervals) {
        for (const v of VARIANTS) {
          const id = `bench-${++run}`;
          const what = `${label(v)}, ${interval} ms, round ${round + 1}`;
          // Drain: the backlog, from the start.
          await createTopics(broker.bootstrap, [`${id}-drain-out`]);
          const d = await v.run({ bootstrap: broker.bootstrap, input: 'drain-in', sink: `${id}-drain-out`, interval, records: drainRecords, id: `${id}-drain`, dir });
          (drain.get(key(interval, v)) ?? drain.set(key(interval, v), []).get(key(interval, v))!).push((drainRecords / (d.finishedAt - d.startedAt)) * 1000);
          await check(`drain, ${what}`, `${id}-drain-out`, drainExpected);
          // Paced: a fresh topic, written at `rate` while the side runs.
          await createTopics(broker.bootstrap, [`${id}-paced-in`, `${id}-paced-out`]);
          let producer: ReturnType<typeof pacedProducer> | undefined;
          let producing = 0;
          const p: SideResult = await v.run({
            bootstrap: broker.bootstrap,
            input: `${id}-paced-in`,
            sink: `${id}-paced-out`,
            interval,
            records: pacedRecords,
            id: `${id}-paced`,
            dir,
            onReady: () => {
              producer = pacedProducer(broker.bootstrap, `${id}-paced-in`, seed + 1, pacedRecords, rate);
              void producer.started.then(() => (producing = Date.now()));
            },
          });
          await producer!.done;
          const entry = paced.get(key(interval, v)) ?? paced.set(key(interval, v), { rates: [], latencies: [], waits: [] }).get(key(interval, v))!;
          entry.rates.push((pacedRecords / (p.finishedAt - producing)) * 1000);
          entry.latencies.push(...p.latencies);
          entry.waits.push(...p.waits);
          await check(`paced, ${what}`, `${id}-paced-out`, pacedExpected);
        }
      }
    }
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\nKafka → parse → word count → Kafka (issue 12): Kafka 4.1 (KRaft, one local broker), 3 input partitions, JSON lines of 10 words (1,000-word vocabulary), ` +
      `counts per batch written as one record per word to a 3-partition topic; ${rounds} round${rounds === 1 ? '' : 's'}, variants interleaved; load average before ${loadBefore}, after ${load()}`,
  );
  console.log(`Drain: ${drainRecords.toLocaleString('en-US')} records waiting; records/s from the start to the acknowledged write of the last record, median of ${rounds}`);
  const rows: (string | number)[][] = [];
  for (const interval of intervals) {
    const base = median(drain.get(key(interval, BASE))!);
    for (const v of VARIANTS) {
      const m = median(drain.get(key(interval, v))!);
      rows.push([`${interval} ms`, v.name, v.delivery, m, `${(m / base).toFixed(2)}x`]);
    }
  }
  console.log(table(['interval', 'variant', 'delivery', 'records/s', 'vs loop exactly-once'], rows));
  console.log(`Paced: ${pacedRecords.toLocaleString('en-US')} records written at ${rate.toLocaleString('en-US')}/s while the side runs; latency from a batch's time to its sink write's ack, every batch with records of every round`);
  const rows2: (string | number)[][] = [];
  for (const interval of intervals) {
    const baseP50 = percentile(paced.get(key(interval, BASE))!.latencies, 50);
    for (const v of VARIANTS) {
      const e = paced.get(key(interval, v))!;
      const p50 = percentile(e.latencies, 50);
      rows2.push([`${interval} ms`, v.name, v.delivery.split(':')[0]!, median(e.rates), p50, percentile(e.latencies, 95), `${(p50 / baseP50).toFixed(2)}x`, percentile(e.waits, 50), percentile(e.waits, 95), e.latencies.length]);
    }
  }
  console.log(table(['interval', 'variant', 'delivery', 'records/s', 'latency p50 ms', 'p95 ms', 'p50 vs loop exactly-once', 'waiting p50 ms', 'p95 ms', 'batches'], rows2));
  console.log('(waiting: from the batch\'s time to the start of its processing (Rivulet: planning its ranges, logging them, the batch before it) or of its write (the loop: the write before it))');
  if (defects.length > 0) console.log(`OUTPUT WRONG in ${defects.length} run(s):\n  ${defects.join('\n  ')}`);
  else console.log('Every run\'s sink topic held exactly the input\'s word counts (read committed).');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runKafkaWordCount(process.argv.includes('--quick'));
