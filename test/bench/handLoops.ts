/**
 * `npx tsx test/bench/handLoops.ts [--quick]` (and part of `npm run bench`): issue 14's
 * comparisons, every figure measured side by side in one run against a hand-written loop doing the
 * same work (and RxJS `scan` where the issue quotes it). Variants are stepped one batch each in
 * turn, so load spikes hit all of them alike; medians of per-batch wall time. Heap: bytes still
 * reachable after a full GC, the structure built minus before.
 *
 * (1) inverse windows: 20,000 keyed events per batch, Zipf keys over 10,000, slide 1 batch, a
 *     10- and a 30-batch window: reduceByKeyAndWindow with an inverse, without one,
 *     countByValueAndWindow, countByWindow; the hand incremental loop (a Map of the window, the
 *     batches' counts kept to subtract) and the same in RxJS `scan`.
 * (2) mapWithState: 10,000 keys touched per batch of a 1,000,000-key state; a plain Map loop, RxJS scan.
 * (3) updateStateByKey at 1,000,000 keys; a hand loop with the same semantics (the update called for every key).
 * (4) word count, local mode with default settings, against the loop.
 * (5) a CPU-bound map (parse + hash 1 KB JSON) with 2 workers against local, default settings.
 */
import os from 'node:os';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Subject, scan } from 'rxjs';
import { ManualClock, StateSpec, StreamingContext, type DStream, type State } from '../../engine/index.ts';
import { median, rng, table } from './stats.ts';
import { handLoop, makeBatches, rivuletLocal } from './wordcount.ts';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapNow(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(', ');

/** Wall time and CPU time (ms) of one measured span. */
type Spent = { wall: number; cpu: number };

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Starts measuring; the returned function gives what was spent since. */
function meter(): () => Spent {
  const wall = performance.now();
  const cpu = cpuNow();
  return () => ({ wall: performance.now() - wall, cpu: cpuNow() - cpu });
}

/** A stepper: one batch per call, returns the wall and CPU time of the batch's work. */
type Step = () => Promise<Spent> | Spent;

/** Per variant, its measured spans. */
type Times = Map<string, Spent[]>;

const wallOf = (t: Spent[]) => median(t.map((x) => x.wall));
const cpuOf = (t: Spent[]) => median(t.map((x) => x.cpu));

/** Runs `warm` unmeasured batches then `measured` batches of every variant, one batch each in turn. */
async function interleave(variants: [string, Step][], warm: number, measured: number): Promise<Times> {
  for (let b = 0; b < warm; b++) for (const [, step] of variants) await step();
  const times: Times = new Map(variants.map(([n]) => [n, []]));
  for (let b = 0; b < measured; b++) for (const [name, step] of variants) times.get(name)!.push(await step());
  return times;
}

/** Zipf (s = 1) over `n` keys: a sampler from the cumulative weights. */
function zipf(n: number, seed: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / (k + 1);
  const rand = rng(seed);
  return () => {
    const x = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** A Rivulet pipeline on its own ManualClock fed one batch at a time. */
async function stepped<T>(build: (input: DStream<T>) => void, next: () => T[], options: { workers?: number; defaultParallelism?: number } = {}): Promise<{ step: Step; stop: () => Promise<void> }> {
  const clock = new ManualClock();
  // This script is not a pipeline module the workers could load: functions travel as text.
  const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, pipelineModule: false, ...options });
  const queue: T[][] = [];
  build(ssc.queueStream(queue));
  // A failed batch would be timed as a fast one: stop the bench instead.
  let failed: string | undefined;
  ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void (failed ??= batchInfo.failureReason) });
  ssc.start();
  return {
    step: async () => {
      queue.push(next());
      const spent = meter();
      await clock.advance(1000);
      const ms = spent();
      if (failed !== undefined) throw new Error(`a benchmark batch failed: ${failed}`);
      return ms;
    },
    stop: () => ssc.stop(),
  };
}

/** The hand incremental window: a Map of the window's values; each batch's counts kept to subtract when it leaves. */
function handWindow(window: number) {
  const sums = new Map<number, number>();
  const past: Map<number, number>[] = [];
  return (counts: Map<number, number>): number => {
    for (const [k, n] of counts) sums.set(k, (sums.get(k) ?? 0) + n);
    past.push(counts);
    if (past.length > window) {
      for (const [k, n] of past.shift()!) {
        const v = sums.get(k)! - n;
        if (v === 0) sums.delete(k);
        else sums.set(k, v);
      }
    }
    return sums.size;
  };
}

