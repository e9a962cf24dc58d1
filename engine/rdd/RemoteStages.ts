import { InvalidArgumentError } from '../util/errors.ts';
import type { RDD } from './RDD.ts';
import type { ShuffleDependency } from './Dependency.ts';
import { describeAggregator, type RDDDescriptor } from './descriptor.ts';
import { FetchFailedError, TaskFailedError, type TaskOutput, type TaskSpec } from '../executor/Executor.ts';
import type { BlockLocation, CachedInput, InputBlock, MapStatus, ResultKind, ShuffleInput, SourceRead } from '../executor/protocol.ts';
import { rddBlockId, shuffleBlockId } from '../executor/blockIds.ts';
import type { StagePlacement, StageDecision } from './StagePlacement.ts';
import type { TaskContext } from './TaskContext.ts';
import { attributeUserError } from '../closure/attribution.ts';
import { RELAY_MAX_RECORDS, siteOf, type DAGScheduler, type PartitionIterator, type StageResubmitted } from './DAGScheduler.ts';
import { toWire } from './wireForm.ts';

/**
 * Attempts of a stage whose input keeps being lost before the job fails (Spark's
 * spark.stage.maxConsecutiveAttempts): 4 when a live worker could not serve a block (something is
 * wrong with it), 16 when the worker holding it died (each death is survivable; the bound only
 * ends a job whose workers keep dying).
 */
const MAX_STAGE_ATTEMPTS = { liveExecutor: 4, deadExecutor: 16 };

/**
 * How a DAGScheduler with an executor runs stages: each stage whose lineage can be described runs
 * as one task per partition on the executor, or here when StagePlacement says shipping it costs
 * more than it saves (or it cannot be described); a stage whose input was lost runs again after
 * the lost map outputs are recomputed. Loaded with the first job that has an executor, so a page
 * without workers never loads it. (Spark's DAGScheduler + TaskSchedulerImpl, the executor side.)
 */
export class RemoteStages {
  constructor(
    private readonly s: DAGScheduler,
    private readonly placement: StagePlacement,
    private readonly stageKey: typeof import('./StagePlacement.ts').stageKey,
    private readonly uncloneableRecord: typeof import('../executor/cloneable.ts').uncloneableRecord,
  ) {}

