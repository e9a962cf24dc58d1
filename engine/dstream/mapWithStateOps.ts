import { IllegalStateError, InternalError } from '../util/errors.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import { registerNarrowOp } from '../rdd/narrowOps.ts';
import type { Pipe } from '../rdd/index.ts';
import { StateMap, mapKey } from './StateMap.ts';
import type { MappingFunction } from './StateSpec.ts';
import { TO_WIRE } from '../rdd/wireForm.ts';
import { applyBatch } from './applyBatch.ts';
import type { PlainStateRecord } from './mapWithStateRDDs.ts';

// mapWithState's state kept in the workers (stateInWorkers: true): the state step and the readers
// of its records, registered as narrow operations that a worker rebuilds by name. Workers import
// this module; the driver loads it when a mapWithState first keeps its state in the workers.

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

/**
 * A state handed to a step again after the next batch took its map over: the driver does so only
 * when it holds that batch's state lost or failed (its batch failed, its task failed after the
 * step ran, or its block is taken as lost), so that batch's changes are undone and the map given
 * back (the step's new record then replaces that batch's block in this worker: runTask.ts). False
 * when the map has moved on further (two batches took it over: only the latest state is kept).
 */
function reclaim(h: Holder<any, any, any>): boolean {
  if (h.map !== undefined) return true;
  const taker = h.next?.[LIVE];
  if (taker?.map === undefined) return false;
  taker.map.rollback();
  h.map = taker.map;
  taker.map = undefined;
  taker.gone = `mapWithState: the state at ${taker.time} ms was rolled back (the driver took its batch as failed or lost)`;
  h.next = undefined;
  h.gone = undefined;
  return true;
}

function unavailableReason(record: PlainStateRecord<unknown, unknown, unknown>): string {
  const h = (record as Partial<Live<unknown, unknown, unknown>>)[LIVE];
  return h?.gone ?? record.unavailable ?? 'internal: mapWithState state missing';
}

/** A record's `[key, state, updatedAt]` entries (see {@link PlainStateRecord}), or undefined when its state is gone. */
export function entriesOf<K, S, M>(record: PlainStateRecord<K, S, M>): [K, S, number][] | undefined {
  const h = (record as Partial<Live<K, S, M>>)[LIVE];
  if (h === undefined) return record.entries;
  if (h.map !== undefined) return [...h.map.withUpdateTimes(h.time)];
  // Taken over by the next batch, whose changes are still in the map's undo log: read as it was
  // before them, changing nothing (that batch's state may still be good: another worker asking
  // for this one is computing that batch again because the driver took it as lost).
  const taker = h.next?.[LIVE];
  return taker?.map?.withUpdateTimesBeforeLog(h.time);
}

/** As {@link entriesOf}, or an error that says why the state is not there. */
export function entriesOrThrow<K, S, M>(record: PlainStateRecord<K, S, M>): [K, S, number][] {
  const entries = entriesOf(record);
  if (entries === undefined) throw new IllegalStateError(unavailableReason(record));
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
  if (!reclaim(h)) throw new IllegalStateError(h.gone ?? `internal: mapWithState state for partition ${partition} is gone`);
  const map = h.map!;
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

export interface StepParams {
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
const step =
  ({ f, batchTime, timeout, fromInitial }: StepParams): Pipe<unknown, PlainStateRecord<any, any, any>> =>
  (emit, partition) => {
    let base: ReturnType<typeof takeOver<unknown, unknown, unknown>> | undefined;
    return {
      next: (x) => {
        if (base === undefined) {
          if (fromInitial) {
            const map = new StateMap<unknown, unknown>(timeout !== undefined);
            for (const [key, s] of x as [unknown, unknown][]) map.load(key, s, batchTime);
            base = { map, done: () => {}, failed: () => {} };
          } else base = takeOver(x as PlainStateRecord<unknown, unknown, unknown>, batchTime, timeout !== undefined, partition);
          // A step whose records stopped coming (its task failed upstream) left its batch behind.
          base.map.clearBatch();
          return;
        }
        const kv = x as [unknown, unknown];
        const mk = mapKey(kv[0]);
        base.map.addToBatch(kv, mk, base.map.states.find(mk));
      },
      done: () => {
        if (base === undefined) throw new InternalError(`internal: mapWithState's state for partition ${partition} before ${batchTime} ms is missing`);
        let mapped: unknown[];
        try {
          mapped = applyBatch(base.map, f, batchTime, timeout);
        } catch (e) {
          base.failed();
          throw e;
        } finally {
          base.map.clearBatch();
        }
        const next = live(base.map, batchTime, mapped);
        base.done(next);
        emit(next);
      },
    };
  };

const mapped: Pipe<PlainStateRecord<unknown, unknown, unknown>, unknown> = (emit) => ({
  next: (record) => {
    for (const m of record.mapped) emit(m);
  },
});

const snapshot: Pipe<PlainStateRecord<unknown, unknown, unknown>, [unknown, unknown]> = (emit) => ({
  next: (record) => {
    for (const [key, s] of entriesOrThrow(record)) emit([key, s]);
  },
});

registerNarrowOp('mapWithStateStep', step as (p: any) => Pipe<any, any>);
registerNarrowOp('mapWithStateMapped', () => mapped);
registerNarrowOp('mapWithStateSnapshot', () => snapshot);
