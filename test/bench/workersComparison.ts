/**
 * The workers comparison of `npm run bench` (issue 3): one table, the same data in the same run,
 * four ways — a hand-written single-thread loop, a plain RxJS chain, Rivulet local, Rivulet on 2
 * worker threads — for (a) word count, (b) a CPU-heavy map (parse a 1 KB JSON record and hash it),
 * (c) reduceByKeyAndWindow with an inverse function over a 30-batch window. Rivulet runs on a
 * ManualClock (batches back to back); per-batch times are wall time from batchStarted to
 * batchCompleted. Then the p99 scheduling delay of a 10 ms batch interval in local mode on the real
 * clock.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { from, lastValueFrom, map, mergeMap, reduce } from 'rxjs';
import { ManualClock, StreamingContext, type DStream } from '../../engine/index.ts';
import { makeBatches } from './wordcount.ts';
import { median, percentile, table } from './stats.ts';

const WINDOW = 30;

/** FNV-1a over the record's text, a few rounds: stands for real per-record CPU work (parsing, scoring). */
function parseAndHash(r: string): [number, number] {
  const o = JSON.parse(r) as { id: number };
  let h = 2166136261;
  for (let k = 0; k < 8; k++) for (let i = 0; i < r.length; i++) h = Math.imul(h ^ r.charCodeAt(i) ^ k, 16777619);
  return [o.id % 16, h >>> 0];
}

interface Case {
  name: string;
  batches: string[][];
  /** Records per batch, for records/s (lines, or JSON records). */
  records: number;
  /** Per batch: the hand-written loop's result size. */
  loop: () => (batch: string[]) => number;
  rxjs: () => (batch: string[]) => Promise<number>;
  rivulet: (lines: DStream<string>) => DStream<any>;
}

const split = (line: string) => line.split(' ');
const countWords = (batch: string[], into = new Map<string, number>()) => {
  for (const line of batch) for (const w of line.split(' ')) into.set(w, (into.get(w) ?? 0) + 1);
  return into;
};
const rxCounts = (batch: string[]) =>
  lastValueFrom(from(batch).pipe(mergeMap(split), map((w) => [w, 1] as const), reduce((m, [w, n]) => m.set(w, (m.get(w) ?? 0) + n), new Map<string, number>())));

/** A sliding window of per-batch counts with an inverse step, as reduceByKeyAndWindow keeps it. */
function windowOf(): (counts: Map<string, number>) => number {
  const window = new Map<string, number>();
  const past: Map<string, number>[] = [];
  return (counts) => {
    for (const [w, n] of counts) window.set(w, (window.get(w) ?? 0) + n);
    past.push(counts);
    if (past.length > WINDOW) for (const [w, n] of past.shift()!) window.set(w, window.get(w)! - n);
    return window.size;
  };
}

function cases(quick: boolean): Case[] {
  const wc = makeBatches(quick ? 5 : 20, quick ? 20_000 : 50_000);
  const tags = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const jsonBatches = Array.from({ length: 10 }, (_, b) =>
    Array.from({ length: quick ? 500 : 2_000 }, (_, i) => {
      const id = b * 10_000 + i;
      return JSON.stringify({ id, user: `user-${id % 997}`, tags: tags.slice(0, 1 + (id % 8)), payload: 'x'.repeat(900 - (id % 50)), at: 1_700_000_000_000 + id });
    }),
  );
  const windowed = makeBatches(quick ? 40 : 60, quick ? 2_000 : 5_000, 8, 2_000);
  return [
    {
      name: `(a) word count, ${(wc.words / 8).toLocaleString('en-US')} lines`,
      batches: wc.batches,
      records: wc.batches[0]!.length,
      loop: () => (batch) => countWords(batch).size,
      rxjs: () => async (batch) => (await rxCounts(batch)).size,
      rivulet: (lines) => lines.flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b),
    },
    {
      name: `(b) parse + hash 1 KB JSON, ${(jsonBatches.length * jsonBatches[0]!.length).toLocaleString('en-US')} records`,
      batches: jsonBatches,
      records: jsonBatches[0]!.length,
      loop: () => (batch) => {
        const m = new Map<number, number>();
        for (const r of batch) {
          const [k, h] = parseAndHash(r);
          m.set(k, ((m.get(k) ?? 0) ^ h) >>> 0);
        }
        return m.size;
      },
      rxjs: () => async (batch) =>
        (await lastValueFrom(from(batch).pipe(map(parseAndHash), reduce((m, [k, h]) => m.set(k, ((m.get(k) ?? 0) ^ h) >>> 0), new Map<number, number>())))).size,
      rivulet: (lines) => lines.map(parseAndHash, { parseAndHash }).reduceByKey((a, b) => (a ^ b) >>> 0),
    },
    {
      name: `(c) reduceByKeyAndWindow + inverse, ${WINDOW}-batch window, ${windowed.batches.length} batches`,
      batches: windowed.batches,
      records: windowed.batches[0]!.length,
      loop: () => {
        const slide = windowOf();
        return (batch) => slide(countWords(batch));
      },
      rxjs: () => {
        const slide = windowOf();
        return async (batch) => slide(await rxCounts(batch));
      },
      rivulet: (lines) => lines.flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, WINDOW * 1000, 1000),
    },
  ];
}