  /** A job's result stage, on the executor or here (placed by cost), after the shuffles below it. */
  async runJob<T, U>(rdd: RDD<T>, func: (iterate: PartitionIterator<T>, partition: number) => U, parts: readonly number[], result?: () => ResultKind | string): Promise<U[]> {
    const stageId = this.s.nextStageId++;
    const results = new Map<number, U>();
    let descriptor = result ? rdd.describe() : undefined;
    const wanted = descriptor && result!();
    // A function of the action that cannot reach a worker: the stage runs here, and the listener hears why.
    if (typeof wanted === 'string') descriptor = undefined;
    const kind = typeof wanted === 'string' ? undefined : wanted;
    if (result && !descriptor) this.notShipped(rdd, typeof wanted === 'string' ? wanted : rdd.whyNotDescribed(), 'the result stage');
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
      await this.fetchToDriver(rdd, missing, new Set());
      const out = this.s.runLocal(rdd, func, missing, stageId);
      missing.forEach((p, i) => results.set(p, out[i]!));
    });
    placed?.done();
    return parts.map((p) => results.get(p)!);
  }

  /** A shuffle's map stage, on the executor or here (placed by cost). */
  async runShuffleMapStage(dep: ShuffleDependency<any, any, any>, readOnDriver: boolean, stageId: number): Promise<void> {
    const remote = this.describeMapSide(dep, readOnDriver);
    if (typeof remote === 'string') this.notShipped(dep.rdd, remote, `the map side of ${dep.operation}`);
    const placed = typeof remote === 'object' ? this.place(dep.rdd, remote.rdd, remote.result, dep.rdd.numPartitions, `the map side of ${dep.operation}`) : undefined;
    await this.withResubmission(dep.rdd, !placed || !placed.remote, async () => {
      const missing = this.s.mapOutputs.missing(dep);
      const lost = this.s.mapOutputs.lostExecutors(dep);
      if (lost.length > 0) {
        const e: StageResubmitted = { stage: stageId, operation: `${dep.operation} at ${siteOf(dep.rdd).callSite}`, partitions: missing, executors: lost };
        for (const listener of this.s.resubmitListeners) {
          try {
            listener(e);
          } catch (err) {
            this.s.logger.error('DAGScheduler: a stage-resubmitted listener threw (the job goes on):', err);
          }
        }
      }
      placed?.begin();
      if (typeof remote !== 'object' || !placed!.remote) {
        await this.fetchToDriver(dep.rdd, missing, new Set());
        return this.s.runLocalMapTasks(dep, missing, stageId);
      }
      const share = this.fairShare(missing.length);
      await this.settleTasks(
        missing.map(async (p) => {
          const out = await this.runRemote(dep.rdd, remote.rdd, stageId, p, remote.result, share);
          if (!Array.isArray(out.value) && out.executor !== undefined) this.s.mapOutputs.register(dep, p, { executor: out.executor, sizes: (out.value as MapStatus).sizes, epoch: this.s.epoch });
          else this.s.mapOutputs.register(dep, p, { executor: undefined, buckets: out.value as unknown[][] });
        }),
      );
    });
    placed?.done();
  }

  /**
   * A stage runs here because one of its functions cannot reach a worker (created at batch time
   * and using its surroundings, say): the listener is told which and why, as for a stage placed here by cost.
   */
  private notShipped(rdd: RDD<any>, why: string | undefined, what: string): void {
    if (!why) return;
    const { operation, callSite } = siteOf(rdd);
    const decision: StageDecision = { stage: `${operation} at ${callSite} (${what})`, executedOn: 'local', reason: why };
    for (const listener of this.s.stageListeners) listener(decision);
  }

  /**
   * Where a stage that can run on the executor runs this time (StagePlacement decides); its run is
   * timed from `begin()` (each attempt) until `done()`.
   */
  private place(rdd: RDD<any>, d: RDDDescriptor, result: ResultKind, tasks: number, what: string): PlacedStage {
    const placement = this.placement;
    const key = this.stageKey(d, result);
    const stage = `${d.operation} at ${d.callSite} (${what})`;
    const pinned = keptInWorkers(rdd);
    const decision: StageDecision = pinned !== undefined ? { stage, executedOn: 'workers', reason: pinned } : placement.choose(key, stage);
    for (const listener of this.s.stageListeners) listener(decision);
    const remote = decision.executedOn === 'workers';
    if (!remote) this.s.metrics.localTasksByCost += tasks;
    let start = placement.now();
    return {
      remote,
      begin: () => void (start = placement.now()),
      done: () => placement.record({ key, executedOn: decision.executedOn, wallMs: placement.now() - start }),
    };
  }

  /**
   * Run `stage` once the shuffles below `rdd` are available; when it fails because a block was
   * lost, make them available again (resubmitting the lost map partitions) and run it again.
   * `stage` runs only what is still missing on each attempt.
   */
  private async withResubmission(rdd: RDD<any>, readOnDriver: boolean, stage: () => Promise<void>): Promise<void> {
    const failures = { liveExecutor: 0, deadExecutor: 0 };
    for (;;) {
      await this.s.submitMissingShuffles(rdd, new Set(), readOnDriver);
      try {
        return await stage();
      } catch (e) {
        if (!(e instanceof FetchFailedError)) throw e;
        const kind = this.s.executor!.isLive?.(e.executor) ? 'liveExecutor' : 'deadExecutor';
        if (++failures[kind] >= MAX_STAGE_ATTEMPTS[kind]) {
          const attempts = failures.liveExecutor + failures.deadExecutor;
          throw new TaskFailedError(`${rdd.creationSite}: its input was lost ${attempts} times (the last time: ${e.message}); giving up.`);
        }
        this.s.metrics.resubmittedStages++;
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
      this.s.fetchFailed(s.reason);
      fetchFailed ??= s.reason;
    }
    if (fetchFailed) throw fetchFailed;
  }

  /** The map side of a shuffle as a task, when its lineage, partitioner and aggregator can all travel. */
  /** The map side of a shuffle as a task, or why a function in it cannot reach a worker (a string), or undefined. */
  private describeMapSide(dep: ShuffleDependency<any, any, any>, readOnDriver: boolean): { rdd: RDDDescriptor; result: ResultKind } | string | undefined {
    const partitioner = dep.partitioner.describe?.();
    const aggregator = dep.aggregator && describeAggregator(dep.aggregator, dep.rdd.context.pipelineInWorkers);
    if (typeof aggregator === 'string') return aggregator;
    if (!partitioner) return undefined;
    const rdd = dep.rdd.describe();
    if (!rdd) return dep.rdd.whyNotDescribed();
    const keepAbove = { direct: 0, relay: Infinity, auto: readOnDriver ? Infinity : RELAY_MAX_RECORDS }[this.s.shuffleTransfer];
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
    return { limit: Math.ceil(tasks / Math.max(1, this.s.executor?.size ?? 1)), counts: new Map() };
  }

  private async runRemote(
    rdd: RDD<any>,
    descriptor: RDDDescriptor,
    stageId: number,
    partition: number,
    result: ResultKind,
    share?: { readonly limit: number; readonly counts: Map<number, number> },
  ): Promise<TaskOutput> {
    const inputs: InputBlock[] = [];
    const shuffleInputs: ShuffleInput[] = [];
    const cachedInputs: CachedInput[] = [];
    const sourceReads: SourceRead[] = [];
    const weights = new Map<number, number>();
    this.gatherInputs(rdd, descriptor, partition, this.s.taskContext(stageId, partition), { inputs, shuffleInputs, cachedInputs, sourceReads, weights });
    let preferred: number | undefined;
    for (const [e, w] of weights) if (preferred === undefined || w > weights.get(preferred)!) preferred = e;
    if (preferred !== undefined && share) {
      // Past the share of the executor holding its input, a task prefers the executor with the fewest of the stage's tasks.
      if ((share.counts.get(preferred) ?? 0) >= share.limit) {
        for (const e of this.s.executor!.executors ?? []) if ((share.counts.get(e) ?? 0) < (share.counts.get(preferred) ?? 0)) preferred = e;
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
      sourceReads,
      result,
      preferredExecutors: preferred === undefined ? [] : [preferred],
    };
    this.s.metrics.remoteTasks++;
    const out = await this.s.executor!.runTask(task);
    this.s.metrics.rangesReadInWorkers += sourceReads.length;
    if (out.stored.length > 0 && out.executor !== undefined) {
      const byId = stageRDDs(rdd);
      for (const b of out.stored) {
        const stored = byId.get(b.rddId);
        if (stored) this.s.blockManagerMaster.register(stored, b.partition, out.executor);
      }
    }
    return out;
  }

  /**
   * What partition `p` of a described stage reads: the driver-held partitions, the shuffle blocks
   * (or where they are), the cached partitions workers hold (below which nothing is read), and the
   * ranges of direct streams' batches that it reads from their sources (none holds them yet).
   * `weights` counts, per executor, the records the task would read there (for locality).
   */
  private gatherInputs(
    rdd: RDD<any>,
    d: RDDDescriptor,
    p: number,
    ctx: TaskContext,
    into: { inputs: InputBlock[]; shuffleInputs: ShuffleInput[]; cachedInputs: CachedInput[]; sourceReads: SourceRead[]; weights: Map<number, number> },
  ): void {
    if (d.kind === 'sourceRange') return this.gatherSourceRange(rdd, p, into);
    if (d.kind === 'input') {
      if (into.inputs.some((b) => b.rddId === rdd.id && b.partition === p)) return;
      // Held in a worker too (this RDD's own partition, or the RDD this one is the driver's copy of): read there, not sent.
      const twin = rdd.heldInWorkersAs ?? (rdd.isPersisted ? rdd : undefined);
      const at = twin?.isPersisted ? this.s.blockManagerMaster.location(twin, p) : undefined;
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
      into.inputs.push({ rddId: rdd.id, partition: p, records: this.crossing(rdd, computed) });
      return;
    }
    if (rdd.isPersisted) {
      const executor = this.s.blockManagerMaster.location(rdd, p);
      if (executor !== undefined) {
        if (!into.cachedInputs.some((c) => c.rddId === rdd.id && c.partition === p)) into.cachedInputs.push({ rddId: rdd.id, partition: p, executor });
        into.weights.set(executor, (into.weights.get(executor) ?? 0) + 1e6);
        return;
      }
    }
    rdd.dependencies.forEach((dep, i) => {
      if (dep.kind === 'shuffle') {
        if (into.shuffleInputs.some((s) => s.shuffleId === dep.shuffleId && (s.partition ?? ctx.partitionId) === p)) return;
        const blocks = this.s.mapOutputs.get(dep).map((o, mapId): readonly unknown[] | BlockLocation => {
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

  /** Records of `rdd` the driver holds, as they cross to a worker; refused when a clone would break them. */
  private crossing(rdd: RDD<any>, held: readonly unknown[]): unknown[] {
    const records = toWire(held) as unknown[];
    const bad = this.uncloneableRecord(records);
    if (bad) {
      throw new InvalidArgumentError(
        `The records of ${rdd.creationSite} cannot be sent to a worker: ${bad}. ` + `Records that cross threads must be plain data (objects, arrays, Map, Set, Date, typed arrays).`,
      );
    }
    return records;
  }

  /**
   * A direct stream's batch partition: sent when the driver read it (a stage ran here), read where
   * a worker holds it, else read from the source by the task, with its worker's copy of the source.
   */
  private gatherSourceRange(rdd: RDD<any>, p: number, into: { inputs: InputBlock[]; cachedInputs: CachedInput[]; sourceReads: SourceRead[]; weights: Map<number, number> }): void {
    if (into.sourceReads.some((s) => s.rddId === rdd.id && s.partition === p) || into.inputs.some((b) => b.rddId === rdd.id && b.partition === p)) return;
    const here = rdd.cachedPartitions().find(([q]) => q === p);
    if (here) {
      into.inputs.push({ rddId: rdd.id, partition: p, records: this.crossing(rdd, here[1]) });
      return;
    }
    const at = this.s.blockManagerMaster.location(rdd, p);
    if (at !== undefined) {
      if (!into.cachedInputs.some((c) => c.rddId === rdd.id && c.partition === p)) into.cachedInputs.push({ rddId: rdd.id, partition: p, executor: at });
      into.weights.set(at, (into.weights.get(at) ?? 0) + 1e6);
      return;
    }
    into.sourceReads.push({ rddId: rdd.id, partition: p });
  }

  /**
   * Before a stage runs here: bring to the driver the blocks it reads that are in workers — the
   * map outputs of the shuffles below it, and the persisted partitions workers hold (rather than
   * computing them again), and the direct streams' ranges no worker holds, read here. Only below
   * the partitions `parts` it computes: a partition a worker
   * holds is fetched and nothing under it is read (fetching the previous batch's state would take
   * it back from the batch that took it over in place: mapWithStateOps.ts). Rejects with
   * FetchFailedError when a worker holding one was lost.
   */
  private async fetchToDriver(rdd: RDD<any>, parts: readonly number[], visited: Set<string>): Promise<void> {
    const executor = this.s.executor;
    if (!executor?.fetchBlocks || rdd.isMaterialized()) return;
    let missing = parts.filter((p) => !visited.has(`${rdd.id}:${p}`));
    for (const p of missing) visited.add(`${rdd.id}:${p}`);
    if (rdd.isPersisted) {
      const held = new Set(rdd.cachedPartitions().map(([p]) => p));
      missing = missing.filter((p) => !held.has(p));
      const byExecutor = new Map<number, number[]>();
      for (const p of missing) {
        const e = this.s.blockManagerMaster.location(rdd, p);
        if (e !== undefined) byExecutor.set(e, [...(byExecutor.get(e) ?? []), p]);
      }
      await Promise.all(
        [...byExecutor].map(async ([e, located]) => {
          const blocks = await executor.fetchBlocks!(
            e,
            located.map((p) => rddBlockId(rdd.id, p)),
          ).catch(this.noteFetchFailure);
          located.forEach((p, i) => rdd.putCachedPartition(p, blocks[i]!));
        }),
      );
      const fetched = new Set(rdd.cachedPartitions().map(([q]) => q));
      missing = missing.filter((p) => !fetched.has(p));
    }
    if (missing.length === 0) return;
    // Partitions read from outside (a direct stream's ranges no worker holds): read them here.
    if (rdd.readForDriver) return rdd.readForDriver(missing);
    for (const dep of rdd.dependencies) {
      if (dep.kind === 'narrow') {
        await this.fetchToDriver(dep.rdd, [...new Set(missing.flatMap((p) => dep.parents(p)))], visited);
        continue;
      }
      const outputs = this.s.mapOutputs.get(dep);
      await Promise.all(
        outputs.map(async (o, mapId) => {
          if (o.executor === undefined) return;
          const nonEmpty = o.sizes.flatMap((n, r) => (n > 0 ? [r] : []));
          const fetched = await executor.fetchBlocks!(
            o.executor,
            nonEmpty.map((r) => shuffleBlockId(dep.shuffleId, mapId, r)),
          ).catch(this.noteFetchFailure);
          const buckets: unknown[][] = o.sizes.map(() => []);
          nonEmpty.forEach((r, i) => (buckets[r] = fetched[i]!));
          this.s.mapOutputs.register(dep, mapId, { executor: undefined, buckets });
        }),
      );
    }
  }

  private readonly noteFetchFailure = (e: unknown): never => {
    throw e instanceof FetchFailedError ? this.s.fetchFailed(e) : e;
  };
}

/** One run of a stage placed by cost: where it runs; `done()` records its time (from the last `begin()`) for the next decision. */
interface PlacedStage {
  readonly remote: boolean;
  begin(): void;
  done(): void;
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
