import { RDD } from './RDD.ts';
import { NarrowDependency } from './Dependency.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import type { RDDDescriptor } from './descriptor.ts';

/**
 * Fewer partitions without a shuffle: each new partition reads a contiguous run of the parent's.
 * Spark: `org.apache.spark.rdd.CoalescedRDD` (what `RDD.coalesce(n, shuffle = false)` builds).
 *
 * @example
 * ```ts
 * const rdd = sc.parallelize(Array.from({ length: 100 }, (_, i) => i), 8);
 * const fewer = rdd.coalesce(2); // a CoalescedRDD: 2 partitions, no shuffle
 * fewer.getNumPartitions(); // 2
 * ```
 */
export class CoalescedRDD<T> extends RDD<T> {
  readonly numPartitions: number;
  readonly dependencies: readonly NarrowDependency[];
  private readonly groups: number[][];

  constructor(
    readonly prev: RDD<T>,
    maxPartitions: number,
    callSite?: string,
  ) {
    super(prev.context, 'coalesce', callSite);
    const n = Math.min(maxPartitions, prev.numPartitions);
    this.groups = Array.from({ length: n }, (_, i) => {
      const from = Math.floor((i * prev.numPartitions) / n);
      const to = Math.floor(((i + 1) * prev.numPartitions) / n);
      return Array.from({ length: to - from }, (_, j) => from + j);
    });
    this.numPartitions = n;
    this.dependencies = [new NarrowDependency(prev, (p) => this.groups[p] ?? [])];
  }

  protected override describeLineage(): RDDDescriptor | undefined {
    const parent = this.prev.describe();
    return parent && this.descriptor('coalesce', { maxPartitions: this.numPartitions }, [parent]);
  }

  protected compute(split: number, ctx: TaskContext, emit: Emit<T>): void {
    for (const p of this.groups[split]!) this.prev.iterator(p, ctx, emit);
  }
}