function countBatch(events: [number, number][]): Map<number, number> {
  const m = new Map<number, number>();
  for (const [k, v] of events) m.set(k, (m.get(k) ?? 0) + v);
  return m;
}

export interface Ratio {
  goal: string;
  /** As measured in wall time, and in CPU time (undefined where CPU time says nothing: threads). */
  value: number;
  cpu: number | undefined;
  target: string;
  /** Whether a value meets the target. */
  meets: (v: number) => boolean;
}

const x = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(2)}x`);


async function windows(quick: boolean, ratios: Ratio[]): Promise<void> {
  const perBatch = quick ? 5_000 : 20_000;
  const measured = quick ? 10 : 30;
  const rows: (string | number)[][] = [];
  for (const W of [10, 30]) {
    const variants: [string, Step][] = [];
    const stops: (() => Promise<void>)[] = [];
    const source = (seed: number) => {
      const key = zipf(10_000, seed);
      return () => Array.from({ length: perBatch }, () => [key(), 1] as [number, number]);
    };
    {
      const next = source(W);
      const slide = handWindow(W);
      variants.push(['hand incremental loop', () => {
        const events = next();
        const spent = meter();
        slide(countBatch(events));
        return spent();
      }]);
    }
    {
      const next = source(W);
      const slide = handWindow(W);
      const subject = new Subject<[number, number][]>();
      subject.pipe(scan((size, events) => slide(countBatch(events)), 0)).subscribe();
      variants.push(['RxJS scan', () => {
        const events = next();
        const spent = meter();
        subject.next(events);
        return spent();
      }]);
    }
    const rivulet = async (name: string, build: (s: DStream<[number, number]>) => DStream<any>) => {
      let records = 0;
      const p = await stepped<[number, number]>((s) => build(s).foreachRDD(async (rdd) => void (records += await rdd.count())), source(W));
      variants.push([name, p.step]);
      stops.push(p.stop);
    };
    const add = (a: number, b: number) => a + b;
    const sub = (a: number, b: number) => a - b;
    await rivulet('reduceByKeyAndWindow + inverse', (s) => s.reduceByKeyAndWindow(add, sub, W * 1000, 1000));
    await rivulet('reduceByKeyAndWindow, no inverse', (s) => s.reduceByKeyAndWindow(add, W * 1000, 1000));
    await rivulet('countByValueAndWindow', (s) => s.map((kv) => kv[0]).countByValueAndWindow(W * 1000, 1000));
    await rivulet('countByWindow', (s) => s.countByWindow(W * 1000, 1000));
    const times = await interleave(variants, W, measured);
    for (const p of stops) await p();
    const t = (name: string) => times.get(name)!;
    const loop = t('hand incremental loop');
    const noInverse = t('reduceByKeyAndWindow, no inverse');
    for (const [name, ts] of times) rows.push([`${W} batches`, name, wallOf(ts), wallOf(loop) / wallOf(ts), wallOf(noInverse) / wallOf(ts), cpuOf(ts), cpuOf(loop) / cpuOf(ts)]);
    const inv = t('reduceByKeyAndWindow + inverse');
    const half = (v: number) => v >= 0.5;
    ratios.push({ goal: `1. reduceByKeyAndWindow + inverse, ${W}-batch window, vs hand loop`, value: wallOf(loop) / wallOf(inv), cpu: cpuOf(loop) / cpuOf(inv), target: '>= 0.5x', meets: half });
    ratios.push({ goal: `1. … vs the same window without inverse (${W} slides)`, value: wallOf(noInverse) / wallOf(inv), cpu: cpuOf(noInverse) / cpuOf(inv), target: '> 1x', meets: (v) => v > 1 });
    for (const name of ['countByValueAndWindow', 'countByWindow']) {
      ratios.push({ goal: `1. ${name}, ${W}-batch window, vs hand loop`, value: wallOf(loop) / wallOf(t(name)), cpu: cpuOf(loop) / cpuOf(t(name)), target: '>= 0.5x', meets: half });
    }
  }
  console.log(`(1) Windows: ${perBatch.toLocaleString('en-US')} events per batch, Zipf keys over 10,000, slide 1 batch; ${measured} measured batches after the window filled; output count(); load ${load()}`);
  console.log(table(['window', 'variant', 'p50 ms/batch', 'speed vs hand loop', 'speed vs no inverse', 'CPU p50 ms/batch', 'CPU: speed vs hand loop'], rows));
  console.log();
}

async function mapWithState(quick: boolean, ratios: Ratio[]): Promise<void> {
  const total = quick ? 200_000 : 1_000_000;
  const touched = 10_000;
  const measured = quick ? 10 : 30;
  const keysOf = (seed: number) => {
    const rand = rng(seed);
    return () => Array.from({ length: touched }, () => [Math.floor(rand() * total), 1] as [number, number]);
  };
  const all = () => Array.from({ length: total }, (_, k) => [k, 1] as [number, number]);
  let before = heapNow();
  // The plain Map loop: the same update, its output collected as mapWithState's is.
  const map = new Map<number, number>();
  const loopStep = (events: [number, number][]) => {
    const out: number[] = [];
    for (const [k, v] of events) {
      const s = (map.get(k) ?? 0) + v;
      map.set(k, s);
      out.push(s);
    }
    return out.length;
  };
  loopStep(all());
  const mapHeap = heapNow() - before;
  const nextLoop = keysOf(1);
  const subjectMap = new Map<number, number>();
  const subject = new Subject<[number, number][]>();
  subject.pipe(scan((m, events) => {
    const out: number[] = [];
    for (const [k, v] of events) {
      const s = (m.get(k) ?? 0) + v;
      m.set(k, s);
      out.push(s);
    }
    return m;
  }, subjectMap)).subscribe();
  subject.next(all());
  const nextRx = keysOf(2);
  before = heapNow();
  let first = true;
  const nextMws = keysOf(3);
  const spec = StateSpec.function((_k: number, v: number | undefined, state: State<number>) => {
    const s = (state.getOption() ?? 0) + (v ?? 0);
    state.update(s);
    return s;
  });
  let outputs = 0;
  const mws = await stepped<[number, number]>((s) => s.mapWithState(spec).foreachRDD(async (rdd) => void (outputs += await rdd.count())), () => (first ? ((first = false), all()) : nextMws()));
  await mws.step(); // loads the 1M keys
  const mwsHeap = heapNow() - before;
  const times = await interleave(
    [
      ['plain Map loop', () => {
        const e = nextLoop();
        const spent = meter();
        loopStep(e);
        return spent();
      }],
      ['RxJS scan', () => {
        const e = nextRx();
        const spent = meter();
        subject.next(e);
        return spent();
      }],
      ['mapWithState', mws.step],
    ],
    3,
    measured,
  );
  await mws.stop();
  const loop = times.get('plain Map loop')!;
  console.log(`(2) mapWithState: ${touched.toLocaleString('en-US')} keys touched per batch of ${total.toLocaleString('en-US')}; ${measured} measured batches; output count(); load ${load()}`);
  console.log(
    table(
      ['variant', 'p50 ms/batch', 'speed vs Map loop', 'CPU p50 ms/batch', 'CPU: speed vs Map loop', 'heap MB', 'heap vs Map'],
      [...times].map(([n, ts]) => [
        n,
        wallOf(ts),
        wallOf(loop) / wallOf(ts),
        cpuOf(ts),
        cpuOf(loop) / cpuOf(ts),
        n === 'mapWithState' ? mwsHeap / 2 ** 20 : n === 'plain Map loop' ? mapHeap / 2 ** 20 : '—',
        n === 'mapWithState' ? mwsHeap / mapHeap : n === 'plain Map loop' ? 1 : '—',
      ]),
    ),
  );
  console.log();
  const m = times.get('mapWithState')!;
  ratios.push({ goal: '2. mapWithState vs plain Map loop', value: wallOf(loop) / wallOf(m), cpu: cpuOf(loop) / cpuOf(m), target: '>= 0.8x', meets: (v) => v >= 0.8 });
  ratios.push({ goal: '2. mapWithState heap vs the Map', value: mwsHeap / mapHeap, cpu: undefined, target: '<= 1.15x', meets: (v) => v <= 1.15 });
  map.clear();
  subjectMap.clear();
}

async function updateStateByKey(quick: boolean, ratios: Ratio[]): Promise<void> {
  const total = quick ? 100_000 : 1_000_000;
  const touched = 10_000;
  const measured = quick ? 3 : 5;
  const keysOf = (seed: number) => {
    const rand = rng(seed);
    return () => Array.from({ length: touched }, () => [Math.floor(rand() * total), 1] as [number, number]);
  };
  const all = () => Array.from({ length: total }, (_, k) => [k, 1] as [number, number]);
  const update = (values: number[], state: number | undefined) => {
    let s = state ?? 0;
    for (const v of values) s += v;
    return s;
  };
  // The hand loop with updateStateByKey's semantics: the batch's values grouped by key, then the
  // update called for every key with state or values; undefined removes the key.
  let before = heapNow();
  const state = new Map<number, number>();
  const loopStep = (events: [number, number][]) => {
    const values = new Map<number, number[]>();
    for (const [k, v] of events) {
      const vs = values.get(k);
      if (vs) vs.push(v);
      else values.set(k, [v]);
    }
    for (const [k, s] of state) {
      const vs = values.get(k);
      const next = update(vs ?? [], s);
      if (vs) values.delete(k);
      if (next === undefined) state.delete(k);
      else if (next !== s) state.set(k, next);
    }
    for (const [k, vs] of values) {
      const next = update(vs, undefined);
      if (next !== undefined) state.set(k, next);
    }
    return state.size;
  };
  loopStep(all());
  const mapHeap = heapNow() - before;
  const nextLoop = keysOf(1);
  before = heapNow();
  let first = true;
  const nextU = keysOf(2);
  let size = 0;
  const u = await stepped<[number, number]>((s) => s.updateStateByKey(update).foreachRDD(async (rdd) => void (size = await rdd.count())), () => (first ? ((first = false), all()) : nextU()));
  await u.step();
  const uHeap = heapNow() - before;
  const times = await interleave(
    [
      ['hand loop (update every key)', () => {
        const e = nextLoop();
        const spent = meter();
        loopStep(e);
        return spent();
      }],
      ['updateStateByKey', u.step],
    ],
    1,
    measured,
  );
  await u.stop();
  if (size !== total) throw new Error(`updateStateByKey held ${size} keys, expected ${total}`);
  const loop = times.get('hand loop (update every key)')!;
  console.log(`(3) updateStateByKey: ${total.toLocaleString('en-US')} keys, ${touched.toLocaleString('en-US')} events per batch; ${measured} measured batches; output count(); load ${load()}`);
  console.log(
    table(
      ['variant', 'p50 ms/batch', 'time vs hand loop', 'CPU p50 ms/batch', 'CPU: time vs hand loop', 'heap MB', 'heap vs Map'],
      [...times].map(([n, ts]) => [n, wallOf(ts), wallOf(ts) / wallOf(loop), cpuOf(ts), cpuOf(ts) / cpuOf(loop), n === 'updateStateByKey' ? uHeap / 2 ** 20 : mapHeap / 2 ** 20, n === 'updateStateByKey' ? uHeap / mapHeap : 1]),
    ),
  );
  console.log();
  const u2 = times.get('updateStateByKey')!;
  ratios.push({ goal: '3. updateStateByKey time vs hand loop', value: wallOf(u2) / wallOf(loop), cpu: cpuOf(u2) / cpuOf(loop), target: '<= 2x', meets: (v) => v <= 2 });
  ratios.push({ goal: '3. updateStateByKey heap vs the Map', value: uHeap / mapHeap, cpu: undefined, target: '<= 1.3x', meets: (v) => v <= 1.3 });
  state.clear();
}

async function wordCount(quick: boolean, ratios: Ratio[]): Promise<void> {
  const data = makeBatches(quick ? 5 : 10, quick ? 10_000 : 50_000);
  const rounds = quick ? 3 : 7;
  const variants: [string, () => unknown][] = [
    ['hand-written loop', () => handLoop(data)],
    ['Rivulet local, default settings', async () => {
      const clock = new ManualClock();
      const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
      let pairs = 0;
      ssc.queueStream([...data.batches]).flatMap((line) => line.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b)
        .foreachRDD(async (rdd) => void (pairs += (await rdd.collect()).length));
      ssc.start();
      await clock.advance(data.batches.length * 1000);
      await ssc.stop();
      return pairs;
    }],
    ['Rivulet local, 1 partition', () => rivuletLocal(data, 1)],
  ];
  const expected = handLoop(data);
  for (const [name, run] of variants) if ((await run()) !== expected) throw new Error(`${name}: wrong word count`);
  const times: Times = new Map(variants.map(([n]) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of variants) {
      const spent = meter();
      await run();
      times.get(name)!.push(spent());
    }
  }
  const loop = times.get('hand-written loop')!;
  console.log(`(4) Word count: ${data.batches.length} batches, ${data.words.toLocaleString('en-US')} words, median of ${rounds} interleaved rounds; load ${load()}`);
  console.log(table(['variant', 'median ms', 'speed vs loop', 'CPU median ms', 'CPU: speed vs loop'], [...times].map(([n, ts]) => [n, wallOf(ts), wallOf(loop) / wallOf(ts), cpuOf(ts), cpuOf(loop) / cpuOf(ts)])));
  console.log();
  const d = times.get('Rivulet local, default settings')!;
  ratios.push({ goal: '4. word count, local, default settings, vs loop', value: wallOf(loop) / wallOf(d), cpu: cpuOf(loop) / cpuOf(d), target: '>= 0.9x', meets: (v) => v >= 0.9 });
}

async function workers(quick: boolean, ratios: Ratio[]): Promise<void> {
  const perBatch = quick ? 1_000 : 4_000;
  // 25 batches: the workers' medians move with every other job on the machine, more than local's.
  const measured = quick ? 5 : 25;
  const tags = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const source = () => {
    let b = 0;
    return () => {
      b++;
      return Array.from({ length: perBatch }, (_, i) => {
        const id = b * 100_000 + i;
        return JSON.stringify({ id, user: `user-${id % 997}`, tags: tags.slice(0, 1 + (id % 8)), payload: 'x'.repeat(900 - (id % 50)), at: 1_700_000_000_000 + id });
      });
    };
  };
  // The function uses nothing from its surroundings, so it travels to the workers as text (see stepped).
  const build = (s: DStream<string>) => s.map((r: string): [number, number] => {
    const o = JSON.parse(r) as { id: number };
    let h = 2166136261;
    for (let k = 0; k < 8; k++) for (let i = 0; i < r.length; i++) h = Math.imul(h ^ r.charCodeAt(i) ^ k, 16777619);
    return [o.id % 16, h >>> 0];
  }).reduceByKey((a, b) => (a ^ b) >>> 0).foreachRDD(async (rdd) => void (await rdd.collect()));
  // Start from a collected heap: the sections before leave states of a million keys to collect,
  // and a collection while the workers' tasks hold both cores slows them, not local mode.
  heapNow();
  const local = await stepped<string>(build, source());
  const onWorkers = await stepped<string>(build, source(), { workers: 2 });
  // For comparison: each batch in 2 slices, one per worker (the default before queue batches were cut finer for workers).
  const twoSlices = await stepped<string>(build, source(), { workers: 2, defaultParallelism: 2 });
  const times = await interleave([['local', local.step], ['2 workers', onWorkers.step], ['2 workers, 2 slices (defaultParallelism: 2)', twoSlices.step]], 6, measured);
  await local.stop();
  await onWorkers.stop();
  await twoSlices.stop();
  const l = wallOf(times.get('local')!);
  const lCpu = cpuOf(times.get('local')!);
  console.log(`(5) CPU-bound map (parse + hash 1 KB JSON), ${perBatch.toLocaleString('en-US')} records per batch, default settings (StreamingContext({ workers: 2 }) vs {}); 6 warm-up batches, ${measured} measured; load ${load()}`);
  // The goal is wall time: CPU time adds up the threads, which is what the workers are for. CPU
  // time (every thread of the process) against local's says what shipping costs in all.
  console.log(table(['variant', 'p50 ms/batch', 'speed vs local', 'CPU ms/batch, all threads', 'CPU vs local'], [...times].map(([n, ts]) => [n, wallOf(ts), l / wallOf(ts), cpuOf(ts), cpuOf(ts) / lCpu])));
  console.log();
  const r = l / wallOf(times.get('2 workers')!);
  ratios.push({ goal: '5. CPU-bound map, 2 workers vs local', value: r, cpu: undefined, target: '>= 1.7x', meets: (v) => v >= 1.7 });
}

export async function runHandLoops(quick: boolean, only?: string[]): Promise<void> {
  console.log(`\nIssue 14: Rivulet against hand-written loops — ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'cpu'}), node ${process.version}, load average at start ${load()} (1, 5, 15 min)\n`);
  const ratios: Ratio[] = [];
  const parts: [string, (q: boolean, r: Ratio[]) => Promise<void>][] = [['windows', windows], ['mapWithState', mapWithState], ['updateStateByKey', updateStateByKey], ['wordcount', wordCount], ['workers', workers]];
  for (const [name, part] of parts) if (!only || only.length === 0 || only.includes(name)) await part(quick, ratios);
  console.log(`Issue 14 goals (targets are for a quiet machine; under load, the CPU-time ratio is the one to read), load average at the end ${load()}`);
  const met = (r: Ratio, v: number | undefined) => (v === undefined ? '—' : r.meets(v) ? 'yes' : 'no');
  console.log(table(['goal', 'wall time', 'CPU time', 'target', 'met (wall)', 'met (CPU)'], ratios.map((r) => [r.goal, x(r.value), x(r.cpu), r.target, met(r, r.value), met(r, r.cpu)])));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runHandLoops(process.argv.includes('--quick'), process.argv.slice(2).filter((a) => !a.startsWith('--')));
  process.exit(0);
}
