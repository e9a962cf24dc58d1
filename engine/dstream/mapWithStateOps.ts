import type { ShippedFunction } from '../closure/ship.ts';
import { registerNarrowOp } from '../rdd/narrowOps.ts';
import { MapPartitionsRDD, type Pipe, type RDD } from '../rdd/index.ts';
import { State } from './State.ts';
import { StateMap, mapKey } from './StateMap.ts';
import type { MappingFunction } from './StateSpec.ts';
import { TO_WIRE } from '../rdd/wireForm.ts';

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
 * A partition of mapWithState's state when it is kept in the workers: one record per partition,
 * with what the function returned in its batch. In the worker that computed it the record holds
 * the live state map (under a symbol key, see {@link Live}); where it crosses a thread it is plain
 * data: `entries` are `[key, state, updatedAt]`, least recently updated first (with a timeout; else
 * every time is the batch's). `entries` is undefined, and `unavailable` says why, when the state
 * itself is not there (a batch restored from a checkpoint that kept only what was mapped, a state
 * taken over by a later batch).
 */
export interface PlainStateRecord<K, S, M> {
  entries: [K, S, number][] | undefined;
  mapped: M[];
  unavailable?: string;
}

const LIVE: unique symbol = Symbol('live mapWithState state');

/**
 * Where a record's state map is, in the worker (or driver) that computed it. The next batch takes
 * the map over in place (`map` moves to its record, `next`), so a batch costs as much as the keys
 * it touches, not the whole state. The map's undo log holds the changes of the batch that made its
 * current record, until the next batch takes it over (and commits them): when the driver hands a
 * step a record whose map was already taken (the batch that took it failed, or is running again),
 * the step rolls that batch back first. Nothing needs telling: the driver hands a step the state
 * of a failed batch's predecessor only when that batch failed.
 */
interface Holder<K, S, M> {
  map: StateMap<K, S> | undefined;
  /** The batch time of this record's state. */
  readonly time: number;
  /** The record that took the map over, and its batch time. */
  next?: Live<K, S, M>;
  /** Why the state is not here any more. */
  gone?: string;
}

type Live<K, S, M> = PlainStateRecord<K, S, M> & { [LIVE]: Holder<K, S, M>; [TO_WIRE](): PlainStateRecord<K, S, M> };

function live<K, S, M>(map: StateMap<K, S>, time: number, mapped: M[]): Live<K, S, M> {
  return {
    entries: undefined,
    mapped,
    [LIVE]: { map, time },
    [TO_WIRE]() {
      const entries = entriesOf(this);
      return entries === undefined ? { entries, mapped: this.mapped, unavailable: unavailableReason(this) } : { entries, mapped: this.mapped };
    },
  };
}

function unavailableReason(record: PlainStateRecord<unknown, unknown, unknown>): string {
  const h = (record as Partial<Live<unknown, unknown, unknown>>)[LIVE];
  return h?.gone ?? record.unavailable ?? 'internal: mapWithState state missing';
}

/** A record's `[key, state, updatedAt]` entries (see {@link PlainStateRecord}), or undefined when its state is gone. */
export function entriesOf<K, S, M>(record: PlainStateRecord<K, S, M>): [K, S, number][] | undefined {
  const h = (record as Partial<Live<K, S, M>>)[LIVE];
  if (h === undefined) return record.entries;
  return h.map === undefined ? undefined : [...h.map.withUpdateTimes(h.time)];
}

/** As {@link entriesOf}, or an error that says why the state is not there. */
export function entriesOrThrow<K, S, M>(record: PlainStateRecord<K, S, M>): [K, S, number][] {
  const entries = entriesOf(record);
  if (entries === undefined) throw new Error(unavailableReason(record));
  return entries;
}

/**
 * The map a step at `time` starts from: the previous record's own, taken over (a record computed
 * here), else a new map loaded from its entries (a record that crossed a thread: from the driver's
 * copy or another worker). `done` hands the map to the new record; `failed` puts it back.
 */
function takeOver<K, S, M>(prev: PlainStateRecord<K, S, M>, time: number, timed: boolean, partition: number): { map: StateMap<K, S>; done(next: Live<K, S, M>): void; failed(): void } {
  const h = (prev as Partial<Live<K, S, M>>)[LIVE];
  if (h === undefined) {
    const map = new StateMap<K, S>(timed);
    for (const [key, s, t] of entriesOrThrow(prev)) map.load(key, s, t);
    return { map, done: () => {}, failed: () => {} };
  }
  if (h.map === undefined) {
    const taker = h.next?.[LIVE];
    if (taker?.map === undefined) throw new Error(h.gone ?? `internal: mapWithState state for partition ${partition} is gone`);
    // The batch that took this state over did not complete (the driver hands out this state
    // again): undo its changes and give the map back.
    taker.map.rollback();
    h.map = taker.map;
    taker.map = undefined;
    taker.gone = `mapWithState: the batch at ${taker.time} ms did not complete, so its state was rolled back`;
    h.next = undefined;
  }
  const map = h.map;
  map.commit(); // The changes that made this state are final: a later batch builds on it.
  return {
    map,
    done: (next) => {
      h.map = undefined;
      h.next = next;
      h.gone = `mapWithState: the state at ${h.time} ms was taken over by batch ${time} ms; only the latest state is kept.`;
    },
    failed: () => map.rollback(),
  };
}

interface StepParams {
  f: ShippedFunction<MappingFunction<any, any, any, any>>;
  batchTime: number;
  timeout: number | undefined;
  /** The first record of each partition is a glommed partition of initial `[key, state]` pairs, not a PlainStateRecord. */
  fromInitial: boolean;
}

/**
 * The state step, over the partitioner-aware union of the previous state (its one record comes
 * first) and the batch's partitioned data: the previous state's map taken over in place (see
 * {@link Holder}), the batch applied, a new record made that holds the map.
 */
const step = ({ f, batchTime, timeout, fromInitial }: StepParams): Pipe<unknown, PlainStateRecord<any, any, any>> => (emit, partition) => {
  let base: ReturnType<typeof takeOver<unknown, unknown, unknown>> | undefined;
  const records: [unknown, unknown][] = [];
  const mks: unknown[] = [];
  const slots: number[] = [];
  return {
    next: (x) => {
      if (base === undefined) {
        if (fromInitial) {
          const map = new StateMap<unknown, unknown>(timeout !== undefined);
          for (const [key, s] of x as [unknown, unknown][]) map.load(key, s, batchTime);
          base = { map, done: () => {}, failed: () => {} };
        } else base = takeOver(x as PlainStateRecord<unknown, unknown, unknown>, batchTime, timeout !== undefined, partition);
        return;
      }
      const kv = x as [unknown, unknown];
      const mk = mapKey(kv[0]);
      records.push(kv);
      mks.push(mk);
      slots.push(base.map.states.find(mk));
    },
    done: () => {
      if (base === undefined) throw new Error(`internal: mapWithState's state for partition ${partition} before ${batchTime} ms is missing`);
      let mapped: unknown[];
      try {
        mapped = applyBatch(base.map, records, mks, slots, f.call, batchTime, timeout);
      } catch (e) {
        base.failed();
        throw e;
      }
      const next = live(base.map, batchTime, mapped);
      base.done(next);
      emit(next);
    },
  };
};

const mapped: Pipe<PlainStateRecord<unknown, unknown, unknown>, unknown> = (emit) => ({
  next: (record) => { for (const m of record.mapped) emit(m); },
});

const snapshot: Pipe<PlainStateRecord<unknown, unknown, unknown>, [unknown, unknown]> = (emit) => ({
  next: (record) => {
    for (const [key, s] of entriesOrThrow(record)) emit([key, s]);
  },
});

registerNarrowOp('mapWithStateStep', step as (p: any) => Pipe<any, any>);
registerNarrowOp('mapWithStateMapped', () => mapped);
registerNarrowOp('mapWithStateSnapshot', () => snapshot);

/** The state step as an RDD that workers can rebuild (see {@link step}); keeps the partitioner. */
export function stateStepRDD<K, V, S, M>(union: RDD<unknown>, params: StepParams & { f: ShippedFunction<MappingFunction<K, V, S, M>> }): RDD<PlainStateRecord<K, S, M>> {
  const rdd = new MapPartitionsRDD(union, step(params), true, 'mapWithState', undefined, { name: 'mapWithStateStep', params: { ...params } }) as RDD<PlainStateRecord<K, S, M>>;
  // Read anywhere else, a partition would be copied whole (the driver's copy every checkpoint interval is the one exception).
  rdd.keptInWorkers = 'mapWithState keeps its state in the workers (stateInWorkers: true)';
  return rdd;
}

/** What the function returned, from each partition's record. */
export function mappedRDD<K, S, M>(records: RDD<PlainStateRecord<K, S, M>>): RDD<M> {
  return new MapPartitionsRDD(records, mapped as Pipe<PlainStateRecord<K, S, M>, M>, false, 'mapWithState', undefined, { name: 'mapWithStateMapped', params: {} });
}

/** `[key, state]` for every key, from each partition's record. */
export function snapshotRDD<K, S, M>(records: RDD<PlainStateRecord<K, S, M>>): RDD<[K, S]> {
  return new MapPartitionsRDD(records, snapshot as Pipe<PlainStateRecord<K, S, M>, [K, S]>, true, 'stateSnapshots', undefined, { name: 'mapWithStateSnapshot', params: {} });
}
