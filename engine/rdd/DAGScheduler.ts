import type { RDD } from './RDD.ts';
import type { ShuffleDependency } from './Dependency.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import { writeShuffleMapOutput } from './shuffle.ts';
import { attributeUserError } from '../closure/attribution.ts';
import { describeAggregator, type RDDDescriptor } from './descriptor.ts';
import { FetchFailedError, TaskFailedError, type Executor, type TaskOutput, type TaskSpec } from '../executor/Executor.ts';
import type { BlockLocation, CachedInput, InputBlock, MapStatus, ResultKind, ShuffleInput } from '../executor/protocol.ts';
import { rddBlockId, rddPrefix, shuffleBlockId, shufflePrefix } from '../executor/blockIds.ts';
import { MapOutputTracker } from './MapOutputTracker.ts';
import type { PlacementMode, StagePlacement, StagePlacementOptions, StageDecision, StageEstimate } from './StagePlacement.ts';
import { BlockManagerMaster } from './BlockManagerMaster.ts';
import { toWire } from './wireForm.ts';

/**
 * A result task's view of its partition: call it with an emit to receive every record.
 * Spark: the `Iterator[T]` a result function receives in `SparkContext.runJob(rdd, (it: Iterator[T]) => U)`.
 *
 * @example
 * ```ts
 * const counts = await sc.runJob(rdd, (iterate) => {
 *   let n = 0;
 *   iterate(() => n++);
 *   return n;
 * });
 * ```
 */
export type PartitionIterator<T> = (emit: Emit<T>) => void;

/**
 * How shuffle data reaches reduce tasks that run on workers. 'direct': map tasks keep their
 * buckets in their worker's block store and reduce tasks fetch them from there (over
 * MessagePorts between workers; a worker's own buckets are read in place). 'relay': map outputs
 * come back to the driver, which sends each reduce task its buckets. 'auto' (the default): a
 * shuffle read by a stage that runs on the driver is relayed; otherwise each
 * map task relays an output of at most RELAY_MAX_RECORDS records and keeps a larger one —
 * relaying saves the fetch round trip, which is what a small shuffle costs; keeping saves two
 * copies through the driver, which is what a large one costs (test/bench/shuffleTransfer.ts).
 */
export type ShuffleTransfer = 'direct' | 'relay' | 'auto';

/** 'auto': a map task's output up to this many records (all buckets) is relayed, a larger one kept. */
export const RELAY_MAX_RECORDS = 500;

/**
 * A map stage run again because outputs it had produced were lost with their workers (Spark
 * resubmits the map stage after a FetchFailed, or when an executor is removed): only the lost map
 * partitions are computed again.
 */
export interface StageResubmitted {
  readonly stage: number;
  /** The shuffle's operation and call site: `reduceByKey at wordcount.ts:12:8`. */
  readonly operation: string;
  /** The map partitions computed again. */
  readonly partitions: readonly number[];
  /** The executors whose blocks were lost. */
  readonly executors: readonly number[];
}

/**
 * Attempts of a stage whose input keeps being lost before the job fails (Spark's
 * spark.stage.maxConsecutiveAttempts): 4 when a live worker could not serve a block (something is
 * wrong with it), 16 when the worker holding it died (each death is survivable; the bound only
 * ends a job whose workers keep dying).
 */
const MAX_STAGE_ATTEMPTS = { liveExecutor: 4, deadExecutor: 16 };

/**
 * Cuts a job into stages at shuffle boundaries and runs them parents-first (Spark's
 * DAGScheduler). Map outputs are tracked per ShuffleDependency (MapOutputTracker), so a second
 * action on the same RDD reuses them.
 *
 * With an executor (a worker pool), each stage whose lineage can be described (RDD.describe())
 * runs as one task per partition on the executor: the task carries the partitions of the driver's
 * data it reads, where its shuffle blocks and cached partitions are (or, relayed, the shuffle
 * blocks themselves). Map outputs and persisted partitions stay in the worker that computed them.
 * A stage that cannot be described, or a job whose result is a driver closure (no ResultKind),
 * runs here as in local mode, after the blocks it reads are fetched here. A stage that could run on
 * the executor may still run here when shipping it costs more than it saves (StagePlacement
 * decides, per stage, from the times of its previous runs); every such decision goes to the stage
 * listeners.
 *
 * When a worker dies its blocks are gone: a task that cannot fetch one fails with
 * FetchFailedError, and the stage is run again after the map stages whose outputs were lost are
 * resubmitted for the missing map partitions (recomputed from lineage), as Spark does.
 */
