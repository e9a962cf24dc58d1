import type { RDDDescriptor } from './descriptor.ts';
import type { ResultKind } from '../executor/protocol.ts';
import { checkPlacement } from './placementOptions.ts';

/**
 * 'auto': by cost (StagePlacement); 'workers': every stage that can be shipped is shipped.
 * Spark has no counterpart: Spark always runs tasks on its executors (the closest is adaptive
 * query execution, `spark.sql.adaptive.enabled`, which also decides from run-time statistics).
 *
 * @example
 * ```ts
 * const sc = new RDDContext({ workers: 'auto', placement: 'workers' });
 * ```
 */
export type PlacementMode = 'auto' | 'workers';

/**
 * Where one run of a stage went, and why. Spark has no counterpart: Spark always runs stages on
 * its executors (the closest record of a stage run is `StageInfo` in `SparkListenerStageCompleted`).
 *
 * @example
 * ```ts
 * ssc.addStreamingListener({
 *   onBatchCompleted: (e) => { for (const d of e.batchInfo.stageDecisions ?? []) console.log(d.stage, d.executedOn, d.reason); },
 * });
 * ```
 */
export interface StageDecision {
  /** The stage's last RDD (or the shuffle whose map side it is) and its call site: `reduceByKey at wc.ts:4:10 (map side)`. */
  readonly stage: string;
  readonly executedOn: 'workers' | 'local';
  /** Why, in words: `estimated 1.2 ms here vs 3.4 ms on workers`. */
  readonly reason: string;
  /** Estimated time of one run here (ms), when known. */
  readonly localMs?: number;
  /** Estimated time of one run on the workers (ms), when known. */
  readonly workersMs?: number;
}

/**
 * What the driver measured for one run of a stage. Spark has no counterpart: there is no
 * placement to decide (the closest is the stage's duration in `StageInfo`).
 *
 * @example
 * ```ts
 * import { type StageRun } from 'rivulet';
 * const run: StageRun = { key: 'reduceByKey at wc.ts:4:10', executedOn: 'local', wallMs: 1.4 };
 * ```
 */
export interface StageRun {
  readonly key: string;
  readonly executedOn: 'workers' | 'local';
  /** Wall time of the run, as the driver waited for it (ms). */
  readonly wallMs: number;
}

/**
 * How a {@link StagePlacement} decides: the mode, the warm-up, how often it measures the workers again.
 * Spark has no counterpart: Spark always runs tasks on its executors (the closest are the
 * `spark.sql.adaptive.*` settings of adaptive query execution).
 *
 * @example
 * ```ts
 * import { RDDContext } from 'rivulet';
 * const sc = new RDDContext({ workers: 2, placement: { mode: 'auto', warmUpRuns: 2, probeEvery: 20, window: 7 } });
 * ```
 */
export interface StagePlacementOptions {
  /** 'auto' (default): by cost; 'workers': every stage that can be described runs on workers. */
  mode?: PlacementMode;
  /** Runs on each side before choosing by cost (the first two on the workers, then alternating). Default 3. */
  warmUpRuns?: number;
  /** After this many runs on one side, a stage runs once on the other to measure it again (doubling while the choice stands; twice as many first when the other side is far slower). Default 10. */
  probeEvery?: number;
  /** Each side is estimated from its last this many runs (here their median, on the workers the mean of the faster half). Default 5. */
  window?: number;
  /** The clock for wall times (ms). Default performance.now. */
  now?: () => number;
}

interface StageStats {
  description: string;
  workersRuns: number;
  localRuns: number;
  /** Where the stage runs by cost, once both sides are warmed up; a run on the other side is a probe. */
  choice?: 'workers' | 'local';
  /** Runs on the chosen side since it was chosen or since the other side was last measured. */
  streak: number;
  /** Runs on the chosen side before the next measurement of the other. */
  probeAfter: number;
  workersSamples: number[];
  localSamples: number[];
  workersMs?: number;
  localMs?: number;
  last?: StageDecision;
}

/**
 * A stage's latest decision and its run counts, as `sc.scheduler.metrics.stages` lists them.
 * Spark has no counterpart: Spark does not choose where a stage runs (the closest is the stage
 * list of `SparkStatusTracker` / the web UI).
 *
 * @example
 * ```ts
 * for (const s of ssc.sparkContext.scheduler.metrics.stages) console.log(s.stage, s.executedOn, s.workersRuns, s.localRuns);
 * ```
 */
export interface StageEstimate extends StageDecision {
  readonly workersRuns: number;
  readonly localRuns: number;
}

