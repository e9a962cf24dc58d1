import { RDD, type Partitioner, type RDDContext } from '../rdd/index.ts';
import type { Emit, TaskContext } from '../rdd/index.ts';

/**
 * A state RDD after its batch: the computed partitions, the partitioner, and no lineage (Spark's
 * local checkpoint). Keeping the previous state this way stops the chain of earlier states from
 * growing with every batch.
 *
 * Spark: `RDD.localCheckpoint()` (a `LocalCheckpointRDD`).
 *
 * @example
 * ```ts
 * import { MaterializedRDD } from 'rivulet';
 * const kept = await MaterializedRDD.of(ssc.sparkContext.parallelize([1, 2, 3]));
 * console.log(kept.partitions); // computed once, no lineage
 * ```
 */
export class MaterializedRDD<T> extends RDD<T> {
  readonly dependencies = [] as const;
  readonly numPartitions: number;

  constructor(
    context: RDDContext,
    operation: string,
    callSite: string,
    readonly partitions: readonly (readonly T[])[],
    partitioner: Partitioner | undefined,
  ) {
    super(context, operation, callSite);
    this.numPartitions = partitions.length;
    this.partitioner = partitioner;
  }

  /** Compute every partition of `rdd` once and keep the result without its lineage. */
  static async of<T>(rdd: RDD<T>): Promise<MaterializedRDD<T>> {
    rdd.persist();
    const partitions = await rdd.context.runJob(rdd, (iterate) => {
      const records: T[] = [];
      iterate((x) => records.push(x));
      return records;
    });
    return new MaterializedRDD(rdd.context, `materialized ${rdd.operation}`, rdd.creationSite.replace(/^\S+ at /, ''), partitions, rdd.partitioner);
  }

  /** The partitions of `rdd` as arrays: as they are when it is materialized, else computed (a job). */
  static async partitionsOf<T>(rdd: RDD<T>): Promise<readonly (readonly T[])[]> {
    if (rdd instanceof MaterializedRDD) return rdd.partitions;
    return rdd.context.runJob(rdd, (iterate) => {
      const records: T[] = [];
      iterate((x) => records.push(x));
      return records;
    });
  }

  protected compute(split: number, _ctx: TaskContext, emit: Emit<T>): void {
    const p = this.partitions[split]!;
    for (let i = 0; i < p.length; i++) emit(p[i]!);
  }

  override isMaterialized(): boolean {
    return true;
  }
}
