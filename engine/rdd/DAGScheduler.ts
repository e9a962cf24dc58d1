import type { RDD } from './RDD.ts';
import type { ShuffleDependency } from './Dependency.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import { writeShuffleMapOutput } from './shuffle.ts';
import { attributeUserError } from '../closure/attribution.ts';
import { describeAggregator, type RDDDescriptor } from './descriptor.ts';
import type { Executor, TaskSpec } from '../executor/Executor.ts';
import type { InputBlock, ResultKind, ShuffleInput } from '../executor/protocol.ts';
import { uncloneableRecord } from '../executor/cloneable.ts';
import { StagePlacement, stageKey, type StageDecision, type StageEstimate } from './StagePlacement.ts';

/** A result task's view of its partition: call it with an emit to receive every record. */
export type PartitionIterator<T> = (emit: Emit<T>) => void;

/**
 * Cuts a job into stages at shuffle boundaries and runs them parents-first (Spark's
 * DAGScheduler). Map outputs are kept per ShuffleDependency in a WeakMap, so they live exactly as
 * long as some RDD can still read them, and a second action on the same RDD reuses them.
 *
 * With an executor (a worker pool), each stage whose lineage can be described (RDD.describe())
 * runs as one task per partition on the executor: the task carries the partitions of the driver's
 * data it reads and the shuffle blocks for its partition, and map outputs come back here to be
 * handed to the next stage. A stage that cannot be described, or a job whose result is a driver
 * closure (no ResultKind), runs here as in local mode. A stage that could run on the executor may
 * still run here when shipping it costs more than it saves (StagePlacement decides, per stage, from
 * the times of its previous runs); every such decision goes to the stage listeners.
 */
export class DAGScheduler {
  private readonly mapOutputs = new WeakMap<ShuffleDependency<any, any, any>, unknown[][][]>();
  private nextStageId = 0;
  /**
   * Tasks run on the executor vs in this thread (with an executor, a stage runs here when it cannot
   * be described, or, counted in `localTasksByCost` too, when running it here was estimated cheaper);
   * `stages`: each stage's latest placement decision and its estimates.
   */
  readonly metrics: { remoteTasks: number; localTasks: number; localTasksByCost: number; readonly stages: StageEstimate[] };
  private readonly stageListeners: ((decision: StageDecision) => void)[] = [];

  constructor(
    readonly executor?: Executor,
    readonly placement: StagePlacement = new StagePlacement(),
  ) {
    this.metrics = { remoteTasks: 0, localTasks: 0, localTasksByCost: 0, get stages() { return placement.estimates(); } };
  }

  /** Be told where each stage that could run on the executor ran, and why. */
  addStageListener(listener: (decision: StageDecision) => void): void {
    this.stageListeners.push(listener);
  }

  /**
   * Where a stage that can run on the executor runs this time (StagePlacement decides), timed from
   * now until `done()`.
   */
  private place(d: RDDDescriptor, result: ResultKind, tasks: number, what: string): PlacedStage {
    const key = stageKey(d, result);
    const decision = this.placement.choose(key, `${d.operation} at ${d.callSite} (${what})`);
    for (const listener of this.stageListeners) listener(decision);
    const remote = decision.executedOn === 'workers';
    if (!remote) this.metrics.localTasksByCost += tasks;
    const { placement } = this;
    const start = placement.now();
    return { remote, done: () => placement.record({ key, executedOn: decision.executedOn, wallMs: placement.now() - start }) };
  }

  async runJob<T, U>(
    rdd: RDD<T>,
    func: (iterate: PartitionIterator<T>, partition: number) => U,
    partitions?: readonly number[],
    result?: () => ResultKind,
  ): Promise<U[]> {
    await this.submitMissingShuffles(rdd, new Set());
    const stageId = this.nextStageId++;
    const parts = partitions ?? Array.from({ length: rdd.numPartitions }, (_, i) => i);
    for (const p of parts) {
      if (!Number.isInteger(p) || p < 0 || p >= rdd.numPartitions) {
        throw new RangeError(`runJob: partition ${p} does not exist in ${rdd} (it has ${rdd.numPartitions}).`);
      }
    }
    const descriptor = this.executor && result ? rdd.describe() : undefined;
    const kind = descriptor && result!();
    const placed = descriptor && this.place(descriptor, kind!, parts.length, kind!.kind);
    if (descriptor && placed!.remote) {
      const out = (await Promise.all(parts.map((p) => this.runRemote(rdd, descriptor, stageId, p, kind!)))) as U[];
      placed!.done();
      return out;
    }
    this.metrics.localTasks += parts.length;
    const out = parts.map((p) => {
      const ctx = this.taskContext(stageId, p);
      try {
        return func((emit) => rdd.iterator(p, ctx, emit), p);
      } catch (e) {
        throw attributeUserError(e, siteOf(rdd));
      }
    });
    placed?.done();
    return out;
  }

  /** Run the map stage of every shuffle below `rdd` whose output is not available yet. */
  private async submitMissingShuffles(rdd: RDD<any>, visited: Set<RDD<any>>): Promise<void> {
    if (visited.has(rdd) || rdd.isMaterialized()) return;
    visited.add(rdd);
    for (const dep of rdd.dependencies) {
      if (dep.kind === 'shuffle' && this.mapOutputs.has(dep)) continue;
      await this.submitMissingShuffles(dep.rdd, visited);
      if (dep.kind === 'shuffle') await this.runShuffleMapStage(dep);
    }
  }

