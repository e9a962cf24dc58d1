import { IllegalStateError } from '../util/errors.ts';
import { canonicalKey } from '../rdd/keys.ts';
import { OpenHashMap } from '../util/OpenHashMap.ts';

/** The undo log's mark for "the key had no state". */
const ABSENT: unique symbol = Symbol('no state');

/** The most slots a buffer kept from batch to batch may have (StateMap.batch, the undo log). */
const KEPT_BUFFER = 1 << 16;

/** The value a key is stored under: the key itself when primitive, else its canonical string (rdd/keys.ts). */
export function mapKey(key: unknown): unknown {
  return isObject(key) ? canonicalKey(key) : key;
}

function isObject(key: unknown): key is object {
  return typeof key === 'object' && key !== null;
}

/**
 * One partition's state for mapWithState (Spark's StateMap), built so that a batch costs as much
 * as the keys it touches. A touched key is one probe of `states`, an open-addressing table (as
 * Spark's OpenHashMapBasedStateMap) holding the key and the state value itself side by side: no
 * entry object per key, no bucket array to go through first. On a state bigger than the CPU
 * caches every indirection is a cache miss, so a touched key costs about one. Keys that are
 * objects are stored under their canonical string; `objectKeys` gives back the key. Update times
 * are kept only when the spec has a timeout: then `updatedAt` holds every key in order of last
 * update (a Map keeps insertion order; an update moves the key to the end), so the keys timing
 * out are at the front and finding them costs only as much as there are of them.
 *
 * Changes made while a batch runs are logged (what a touched key was before) until the batch
 * completes, so that a failed batch can put the map back as it was: {@link rollback}.
 */
export class StateMap<K, S> {
  readonly states = new OpenHashMap<unknown, S>();
  readonly objectKeys = new Map<unknown, K>();
  /** With a timeout: the batch time of each key's last update, least recently updated first. */
  readonly updatedAt: Map<unknown, number> | undefined;
  /** Set when a newer batch took this map over; reading it then would see the newer state. */
  supersededBy: number | undefined;
  /** Set when the state itself is gone (restored from a checkpoint that kept only what was mapped): why. */
  unavailable: string | undefined;

  /**
   * The undo log, one slot per change, oldest first: the key, its state before and (with a timeout)
   * its update time before; `logged` slots are in use. The arrays are kept from batch to batch (a
   * commit empties the slots used, not the arrays), so logging a batch allocates nothing once they
   * have grown to a batch's size.
   */
  private undoKeys: (K | undefined)[] = [];
  private undoStates: (S | typeof ABSENT | undefined)[] = [];
  private undoTimes: (number | undefined)[] = [];
  private logged = 0;

  /**
   * The batch being applied, kept from batch to batch for the same reason: its records, their map
   * keys and the slots they were found at (see applyBatch). Emptied (`clearBatch`) once applied, so
   * that a batch's records are not held after it. Arrays that grew past KEPT_BUFFER slots (a
   * batch far larger than usual, an initial load) are let go rather than kept.
   */
  readonly batch: { records: unknown[]; mks: unknown[]; slots: number[]; length: number } = { records: [], mks: [], slots: [], length: 0 };

  constructor(tracksUpdateTimes: boolean) {
    this.updatedAt = tracksUpdateTimes ? new Map() : undefined;
  }

  get size(): number {
    return this.states.size;
  }

  /** The user's key stored under `mk`. */
  keyOf(mk: unknown): K {
    return (typeof mk === 'string' && this.objectKeys.size > 0 ? (this.objectKeys.get(mk) ?? mk) : mk) as K;
  }

  /**
   * Set `key`'s state; `slot` is what `states.find(mk)` gave (mk = mapKey(key)) and `old` the
   * state there, if any. Logged.
   */
  put(slot: number, key: K, mk: unknown, state: S, old: S | undefined, time: number): void {
    const existed = slot >= 0;
    this.log(key, existed ? (old as S) : ABSENT, mk);
    if (existed) this.states.setValueAt(slot, state);
    else {
      this.states.insertAt(slot, mk, state);
      if (isObject(key)) this.objectKeys.set(mk, key);
    }
    if (this.updatedAt !== undefined) this.touch(mk, time);
  }

  /** With a timeout, data for a key resets its idle time even without an update (Spark). Logged. */
  touchExisting(key: K, mk: unknown, state: S, time: number): void {
    this.log(key, state, mk);
    this.touch(mk, time);
  }

  /** Remove `key`'s state, at `slot` (see {@link put}). Logged. */
  removeAt(slot: number, key: K, mk: unknown, old: S): void {
    this.log(key, old, mk);
    this.states.deleteAt(slot);
    if (isObject(key)) this.objectKeys.delete(mk);
    this.updatedAt?.delete(mk);
  }

  /** Set a state outside a batch (initial state, restore): not logged. */
  load(key: K, state: S, updatedAt: number): void {
    const mk = mapKey(key);
    this.states.set(mk, state);
    if (isObject(key)) this.objectKeys.set(mk, key);
    if (this.updatedAt !== undefined) {
      this.updatedAt.delete(mk);
      this.updatedAt.set(mk, updatedAt);
    }
  }