export class DAGScheduler {
  /** @internal Where every shuffle's map outputs are (tests read it). */
  readonly mapOutputs: MapOutputTracker;
  /** Which executor holds which partition of a persisted RDD. */
  readonly blockManagerMaster: BlockManagerMaster;
  private nextStageId = 0;
  /**
   * Failure epochs (Spark's): the counter goes up at every fetch failure, and an executor a fetch
   * failed from is noted with the epoch of that failure. Blocks it kept before then are taken as
   * lost (the executor died, or lost them); blocks it keeps afterwards are good.
   */
  private epoch = 0;
  private readonly fetchFailedAt = new Map<number, number>();
  /**
   * Tasks run on the executor vs in this thread (with an executor, a stage runs here when it cannot
   * be described, or, counted in `localTasksByCost` too, when running it here was estimated
   * cheaper); fetch failures and stages run again because of them; `stages`: each stage's latest
   * placement decision and its estimates.
   */
  readonly metrics: { remoteTasks: number; localTasks: number; localTasksByCost: number; fetchFailures: number; resubmittedStages: number; readonly stages: StageEstimate[] };
  private readonly stageListeners: ((decision: StageDecision) => void)[] = [];
  /** See ShuffleTransfer. 'auto' whenever the executor has block stores, else 'relay'. */
  shuffleTransfer: ShuffleTransfer;

  private readonly resubmitListeners: ((e: StageResubmitted) => void)[] = [];

  /** Be told when a map stage runs again because its outputs were lost (a StreamingContext posts `stageResubmitted`). */
  addStageResubmittedListener(listener: (e: StageResubmitted) => void): void {
    this.resubmitListeners.push(listener);
  }

  /** Be told where each stage that could run on the executor ran, and why. */
  addStageListener(listener: (decision: StageDecision) => void): void {
    this.stageListeners.push(listener);
  }

  /**
   * Where a stage that can run on the executor runs this time (StagePlacement decides); its run is
   * timed from `begin()` (each attempt) until `done()`.
   */
  private place(rdd: RDD<any>, d: RDDDescriptor, result: ResultKind, tasks: number, what: string): PlacedStage {
    const placement = this.placement!;
    const key = this.stageKey!(d, result);
    const stage = `${d.operation} at ${d.callSite} (${what})`;
    const pinned = keptInWorkers(rdd);
    const decision: StageDecision = pinned !== undefined ? { stage, executedOn: 'workers', reason: pinned } : placement.choose(key, stage);
    for (const listener of this.stageListeners) listener(decision);
    const remote = decision.executedOn === 'workers';
    if (!remote) this.metrics.localTasksByCost += tasks;
    let start = placement.now();
    return {
      remote,
      begin: () => void (start = placement.now()),
      done: () => placement.record({ key, executedOn: decision.executedOn, wallMs: placement.now() - start }),
    };
  }

  /**
   * Where stages run (with an executor): StagePlacement, loaded (with the check of records that
   * cross to a worker) by the first job that has an executor to place stages on: a page without
   * workers never loads them.
   */
  placement: StagePlacement | undefined;
  private stageKey: typeof import('./StagePlacement.ts').stageKey | undefined;
  private uncloneableRecord: typeof import('../executor/cloneable.ts').uncloneableRecord | undefined;
  private placementLoaded: Promise<void> | undefined;

