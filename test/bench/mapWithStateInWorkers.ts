/**
 * mapWithState's state on the driver or in the workers (stateInWorkers), 2 workers, side by side:
 * the three variants run as three streams in lockstep, one batch each in turn, and each batch's
 * wall time is measured. Prints the median ms per batch and the ratios.
 *
 *   npx tsx test/bench/mapWithStateInWorkers.ts [--quick]
 */
import { performance } from 'node:perf_hooks';
import { ManualClock, StateSpec, StreamingContext, type State, type StreamingContextOptions } from '../../engine/index.ts';
import { median, table } from './stats.ts';

const quick = process.argv.includes('--quick');
const BATCHES = quick ? 12 : 30;
const WARMUP = 3;
const WORDS_PER_BATCH = 20_000;

interface Variant { name: string; options: Partial<StreamingContextOptions> }
const variants: Variant[] = [
  { name: 'local (no workers)', options: {} },
  { name: 'workers: 2, state on the driver', options: { workers: 2, stateInWorkers: false, placement: 'workers' } },
  { name: 'workers: 2, stateInWorkers: true', options: { workers: 2, stateInWorkers: true, placement: 'workers' } },
];

function batchesFor(keys: number): string[][] {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: BATCHES }, () => Array.from({ length: WORDS_PER_BATCH / 10 }, () => Array.from({ length: 10 }, () => `w${Math.floor(rand() * keys)}`).join(' ')));
}

/** A plain count. Self-contained (no free variables), so that it travels to the workers as text: this script's code is not loaded in them (pipelineModule: false). */
function countWord(_w: string, one: number | undefined, state: State<number>): number {
  const n = (state.getOption() ?? 0) + (one ?? 0);
  state.update(n);
  return n;
}

/** The count after 200 rounds of FNV-1a over the word: a function that costs something. */
function countWordHashing(w: string, one: number | undefined, state: State<number>): number {
  let h = 0x811c9dc5;
  for (let r = 0; r < 200; r++) for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
  const n = (state.getOption() ?? 0) + (one ?? 0) + (h === 0.5 ? 1 : 0);
  state.update(n);
  return n;
}

async function measure(keys: number, work: 0 | 200): Promise<string[]> {
  const input = batchesFor(keys);
  const runs = variants.map((v) => {
    const clock = new ManualClock();
    const ssc = new StreamingContext({ batchInterval: 1000, defaultParallelism: 4, ...v.options, scheduler: clock, pipelineModule: false });
    const counted = ssc
      .queueStream(input.map((b) => [...b]))
      .flatMap((l) => l.split(' '))
      .map((w) => [w, 1] as [string, number])
      .mapWithState(StateSpec.function<string, number, number, number>(work === 0 ? countWord : countWordHashing))
      .checkpoint(10_000);
    counted.foreachRDD(async (rdd) => void (await rdd.count()));
    ssc.start();
    return { ssc, clock, times: [] as number[] };
  });
  for (let b = 0; b < BATCHES; b++) {
    for (const r of runs) {
      const t0 = performance.now();
      await r.clock.advance(1000);
      if (b >= WARMUP) r.times.push(performance.now() - t0);
    }
  }
  for (const r of runs) {
    await r.ssc.stop();
    await r.ssc.sparkContext.close();
  }
  const base = median(runs[1]!.times);
  return runs.map((r) => `${median(r.times).toFixed(1)} ms (${(base / median(r.times)).toFixed(2)}x)`);
}

const rows: string[][] = [];
for (const [keys, work] of [[2_000, 0], [200_000, 0], [2_000, 200], [200_000, 200]] as const) {
  const cells = await measure(keys, work);
  rows.push([`~${keys.toLocaleString('en')} keys, ${work === 0 ? 'count' : `count + ${work} hash rounds`}`, ...cells]);
}
console.log(`mapWithState, ${BATCHES - WARMUP} batches of ${WORDS_PER_BATCH.toLocaleString('en')} words after ${WARMUP} warm-up, median wall ms per batch (speed vs "state on the driver")`);
console.log(table(['state', ...variants.map((v) => v.name)], rows));
