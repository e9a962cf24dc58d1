/**
 * The workers comparison (issue 3) without anything platform-specific, so Node (`npm run bench`,
 * workersComparison.ts) and a browser page (`npm run bench:browser`, fixtures/workers-comparison)
 * run the very same jobs: one table, the same data in the same run, four ways — a hand-written
 * single-thread loop, a plain RxJS chain, Rivulet local, Rivulet on 2 workers (placement by cost,
 * and, as a fifth row, every stage shipped: placement 'workers') — for (a) word
 * count, (b) a CPU-heavy map (parse a 1 KB JSON record and hash it), (c) reduceByKeyAndWindow with
 * an inverse function over a 30-batch window. Rivulet runs on a ManualClock (batches back to
 * back); per-batch times are wall time from batchStarted to batchCompleted. Then the p99
 * scheduling delay of a 10 ms batch interval in local mode on the real clock.
 */
import { from, lastValueFrom, map, mergeMap, reduce } from 'rxjs';
import { ManualClock, StreamingContext, type BatchInfo, type DStream } from '../../engine/index.ts';
import { makeBatches } from './wordcount.ts';
import { median, percentile } from './stats.ts';

const WINDOW = 30;

/** 'full' for `npm run bench`, 'quick' for `-- --quick`, 'tiny' for the end-to-end test of the page. */
export type BenchSize = 'full' | 'quick' | 'tiny';

/** FNV-1a over the record's text, a few rounds: stands for real per-record CPU work (parsing, scoring). */
function parseAndHash(r: string): [number, number] {
  const o = JSON.parse(r) as { id: number };
  let h = 2166136261;
  for (let k = 0; k < 8; k++) for (let i = 0; i < r.length; i++) h = Math.imul(h ^ r.charCodeAt(i) ^ k, 16777619);
  return [o.id % 16, h >>> 0];
}

export interface Case {
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

const SIZES = {
  full: { wcBatches: 20, wcLines: 50_000, jsonBatches: 30, jsonRecords: 2_000, windowBatches: 60, windowLines: 5_000 },
  quick: { wcBatches: 5, wcLines: 20_000, jsonBatches: 10, jsonRecords: 500, windowBatches: 40, windowLines: 2_000 },
  tiny: { wcBatches: 3, wcLines: 500, jsonBatches: 3, jsonRecords: 50, windowBatches: 4, windowLines: 100 },
} as const;

export function cases(size: BenchSize): Case[] {
  const n = SIZES[size];
  const wc = makeBatches(n.wcBatches, n.wcLines);
  const tags = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const jsonBatches = Array.from({ length: n.jsonBatches }, (_, b) =>
    Array.from({ length: n.jsonRecords }, (_, i) => {
      const id = b * 10_000 + i;
      return JSON.stringify({ id, user: `user-${id % 997}`, tags: tags.slice(0, 1 + (id % 8)), payload: 'x'.repeat(900 - (id % 50)), at: 1_700_000_000_000 + id });
    }),
  );
  const windowed = makeBatches(n.windowBatches, n.windowLines, 8, 2_000);
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
      rivulet: (lines) => lines.map(parseAndHash).reduceByKey((a, b) => (a ^ b) >>> 0),
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

/** One pass: per-batch wall times (ms) and, for Rivulet, where each batch's tasks ran. */
interface Pass {
  times: number[];
  executedOn?: BatchInfo['executedOn'][];
}

/**
 * Rivulet over the warm-up batches then the case's batches, in one context as a long-running
 * stream would: the warm-up batches start the workers' JIT and give the stages their first cost
 * measurements (StagePlacement), and are not counted.
 */
async function rivulet(c: Case, warm: string[][], workers: number | undefined, placement?: 'workers'): Promise<Pass> {
  const clock = new ManualClock();
  const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, defaultParallelism: 4, workers, placement });
  c.rivulet(ssc.queueStream([...warm, ...c.batches])).foreachRDD(async (rdd) => void (await rdd.collect()));
  // Start the workers (and load the engine in them) before the clock runs: not a batch's cost.
  if (workers) await ssc.sparkContext.parallelize([0, 1, 2, 3], 4).map((x) => x).collect();
  const times: number[] = [];
  const executedOn: BatchInfo['executedOn'][] = [];
  let start = 0;
  ssc.addStreamingListener({
    onBatchStarted: () => void (start = performance.now()),
    onBatchCompleted: ({ batchInfo }) => void (times.push(performance.now() - start), executedOn.push(batchInfo.executedOn)),
  });
  ssc.start();
  await clock.advance((warm.length + c.batches.length) * 1000);
  await ssc.stop();
  return { times: times.slice(warm.length), executedOn: executedOn.slice(warm.length) };
}