  constructor(
    readonly executor?: Executor,
    private readonly placementOption: PlacementMode | StagePlacementOptions | StagePlacement = 'auto',
  ) {
    const self = this;
    this.metrics = { remoteTasks: 0, localTasks: 0, localTasksByCost: 0, fetchFailures: 0, resubmittedStages: 0, get stages() { return self.placement?.estimates() ?? []; } };
    const stores = executor?.isLive && executor.fetchBlocks ? executor : undefined;
    const isValid = (e: number, epoch: number) => (stores?.isLive!(e) ?? false) && (this.fetchFailedAt.get(e) ?? -1) < epoch;
    this.mapOutputs = new MapOutputTracker(isValid, stores?.removeBlocks && ((id) => stores.removeBlocks!([shufflePrefix(id)])));
    this.blockManagerMaster = new BlockManagerMaster(isValid, () => this.epoch, stores?.removeBlocks && ((id) => stores.removeBlocks!([rddPrefix(id)])));
    this.shuffleTransfer = stores ? 'auto' : 'relay';
  }

  async runJob<T, U>(
    rdd: RDD<T>,
    func: (iterate: PartitionIterator<T>, partition: number) => U,
    partitions?: readonly number[],
    result?: () => ResultKind,
  ): Promise<U[]> {
    const parts = partitions ?? Array.from({ length: rdd.numPartitions }, (_, i) => i);
    if (!this.executor) {
      await this.submitMissingShuffles(rdd, new Set());
      validate(rdd, parts);
      return this.runLocal(rdd, func, parts, this.nextStageId++);
    }
    validate(rdd, parts);
    await (this.placementLoaded ??= Promise.all([import('./StagePlacement.ts'), import('../executor/cloneable.ts')]).then(([m, c]) => {
      this.stageKey = m.stageKey;
      this.uncloneableRecord = c.uncloneableRecord;
      const option = this.placementOption;
      this.placement = option instanceof m.StagePlacement ? option : new m.StagePlacement(typeof option === 'object' ? option : { mode: option });
    }));
    const stageId = this.nextStageId++;
    const results = new Map<number, U>();
    const descriptor = result ? rdd.describe() : undefined;
    const kind = descriptor && result!();
    // Placed (by cost) once its input shuffles are available, so decisions follow the stages' order.
    let placed: PlacedStage | undefined;
    // A stage that can only run here reads its shuffles here: 'auto' relays them rather than keep them in workers.
    await this.withResubmission(rdd, !descriptor, async () => {
      const missing = parts.filter((p) => !results.has(p));
      placed ??= descriptor && this.place(rdd, descriptor, kind!, parts.length, kind!.kind);
      placed?.begin();
      if (placed?.remote) {
        const share = this.fairShare(missing.length);
        await this.settleTasks(missing.map(async (p) => void results.set(p, (await this.runRemote(rdd, descriptor!, stageId, p, kind!, share)).value as U)));
        return;
      }
      await this.fetchToDriver(rdd, new Set());
      const out = this.runLocal(rdd, func, missing, stageId);
      missing.forEach((p, i) => results.set(p, out[i]!));
    });
    placed?.done();
    return parts.map((p) => results.get(p)!);
  }

  private runLocal<T, U>(rdd: RDD<T>, func: (iterate: PartitionIterator<T>, partition: number) => U, parts: readonly number[], stageId: number): U[] {
    this.metrics.localTasks += parts.length;
    return parts.map((p) => {
      const ctx = this.taskContext(stageId, p);
      try {
        return func((emit) => rdd.iterator(p, ctx, emit), p);
      } catch (e) {
        throw attributeUserError(e, siteOf(rdd));
      }
    });
  }

  /**
   * Run `stage` once the shuffles below `rdd` are available; when it fails because a block was
   * lost, make them available again (resubmitting the lost map partitions) and run it again.
   * `stage` runs only what is still missing on each attempt.
   */
  private async withResubmission(rdd: RDD<any>, readOnDriver: boolean, stage: () => Promise<void>): Promise<void> {
    const failures = { liveExecutor: 0, deadExecutor: 0 };
    for (;;) {
      await this.submitMissingShuffles(rdd, new Set(), readOnDriver);
      try {
        return await stage();
      } catch (e) {
        if (!(e instanceof FetchFailedError)) throw e;
        const kind = this.executor!.isLive?.(e.executor) ? 'liveExecutor' : 'deadExecutor';
        if (++failures[kind] >= MAX_STAGE_ATTEMPTS[kind]) {
          const attempts = failures.liveExecutor + failures.deadExecutor;
          throw new TaskFailedError(`${rdd.creationSite}: its input was lost ${attempts} times (the last time: ${e.message}); giving up.`);
        }
        this.metrics.resubmittedStages++;
      }
    }
  }

