import { OutOfRangeError, InternalError } from '../util/errors.ts';
import { consoleLogger, type Logger } from '../util/logger.ts';
import type { RDD } from './RDD.ts';
import type { ShuffleDependency } from './Dependency.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import { combinesAcrossPartitions, writeShuffleMapOutputs } from './shuffle.ts';
import { attributeUserError } from '../closure/attribution.ts';
import { FetchFailedError, type Executor } from '../executor/Executor.ts';
import type { ResultKind } from '../executor/protocol.ts';
import { rddPrefix, shufflePrefix } from '../executor/blockIds.ts';
import { MapOutputTracker } from './MapOutputTracker.ts';
import type { PlacementMode, StagePlacement, StagePlacementOptions, StageDecision, StageEstimate } from './StagePlacement.ts';
import { BlockManagerMaster } from './BlockManagerMaster.ts';
import type { RemoteStages } from './RemoteStages.ts';

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
  /** @internal */ nextStageId = 0;
  /**
   * Failure epochs (Spark's): the counter goes up at every fetch failure and every lost worker, and
   * the executor is noted with the epoch of that failure. Blocks it kept before then are taken as
   * lost (the executor died, or lost them) by the MapOutputTracker and the BlockManagerMaster;
   * blocks it keeps afterwards are good.
   */
  /** @internal */ epoch = 0;
  private readonly lostAt = new Map<number, number>();
  /**
   * Tasks run on the executor vs in this thread (with an executor, a stage runs here when it cannot
   * be described, or, counted in `localTasksByCost` too, when running it here was estimated
   * cheaper); fetch failures and stages run again because of them; the offset ranges of direct
   * streams read by tasks on the executor (`rangesReadInWorkers`, by each worker's copy of the
   * source) and here (`rangesReadOnDriver`: local mode, a source that reads on the driver only, a
   * stage placed here); `stages`: each stage's latest placement decision and its estimates.
   */
  readonly metrics: {
    remoteTasks: number;
    localTasks: number;
    localTasksByCost: number;
    fetchFailures: number;
    resubmittedStages: number;
    rangesReadInWorkers: number;
    rangesReadOnDriver: number;
    readonly stages: StageEstimate[];
  };
  /** @internal */ readonly stageListeners: ((decision: StageDecision) => void)[] = [];
  /** See ShuffleTransfer. 'auto' whenever the executor has block stores, else 'relay'. */
  shuffleTransfer: ShuffleTransfer;

  /** @internal */ readonly resubmitListeners: ((e: StageResubmitted) => void)[] = [];

  /** Be told when a map stage runs again because its outputs were lost (a StreamingContext posts `stageResubmitted`). */
  addStageResubmittedListener(listener: (e: StageResubmitted) => void): void {
    this.resubmitListeners.push(listener);
  }

  /** Be told where each stage that could run on the executor ran, and why. */
  addStageListener(listener: (decision: StageDecision) => void): void {
    this.stageListeners.push(listener);
  }

  /**
   * Where stages run (with an executor): StagePlacement, loaded (with RemoteStages, which runs
   * stages on the executor, and the check of records that cross to a worker) by the first job
   * that has an executor to place stages on: a page without workers never loads them.
   */
  placement: StagePlacement | undefined;
  /** @internal How stages run on the executor (RemoteStages.ts), loaded with StagePlacement. */
  remote: RemoteStages | undefined;
  private remoteLoaded: Promise<void> | undefined;

  constructor(
    readonly executor?: Executor,
    private readonly placementOption: PlacementMode | StagePlacementOptions | StagePlacement = 'auto',
    /** @internal Where a listener's throw is reported. */
    readonly logger: Logger = consoleLogger,
  ) {
    const self = this;
    this.metrics = {
      remoteTasks: 0,
      localTasks: 0,
      localTasksByCost: 0,
      fetchFailures: 0,
      resubmittedStages: 0,
      rangesReadInWorkers: 0,
      rangesReadOnDriver: 0,
      get stages() {
        return self.placement?.estimates() ?? [];
      },
    };
    const stores = executor?.isLive && executor.fetchBlocks ? executor : undefined;
    const isValid = (e: number, epoch: number) => (stores?.isLive!(e) ?? false) && (this.lostAt.get(e) ?? -1) < epoch;
    this.mapOutputs = new MapOutputTracker(isValid, stores?.removeBlocks && ((id) => stores.removeBlocks!([shufflePrefix(id)])));
    this.blockManagerMaster = new BlockManagerMaster(isValid, () => this.epoch, stores?.removeBlocks && ((id) => stores.removeBlocks!([rddPrefix(id)])));
    this.shuffleTransfer = stores ? 'auto' : 'relay';
    // Spark's executorLost: the pool reports every worker it loses (under a task or idle), and every
    // block that executor kept is lost: its map outputs are missing, its cached partitions have no location.
    executor?.addFailureListener?.((f) => f.type === 'workerLost' && this.lostAt.set(f.executor!, this.epoch++));
  }

  async runJob<T, U>(rdd: RDD<T>, func: (iterate: PartitionIterator<T>, partition: number) => U, partitions?: readonly number[], result?: () => ResultKind | string): Promise<U[]> {
    const parts = partitions ?? Array.from({ length: rdd.numPartitions }, (_, i) => i);
    if (!this.executor) {
      await this.submitMissingShuffles(rdd, new Set());
      validate(rdd, parts);
      return this.runLocal(rdd, func, parts, this.nextStageId++);
    }
    validate(rdd, parts);
    // The source reader registers itself with ship.ts: functions created at batch time may travel as text.
    await (this.remoteLoaded ??= Promise.all([import('./RemoteStages.ts'), import('./StagePlacement.ts'), import('../executor/cloneable.ts'), import('../closure/sourceText.ts')]).then(([r, m, c]) => {
      const option = this.placementOption;
      this.placement = option instanceof m.StagePlacement ? option : new m.StagePlacement(typeof option === 'object' ? option : { mode: option });
      this.remote = new r.RemoteStages(this, this.placement, m.stageKey, c.uncloneableRecord);
    }));
    return this.remote!.runJob(rdd, func, parts, result);
  }

  /** @internal */ runLocal<T, U>(rdd: RDD<T>, func: (iterate: PartitionIterator<T>, partition: number) => U, parts: readonly number[], stageId: number): U[] {
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

  /** Blocks of `executor` kept until now are lost. Every FetchFailedError passes here. */
  /** @internal */ fetchFailed(e: FetchFailedError): FetchFailedError {
    this.metrics.fetchFailures++;
    this.lostAt.set(e.executor, this.epoch++);
    return e;
  }

  /**
   * Run the map stage of every shuffle below `rdd` whose output is not (or no longer) all
   * available. `readOnDriver`: the stage of `rdd` runs on the driver (so reads its shuffles there).
   */
  /** @internal */ async submitMissingShuffles(rdd: RDD<any>, visited: Set<RDD<any>>, readOnDriver = false): Promise<void> {
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
    return this.remote!.runShuffleMapStage(dep, readOnDriver, stageId);
  }

  /** @internal */ runLocalMapTasks(dep: ShuffleDependency<any, any, any>, partitions: readonly number[], stageId: number): void {
    this.metrics.localTasks += partitions.length;
    // reduceByKey: the partitions combine into one map (shuffle.ts), all of them or none.
    const together = partitions.length > 1 && combinesAcrossPartitions(dep);
    for (const group of together ? [partitions] : partitions.map((p) => [p])) {
      let outputs: unknown[][][];
      try {
        outputs = writeShuffleMapOutputs(dep, group, (p) => this.taskContext(stageId, p));
      } catch (e) {
        throw attributeUserError(e, siteOf(dep.rdd));
      }
      group.forEach((p, i) => this.mapOutputs.register(dep, p, { executor: undefined, buckets: outputs[i]! }));
    }
  }

  /** @internal */ taskContext(stageId: number, partitionId: number): TaskContext {
    const mapOutputs = this.mapOutputs;
    return {
      stageId,
      partitionId,
      attemptNumber: 0,
      shuffleBlocks(dep, reducePartition) {
        return mapOutputs.get(dep).map((o) => {
          if (o.executor !== undefined) throw new InternalError(`internal: shuffle ${dep.shuffleId} read on the driver before its blocks were fetched`);
          return o.buckets[reducePartition]!;
        });
      },
    };
  }
}

function validate(rdd: RDD<any>, parts: readonly number[]): void {
  for (const p of parts) {
    if (!Number.isInteger(p) || p < 0 || p >= rdd.numPartitions) {
      throw new OutOfRangeError(`runJob: partition ${p} does not exist in ${rdd} (it has ${rdd.numPartitions}).`);
    }
  }
}

/** For an error with no stack (a thrown string): name the RDD whose task was running. */
export function siteOf(rdd: RDD<any>): { operation: string; callSite: string } {
  return { operation: rdd.operation, callSite: rdd.creationSite.slice(rdd.operation.length + ' at '.length) };
}
