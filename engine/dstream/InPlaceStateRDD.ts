import { NarrowDependency, RDD, type Emit, type Partitioner, type TaskContext } from '../rdd/index.ts';
import { StateMap } from './StateMap.ts';
import { IllegalStateError, InternalError } from '../util/errors.ts';

/**
 * One partition of a state kept on the driver and changed in place batch after batch (an inverse
 * window, updateStateByKey in local mode): the keyed map, which the next batch takes over. `map`
 * is undefined once a later batch took it (only the latest state is kept; `supersededBy` says which).
 */
export interface StateRecord<K, S> {
  map: StateMap<K, S> | undefined;
  supersededBy?: number;
}

/** The state before a step: records computed here, `[key, state]` pairs (initial, restored from a checkpoint), or none. */
export type PreviousState<K, S> = { records: RDD<StateRecord<K, S>> } | { pairs: RDD<[K, S]> } | undefined;

/**
 * A step of a state changed in place, partition by partition: the previous state's map is taken
 * over (or built from pairs) and `apply` changes it, each change logged in the map (StateMap's undo
 * log), so a failed batch puts the previous state back exactly: {@link undo}. The log is kept until
 * the batch completes ({@link commit}). A partition is changed once; reading it again gives the
 * same record. One record per partition: keeping it (MaterializedRDD.of) copies no state.
 */
export abstract class InPlaceStateRDD<K, S> extends RDD<StateRecord<K, S>> {
  readonly numPartitions: number;
  dependencies: readonly NarrowDependency[];
  /** Per computed partition: the record made, the record its map came from and where the undo log stood before this step. */
  private readonly applied = new Map<number, { record: StateRecord<K, S>; prev: StateRecord<K, S> | undefined; mark: number }>();

  constructor(
    protected previous: PreviousState<K, S>,
    /** The other parents (the batches read), each partitioned as the state. */
    parents: readonly RDD<unknown>[],
    readonly time: number,
    partitioner: Partitioner,
    operation: string,
    callSite: string,
  ) {
    const prev = previousRDD(previous);
    const all = [...(prev ? [prev] : []), ...parents];
    super(all[0]!.context, operation, callSite);
    this.partitioner = partitioner;
    this.numPartitions = partitioner.numPartitions;
    this.dependencies = all.map((r) => NarrowDependency.oneToOne(r));
  }

  /** Whether every parent is partitioned as the state, so that partition i of each holds the state's keys of partition i. */
  static fits(partitioner: Partitioner, rdds: readonly RDD<unknown>[]): boolean {
    return rdds.length > 0 && rdds.every((r) => partitioner.equals(r.partitioner) && r.numPartitions === partitioner.numPartitions);
  }

  /** Change `map` (the previous state of partition `split`) into this step's, logging every change. */
  protected abstract apply(map: StateMap<K, S>, split: number, ctx: TaskContext): void;

  protected compute(split: number, ctx: TaskContext, emit: Emit<StateRecord<K, S>>): void {
    const done = this.applied.get(split);
    if (done) return emit(done.record);
    let prev: StateRecord<K, S> | undefined;
    let map: StateMap<K, S>;
    const previous = this.previous;
    if (previous !== undefined && 'records' in previous) {
      previous.records.iterator(split, ctx, (r) => void (prev = r));
      if (prev?.map === undefined) throw new InternalError(`internal: ${this.operation}'s state for partition ${split} before ${this.time} ms was already taken over by ${prev?.supersededBy} ms`);
      map = prev.map;
    } else {
      map = new StateMap<K, S>(false);
      if (previous !== undefined) previous.pairs.iterator(split, ctx, (kv) => map.load(kv[0], kv[1], 0));
    }
    const mark = map.logLength;
    try {
      this.apply(map, split, ctx);
    } catch (e) {
      map.rollback(mark);
      throw e;
    }
    const record: StateRecord<K, S> = { map };
    if (prev) {
      prev.map = undefined;
      prev.supersededBy = this.time;
    }
    this.applied.set(split, { record, prev, mark });
    emit(record);
  }

  /** The batch failed: give every computed partition's map back to the previous state, as it was. */
  undo(): void {
    for (const { record, prev, mark } of this.applied.values()) {
      const map = record.map;
      if (map === undefined) continue; // a later step took it and was undone first, which gave it back to this record
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

  /** The batch completed: the changes are final. */
  commit(): void {
    for (const { record } of this.applied.values()) record.map?.commit();
  }

  /** Forget the parents once the step is kept (its own map holds what it needs). */
  forgetParents(): void {
    this.dependencies = [];
    this.previous = undefined;
    this.dropParents();
  }

  /** Drop the references to the batches read (see {@link forgetParents}). */
  protected abstract dropParents(): void;
}

function previousRDD<K, S>(previous: PreviousState<K, S>): RDD<unknown> | undefined {
  if (previous === undefined) return undefined;
  return ('records' in previous ? previous.records : previous.pairs) as unknown as RDD<unknown>;
}

/** The parent of a previous state, for {@link InPlaceStateRDD.fits}. */
export function previousParent<K, S>(previous: PreviousState<K, S>): RDD<unknown>[] {
  const rdd = previousRDD(previous);
  return rdd ? [rdd] : [];
}

/**
 * The `[key, state]` pairs of a state kept in place, from its records (one per partition). Its
 * count() adds the maps' sizes up rather than make every pair (a window is counted every batch).
 */
export class StatePairsRDD<K, S> extends RDD<[K, S]> {
  readonly numPartitions: number;
  readonly dependencies: readonly NarrowDependency[];

  constructor(
    readonly records: RDD<StateRecord<K, S>>,
    operation: string,
    callSite: string,
  ) {
    super(records.context, operation, callSite);
    this.partitioner = records.partitioner;
    this.numPartitions = records.numPartitions;
    this.dependencies = [NarrowDependency.oneToOne(records)];
  }

  protected compute(split: number, ctx: TaskContext, emit: Emit<[K, S]>): void {
    this.records.iterator(split, ctx, (record) => statePairs(record, this.operation, emit));
  }

  override async count(): Promise<number> {
    if (this.isMaterialized()) return super.count();
    const operation = this.operation;
    const sizes = await this.context.runJob(this.records, (iterate) => {
      let n = 0;
      iterate((record) => {
        n += mapOf(record, operation).size;
      });
      return n;
    });
    return sizes.reduce((a, b) => a + b, 0);
  }
}

function mapOf<K, S>(record: StateRecord<K, S>, operation: string): StateMap<K, S> {
  const map = record.map;
  if (map === undefined) {
    throw new IllegalStateError(
      `${operation}: this state was taken over by batch ${record.supersededBy} ms; only the latest state is kept (a stream that reads earlier ones keeps copies: window() over it, or remember()).`,
    );
  }
  return map;
}

/** The `[key, state]` pairs of a record's partition. */
export function statePairs<K, S>(record: StateRecord<K, S>, operation: string, emit: (kv: [K, S]) => void): void {
  const map = mapOf(record, operation);
  if (map.objectKeys.size === 0) map.states.forEach((k, s) => emit([k as K, s]));
  else map.states.forEach((mk, s) => emit([map.keyOf(mk), s]));
}
