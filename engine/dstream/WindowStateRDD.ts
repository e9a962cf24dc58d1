import type { RDD, Partitioner, TaskContext } from '../rdd/index.ts';
import { mapKey, type StateMap } from './StateMap.ts';
import { InPlaceStateRDD, type PreviousState } from './InPlaceStateRDD.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import { thrownBy } from '../closure/attribution.ts';

/** The window's functions, called unwrapped (ShippedFunction.raw), a throw attributed where each is called. */
export interface WindowStep<V> {
  add: ShippedFunction<(a: V, b: V) => V>;
  subtract: ShippedFunction<(a: V, b: V) => V>;
  keep: ShippedFunction<(kv: [any, V]) => boolean> | undefined;
}

/**
 * The window at one time from the window before it, partition by partition (local mode): the
 * previous window's map is taken over, the batches that left are subtracted from it and the
 * batches that entered added, key by key, so a window costs as much as the keys in those batches,
 * not as the window holds. Per key the order of operations is Spark's: `add(subtract(previous,
 * reduce(left)), entered…)`; a key absent from the previous window ignores what left (it was
 * dropped by the filter); the filter is applied to the keys changed (a key not changed kept its
 * value, which passed the filter before). Changes are logged: see InPlaceStateRDD.
 */
export class WindowStateRDD<K, V> extends InPlaceStateRDD<K, V> {
  constructor(
    previous: PreviousState<K, V>,
    private oldRDDs: readonly RDD<[K, V]>[],
    private newRDDs: readonly RDD<[K, V]>[],
    private readonly step: WindowStep<V>,
    time: number,
    partitioner: Partitioner,
    callSite: string,
  ) {
    super(previous, [...oldRDDs, ...newRDDs] as unknown as RDD<unknown>[], time, partitioner, 'reduceByKeyAndWindow', callSite);
  }

  protected apply(map: StateMap<K, V>, split: number, ctx: TaskContext): void {
    const { add: addF, subtract: subtractF, keep: keepF } = this.step;
    const rawAdd = addF.raw;
    const rawSubtract = subtractF.raw;
    const rawKeep = keepF?.raw;
    const add = (a: V, b: V): V => {
      try {
        return rawAdd(a, b);
      } catch (e) {
        throw thrownBy(e, addF);
      }
    };
    const subtract = (a: V, b: V): V => {
      try {
        return rawSubtract(a, b);
      } catch (e) {
        throw thrownBy(e, subtractF);
      }
    };
    const keep =
      rawKeep &&
      ((kv: [K, V]): boolean => {
        try {
          return rawKeep(kv);
        } catch (e) {
          throw thrownBy(e, keepF!);
        }
      });
    const states = map.states;
    const time = this.time;
    // countByValueAndWindow's filter (a count of 0 leaves): counts entering are at least 1, so
    // only a subtraction can make a count 0, and only those keys are looked at again.
    const zeroLeaves = keepF?.engine?.name === 'nonZeroCount';
    const touched: unknown[] | undefined = keep === undefined ? undefined : [];
    // What left: one batch is subtracted as it is read; several are first reduced per key, in order.
    let left: Map<unknown, [K, V]> | undefined;
    if (this.oldRDDs.length > 1) {
      left = new Map();
      for (const rdd of this.oldRDDs) {
        rdd.iterator(split, ctx, (kv) => {
          const mk = mapKey(kv[0]);
          const e = left!.get(mk);
          if (e) e[1] = add(e[1], kv[1]);
          else left!.set(mk, [kv[0], kv[1]]);
        });
      }
    }
    const leave = (key: K, mk: unknown, v: V) => {
      const slot = states.find(mk);
      if (slot < 0) return; // not in the previous window (dropped by the filter): nothing to subtract from
      const old = states.valueAt(slot);
      const value = subtract(old, v);
      map.put(slot, key, mk, value, old, time);
      if (!zeroLeaves || (value as unknown) === 0) touched?.push(mk);
    };
    if (left) for (const [mk, [key, v]] of left) leave(key, mk, v);
    else if (this.oldRDDs.length === 1) this.oldRDDs[0]!.iterator(split, ctx, (kv) => leave(kv[0], mapKey(kv[0]), kv[1]));
    for (const rdd of this.newRDDs) {
      rdd.iterator(split, ctx, (kv) => {
        const mk = mapKey(kv[0]);
        const slot = states.find(mk);
        if (slot >= 0) {
          const old = states.valueAt(slot);
          map.put(slot, kv[0], mk, add(old, kv[1]), old, time);
        } else map.put(slot, kv[0], mk, kv[1], undefined, time);
        if (!zeroLeaves) touched?.push(mk);
      });
    }
    if (keep !== undefined) {
      for (const mk of touched!) {
        const slot = states.find(mk);
        if (slot < 0) continue; // already dropped (a key changed twice)
        const value = states.valueAt(slot);
        if (zeroLeaves) {
          if ((value as unknown) === 0) map.removeAt(slot, map.keyOf(mk), mk, value);
          continue;
        }
        const key = map.keyOf(mk);
        if (!keep([key, value])) map.removeAt(slot, key, mk, value);
      }
    }
  }

  /** The same window, to be made again (from the same previous window and batches) after {@link undo}. */
  again(): WindowStateRDD<K, V> {
    return new WindowStateRDD(this.previous, this.oldRDDs, this.newRDDs, this.step, this.time, this.partitioner!, this.creationSite.replace(/^\S+ at /, ''));
  }

  protected dropParents(): void {
    this.oldRDDs = [];
    this.newRDDs = [];
  }
}
