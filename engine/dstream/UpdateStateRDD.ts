import type { RDD, Partitioner, TaskContext } from '../rdd/index.ts';
import { mapKey, type StateMap } from './StateMap.ts';
import { InPlaceStateRDD, type PreviousState } from './InPlaceStateRDD.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import { thrownBy } from '../closure/attribution.ts';

/**
 * updateStateByKey's state at one time from the state before it, partition by partition (local
 * mode): the previous state's map is taken over, the batch's values grouped by key, and the update
 * called for every key — `update(values, state)` for a key with state (values `[]` when it has
 * none this batch), then `update(values, undefined)` for each new key, in the order the batch
 * has them — as Spark's cogroup of the batch with the state does, without copying the state: only
 * a state that changed (a new value, a removal) is written, and logged (see InPlaceStateRDD).
 */
export class UpdateStateRDD<K, V, S> extends InPlaceStateRDD<K, S> {
  constructor(
    previous: PreviousState<K, S>,
    private data: RDD<[K, V]> | undefined,
    private readonly updateFunc: ShippedFunction<(values: V[], state: S | undefined) => S | undefined>,
    time: number,
    partitioner: Partitioner,
    callSite: string,
  ) {
    super(previous, data ? [data as unknown as RDD<unknown>] : [], time, partitioner, 'updateStateByKey', callSite);
  }

  protected apply(map: StateMap<K, S>, split: number, ctx: TaskContext): void {
    // Called unwrapped (ShippedFunction.raw), a throw attributed here.
    const shipped = this.updateFunc;
    const raw = shipped.raw;
    const update = (values: V[], state: S | undefined): S | undefined => {
      try {
        return raw(values, state);
      } catch (e) {
        throw thrownBy(e, shipped);
      }
    };
    const time = this.time;
    const states = map.states;
    // The batch's values by key (the key as given first, for keys new to the state).
    const values = new Map<unknown, V[]>();
    const firstKeys = new Map<unknown, K>();
    this.data?.iterator(split, ctx, (kv) => {
      const mk = mapKey(kv[0]);
      const vs = values.get(mk);
      if (vs) vs.push(kv[1]);
      else {
        values.set(mk, [kv[1]]);
        firstKeys.set(mk, kv[0]);
      }
    });
    // Every key with state; removals wait until the table is gone through (a removal moves keys).
    const removed: unknown[] = [];
    states.forEach((mk, old, slot) => {
      const vs = values.get(mk);
      if (vs !== undefined) values.delete(mk);
      const key = map.keyOf(mk);
      const next = update(vs ?? [], old);
      if (next === undefined) removed.push(mk);
      else if (next !== old) map.put(slot, key, mk, next, old, time);
    });
    for (const mk of removed) {
      const slot = states.find(mk);
      map.removeAt(slot, map.keyOf(mk), mk, states.valueAt(slot));
    }
    // Keys new to the state.
    for (const [mk, vs] of values) {
      const next = update(vs, undefined);
      if (next !== undefined) map.put(states.find(mk), firstKeys.get(mk)!, mk, next, undefined, time);
    }
  }

  protected dropParents(): void {
    this.data = undefined;
  }
}
