import type { RDDDescriptor } from './descriptor.ts';
import type { ResultKind } from '../executor/protocol.ts';

/** 'auto': by cost (StagePlacement); 'workers': every stage that can be shipped is shipped. */
export type PlacementMode = 'auto' | 'workers';

/** Where one run of a stage went, and why. */
export interface StageDecision {
  /** The stage's last RDD (or the shuffle whose map side it is) and its call site: `reduceByKey at wc.ts:4:10 (map side)`. */
  readonly stage: string;
  readonly executedOn: 'workers' | 'local';
  /** Why, in words: `estimated 1.2 ms here vs 3.4 ms on workers`. */
  readonly reason: string;
  /** Moving average of one run here (ms), when known. */
  readonly localMs?: number;
  /** Moving average of one run on the workers (ms), when known. */
  readonly workersMs?: number;
}

/** What the driver measured for one run of a stage. */
export interface StageRun {
  readonly key: string;
  readonly executedOn: 'workers' | 'local';
  /** Wall time of the run on the driver (ms). */
  readonly wallMs: number;
  /** On workers: the sum of the tasks' compute times measured in the workers (ms). */
  readonly computeMs?: number;
}

/** How a {@link StagePlacement} decides: the mode, the warm-up, how often it measures the workers again. */
export interface StagePlacementOptions {
  /** 'auto' (default): by cost; 'workers': every stage that can be described runs on workers. */
  mode?: PlacementMode;
  /** Runs on workers before choosing by cost. Default 2. */
  warmUpRuns?: number;
  /** A stage running locally goes back to the workers once every this many runs, to measure them again. Default 25. */
  probeEvery?: number;
  /** Weight of the newest measurement in the moving averages, 0 < w ≤ 1. Default 0.5. */
  weight?: number;
  /** The clock for wall times (ms). Default performance.now. */
  now?: () => number;
}

interface StageStats {
  description: string;
  workersRuns: number;
  localRuns: number;
  /** Consecutive local runs since the last run on workers. */
  localStreak: number;
  workersMs?: number;
  localMs?: number;
  last?: StageDecision;
}

/** A stage's latest decision and its run counts, as `sc.scheduler.metrics.stages` lists them. */
export interface StageEstimate extends StageDecision {
  readonly workersRuns: number;
  readonly localRuns: number;
}

/**
 * Where a stage that could run on workers runs, chosen by cost (in the spirit of Spark's adaptive
 * query execution: decisions from statistics measured at run time). For each stage of a stream —
 * known by its lineage's operations and call sites, which are the same batch after batch — the
 * driver keeps two moving averages of one run of the stage:
 *
 * - on workers: the wall time the driver waited for the stage (packing, transfer both ways,
 *   queueing, the tasks themselves, in parallel);
 * - here: the stage's wall time when it ran on the driver, or, before it ever did, the sum of its
 *   tasks' compute times as the workers measured them (the same work done one task after another).
 *
 * The first `warmUpRuns` runs of a stage go to the workers (they also start them, compile the
 * functions and surface records that cannot cross threads at the first batch). After that the
 * stage runs where its estimate is lower. A stage running here is sent to the workers again every
 * `probeEvery` runs, so the workers' estimate follows the load and the data.
 */
export class StagePlacement {
  readonly mode: PlacementMode;
  readonly warmUpRuns: number;
  readonly probeEvery: number;
  readonly now: () => number;
  private readonly weight: number;
  private readonly stats = new Map<string, StageStats>();

  constructor(options: StagePlacementOptions = {}) {
    this.mode = options.mode ?? 'auto';
    if (this.mode !== 'auto' && this.mode !== 'workers') throw new RangeError(`placement must be 'auto' or 'workers', got ${String(options.mode)}.`);
    this.warmUpRuns = positiveInteger(options.warmUpRuns ?? 2, 'warmUpRuns');
    this.probeEvery = positiveInteger(options.probeEvery ?? 25, 'probeEvery');
    this.weight = options.weight ?? 0.5;
    if (!(this.weight > 0 && this.weight <= 1)) throw new RangeError(`placement weight must be in (0, 1], got ${this.weight}.`);
    this.now = options.now ?? (() => performance.now());
  }

  /** Where the next run of the stage `key` goes. */
  choose(key: string, description: string): StageDecision {
    const s = this.statsOf(key, description);
    const estimates = { localMs: s.localMs, workersMs: s.workersMs };
    const decide = (executedOn: 'workers' | 'local', reason: string): StageDecision => (s.last = { stage: description, executedOn, reason, ...estimates });
    if (this.mode === 'workers') return decide('workers', "placement: 'workers' (forced)");
    if (s.workersRuns < this.warmUpRuns) return decide('workers', `measuring the workers (run ${s.workersRuns + 1} of ${this.warmUpRuns})`);
    if (s.localMs === undefined || s.workersMs === undefined) return decide('workers', 'no estimate of the work here (the executor reports no compute times)');
    const here = ms(s.localMs);
    const there = ms(s.workersMs);
    if (s.localMs >= s.workersMs) return decide('workers', `estimated ${there} on workers vs ${here} here`);
    if (s.localStreak + 1 >= this.probeEvery) return decide('workers', `measuring the workers again (every ${this.probeEvery} runs); estimated ${here} here vs ${there} on workers`);
    return decide('local', `shipping costs more than it saves: estimated ${here} here vs ${there} on workers`);
  }

  /** Learn from one run of a stage. */
  record(run: StageRun): void {
    const s = this.stats.get(run.key);
    if (!s) return;
    const w = this.weight;
    const avg = (old: number | undefined, x: number) => (old === undefined ? x : old + w * (x - old));
    if (run.executedOn === 'workers') {
      // The first run on workers pays for starting them and compiling the functions: the second
      // replaces it instead of being averaged with it.
      const fresh = s.workersRuns <= 1;
      s.workersMs = fresh ? run.wallMs : avg(s.workersMs, run.wallMs);
      if (run.computeMs !== undefined) s.localMs = fresh && s.localRuns === 0 ? run.computeMs : avg(s.localMs, run.computeMs);
      s.workersRuns++;
      s.localStreak = 0;
    } else {
      s.localMs = s.localRuns === 0 ? run.wallMs : avg(s.localMs, run.wallMs);
      s.localRuns++;
      s.localStreak++;
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
      this.stats.set(key, (s = { description, workersRuns: 0, localRuns: 0, localStreak: 0 }));
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

function ms(x: number): string {
  return x >= 10 ? `${x.toFixed(0)} ms` : x >= 1 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`;
}

function positiveInteger(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`placement ${name} must be a positive integer, got ${n}.`);
  return n;
}
