import { RDD, type Partitioner } from '../rdd/index.ts';
import type { Emit, TaskContext } from '../rdd/index.ts';

/**
 * A state RDD after its batch: the computed partitions, the partitioner, and no lineage (Spark's
 * local checkpoint). Keeping the previous state this way stops the chain of earlier states from
 * growing with every batch.
 */
export class MaterializedRDD<T> extends RDD<T> {
  readonly dependencies = [] as const;
  readonly numPartitions: number;

  constructor(
    source: RDD<T>,
    readonly partitions: readonly (readonly T[])[],
    partitioner: Partitioner | undefined,
  ) {
    super(source.context, `materialized ${source.operation}`, source.creationSite.replace(/^\S+ at /, ''));
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
    return new MaterializedRDD(rdd, partitions, rdd.partitioner);
  }

  protected compute(split: number, _ctx: TaskContext, emit: Emit<T>): void {
    const p = this.partitions[split]!;
    for (let i = 0; i < p.length; i++) emit(p[i]!);
  }

  override isMaterialized(): boolean {
    return true;
  }
}
