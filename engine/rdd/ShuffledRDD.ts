import { RDD } from './RDD.ts';
import { ShuffleDependency } from './Dependency.ts';
import type { Aggregator } from './Dependency.ts';
import type { Partitioner } from './Partitioner.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import { KeyedMap } from './keys.ts';

/** The reduce side of a shuffle (Spark's ShuffledRDD): partition i holds every key the partitioner sends to i. */
export class ShuffledRDD<K, V, C> extends RDD<[K, C]> {
  readonly numPartitions: number;
  readonly dependencies: readonly ShuffleDependency<K, V, C>[];
  readonly dep: ShuffleDependency<K, V, C>;

  constructor(
    prev: RDD<[K, V]>,
    partitioner: Partitioner,
    readonly aggregator: Aggregator<V, C> | undefined,
    readonly mapSideCombine: boolean,
    operation: string,
    callSite?: string,
  ) {
    super(prev.context, operation, callSite);
    this.dep = new ShuffleDependency(prev, partitioner, aggregator, mapSideCombine, operation);
    this.dependencies = [this.dep];
    this.partitioner = partitioner;
    this.numPartitions = partitioner.numPartitions;
  }

  protected compute(split: number, ctx: TaskContext, emit: Emit<[K, C]>): void {
    const blocks = ctx.shuffleBlocks(this.dep, split) as readonly (readonly [K, any][])[];
    const agg = this.aggregator;
    if (!agg) {
      for (const block of blocks) for (let i = 0; i < block.length; i++) emit(block[i] as [K, C]);
      return;
    }
    const combined = new KeyedMap<K, C>();
    if (this.mapSideCombine) {
      const merge = agg.mergeCombiners;
      for (const block of blocks) for (let i = 0; i < block.length; i++) combined.combine(block[i]![0], block[i]![1] as C, first, merge);
    } else {
      const create = agg.createCombiner;
      const merge = agg.mergeValue;
      for (const block of blocks) for (let i = 0; i < block.length; i++) combined.combine(block[i]![0], block[i]![1] as V, create, merge);
    }
    for (const e of combined.values()) emit(e);
  }
}

function first<C>(c: C): C {
  return c;
}