  /** Where the undo log ends now: {@link rollback} to it undoes only what is logged after. */
  get logLength(): number {
    return this.logged;
  }

  /** Every change logged so far is final (its batch completed): forget how to undo it. */
  commit(): void {
    this.truncateLog(0);
  }

  /** Add a record of the batch being applied (see `batch`). */
  addToBatch(record: unknown, mk: unknown, slot: number): void {
    const b = this.batch;
    const i = b.length++;
    b.records[i] = record;
    b.mks[i] = mk;
    b.slots[i] = slot;
  }

  /** The batch was applied: drop its records (the arrays stay). */
  clearBatch(): void {
    const b = this.batch;
    if (b.records.length > KEPT_BUFFER) {
      b.records = [];
      b.mks = [];
      b.slots = [];
    } else {
      b.records.fill(undefined, 0, b.length);
      b.mks.fill(undefined, 0, b.length);
    }
    b.length = 0;
  }

  /** Drop the log's slots from `mark` on (their references released; the arrays stay). */
  private truncateLog(mark: number): void {
    if (this.logged <= mark) return;
    if (mark === 0 && this.undoKeys.length > KEPT_BUFFER) {
      this.undoKeys = [];
      this.undoStates = [];
      this.undoTimes = [];
      this.logged = 0;
      return;
    }
    this.undoKeys.fill(undefined, mark, this.logged);
    this.undoStates.fill(undefined, mark, this.logged);
    if (this.updatedAt !== undefined) this.undoTimes.fill(undefined, mark, this.logged);
    this.logged = mark;
  }

  /** Undo every change logged after `mark` (a {@link logLength}): the map is as it was then. */
  rollback(mark = 0): void {
    const restored = this.logged - mark;
    // Newest first, so a key changed twice ends with what it had before the first change.
    for (let i = this.logged - 1; i >= mark; i--) {
      const key = this.undoKeys[i] as K;
      const mk = mapKey(key);
      const old = this.undoStates[i] as S | typeof ABSENT;
      if (old === ABSENT) {
        this.states.delete(mk);
        if (isObject(key)) this.objectKeys.delete(mk);
        this.updatedAt?.delete(mk);
      } else {
        this.states.set(mk, old);
        if (isObject(key)) this.objectKeys.set(mk, key);
        this.updatedAt?.set(mk, this.undoTimes[i]!);
      }
    }
    if (this.updatedAt !== undefined && restored > 0) {
      // Restored keys went back at the end of the order: rebuild it by update time (a stable sort).
      const sorted = [...this.updatedAt].sort((a, b) => a[1] - b[1]);
      this.updatedAt.clear();
      for (const [mk, t] of sorted) this.updatedAt.set(mk, t);
    }
    this.truncateLog(mark);
  }

  /** `[key, state]` for every key. */
  *snapshot(): Generator<[K, S]> {
    if (this.unavailable !== undefined) throw new IllegalStateError(this.unavailable);
    if (this.supersededBy !== undefined) {
      throw new IllegalStateError(`mapWithState: this state was superseded by batch ${this.supersededBy} ms; only the latest state is kept.`);
    }
    for (const [mk, state] of this.states.entries()) yield [this.keyOf(mk), state];
  }

  /**
   * `[key, state, updatedAt]` for every key, least recently updated first when update times are
   * kept; without them (no timeout) every key's time is `time`.
   */
  *withUpdateTimes(time: number): Generator<[K, S, number]> {
    if (this.updatedAt === undefined) {
      for (const [mk, state] of this.states.entries()) yield [this.keyOf(mk), state, time];
    } else {
      for (const [mk, t] of this.updatedAt) yield [this.keyOf(mk), this.states.get(mk) as S, t];
    }
  }

  /**
   * As {@link withUpdateTimes}, but as the map was before the changes in its undo log (the state
   * the batch that made them started from), without undoing them: the map stays as it is.
   */
  withUpdateTimesBeforeLog(time: number): [K, S, number][] {
    const byKey = new Map<unknown, [K, S, number]>();
    for (const triple of this.withUpdateTimes(time)) byKey.set(mapKey(triple[0]), triple);
    // Newest first, so a key changed twice ends with what it had before the first change.
    for (let i = this.logged - 1; i >= 0; i--) {
      const key = this.undoKeys[i] as K;
      const old = this.undoStates[i] as S | typeof ABSENT;
      if (old === ABSENT) byKey.delete(mapKey(key));
      else byKey.set(mapKey(key), [key, old, this.updatedAt === undefined ? time : this.undoTimes[i]!]);
    }
    const out = [...byKey.values()];
    if (this.updatedAt !== undefined) out.sort((a, b) => a[2] - b[2]);
    return out;
  }

  private touch(mk: unknown, time: number): void {
    this.updatedAt!.delete(mk);
    this.updatedAt!.set(mk, time);
  }

  private log(key: K, old: S | typeof ABSENT, mk: unknown): void {
    const i = this.logged++;
    this.undoKeys[i] = key;
    this.undoStates[i] = old;
    if (this.updatedAt !== undefined) this.undoTimes[i] = this.updatedAt.get(mk);
  }
}
