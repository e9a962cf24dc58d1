import { RDD } from './RDD.ts';
import { ShuffleDependency, combineCalls, type Aggregator } from './Dependency.ts';
import type { Partitioner } from './Partitioner.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import { canonicalKey } from './keys.ts';
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
    const { create, mergeValue, mergeCombiners, threw } = combineCalls(agg);
    if (this.mapSideCombine) {
      // A map output holds each of its keys once: when only one has records, nothing is merged.
      let only: readonly [K, any][] | undefined;
      let filled = 0;
      for (const block of blocks) {
        if (block.length === 0) continue;
        filled++;
        only = block;
      }
      if (filled === 1) {
        // New pairs: the map output is kept for the next job that reads this shuffle. Persisted,
        // the pairs themselves: every later job reads the kept partition (whose records are shared
        // by whoever reads them), and a copy would hold every pair twice.
        if (this.isPersisted) for (let i = 0; i < only!.length; i++) emit(only![i] as [K, C]);
        else for (let i = 0; i < only!.length; i++) emit([only![i]![0], only![i]![1]]);
        return;
      }
    }
    const mapSideCombined = this.mapSideCombine;
    const combined = new Map<unknown, [K, C]>();
    // Spark lets mergeValue / mergeCombiners modify and return their first argument. A combiner
    // taken as is from a map output (which the scheduler keeps for the next job that reads this
    // shuffle) is borrowed: it is copied before the first merge into it, as a worker's would be.
    let borrowed: WeakSet<object> | undefined;
    const borrow = (c: unknown): void => {
      if (typeof c === 'object' && c !== null) (borrowed ??= new WeakSet()).add(c);
    };
    const own = (c: C): C => (borrowed !== undefined && typeof c === 'object' && c !== null && borrowed.has(c) ? structuredClone(c) : c);
    for (const block of blocks) {
      for (let i = 0; i < block.length; i++) {
        const key = block[i]![0];
        const value = block[i]![1];
        const mk = typeof key === 'object' && key !== null ? canonicalKey(key) : key;
        const e = combined.get(mk);
        if (e === undefined) {
          let c: C;
          if (mapSideCombined) c = value as C;
          else {
            try {
              c = create(value);
            } catch (err) {
              throw threw(err, 'createCombiner');
            }
            if (c !== value) {
              combined.set(mk, [key, c]);
              continue;
            }
          }
          borrow(c);
          combined.set(mk, [key, c]);
        } else {
          const a = own(e[1]);
          try {
            if (mapSideCombined) {
              borrow(value);
              e[1] = mergeCombiners(a, value as C);
            } else e[1] = mergeValue(a, value);
          } catch (err) {
            throw threw(err, mapSideCombined ? 'mergeCombiners' : 'mergeValue');
          }
        }
      }
    }
    for (const e of combined.values()) emit(e);
  }
}
