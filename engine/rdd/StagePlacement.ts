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
  /** Runs on the workers, then as many here, before choosing by cost (the first on each side is not counted). Default 3. */
  warmUpRuns?: number;
  /** After this many runs on one side, a stage runs once on the other to measure it again (doubling while the choice stands). Default 10. */
  probeEvery?: number;
  /** The estimate of each side is the median of its last this many runs. Default 5. */
  window?: number;
  /** The clock for wall times (ms). Default performance.now. */
  now?: () => number;
}

interface StageStats {
  description: string;
  workersRuns: number;
  localRuns: number;
  /** Consecutive runs on the side chosen last. */
  streak: number;
  lastSide?: 'workers' | 'local';
  /** Runs on the cheaper side before the next measurement of the other. */
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
 * driver estimates the wall time of one run on the workers (packing, transfer both ways,
 * queueing, the tasks in parallel) and of one run here: the median of the last `window` runs on
 * each side, which a single slow run (a GC pause, a busy machine) does not move.
 *
 * The first `warmUpRuns` runs of a stage go to the workers (they also start them and surface
 * records that cannot cross threads at the first batch), the next `warmUpRuns` run here; the
 * first run on each side pays for compiling (JIT) and is dropped once the second is in. After
 * that each run goes where the estimate is lower (the workers must be 10% faster to be chosen), and the other side is measured again after
 * `probeEvery` runs, then after twice as many each time the choice stands (up to 400 runs),
 * so both estimates follow the load and the data at little cost. (The workers' own compute
 * times are no guide to the driver's: a worker's fresh isolate runs the same code several times
 * slower for many batches.)
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
    if (s.workersRuns < this.warmUpRuns) return decide('workers', `measuring the workers (run ${s.workersRuns + 1} of ${this.warmUpRuns})`);
    if (s.localRuns < this.warmUpRuns) return decide('local', `measuring here (run ${s.localRuns + 1} of ${this.warmUpRuns})`);
    const here = ms(s.localMs!);
    const there = ms(s.workersMs!);
    const cheaper = cheaperSide(s.localMs!, s.workersMs!);
    if (s.lastSide === cheaper && s.streak >= s.probeAfter) {
      const after = `after ${s.streak} runs ${cheaper === 'local' ? 'here' : 'on workers'}`;
      return cheaper === 'local'
        ? decide('workers', `measuring the workers again (${after}); estimated ${here} here vs ${there} on workers`)
        : decide('local', `measuring here again (${after}); estimated ${there} on workers vs ${here} here`);
    }
    return cheaper === 'local'
      ? decide('local', `shipping costs more than it saves: estimated ${here} here vs ${there} on workers`)
      : decide('workers', `estimated ${there} on workers vs ${here} here`);
  }

  /** Learn from one run of a stage. */
  record(run: StageRun): void {
    const s = this.stats.get(run.key);
    if (!s) return;
    const before = s.localMs !== undefined && s.workersMs !== undefined && cheaperSide(s.localMs, s.workersMs);
    const samples = run.executedOn === 'workers' ? s.workersSamples : s.localSamples;
    const runs = run.executedOn === 'workers' ? s.workersRuns++ : s.localRuns++;
    // The first run on a side pays for compiling the stage there: dropped once the second is in.
    if (runs === 1) samples.length = 0;
    samples.push(run.wallMs);
    if (samples.length > this.window) samples.shift();
    if (run.executedOn === 'workers') s.workersMs = median(samples);
    else s.localMs = median(samples);
    const probe = s.lastSide !== undefined && s.lastSide !== run.executedOn && s.streak >= s.probeAfter;
    s.streak = s.lastSide === run.executedOn ? s.streak + 1 : 1;
    s.lastSide = run.executedOn;
    if (probe) {
      // The probe confirmed the choice: measure the other side less often; else start over.
      const after = cheaperSide(s.localMs!, s.workersMs!);
      s.probeAfter = after === before ? Math.min(s.probeAfter * 2, Math.max(this.probeEvery, MAX_PROBE_INTERVAL)) : this.probeEvery;
    }
  }

  /** Every stage's latest decision with its current estimates, for `sc.scheduler.metrics.stages`. */
  estimates(): StageEstimate[] {
    return [...this.stats.values()].filter((s) => s.last).map((s) => ({ ...s.last!, localMs: s.localMs, workersMs: s.workersMs, workersRuns: s.workersRuns, localRuns: s.localRuns }));
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

/** A stage's identity across batches: its lineage's kinds, operations and call sites, and what the job does with it. */
export function stageKey(d: RDDDescriptor, result: ResultKind): string {
  const walk = (x: RDDDescriptor): string => `${x.kind}:${x.operation}@${x.callSite}(${x.parents.map(walk).join(',')})`;
  return `${result.kind}${result.kind === 'shuffleMap' ? `:${result.operation}` : ''}|${walk(d)}`;
}

const MAX_STAGES = 1000;

/** The longest wait, in runs, between two measurements of the side a stage does not run on. */
const MAX_PROBE_INTERVAL = 400;

/**
 * A stage is shipped only when the workers are estimated at least this much faster: shipping
 * burns more CPU in total and its times vary more, so a close call stays on the driver.
 */
const SHIP_MARGIN = 0.1;

function cheaperSide(localMs: number, workersMs: number): 'local' | 'workers' {
  return workersMs < localMs * (1 - SHIP_MARGIN) ? 'workers' : 'local';
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function ms(x: number): string {
  return x >= 10 ? `${x.toFixed(0)} ms` : x >= 1 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`;
}