  private async runShuffleMapStage(dep: ShuffleDependency<any, any, any>): Promise<void> {
    await dep.partitioner.prepare?.();
    const stageId = this.nextStageId++;
    const remote = this.executor && this.describeMapSide(dep);
    const placed = remote && this.place(remote.rdd, remote.result, dep.rdd.numPartitions, `the map side of ${dep.operation}`);
    if (remote && placed!.remote) {
      const outputs = await Promise.all(
        Array.from({ length: dep.rdd.numPartitions }, (_, p) => this.runRemote(dep.rdd, remote.rdd, stageId, p, remote.result) as Promise<unknown[][]>),
      );
      placed!.done();
      this.mapOutputs.set(dep, outputs);
      return;
    }
    const outputs: unknown[][][] = [];
    this.metrics.localTasks += dep.rdd.numPartitions;
    for (let p = 0; p < dep.rdd.numPartitions; p++) {
      try {
        outputs.push(writeShuffleMapOutput(dep, p, this.taskContext(stageId, p)));
      } catch (e) {
        throw attributeUserError(e, siteOf(dep.rdd));
      }
    }
    placed?.done();
    this.mapOutputs.set(dep, outputs);
  }

  /** The map side of a shuffle as a task, when its lineage, partitioner and aggregator can all travel. */
  private describeMapSide(dep: ShuffleDependency<any, any, any>): { rdd: RDDDescriptor; result: ResultKind } | undefined {
    const partitioner = dep.partitioner.describe?.();
    const aggregator = dep.aggregator && describeAggregator(dep.aggregator);
    if (!partitioner || (dep.aggregator && !aggregator)) return undefined;
    const rdd = dep.rdd.describe();
    if (!rdd) return undefined;
    return { rdd, result: { kind: 'shuffleMap', shuffleId: dep.shuffleId, partitioner, aggregator, mapSideCombine: dep.mapSideCombine, operation: dep.operation } };
  }

  private async runRemote(rdd: RDD<any>, descriptor: RDDDescriptor, stageId: number, partition: number, result: ResultKind): Promise<unknown> {
    const inputs: InputBlock[] = [];
    const shuffleInputs: ShuffleInput[] = [];
    this.gatherInputs(rdd, descriptor, partition, this.taskContext(stageId, partition), inputs, shuffleInputs);
    const task: TaskSpec = {
      description: `${descriptor.operation} at ${descriptor.callSite}`,
      stageId,
      partition,
      rdd: descriptor,
      inputs,
      shuffleInputs,
      result,
    };
    this.metrics.remoteTasks++;
    const { value, cached } = await this.executor!.runTask(task);
    if (cached.length > 0) {
      const byId = stageRDDs(rdd);
      for (const b of cached) byId.get(b.rddId)?.putCachedPartition(b.partition, b.records as unknown[]);
    }
    return value;
  }

  /** The driver-held partitions and shuffle blocks that partition `p` of a described stage reads. */
  private gatherInputs(rdd: RDD<any>, d: RDDDescriptor, p: number, ctx: TaskContext, inputs: InputBlock[], shuffles: ShuffleInput[]): void {
    if (d.kind === 'input') {
      if (inputs.some((b) => b.rddId === rdd.id && b.partition === p)) return;
      const records: unknown[] = [];
      try {
        rdd.iterator(p, ctx, (x) => records.push(x));
      } catch (e) {
        throw attributeUserError(e, siteOf(rdd));
      }
      const bad = uncloneableRecord(records);
      if (bad) {
        throw new TypeError(
          `The records of ${rdd.creationSite} cannot be sent to a worker: ${bad}. ` +
            `Records that cross threads must be plain data (objects, arrays, Map, Set, Date, typed arrays).`,
        );
      }
      inputs.push({ rddId: rdd.id, partition: p, records });
      return;
    }
    rdd.dependencies.forEach((dep, i) => {
      if (dep.kind === 'shuffle') {
        if (!shuffles.some((s) => s.shuffleId === dep.shuffleId)) shuffles.push({ shuffleId: dep.shuffleId, blocks: ctx.shuffleBlocks(dep, p) });
        return;
      }
      for (const q of dep.parents(p)) this.gatherInputs(dep.rdd, d.parents[i]!, q, ctx, inputs, shuffles);
    });
  }

  private taskContext(stageId: number, partitionId: number): TaskContext {
    const mapOutputs = this.mapOutputs;
    return {
      stageId,
      partitionId,
      attemptNumber: 0,
      shuffleBlocks(dep, reducePartition) {
        const outputs = mapOutputs.get(dep);
        if (!outputs) throw new Error(`internal: shuffle ${dep.shuffleId} read before its map stage ran`);
        return outputs.map((buckets) => buckets[reducePartition]!);
      },
    };
  }
}

/** One run of a stage placed by cost: where it runs; `done()` records its time for the next decision. */
interface PlacedStage {
  readonly remote: boolean;
  done(): void;
}

/** The RDDs one stage computes (down to shuffle boundaries and materialized RDDs), by id. */
function stageRDDs(rdd: RDD<any>, out = new Map<number, RDD<any>>()): Map<number, RDD<any>> {
  if (out.has(rdd.id)) return out;
  out.set(rdd.id, rdd);
  if (!rdd.isMaterialized()) for (const dep of rdd.dependencies) if (dep.kind === 'narrow') stageRDDs(dep.rdd, out);
  return out;
}

/** For an error with no stack (a thrown string): name the RDD whose task was running. */
function siteOf(rdd: RDD<any>): { operation: string; callSite: string } {
  return { operation: rdd.operation, callSite: rdd.creationSite.slice(rdd.operation.length + ' at '.length) };
}