  /**
   * Await every task. A task that could not fetch its input does not stop the others; if one failed
   * otherwise, that error is thrown, else the first FetchFailedError (every lost executor is noted).
   */
  private async settleTasks(tasks: Promise<void>[]): Promise<void> {
    const settled = await Promise.allSettled(tasks);
    let fetchFailed: FetchFailedError | undefined;
    for (const s of settled) {
      if (s.status === 'fulfilled') continue;
      if (!(s.reason instanceof FetchFailedError)) throw s.reason;
      this.fetchFailed(s.reason);
      fetchFailed ??= s.reason;
    }
    if (fetchFailed) throw fetchFailed;
  }

  /** Blocks of `executor` kept until now are lost. Every FetchFailedError passes here. */
  private fetchFailed(e: FetchFailedError): FetchFailedError {
    this.metrics.fetchFailures++;
    this.fetchFailedAt.set(e.executor, this.epoch++);
    return e;
  }

  /**
   * Run the map stage of every shuffle below `rdd` whose output is not (or no longer) all
   * available. `readOnDriver`: the stage of `rdd` runs on the driver (so reads its shuffles there).
   */
  private async submitMissingShuffles(rdd: RDD<any>, visited: Set<RDD<any>>, readOnDriver = false): Promise<void> {
    if (visited.has(rdd) || rdd.isMaterialized() || this.blockManagerMaster.allLive(rdd)) return;
    visited.add(rdd);
    for (const dep of rdd.dependencies) {
      if (dep.kind === 'shuffle' && this.mapOutputs.isAvailable(dep)) continue;
      // A shuffle's map side is a stage of its own (on the workers when it can be described).
      await this.submitMissingShuffles(dep.rdd, visited, dep.kind === 'shuffle' ? false : readOnDriver);
      if (dep.kind === 'shuffle') await this.runShuffleMapStage(dep, readOnDriver);
    }
  }

  private async runShuffleMapStage(dep: ShuffleDependency<any, any, any>, readOnDriver = false): Promise<void> {
    await dep.partitioner.prepare?.();
    const stageId = this.nextStageId++;
    if (!this.executor) return this.runLocalMapTasks(dep, this.mapOutputs.missing(dep), stageId);
    const remote = this.describeMapSide(dep, readOnDriver);
    const placed = remote && this.place(dep.rdd, remote.rdd, remote.result, dep.rdd.numPartitions, `the map side of ${dep.operation}`);
    await this.withResubmission(dep.rdd, !placed || !placed.remote, async () => {
      const missing = this.mapOutputs.missing(dep);
      const lost = this.mapOutputs.lostExecutors(dep);
      if (lost.length > 0) {
        const e: StageResubmitted = { stage: stageId, operation: `${dep.operation} at ${siteOf(dep.rdd).callSite}`, partitions: missing, executors: lost };
        for (const listener of this.resubmitListeners) {
          try {
            listener(e);
          } catch (err) {
            console.error('DAGScheduler: a stage-resubmitted listener threw (the job goes on):', err);
          }
        }
      }
      placed?.begin();
      if (!remote || !placed!.remote) {
        await this.fetchToDriver(dep.rdd, new Set());
        return this.runLocalMapTasks(dep, missing, stageId);
      }
      const share = this.fairShare(missing.length);
      await this.settleTasks(missing.map(async (p) => {
        const out = await this.runRemote(dep.rdd, remote.rdd, stageId, p, remote.result, share);
        if (!Array.isArray(out.value) && out.executor !== undefined) this.mapOutputs.register(dep, p, { executor: out.executor, sizes: (out.value as MapStatus).sizes, epoch: this.epoch });
        else this.mapOutputs.register(dep, p, { executor: undefined, buckets: out.value as unknown[][] });
      }));
    });
    placed?.done();
  }