/**
 * Where a stage that could run on workers runs, chosen by cost (in the spirit of Spark's adaptive
 * query execution: decisions from statistics measured at run time). For each stage of a stream —
 * known by its lineage's operations and call sites, which are the same batch after batch — the
 * driver estimates the wall time of one run on the workers (packing, transfer both ways, queueing,
 * the tasks in parallel) and of one run here from the last `window` runs on each side: here, their
 * median, which a single slow run (a GC pause, a busy machine) does not move; on the workers, the
 * mean of their faster half. The workers' times keep falling for many runs while their fresh
 * isolates compile the stage (each of them runs only its share of the tasks), so the slower half
 * of their runs says more about the past than about the next run.
 *
 * The warm-up runs a stage twice on the workers (which starts them and surfaces records that cannot
 * cross threads at the first batch, also when a job such as take() runs the stage twice in it), then
 * alternates between here and the workers until each side has had `warmUpRuns` runs (workers,
 * workers, here, workers, here, here for 3), so that both sides are measured at nearly the same
 * times, under the same load; the first run on each side pays for compiling (JIT) and is dropped
 * once the second is in. After that each run goes where the estimate is lower, with hysteresis:
 * the workers must be estimated 10% faster to take a stage from the driver, and the driver 10%
 * faster to take it back, so a close call stays where it is instead of flipping with the noise.
 *
 * The other side is measured again (a probe) after `probeEvery` runs — after 3 when it is
 * estimated cheaper but not by the margin (a close call: the least certain, and a probe costs
 * little), after twice `probeEvery` when it is estimated at least 1.8 times slower — then after
 * twice as many each time the choice stands (up to 400 runs), so both estimates follow the load
 * and the data at little cost. A probe's side is estimated from that probe and its run before: its
 * older runs are from before the stage moved (on fresh worker isolates, still compiling; under
 * another load) and would keep a stage on the driver long after the workers have warmed up. (The
 * workers' own compute times are no guide to the driver's: a worker's fresh isolate runs the same
 * code several times slower for many batches.)
 */
export class StagePlacement {
  readonly mode: PlacementMode;
  readonly warmUpRuns: number;
  readonly probeEvery: number;
  readonly now: () => number;
  private readonly window: number;
  private readonly stats = new Map<string, StageStats>();

  constructor(options: StagePlacementOptions = {}) {
    checkPlacement(options);
    this.mode = options.mode ?? 'auto';
    this.warmUpRuns = options.warmUpRuns ?? 3;
    this.probeEvery = options.probeEvery ?? 10;
    this.window = options.window ?? 5;
    this.now = options.now ?? (() => performance.now());
  }

  /** Where the next run of the stage `key` goes. */
  choose(key: string, description: string): StageDecision {
    const s = this.statsOf(key, description);
    const estimates = { localMs: s.localMs, workersMs: s.workersMs };
    const decide = (executedOn: 'workers' | 'local', reason: string): StageDecision => (s.last = { stage: description, executedOn, reason, ...estimates });
    if (this.mode === 'workers') return decide('workers', "placement: 'workers' (forced)");
    const n = this.warmUpRuns;
    if (s.workersRuns < n && (s.workersRuns < 2 || s.workersRuns <= s.localRuns + 1)) return decide('workers', `measuring the workers (run ${s.workersRuns + 1} of ${n})`);
    if (s.localRuns < n) return decide('local', `measuring here (run ${s.localRuns + 1} of ${n})`);
    const choice = this.byCost(s);
    if (choice !== s.choice) {
      s.choice = choice;
      s.streak = 0;
      s.probeAfter = this.firstProbe(s);
    }
    const here = ms(s.localMs!);
    const there = ms(s.workersMs!);
    if (s.streak >= s.probeAfter) {
      const after = `after ${s.streak} runs ${choice === 'local' ? 'here' : 'on workers'}`;
      return choice === 'local'
        ? decide('workers', `measuring the workers again (${after}); estimated ${here} here vs ${there} on workers`)
        : decide('local', `measuring here again (${after}); estimated ${there} on workers vs ${here} here`);
    }
    const margin = `${Math.round(SHIP_MARGIN * 100)}%`;
    if (choice === 'local') {
      return s.workersMs! >= s.localMs!
        ? decide('local', `shipping costs more than it saves: estimated ${here} here vs ${there} on workers`)
        : decide('local', `shipping saves too little: estimated ${there} on workers vs ${here} here (the workers must be ${margin} faster)`);
    }
    return s.workersMs! <= s.localMs!
      ? decide('workers', `estimated ${there} on workers vs ${here} here`)
      : decide('workers', `staying on workers: estimated ${there} on workers vs ${here} here (here must be ${margin} faster to take it back)`);
  }

  /** Learn from one run of a stage. */
  record(run: StageRun): void {
    const s = this.stats.get(run.key);
    if (!s) return;
    const onWorkers = run.executedOn === 'workers';
    const samples = onWorkers ? s.workersSamples : s.localSamples;
    const runs = onWorkers ? s.workersRuns++ : s.localRuns++;
    const probe = s.choice !== undefined && run.executedOn !== s.choice;
    // The first run on a side pays for compiling the stage there: dropped once the second is in.
    if (runs === 1) samples.length = 0;
    // A probe: the side's runs before its latest are from other times (see the class comment).
    if (probe) samples.splice(0, samples.length - 1);
    samples.push(run.wallMs);
    if (samples.length > this.window) samples.shift();
    if (onWorkers) s.workersMs = meanOfFasterHalf(samples);
    else s.localMs = median(samples);
    if (s.choice === undefined) return;
    if (!probe) {
      s.streak++;
      return;
    }
    // A probe. If it moves the stage, choose() starts over; if the choice stands, the other side
    // is measured less often — unless it is estimated cheaper, only not by the margin.
    s.streak = 0;
    if (this.byCost(s) !== s.choice) return;
    s.probeAfter = this.otherCheaper(s) ? CLOSE_PROBE_INTERVAL : Math.min(Math.max(2 * s.probeAfter, this.firstProbe(s)), Math.max(this.probeEvery, MAX_PROBE_INTERVAL));
  }

