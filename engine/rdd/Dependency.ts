import type { RDD } from './RDD.ts';
import type { Partitioner } from './Partitioner.ts';
import type { ShippedAggregator } from './descriptor.ts';

/**
 * How a shuffle combines values per key (Spark's Aggregator). Spark: `org.apache.spark.Aggregator`.
 *
 * @example
 * ```ts
 * import { type Aggregator } from 'rivulet';
 * const sumCount: Aggregator<number, [number, number]> = {
 *   createCombiner: (v) => [v, 1],
 *   mergeValue: ([s, n], v) => [s + v, n + 1],
 *   mergeCombiners: (a, b) => [a[0] + b[0], a[1] + b[1]],
 * };
 * ```
 */
export interface Aggregator<V, C> {
  createCombiner: (v: V) => C;
  mergeValue: (c: C, v: V) => C;
  mergeCombiners: (a: C, b: C) => C;
  /** The shipped functions behind the three above, so a shuffle can be described for a worker. */
  shipped?: ShippedAggregator;
}

/** The aggregator of three shipped functions: their wrapped calls, and the functions themselves in `shipped`. */
export function aggregatorOf<V, C>(shipped: ShippedAggregator): Aggregator<V, C> {
  return { createCombiner: shipped.createCombiner.call, mergeValue: shipped.mergeValue.call, mergeCombiners: shipped.mergeCombiners.call, shipped };
}

/**
 * Each child partition reads the parent partitions `parents(childPartition)`; no shuffle.
 * Spark: `org.apache.spark.NarrowDependency` (`oneToOne` is Spark's `OneToOneDependency`).
 *
 * @example
 * ```ts
 * import { NarrowDependency } from 'rivulet';
 * const dep = NarrowDependency.oneToOne(parent);
 * dep.parents(3); // [3]
 * ```
 */
export class NarrowDependency {
  readonly kind = 'narrow' as const;
  constructor(
    readonly rdd: RDD<any>,
    readonly parents: (partition: number) => number[],
  ) {}
  static oneToOne(rdd: RDD<any>): NarrowDependency {
    return new NarrowDependency(rdd, (p) => [p]);
  }
}

let nextShuffleId = 0;

/**
 * A stage boundary: every output partition may read from every input partition.
 * Spark: `org.apache.spark.ShuffleDependency`.
 *
 * @example
 * ```ts
 * import { HashPartitioner, ShuffleDependency } from 'rivulet';
 * const dep = new ShuffleDependency(pairs, new HashPartitioner(4));
 * console.log(dep.kind, dep.shuffleId); // 'shuffle' and the shuffle's id
 * ```
 */
export class ShuffleDependency<K = unknown, V = unknown, C = V> {
  readonly kind = 'shuffle' as const;
  readonly shuffleId = nextShuffleId++;
  constructor(
    readonly rdd: RDD<[K, V]>,
    readonly partitioner: Partitioner,
    readonly aggregator?: Aggregator<V, C>,
    readonly mapSideCombine = false,
    /** The operation that asked for the shuffle, for error messages. */
    readonly operation = 'shuffle',
  ) {}
}

/**
 * How an RDD depends on a parent (Spark's Dependency): narrow (each partition reads a few parent
 * partitions, pipelined in one stage) or shuffle (a stage boundary). The scheduler cuts stages at
 * shuffle dependencies, as Spark's DAGScheduler does. Spark: `org.apache.spark.Dependency`.
 *
 * @example
 * ```ts
 * for (const dep of rdd.dependencies) console.log(dep.kind, dep.rdd.id); // 'narrow' | 'shuffle'
 * ```
 */
export type Dependency = NarrowDependency | ShuffleDependency<any, any, any>;