/** Per-batch wall times (ms) of one pass: from batchStarted to batchCompleted. */
async function runContext(ssc: StreamingContext, clock: ManualClock, n: number): Promise<number[]> {
  const times: number[] = [];
  let start = 0;
  ssc.addStreamingListener({ onBatchStarted: () => void (start = performance.now()), onBatchCompleted: () => void times.push(performance.now() - start) });
  ssc.start();
  await clock.advance(n * 1000);
  await ssc.stop();
  return times;
}

async function rivulet(c: Case, workers: number | undefined): Promise<number[]> {
  const clock = new ManualClock();
  const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, defaultParallelism: 4, workers });
  c.rivulet(ssc.queueStream([...c.batches])).foreachRDD(async (rdd) => void (await rdd.collect()));
  // Start the workers (and load the engine in them) before the clock runs: not a batch's cost.
  if (workers) await ssc.sparkContext.parallelize([0, 1, 2, 3], 4).map((x) => x).collect();
  return runContext(ssc, clock, c.batches.length);
}

async function perBatch(batches: string[][], step: (batch: string[]) => unknown): Promise<number[]> {
  const times: number[] = [];
  for (const b of batches) {
    const start = performance.now();
    await step(b);
    times.push(performance.now() - start);
  }
  return times;
}

/** p99 scheduling delay of a 10 ms batch interval on the real clock, local mode. */
async function schedulingDelay(batches: number): Promise<number[]> {
  const ssc = new StreamingContext({ batchInterval: 10 });
  const delays: number[] = [];
  ssc.queueStream(Array.from({ length: batches }, (_, i) => [`a b ${i}`, 'c d'])).flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b)
    .foreachRDD(async (rdd) => void (await rdd.collect()));
  ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void delays.push(batchInfo.schedulingDelay!) });
  ssc.start();
  while (delays.length < batches) await new Promise((r) => setTimeout(r, 50));
  await ssc.stop();
  return delays;
}

export async function runWorkersComparison(quick: boolean): Promise<void> {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  console.log(`\nWorkers (issue 3): ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'cpu'}), load average ${load} (1, 5, 15 min), node ${process.version}`);
  console.log('Each variant runs every batch once after a warm-up pass on the first batches; Rivulet: defaultParallelism 4, ManualClock, output = collect().');
  const rows: (string | number)[][] = [];
  for (const c of cases(quick)) {
    const warm = { ...c, batches: c.batches.slice(0, 2) };
    const variants: [string, (c: Case) => Promise<number[]>][] = [
      ['hand-written loop', (x) => perBatch(x.batches, c.loop())],
      ['RxJS chain', (x) => perBatch(x.batches, c.rxjs())],
      ['Rivulet local', (x) => rivulet(x, undefined)],
      ['Rivulet, 2 workers', (x) => rivulet(x, 2)],
    ];
    for (const [name, run] of variants) {
      await run(warm);
      const times = await run(c);
      const total = times.reduce((a, b) => a + b, 0);
      rows.push([c.name, name, (c.records * c.batches.length) / total * 1000, median(times), percentile(times, 99)]);
    }
  }
  console.log(table(['job', 'variant', 'records/s', 'p50 ms/batch', 'p99 ms/batch'], rows));
  const n = quick ? 100 : 300;
  const delays = await schedulingDelay(n);
  console.log(`Scheduling delay, 10 ms batch interval, local mode, real clock (asyncScheduler), ${n} batches: p50 ${median(delays)} ms, p99 ${percentile(delays, 99)} ms, max ${Math.max(...delays)} ms (target on an idle machine: p99 < 2 ms)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await runWorkersComparison(process.argv.includes('--quick'));