  /** Every stage's latest decision with its current estimates, for `sc.scheduler.metrics.stages`. */
  estimates(): StageEstimate[] {
    return [...this.stats.values()].filter((s) => s.last).map((s) => ({ ...s.last!, localMs: s.localMs, workersMs: s.workersMs, workersRuns: s.workersRuns, localRuns: s.localRuns }));
  }

  /**
   * Runs on the chosen side before the first probe of the other: soon when the other side is
   * estimated cheaper (the stage stays only by the margin), later when it is far slower.
   */
  private firstProbe(s: StageStats): number {
    const [chosen, other] = s.choice === 'local' ? [s.localMs!, s.workersMs!] : [s.workersMs!, s.localMs!];
    if (other < chosen) return CLOSE_PROBE_INTERVAL;
    return other >= chosen * FAR_RATIO ? 2 * this.probeEvery : this.probeEvery;
  }

  /** The side the stage is not on is estimated cheaper (by less than the margin, or it would move). */
  private otherCheaper(s: StageStats): boolean {
    return s.choice === 'local' ? s.workersMs! < s.localMs! : s.localMs! < s.workersMs!;
  }

  /**
   * The side a stage runs on by cost, with hysteresis: a stage moves only when the other side is
   * estimated SHIP_MARGIN faster; before its first choice it counts as being here.
   */
  private byCost(s: StageStats): 'workers' | 'local' {
    const localMs = s.localMs!;
    const workersMs = s.workersMs!;
    if (s.choice === 'workers') return localMs < workersMs * (1 - SHIP_MARGIN) ? 'local' : 'workers';
    return workersMs < localMs * (1 - SHIP_MARGIN) ? 'workers' : 'local';
  }

  private statsOf(key: string, description: string): StageStats {
    let s = this.stats.get(key);
    if (!s) {
      // Stages are known by call site, so their number is bounded by the code; the cap guards
      // against lineages built with ever-new call sites (code generated at run time).
      if (this.stats.size >= MAX_STAGES) this.stats.delete(this.stats.keys().next().value!);
      this.stats.set(key, (s = { description, workersRuns: 0, localRuns: 0, streak: 0, probeAfter: this.probeEvery, workersSamples: [], localSamples: [] }));
    }
    return s;
  }
}

/**
 * A stage's identity across batches: its lineage's kinds, operations and call sites, and what the
 * job does with it. Below the stage's own RDD a persisted RDD ends the walk: what is under it is
 * read from its blocks, not computed, and under a state kept in the workers (StateInWorkers) lies
 * one more step per batch since the state was last brought to the driver, which would make every
 * batch's stage a new one (never measured twice, and as many entries as batches).
 */
export function stageKey(d: RDDDescriptor, result: ResultKind): string {
  const walk = (x: RDDDescriptor, root: boolean): string => `${x.kind}:${x.operation}@${x.callSite}(${!root && x.persist ? 'persisted' : x.parents.map((p) => walk(p, false)).join(',')})`;
  return `${result.kind}${result.kind === 'shuffleMap' ? `:${result.operation}` : ''}|${walk(d, true)}`;
}

const MAX_STAGES = 1000;

/** The longest wait, in runs, between two measurements of the side a stage does not run on. */
const MAX_PROBE_INTERVAL = 400;

/**
 * A side estimated at least this many times slower than the chosen one is first measured again
 * after twice `probeEvery` runs: such a probe costs more and is less likely to change the choice.
 */
const FAR_RATIO = 1.8;

/**
 * A stage that stays on a side only by the margin (the other side is estimated cheaper, by less
 * than SHIP_MARGIN) has the other side measured again after this many runs: the two are close, so
 * a probe costs little, and the choice is the least certain.
 */
const CLOSE_PROBE_INTERVAL = 3;

/**
 * A stage moves to the other side only when that side is estimated at least this much faster:
 * shipping burns more CPU in total and its times vary more, so a close call stays on the driver,
 * and a stage on the workers stays there through small changes in the estimates (hysteresis).
 */
const SHIP_MARGIN = 0.1;

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The mean of the faster half of `xs` (the middle one included when their number is odd). */
function meanOfFasterHalf(xs: readonly number[]): number {
  const faster = [...xs].sort((a, b) => a - b).slice(0, Math.ceil(xs.length / 2));
  return faster.reduce((a, b) => a + b, 0) / faster.length;
}

function ms(x: number): string {
  return x >= 10 ? `${x.toFixed(0)} ms` : x >= 1 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`;
}
