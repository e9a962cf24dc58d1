import type { ShuffleDependency } from './Dependency.ts';
import type { TaskContext } from './TaskContext.ts';
import { KeyError, canonicalKey } from './keys.ts';
import { checkPair } from './RDD.ts';
import { combineCalls } from './Dependency.ts';

/**
 * The map side of a shuffle: compute one partition of the dependency's parent and split its
 * records into one bucket per reduce partition. With map-side combine the records are first
 * combined per key, so the partitioner hashes each distinct key once.
 */
export function writeShuffleMapOutput(dep: ShuffleDependency<any, any, any>, split: number, ctx: TaskContext): unknown[][] {
  try {
    return splitByKey(dep, split, ctx);
  } catch (e) {
    // A key that cannot be hashed (a circular object) is met here first: name the operation.
    throw e instanceof KeyError ? e.withOperation(dep.operation) : e;
  }
}

function splitByKey(dep: ShuffleDependency<any, any, any>, split: number, ctx: TaskContext): unknown[][] {
  const partitioner = dep.partitioner;
  const buckets: unknown[][] = Array.from({ length: partitioner.numPartitions }, () => []);
  const operation = dep.operation;
  const agg = dep.aggregator;
  if (agg && dep.mapSideCombine) {
    // Inlined rather than KeyedMap.combine: this runs once per record, and in a CPU profile of
    // word count the method call (two callbacks, not inlined by V8) was a frame of its own.
    const combined = new Map<unknown, [unknown, unknown]>();
    const { create, mergeValue: merge, threw } = combineCalls(agg);
    dep.rdd.iterator(split, ctx, (kv: [unknown, unknown]) => {
      if (!Array.isArray(kv) || kv.length !== 2) checkPair(kv, operation);
      const key = kv[0];
      const mk = typeof key === 'object' && key !== null ? canonicalKey(key) : key;
      const e = combined.get(mk);
      if (e === undefined) {
        let c: unknown;
        try {
          c = create(kv[1]);
        } catch (err) {
          throw threw(err, 'createCombiner');
        }
        combined.set(mk, [key, c]);
      } else {
        try {
          e[1] = merge(e[1], kv[1]);
        } catch (err) {
          throw threw(err, 'mergeValue');
        }
      }
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