  private runLocalMapTasks(dep: ShuffleDependency<any, any, any>, partitions: readonly number[], stageId: number): void {
    this.metrics.localTasks += partitions.length;
    for (const p of partitions) {
      try {
        this.mapOutputs.register(dep, p, { executor: undefined, buckets: writeShuffleMapOutput(dep, p, this.taskContext(stageId, p)) });
      } catch (e) {
        throw attributeUserError(e, siteOf(dep.rdd));
      }
    }
  }

  /** The map side of a shuffle as a task, when its lineage, partitioner and aggregator can all travel. */
  private describeMapSide(dep: ShuffleDependency<any, any, any>, readOnDriver: boolean): { rdd: RDDDescriptor; result: ResultKind } | undefined {
    const partitioner = dep.partitioner.describe?.();
    const aggregator = dep.aggregator && describeAggregator(dep.aggregator);
    if (!partitioner || (dep.aggregator && !aggregator)) return undefined;
    const rdd = dep.rdd.describe();
    if (!rdd) return undefined;
    const keepAbove = { direct: 0, relay: Infinity, auto: readOnDriver ? Infinity : RELAY_MAX_RECORDS }[this.shuffleTransfer];
    return { rdd, result: { kind: 'shuffleMap', shuffleId: dep.shuffleId, partitioner, aggregator, mapSideCombine: dep.mapSideCombine, operation: dep.operation, keepAbove } };
  }

  /**
   * How many of a stage's `tasks` may prefer one executor: its fair share. Without a cap, a stage
   * whose blocks all sit in one worker (the first batch ran before the others had started, say)
   * keeps every task waiting for that worker, and so does every later batch reading what it
   * computed (a state kept in the workers): the others stay idle for good. Past the share a task
   * prefers the least used worker and fetches what it reads there; its output then stays there.
   */
  private fairShare(tasks: number): { readonly limit: number; readonly counts: Map<number, number> } {
    return { limit: Math.ceil(tasks / Math.max(1, this.executor?.size ?? 1)), counts: new Map() };
  }

  private async runRemote(rdd: RDD<any>, descriptor: RDDDescriptor, stageId: number, partition: number, result: ResultKind, share?: { readonly limit: number; readonly counts: Map<number, number> }): Promise<TaskOutput> {
    const inputs: InputBlock[] = [];
    const shuffleInputs: ShuffleInput[] = [];
    const cachedInputs: CachedInput[] = [];
    const weights = new Map<number, number>();
    this.gatherInputs(rdd, descriptor, partition, this.taskContext(stageId, partition), { inputs, shuffleInputs, cachedInputs, weights });
    let preferred: number | undefined;
    for (const [e, w] of weights) if (preferred === undefined || w > weights.get(preferred)!) preferred = e;
    if (preferred !== undefined && share) {
      // Past the share of the executor holding its input, a task prefers the executor with the fewest of the stage's tasks.
      if ((share.counts.get(preferred) ?? 0) >= share.limit) {
        for (const e of this.executor!.executors ?? []) if ((share.counts.get(e) ?? 0) < (share.counts.get(preferred) ?? 0)) preferred = e;
      }
      share.counts.set(preferred, (share.counts.get(preferred) ?? 0) + 1);
    }
    const task: TaskSpec = {
      description: `${descriptor.operation} at ${descriptor.callSite}`,
      stageId,
      partition,
      rdd: descriptor,
      inputs,
      shuffleInputs,
      cachedInputs,
      result,
      preferredExecutors: preferred === undefined ? [] : [preferred],
    };
    this.metrics.remoteTasks++;
    const out = await this.executor!.runTask(task);
    if (out.stored.length > 0 && out.executor !== undefined) {
      const byId = stageRDDs(rdd);
      for (const b of out.stored) {
        const stored = byId.get(b.rddId);
        if (stored) this.blockManagerMaster.register(stored, b.partition, out.executor);
      }
    }
    return out;
  }

