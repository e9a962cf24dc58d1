import type { RDD } from './RDD.ts';
import type { ShuffleDependency } from './Dependency.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import { writeShuffleMapOutput } from './shuffle.ts';
import { attributeUserError } from '../closure/attribution.ts';

/** A result task's view of its partition: call it with an emit to receive every record. */
export type PartitionIterator<T> = (emit: Emit<T>) => void;

/**
 * Cuts a job into stages at shuffle boundaries and runs them parents-first (Spark's
 * DAGScheduler). Map outputs are kept per ShuffleDependency in a WeakMap, so they live exactly as
 * long as some RDD can still read them, and a second action on the same RDD reuses them.
 */
export class DAGScheduler {
  private readonly mapOutputs = new WeakMap<ShuffleDependency<any, any, any>, unknown[][][]>();
  private nextStageId = 0;

  async runJob<T, U>(rdd: RDD<T>, func: (iterate: PartitionIterator<T>, partition: number) => U, partitions?: readonly number[]): Promise<U[]> {
    await this.submitMissingShuffles(rdd, new Set());
    const stageId = this.nextStageId++;
    const parts = partitions ?? Array.from({ length: rdd.numPartitions }, (_, i) => i);
    return parts.map((p) => {
      if (!Number.isInteger(p) || p < 0 || p >= rdd.numPartitions) {
        throw new RangeError(`runJob: partition ${p} does not exist in ${rdd} (it has ${rdd.numPartitions}).`);
      }
      const ctx = this.taskContext(stageId, p);
      try {
        return func((emit) => rdd.iterator(p, ctx, emit), p);
      } catch (e) {
        throw attributeUserError(e, siteOf(rdd));
      }
    });
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
    const outputs: unknown[][][] = [];
    for (let p = 0; p < dep.rdd.numPartitions; p++) {
      try {
        outputs.push(writeShuffleMapOutput(dep, p, this.taskContext(stageId, p)));
      } catch (e) {
        throw attributeUserError(e, siteOf(dep.rdd));
      }
    }
    this.mapOutputs.set(dep, outputs);
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

/** For an error with no stack (a thrown string): name the RDD whose task was running. */
function siteOf(rdd: RDD<any>): { operation: string; callSite: string } {
  return { operation: rdd.operation, callSite: rdd.creationSite.slice(rdd.operation.length + ' at '.length) };
}
