import type { ShippedFunction } from '../closure/ship.ts';
import { registerNarrowOp } from '../rdd/narrowOps.ts';
import { MapPartitionsRDD, type Pipe, type RDD } from '../rdd/index.ts';
import { State } from './State.ts';
import { StateMap, mapKey } from './StateMap.ts';
import type { MappingFunction } from './StateSpec.ts';

/**
 * Applies one batch's records of a partition to its state map: the mapping function for each
 * record in order, then (with a timeout) for each key idle since before `time - timeout`, least
 * recently updated first. Returns what the function returned. `mks[i]` is mapKey(records[i][0])
 * and `slots[i]` what `map.states.find` gave for it (probed as the records arrived). Changes are
 * logged in the map; on a throw the caller rolls back.
 */
export function applyBatch<K, V, S, M>(
  map: StateMap<K, S>,
  records: readonly [K, V][],
  mks: readonly unknown[],
  slots: readonly number[],
  f: MappingFunction<K, V, S, M>,
  time: number,
  timeout: number | undefined,
): M[] {
  const states = map.states;
  const mapped: M[] = [];
  const state = new State<S>();
  const timed = map.updatedAt !== undefined;
  const n = records.length;
  const probedAt = states.modCount;
  for (let i = 0; i < n; i++) {
    const kv = records[i]!;
    const key = kv[0];
    const mk = mks[i];
    let slot = slots[i]!;
    // The slot found when the record arrived, unless the table changed since (a key inserted or removed: probe again).
    if (slot >= 0 ? states.keyAt(slot) !== mk : states.modCount !== probedAt) slot = states.find(mk);
    const existed = slot >= 0;
    const old = existed ? states.valueAt(slot) : undefined;
    const out = f(key, kv[1], state.wrap(existed, old));
    if (out !== undefined) mapped.push(out);
    if (state.isRemoved) {
      if (existed) map.removeAt(slot, key, mk, old as S);
    } else if (state.isUpdated) map.put(slot, key, mk, state.get(), old, time);
    else if (timed && existed) map.touchExisting(key, mk, old as S, time);
  }
  if (timed) {
    const threshold = time - timeout!;
    for (const [mk, updatedAt] of map.updatedAt!) {
      if (updatedAt >= threshold) break;
      const key = map.keyOf(mk);
      const old = states.get(mk) as S;
      const out = f(key, undefined, state.wrap(true, old, true));
      if (out !== undefined) mapped.push(out);
      map.removeAt(states.find(mk), key, mk, old);
    }
  }
  return mapped;
}

/**
 * A partition of mapWithState's state when it is kept in the workers: plain data, so that it can
 * be kept in a block store, fetched by another worker and brought to the driver. `entries` are
 * `[key, state, updatedAt]`, least recently updated first (with a timeout; else every time is the
 * batch's). `entries` is undefined, and `unavailable` says why, for a batch restored from a
 * checkpoint that kept only what the function returned.
 */
export interface PlainStateRecord<K, S, M> {
  entries: [K, S, number][] | undefined;
  mapped: M[];
  unavailable?: string;
}

interface StepParams {
  f: ShippedFunction<MappingFunction<any, any, any, any>>;
  batchTime: number;
  timeout: number | undefined;
  /** The first record of each partition is a glommed partition of initial `[key, state]` pairs, not a PlainStateRecord. */
  fromInitial: boolean;
}

/**
 * The state step in the workers, over the partitioner-aware union of the previous state (its one
 * record comes first) and the batch's partitioned data. The previous state is copied into a new
 * map, never changed: a failed batch, or a batch computed again from lineage after its worker was
 * lost, finds it as it was.
 */
const step = ({ f, batchTime, timeout, fromInitial }: StepParams): Pipe<unknown, PlainStateRecord<any, any, any>> => (emit, partition) => {
  let map: StateMap<any, any> | undefined;
  const records: [unknown, unknown][] = [];
  const mks: unknown[] = [];
  const slots: number[] = [];
  return {
    next: (x) => {
      if (map === undefined) {
        map = new StateMap(timeout !== undefined);
        if (fromInitial) for (const [key, s] of x as [unknown, unknown][]) map.load(key, s, batchTime);
        else {
          const prev = x as PlainStateRecord<unknown, unknown, unknown>;
          if (prev.entries === undefined) throw new Error(prev.unavailable ?? `internal: mapWithState has no state for partition ${partition} before ${batchTime} ms`);
          for (const [key, s, t] of prev.entries) map.load(key, s, t);
        }
        return;
      }
      const kv = x as [unknown, unknown];
      const mk = mapKey(kv[0]);
      records.push(kv);
      mks.push(mk);
      slots.push(map.states.find(mk));
    },
    done: () => {
      if (map === undefined) throw new Error(`internal: mapWithState's state for partition ${partition} before ${batchTime} ms is missing`);
      const mapped = applyBatch(map, records, mks, slots, f.call, batchTime, timeout);
      map.commit();
      emit({ entries: [...map.withUpdateTimes(batchTime)], mapped });
    },
  };
};

const mapped: Pipe<PlainStateRecord<unknown, unknown, unknown>, unknown> = (emit) => ({
  next: (record) => { for (const m of record.mapped) emit(m); },
});

const snapshot: Pipe<PlainStateRecord<unknown, unknown, unknown>, [unknown, unknown]> = (emit) => ({
  next: (record) => {
    if (record.entries === undefined) throw new Error(record.unavailable ?? 'internal: mapWithState state missing');
    for (const [key, s] of record.entries) emit([key, s]);
  },
});

registerNarrowOp('mapWithStateStep', step as (p: any) => Pipe<any, any>);
registerNarrowOp('mapWithStateMapped', () => mapped);
registerNarrowOp('mapWithStateSnapshot', () => snapshot);

/** The state step as an RDD that workers can rebuild (see {@link step}); keeps the partitioner. */
export function stateStepRDD<K, V, S, M>(union: RDD<unknown>, params: StepParams & { f: ShippedFunction<MappingFunction<K, V, S, M>> }): RDD<PlainStateRecord<K, S, M>> {
  return new MapPartitionsRDD(union, step(params), true, 'mapWithState', undefined, { name: 'mapWithStateStep', params: { ...params } }) as RDD<PlainStateRecord<K, S, M>>;
}

/** What the function returned, from each partition's record. */
export function mappedRDD<K, S, M>(records: RDD<PlainStateRecord<K, S, M>>): RDD<M> {
  return new MapPartitionsRDD(records, mapped as Pipe<PlainStateRecord<K, S, M>, M>, false, 'mapWithState', undefined, { name: 'mapWithStateMapped', params: {} });
}

/** `[key, state]` for every key, from each partition's record. */
export function snapshotRDD<K, S, M>(records: RDD<PlainStateRecord<K, S, M>>): RDD<[K, S]> {
  return new MapPartitionsRDD(records, snapshot as Pipe<PlainStateRecord<K, S, M>, [K, S]>, true, 'stateSnapshots', undefined, { name: 'mapWithStateSnapshot', params: {} });
}