  /**
   * What partition `p` of a described stage reads: the driver-held partitions, the shuffle blocks
   * (or where they are), and the cached partitions workers hold (below which nothing is read).
   * `weights` counts, per executor, the records the task would read there (for locality).
   */
  private gatherInputs(
    rdd: RDD<any>,
    d: RDDDescriptor,
    p: number,
    ctx: TaskContext,
    into: { inputs: InputBlock[]; shuffleInputs: ShuffleInput[]; cachedInputs: CachedInput[]; weights: Map<number, number> },
  ): void {
    if (d.kind === 'input') {
      if (into.inputs.some((b) => b.rddId === rdd.id && b.partition === p)) return;
      // Held in a worker too (this RDD's own partition, or the RDD this one is the driver's copy of): read there, not sent.
      const twin = rdd.heldInWorkersAs ?? (rdd.isPersisted ? rdd : undefined);
      const at = twin?.isPersisted ? this.blockManagerMaster.location(twin, p) : undefined;
      if (at !== undefined) {
        into.inputs.push({ rddId: rdd.id, partition: p, records: [], heldAs: twin!.id });
        if (!into.cachedInputs.some((c) => c.rddId === twin!.id && c.partition === p)) into.cachedInputs.push({ rddId: twin!.id, partition: p, executor: at });
        into.weights.set(at, (into.weights.get(at) ?? 0) + 1e6);
        return;
      }
      const computed: unknown[] = [];
      try {
        rdd.iterator(p, ctx, (x) => computed.push(x));
      } catch (e) {
        throw attributeUserError(e, siteOf(rdd));
      }
      const records = toWire(computed) as unknown[];
      const bad = this.uncloneableRecord!(records);
      if (bad) {
        throw new TypeError(
          `The records of ${rdd.creationSite} cannot be sent to a worker: ${bad}. ` +
            `Records that cross threads must be plain data (objects, arrays, Map, Set, Date, typed arrays).`,
        );
      }
      into.inputs.push({ rddId: rdd.id, partition: p, records });
      return;
    }
    if (rdd.isPersisted) {
      const executor = this.blockManagerMaster.location(rdd, p);
      if (executor !== undefined) {
        if (!into.cachedInputs.some((c) => c.rddId === rdd.id && c.partition === p)) into.cachedInputs.push({ rddId: rdd.id, partition: p, executor });
        into.weights.set(executor, (into.weights.get(executor) ?? 0) + 1e6);
        return;
      }
    }
    rdd.dependencies.forEach((dep, i) => {
      if (dep.kind === 'shuffle') {
        if (into.shuffleInputs.some((s) => s.shuffleId === dep.shuffleId && (s.partition ?? ctx.partitionId) === p)) return;
        const blocks = this.mapOutputs.get(dep).map((o, mapId): readonly unknown[] | BlockLocation => {
          if (o.executor === undefined) return o.buckets[p]!;
          const size = o.sizes[p]!;
          if (size === 0) return [];
          into.weights.set(o.executor, (into.weights.get(o.executor) ?? 0) + size);
          return { executor: o.executor, blockId: shuffleBlockId(dep.shuffleId, mapId, p) };
        });
        into.shuffleInputs.push(p === ctx.partitionId ? { shuffleId: dep.shuffleId, blocks } : { shuffleId: dep.shuffleId, partition: p, blocks });
        return;
      }
      for (const q of dep.parents(p)) this.gatherInputs(dep.rdd, d.parents[i]!, q, ctx, into);
    });
  }

