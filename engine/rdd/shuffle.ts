import type { ShuffleDependency } from './Dependency.ts';
import type { TaskContext } from './TaskContext.ts';
import { KeyedMap } from './keys.ts';
import { checkPair } from './RDD.ts';

/**
 * The map side of a shuffle: compute one partition of the dependency's parent and split its
 * records into one bucket per reduce partition. With map-side combine the records are first
 * combined per key, so the partitioner hashes each distinct key once.
 */
export function writeShuffleMapOutput(dep: ShuffleDependency<any, any, any>, split: number, ctx: TaskContext): unknown[][] {
  const partitioner = dep.partitioner;
  const buckets: unknown[][] = Array.from({ length: partitioner.numPartitions }, () => []);
  const operation = dep.operation;
  const agg = dep.aggregator;
  if (agg && dep.mapSideCombine) {
    const combined = new KeyedMap<unknown, unknown>();
    const create = agg.createCombiner;
    const merge = agg.mergeValue;
    dep.rdd.iterator(split, ctx, (kv: [unknown, unknown]) => {
      if (!Array.isArray(kv) || kv.length !== 2) checkPair(kv, operation);
      combined.combine(kv[0], kv[1], create, merge);
    });
    for (const e of combined.values()) buckets[partitioner.getPartition(e[0])]!.push(e);
  } else {
    dep.rdd.iterator(split, ctx, (kv: [unknown, unknown]) => {
      if (!Array.isArray(kv) || kv.length !== 2) checkPair(kv, operation);
      buckets[partitioner.getPartition(kv[0])]!.push(kv);
    });
  }
  return buckets;
}
