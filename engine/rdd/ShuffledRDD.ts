import { RDD } from './RDD.ts';
import { ShuffleDependency, type Aggregator } from './Dependency.ts';
import type { Partitioner } from './Partitioner.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import { KeyedMap } from './keys.ts';
import { describeAggregator, type RDDDescriptor } from './descriptor.ts';

/**
 * The reduce side of a shuffle (Spark's ShuffledRDD): partition i holds every key the partitioner sends to i.
 *
 * @example
 * ```ts
 * import { HashPartitioner, ShuffledRDD } from 'rivulet';
 * const byKey = pairs.partitionBy(new HashPartitioner(4)); // a ShuffledRDD
 * const raw = new ShuffledRDD(pairs, new HashPartitioner(4), undefined, false, 'partitionBy');
 * ```
 */
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

  /** The reduce side only: the map side is the stage before, whose outputs come with the task. */
  protected override describeLineage(): RDDDescriptor | undefined {
    const aggregator = this.aggregator && describeAggregator(this.aggregator, this.context.pipelineInWorkers);
    if (typeof aggregator === 'string') {
      this.notDescribable = aggregator;
      return undefined;
    }
    return this.descriptor('shuffled', { shuffleId: this.dep.shuffleId, aggregator, mapSideCombine: this.mapSideCombine }, []);
  }

  protected compute(split: number, ctx: TaskContext, emit: Emit<[K, C]>): void {
    const blocks = ctx.shuffleBlocks(this.dep, split) as readonly (readonly [K, any][])[];
    const agg = this.aggregator;
    if (!agg) {
      for (const block of blocks) for (let i = 0; i < block.length; i++) emit(block[i] as [K, C]);
      return;
    }
    if (this.mapSideCombine) {
      // A map output holds each of its keys once: when only one has records, nothing is merged.
      const filled = blocks.filter((b) => b.length > 0);
      if (filled.length === 1) {
        const only = filled[0]!;
        // New pairs: the map output is kept for the next job that reads this shuffle. Persisted,
        // the pairs themselves: every later job reads the kept partition (whose records are shared
        // by whoever reads them), and a copy would hold every pair twice.
        if (this.isPersisted) for (let i = 0; i < only.length; i++) emit(only[i] as [K, C]);
        else for (let i = 0; i < only.length; i++) emit([only[i]![0], only[i]![1]]);
        return;
      }
    }
    const combined = new KeyedMap<K, C>();
    // Spark lets mergeValue / mergeCombiners modify and return their first argument. A combiner
    // taken as is from a map output (which the scheduler keeps for the next job that reads this
    // shuffle) is borrowed: it is copied before the first merge into it, as a worker's would be.
    const borrowed = new WeakSet<object>();
    const borrow = (c: C): C => {
      if (typeof c === 'object' && c !== null) borrowed.add(c);
      return c;
    };
    const own = (c: C): C => (typeof c === 'object' && c !== null && borrowed.has(c) ? structuredClone(c) : c);
    if (this.mapSideCombine) {
      const mergeCombiners = agg.mergeCombiners;
      const merge = (a: C, b: C) => mergeCombiners(own(a), borrow(b));
      for (const block of blocks) for (let i = 0; i < block.length; i++) combined.combine(block[i]![0], block[i]![1] as C, borrow, merge);
    } else {
      const createCombiner = agg.createCombiner;
      const mergeValue = agg.mergeValue;
      const create = (v: V) => {
        const c = createCombiner(v);
        return c === (v as unknown) ? borrow(c) : c;
      };
      const merge = (c: C, v: V) => mergeValue(own(c), v);
      for (const block of blocks) for (let i = 0; i < block.length; i++) combined.combine(block[i]![0], block[i]![1] as V, create, merge);
    }
    for (const e of combined.values()) emit(e);
  }
}
