import type { ShuffleDependency } from './Dependency.ts';
import type { TaskContext } from './TaskContext.ts';
import { KeyError, canonicalKey } from './keys.ts';
import { checkPair, type RDD } from './RDD.ts';
import type { MapPartitionsRDD } from './MapPartitionsRDD.ts';
import { asyncResult } from './narrowOps.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import { thrownBy } from '../closure/attribution.ts';

/**
 * The map side of a shuffle: compute one partition of the dependency's parent and split its
 * records into one bucket per reduce partition. With map-side combine the records are first
 * combined per key, so the partitioner hashes each distinct key once.
 */
export function writeShuffleMapOutput(dep: ShuffleDependency<any, any, any>, split: number, ctx: TaskContext): unknown[][] {
  return writeShuffleMapOutputs(dep, [split], () => ctx)[0]!;
}

/**
 * True for reduceByKey's aggregator (the identity as createCombiner, one function merging values
 * and combiners): combining two map partitions' values into one map gives each key the value the
 * reduce side would give it, f(f(a1, a2), f(b1, b2)) = f(f(f(a1, a2), b1), b2), f being associative
 * as reduceByKey requires, and the keys come out in the same order.
 */
export function combinesAcrossPartitions(dep: ShuffleDependency<any, any, any>): boolean {
  const s = dep.mapSideCombine ? dep.aggregator?.shipped : undefined;
  return s !== undefined && s.createCombiner.engine?.name === 'identity' && s.mergeValue === s.mergeCombiners;
}

/**
 * The map outputs of `splits`, computed in this thread. When the shuffle combinesAcrossPartitions,
 * every split combines into the same map and its buckets are the first split's output (the others
 * are empty): a reduce partition then has one block, and nothing to merge. Otherwise each split
 * has its own output, as on a worker.
 */
export function writeShuffleMapOutputs(dep: ShuffleDependency<any, any, any>, splits: readonly number[], ctxOf: (split: number) => TaskContext): unknown[][][] {
  try {
    if (splits.length > 1 && combinesAcrossPartitions(dep)) {
      const empty = () => Array.from({ length: dep.partitioner.numPartitions }, () => []);
      return [splitByKey(dep, splits, ctxOf), ...splits.slice(1).map(empty)];
    }
    return splits.map((split) => splitByKey(dep, [split], ctxOf));
  } catch (e) {
    // A key that cannot be hashed (a circular object) is met here first: name the operation.
    throw e instanceof KeyError ? e.withOperation(dep.operation) : e;
  }
}

function splitByKey(dep: ShuffleDependency<any, any, any>, splits: readonly number[], ctxOf: (split: number) => TaskContext): unknown[][] {
  const partitioner = dep.partitioner;
  const buckets: unknown[][] = Array.from({ length: partitioner.numPartitions }, () => []);
  const operation = dep.operation;
  const agg = dep.aggregator;
  if (agg && dep.mapSideCombine) {
    // Inlined rather than KeyedMap.combine: this runs once per record, and in a CPU profile of
    // word count the method call (two callbacks, not inlined by V8) was a frame of its own.
    const combined = new Map<unknown, [unknown, unknown]>();
    // Shipped functions are called unwrapped (ShippedFunction.raw), each throw attributed here.
    const s = agg.shipped;
    const create = s ? s.createCombiner.raw : agg.createCombiner;
    const merge = s ? s.mergeValue.raw : agg.mergeValue;
    const add = (key: unknown, v: unknown) => {
      const mk = typeof key === 'object' && key !== null ? canonicalKey(key) : key;
      const e = combined.get(mk);
      if (e === undefined) {
        let c: unknown;
        try {
          c = create(v);
        } catch (err) {
          throw s ? thrownBy(err, s.createCombiner) : err;
        }
        combined.set(mk, [key, c]);
      } else {
        try {
          e[1] = merge(e[1], v);
        } catch (err) {
          throw s ? thrownBy(err, s.mergeValue) : err;
        }
      }
    };
    const paired = pairedWith(dep.rdd);
    const mapped = paired ? undefined : mappedBy(dep.rdd);
    if (mapped) {
      // A map making the pairs (word count's map((w) => [w, 1])): its function is called here,
      // in the loop that combines, rather than through the map's own pipe, one call less per record.
      const f = mapped.f;
      const g = f.raw;
      const sink = (x: unknown) => {
        let kv: [unknown, unknown];
        try {
          kv = g(x);
        } catch (e) {
          throw thrownBy(e, f);
        }
        if (!Array.isArray(kv) || kv.length !== 2) {
          if ((kv as unknown) instanceof Promise) throw asyncResult(f);
          checkPair(kv, operation);
        }
        add(kv[0], kv[1]);
      };
      for (const split of splits) mapped.parent.iterator(split, ctxOf(split), sink);
    } else if (paired) {
      // Records paired with one value (countByValue, distinct): combined as they are, no pair made for each.
      const value = paired.value;
      const keyed = mappedBy(paired.parent);
      if (keyed) {
        // …and mapped just before (map((e) => e.user).countByValue()): that function is called here too.
        const f = keyed.f;
        const g = f.raw;
        const sink = (x: unknown) => {
          let k: unknown;
          try {
            k = g(x);
          } catch (e) {
            throw thrownBy(e, f);
          }
          if (k instanceof Promise) throw asyncResult(f);
          add(k, value);
        };
        for (const split of splits) keyed.parent.iterator(split, ctxOf(split), sink);
      } else {
        const sink = (x: unknown) => add(x, value);
        for (const split of splits) paired.parent.iterator(split, ctxOf(split), sink);
      }
    } else {
      const sink = (kv: [unknown, unknown]) => {
        if (!Array.isArray(kv) || kv.length !== 2) checkPair(kv, operation);
        add(kv[0], kv[1]);
      };
      for (const split of splits) dep.rdd.iterator(split, ctxOf(split), sink);
    }
    for (const e of combined.values()) buckets[partitioner.getPartition(e[0])]!.push(e);
  } else {
    const sink = (kv: [unknown, unknown]) => {
      if (!Array.isArray(kv) || kv.length !== 2) checkPair(kv, operation);
      buckets[partitioner.getPartition(kv[0])]!.push(kv);
    };
    for (const split of splits) dep.rdd.iterator(split, ctxOf(split), sink);
  }
  return buckets;
}

/** When `rdd` is a map (the narrow op) that keeps nothing itself: its parent and function. */
function mappedBy(rdd: RDD<unknown>): { parent: RDD<unknown>; f: ShippedFunction<(x: unknown) => any> } | undefined {
  const m = rdd as unknown as Partial<Pick<MapPartitionsRDD<unknown, unknown>, 'op' | 'prev'>>;
  if (m.op?.name !== 'map' || rdd.isPersisted || m.prev === undefined) return undefined;
  return { parent: m.prev, f: m.op.params.f as ShippedFunction<(x: unknown) => any> };
}

/**
 * When `rdd` pairs each record of its parent with one value (the narrow op pairWith: countByValue,
 * distinct) and keeps nothing itself, its parent and the value: the map side then combines the
 * parent's records directly, without a pair per record.
 */
function pairedWith(rdd: RDD<unknown>): { parent: RDD<unknown>; value: unknown } | undefined {
  const m = rdd as unknown as Partial<Pick<MapPartitionsRDD<unknown, unknown>, 'op' | 'prev'>>;
  if (m.op?.name !== 'pairWith' || rdd.isPersisted || m.prev === undefined) return undefined;
  return { parent: m.prev, value: m.op.params.value };
}
