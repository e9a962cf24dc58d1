import { RDD } from './RDD.ts';
import { NarrowDependency } from './Dependency.ts';
import type { RDDContext } from './RDDContext.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import type { RDDDescriptor } from './descriptor.ts';

/**
 * The partitions of several RDDs side by side (Spark's UnionRDD). When all parents share one
 * partitioner, partition i is the union of every parent's partition i and keeps the partitioner
 * (Spark's PartitionerAwareUnionRDD), so a window of pre-partitioned batches needs no shuffle.
 *
 * @example
 * ```ts
 * const a = sc.parallelize([1, 2], 2);
 * const b = sc.parallelize([3], 1);
 * const all = sc.union([a, b]); // or a.union(b): a UnionRDD with 3 partitions
 * ```
 */
export class UnionRDD<T> extends RDD<T> {
  readonly numPartitions: number;
  readonly dependencies: readonly NarrowDependency[];
  private readonly slots: [rdd: RDD<T>, partition: number][][];

  readonly partitionerAware: boolean;

  /** `aware` (set when a worker rebuilds this RDD) overrides the check that parents share a partitioner. */
  constructor(
    context: RDDContext,
    readonly rdds: readonly RDD<T>[],
    operation = 'union',
    callSite?: string,
    aware?: boolean,
  ) {
    super(context, operation, callSite);
    const p = rdds[0]?.partitioner;
    aware ??= rdds.length > 0 && p !== undefined && rdds.every((r) => p.equals(r.partitioner));
    this.partitionerAware = aware;
    if (aware) {
      this.partitioner = p;
      this.numPartitions = p!.numPartitions;
      this.slots = Array.from({ length: p!.numPartitions }, (_, i) => rdds.map((r) => [r, i] as [RDD<T>, number]));
      this.dependencies = rdds.map((r) => NarrowDependency.oneToOne(r));
    } else {
      this.slots = rdds.flatMap((r) => Array.from({ length: r.numPartitions }, (_, i) => [[r, i] as [RDD<T>, number]]));
      this.numPartitions = this.slots.length;
      let offset = 0;
      this.dependencies = rdds.map((r) => {
        const start = offset;
        offset += r.numPartitions;
        return new NarrowDependency(r, (child) => (child >= start && child < start + r.numPartitions ? [child - start] : []));
      });
    }
  }

  protected override describeLineage(): RDDDescriptor | undefined {
    if (this.partitionerAware && !this.partitioner?.describe?.()) return undefined;
    const parents = this.rdds.map((r) => r.describe());
    if (parents.some((d) => d === undefined)) return undefined;
    return this.descriptor('union', { aware: this.partitionerAware }, parents as RDDDescriptor[]);
  }

  protected compute(split: number, ctx: TaskContext, emit: Emit<T>): void {
    for (const [rdd, partition] of this.slots[split]!) rdd.iterator(partition, ctx, emit);
  }
}
