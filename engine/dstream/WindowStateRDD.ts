import { NarrowDependency, RDD, type Emit, type Partitioner, type TaskContext } from '../rdd/index.ts';
import { StateMap, mapKey } from './StateMap.ts';

/**
 * One partition of a window with an inverse function, kept on the driver: the window's values in
 * a keyed map that the next window takes over and changes in place. `map` is undefined once a
 * later window took it (only the latest window is kept; its `supersededBy` says which).
 */
export interface WindowRecord<K, V> {
  map: StateMap<K, V> | undefined;
  supersededBy?: number;
}

export interface WindowStep<V> {
  add: (a: V, b: V) => V;
  subtract: (a: V, b: V) => V;
  keep: ((kv: [any, V]) => boolean) | undefined;
}

/**
 * The window at one time from the window before it, partition by partition (local mode): the
 * previous window's map is taken over, the batches that left are subtracted from it and the
 * batches that entered added, key by key, so a window costs as much as the keys in those batches,
 * not as the window holds. Per key the order of operations is Spark's: `add(subtract(previous,
 * reduce(left)), entered…)`; a key absent from the previous window ignores what left (it was
 * dropped by the filter); the filter is applied to the keys changed (a key not changed kept its
 * value, which passed the filter before). Every change is logged in the map (StateMap's undo
 * log), so a failed batch puts the previous window back exactly: {@link undo}. The log is kept
 * until the batch completes ({@link commit}).
 */
export class WindowStateRDD<K, V> extends RDD<WindowRecord<K, V>> {
  readonly numPartitions: number;
  readonly dependencies: readonly NarrowDependency[];
  /** Per computed partition: the map taken over, the record it came from and where its undo log stood before this window. */
  private readonly applied = new Map<number, { record: WindowRecord<K, V>; prev: WindowRecord<K, V> | undefined; mark: number }>();

  constructor(
    /** The previous window as records (a window computed here), or as `[key, value]` pairs (restored from a checkpoint), or none. */
    private previous: { records: RDD<WindowRecord<K, V>> } | { pairs: RDD<[K, V]> } | undefined,
    private oldRDDs: readonly RDD<[K, V]>[],
    private newRDDs: readonly RDD<[K, V]>[],
    private readonly step: WindowStep<V>,
    readonly time: number,
    partitioner: Partitioner,
    callSite: string,
  ) {
    super(oldRDDs[0]?.context ?? newRDDs[0]?.context ?? previousRDD(previous)!.context, 'reduceByKeyAndWindow', callSite);
    this.partitioner = partitioner;
    this.numPartitions = partitioner.numPartitions;
    const prev = previousRDD(previous);
    this.dependencies = [...(prev ? [prev] : []), ...oldRDDs, ...newRDDs].map((r) => NarrowDependency.oneToOne(r as RDD<unknown>));
  }

  /** Whether every parent is partitioned as the window, so that partition i of each holds the window's keys of partition i. */
  static fits(partitioner: Partitioner, rdds: readonly RDD<unknown>[]): boolean {
    return rdds.every((r) => partitioner.equals(r.partitioner) && r.numPartitions === partitioner.numPartitions);
  }

  protected compute(split: number, ctx: TaskContext, emit: Emit<WindowRecord<K, V>>): void {
    const done = this.applied.get(split);
    if (done) return emit(done.record);
    let prev: WindowRecord<K, V> | undefined;
    let map: StateMap<K, V>;
    const previous = this.previous;
    if (previous !== undefined && 'records' in previous) {
      previous.records.iterator(split, ctx, (r) => void (prev = r));
      if (prev?.map === undefined) throw new Error(`internal: reduceByKeyAndWindow's window for partition ${split} before ${this.time} ms was already taken over by ${prev?.supersededBy} ms`);
      map = prev.map;
    } else {
      map = new StateMap<K, V>(false);
      if (previous !== undefined) previous.pairs.iterator(split, ctx, (kv) => map.load(kv[0], kv[1], 0));
    }
    const mark = map.logLength;
    try {
      this.apply(map, split, ctx);
    } catch (e) {
      map.rollback(mark);
      throw e;
    }
    const record: WindowRecord<K, V> = { map };
    if (prev) {
      prev.map = undefined;
      prev.supersededBy = this.time;
    }
    this.applied.set(split, { record, prev, mark });
    emit(record);
  }

  private apply(map: StateMap<K, V>, split: number, ctx: TaskContext): void {
    const { add, subtract, keep } = this.step;
    const states = map.states;
    const time = this.time;
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
      map.put(slot, key, mk, subtract(old, v), old, time);
      touched?.push(mk);
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
        touched?.push(mk);
      });
    }
    if (keep !== undefined) {
      for (const mk of touched!) {
        const slot = states.find(mk);
        if (slot < 0) continue; // already dropped (a key changed twice)
        const key = map.keyOf(mk);
        const value = states.valueAt(slot);
        if (!keep([key, value])) map.removeAt(slot, key, mk, value);
      }
    }
  }

  /** Whether every partition was computed (the window is whole). */
  get complete(): boolean {
    return this.applied.size === this.numPartitions;
  }

  /** The batch failed: give every computed partition's map back to the previous window, as it was. */
  undo(): void {
    for (const { record, prev, mark } of this.applied.values()) {
      const map = record.map;
      if (map === undefined) continue; // a later window took it and was undone first, which gave it back to this one's record
      map.rollback(mark);
      record.map = undefined;
      record.supersededBy = this.time;
      if (prev) {
        prev.map = map;
        prev.supersededBy = undefined;
      }
    }
    this.applied.clear();
  }

  /** The same window, to be made again (from the same previous window and batches) after {@link undo}. */
  again(): WindowStateRDD<K, V> {
    return new WindowStateRDD(this.previous, this.oldRDDs, this.newRDDs, this.step, this.time, this.partitioner!, this.creationSite.replace(/^\S+ at /, ''));
  }

  /** The batch completed: the changes are final. */
  commit(): void {
    for (const { record } of this.applied.values()) record.map?.commit();
  }

  /** Forget the parents once the window is kept (its own map holds what it needs). */
  forgetParents(): void {
    (this as { dependencies: readonly NarrowDependency[] }).dependencies = [];
    this.previous = undefined;
    this.oldRDDs = [];
    this.newRDDs = [];
  }
}

function previousRDD<K, V>(previous: { records: RDD<WindowRecord<K, V>> } | { pairs: RDD<[K, V]> } | undefined): RDD<unknown> | undefined {
  if (previous === undefined) return undefined;
  return ('records' in previous ? previous.records : previous.pairs) as unknown as RDD<unknown>;
}

/** The `[key, value]` pairs of a window record's partition. */
export function* windowPairs<K, V>(record: WindowRecord<K, V>): Generator<[K, V]> {
  const map = record.map;
  if (map === undefined) {
    throw new Error(`reduceByKeyAndWindow: this window was taken over by the window at ${record.supersededBy} ms; only the latest window is kept (a stream that reads earlier windows keeps copies: window() over it, or remember()).`);
  }
  for (const [mk, v] of map.states.entries()) yield [map.keyOf(mk), v];
}