  /**
   * Before a stage runs here: bring to the driver the blocks it reads that are in workers — the
   * map outputs of the shuffles below it, and the persisted partitions workers hold (rather than
   * computing them again). Rejects with FetchFailedError when a worker holding one was lost.
   */
  private async fetchToDriver(rdd: RDD<any>, visited: Set<RDD<any>>): Promise<void> {
    const executor = this.executor;
    if (!executor?.fetchBlocks || visited.has(rdd) || rdd.isMaterialized()) return;
    visited.add(rdd);
    if (rdd.isPersisted) {
      const held = new Set(rdd.cachedPartitions().map(([p]) => p));
      const byExecutor = new Map<number, number[]>();
      for (let p = 0; p < rdd.numPartitions; p++) {
        const e = held.has(p) ? undefined : this.blockManagerMaster.location(rdd, p);
        if (e !== undefined) byExecutor.set(e, [...(byExecutor.get(e) ?? []), p]);
      }
      await Promise.all([...byExecutor].map(async ([e, parts]) => {
        const blocks = await executor.fetchBlocks!(e, parts.map((p) => rddBlockId(rdd.id, p))).catch(this.noteFetchFailure);
        parts.forEach((p, i) => rdd.putCachedPartition(p, blocks[i]!));
      }));
      if (rdd.isMaterialized()) return;
    }
    for (const dep of rdd.dependencies) {
      if (dep.kind === 'narrow') {
        await this.fetchToDriver(dep.rdd, visited);
        continue;
      }
      const outputs = this.mapOutputs.get(dep);
      await Promise.all(outputs.map(async (o, mapId) => {
        if (o.executor === undefined) return;
        const nonEmpty = o.sizes.flatMap((n, r) => (n > 0 ? [r] : []));
        const fetched = await executor.fetchBlocks!(o.executor, nonEmpty.map((r) => shuffleBlockId(dep.shuffleId, mapId, r))).catch(this.noteFetchFailure);
        const buckets: unknown[][] = o.sizes.map(() => []);
        nonEmpty.forEach((r, i) => (buckets[r] = fetched[i]!));
        this.mapOutputs.register(dep, mapId, { executor: undefined, buckets });
      }));
    }
  }

  private readonly noteFetchFailure = (e: unknown): never => {
    throw e instanceof FetchFailedError ? this.fetchFailed(e) : e;
  };

  private taskContext(stageId: number, partitionId: number): TaskContext {
    const mapOutputs = this.mapOutputs;
    return {
      stageId,
      partitionId,
      attemptNumber: 0,
      shuffleBlocks(dep, reducePartition) {
        return mapOutputs.get(dep).map((o) => {
          if (o.executor !== undefined) throw new Error(`internal: shuffle ${dep.shuffleId} read on the driver before its blocks were fetched`);
          return o.buckets[reducePartition]!;
        });
      },
    };
  }
}

/** One run of a stage placed by cost: where it runs; `done()` records its time (from the last `begin()`) for the next decision. */
interface PlacedStage {
  readonly remote: boolean;
  begin(): void;
  done(): void;
}

function validate(rdd: RDD<any>, parts: readonly number[]): void {
  for (const p of parts) {
    if (!Number.isInteger(p) || p < 0 || p >= rdd.numPartitions) {
      throw new RangeError(`runJob: partition ${p} does not exist in ${rdd} (it has ${rdd.numPartitions}).`);
    }
  }
}

/** The RDDs one stage computes (down to shuffle boundaries and materialized RDDs), by id. */
function stageRDDs(rdd: RDD<any>, out = new Map<number, RDD<any>>()): Map<number, RDD<any>> {
  if (out.has(rdd.id)) return out;
  out.set(rdd.id, rdd);
  if (!rdd.isMaterialized()) for (const dep of rdd.dependencies) if (dep.kind === 'narrow') stageRDDs(dep.rdd, out);
  return out;
}

/** Why a stage must run on the workers: an RDD it reads keeps its partitions there (RDD.keptInWorkers). */
function keptInWorkers(rdd: RDD<any>): string | undefined {
  for (const r of stageRDDs(rdd).values()) if (r.keptInWorkers !== undefined) return r.keptInWorkers;
  return undefined;
}

/** For an error with no stack (a thrown string): name the RDD whose task was running. */
function siteOf(rdd: RDD<any>): { operation: string; callSite: string } {
  return { operation: rdd.operation, callSite: rdd.creationSite.slice(rdd.operation.length + ' at '.length) };
}