async function perBatch(batches: string[][], step: (batch: string[]) => unknown): Promise<Pass> {
  const times: number[] = [];
  for (const b of batches) {
    const start = performance.now();
    await step(b);
    times.push(performance.now() - start);
  }
  return { times };
}

/** Where a Rivulet pass's batches ran: `workers 2, local 18`. */
function where(executedOn: Pass['executedOn']): string {
  if (!executedOn) return '—';
  const counts = new Map<string, number>();
  for (const e of executedOn) counts.set(e ?? 'local', (counts.get(e ?? 'local') ?? 0) + 1);
  return [...counts].map(([e, n]) => `${e} ${n}`).join(', ');
}

export const COLUMNS = ['job', 'variant', 'records/s', 'p50 ms/batch', 'p99 ms/batch', 'batches ran on'];
export const VARIANTS = ['hand-written loop', 'RxJS chain', 'Rivulet local', 'Rivulet, 2 workers', "Rivulet, 2 workers, placement 'workers'"];

/** Interleaved rounds per job: each round runs every variant once, in turn, so load spikes spread over all four. */
export const ROUNDS: Record<BenchSize, number> = { full: 3, quick: 1, tiny: 1 };

/**
 * The table: one row per job and variant, in COLUMNS order, over `ROUNDS[size]` interleaved rounds
 * (records/s = all records / all batch time; p50 and p99 over every measured batch of every round).
 * `progress` hears each row as it is complete.
 */
export async function compareWorkers(size: BenchSize, progress?: (row: (string | number)[]) => void): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  for (const c of cases(size)) {
    // Rivulet's warm-up runs each stage 3 times on the workers and 3 times here (2 on the workers, then alternating): outside the measured batches.
    const warm = c.batches.slice(0, 6);
    const runs: (() => Promise<Pass>)[] = [
      async () => (await perBatch(warm, c.loop()), perBatch(c.batches, c.loop())),
      async () => (await perBatch(warm, c.rxjs()), perBatch(c.batches, c.rxjs())),
      () => rivulet(c, warm, undefined),
      () => rivulet(c, warm, 2),
      () => rivulet(c, warm, 2, 'workers'),
    ];
    const passes: Pass[][] = runs.map(() => []);
    for (let round = 0; round < ROUNDS[size]; round++) {
      for (const [i, run] of runs.entries()) passes[i]!.push(await run());
    }
    for (const [i, ps] of passes.entries()) {
      const times = ps.flatMap((p) => p.times);
      const executedOn = ps[0]!.executedOn && ps.flatMap((p) => p.executedOn!);
      const total = times.reduce((a, b) => a + b, 0);
      const row = [c.name, VARIANTS[i]!, (c.records * times.length) / total * 1000, median(times), percentile(times, 99), where(executedOn)];
      rows.push(row);
      progress?.(row);
    }
  }
  return rows;
}

/** Scheduling delays (ms) of `batches` batches with a 10 ms batch interval on the real clock, local mode. */
export async function schedulingDelays(batches: number): Promise<number[]> {
  const ssc = new StreamingContext({ batchInterval: 10 });
  const delays: number[] = [];
  ssc.queueStream(Array.from({ length: batches }, (_, i) => [`a b ${i}`, 'c d'])).flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b)
    .foreachRDD(async (rdd) => void (await rdd.collect()));
  ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void delays.push(batchInfo.schedulingDelay!) });
  ssc.start();
  while (delays.length < batches) await new Promise((r) => setTimeout(r, 50));
  await ssc.stop();
  return delays.slice(0, batches);
}
