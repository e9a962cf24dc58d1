import { RecoveryError } from '../checkpoint/RecoveryError.ts';
import { InternalError } from '../util/errors.ts';
import { DStream } from './DStream.ts';
import { define } from '../closure/ship.ts';
import { HashPartitioner, RDD, UnionRDD, type Partitioner } from '../rdd/index.ts';
import { StateMap } from './StateMap.ts';
import type { StateSpec } from './StateSpec.ts';
import type { Duration } from '../util/duration.ts';
import { MaterializedRDD } from './MaterializedRDD.ts';
import type { MapWithStateRDD } from './mapWithStateLocal.ts';
import { loadMapWithStateOps, mappedRDD, snapshotRDD, stateStepRDD, type PlainStateRecord } from './mapWithStateRDDs.ts';
import { StateInWorkers } from './StateInWorkers.ts';
import { beforeCheckpointError, distribute, tuplesOf, type StatefulDStream } from './checkpointing.ts';

/** Spark's MapWithStateDStream.DEFAULT_CHECKPOINT_DURATION_MULTIPLIER: its state is checkpointed every 10 batches. */
export const DEFAULT_CHECKPOINT_DURATION_MULTIPLIER = 10;

/** The single record of a MapWithStateRDD partition: the state and what the function returned this batch. */
export interface MapWithStateRecord<K, S, M> {
  stateMap: StateMap<K, S>;
  mapped: M[];
}

/**
 * The per-partition state records of a mapWithState; materialized every batch. On the driver (local
 * mode, or `stateInWorkers` not `true`) each record holds a StateMap taken over in place by the next
 * batch; with workers and `stateInWorkers: true` each record is computed and kept in a worker, its
 * state map taken over in place there too, and crosses threads as a PlainStateRecord (see
 * StateInWorkers and mapWithStateOps.ts).
 */
export class InternalMapWithStateDStream<K, V, S, M> extends DStream<MapWithStateRecord<K, S, M>> implements StatefulDStream {
  readonly dependencies: readonly DStream<[K, V]>[];
  readonly slideDuration: Duration;
  readonly partitioner: Partitioner;
  /** State RDDs of batches not completed yet, whose changes a failed batch undoes. */
  private readonly uncommitted = new Map<number, MapWithStateRDD<K, V, S, M>>();
  private restoredAt: number | undefined;
  private readonly held = new StateInWorkers<any>(this);
  private workersMode: boolean | undefined;
  private opsLoaded: Promise<unknown> | undefined;
  /** The state step on the driver (mapWithStateLocal.ts), loaded when the context starts. */
  private localCode: typeof import('./mapWithStateLocal.ts') | undefined;

  constructor(
    readonly parent: DStream<[K, V]>,
    readonly spec: StateSpec<K, V, S, M>,
  ) {
    super(parent.ssc, 'mapWithState');
    define(spec.mappingFunction, parent.ssc.definitions);
    this.dependencies = [parent];
    this.slideDuration = parent.slideDuration;
    this.partitioner = spec.partitionerValue ?? new HashPartitioner(spec.partitionCount ?? parent.ssc.sparkContext.defaultParallelism);
    this.mustMaterialize = true;
  }

  override loadBatchCode(): Promise<void> | undefined {
    if (this.localCode) return undefined;
    return import('./mapWithStateLocal.ts').then((m) => void (this.localCode = m));
  }

  /** Without .checkpoint(interval): every 10 batches of its slide (Spark's mapWithState default, not the 10 s rule). */
  override initialize(zeroTime: number): void {
    this.checkpointDuration ??= this.slideDuration * DEFAULT_CHECKPOINT_DURATION_MULTIPLIER;
    super.initialize(zeroTime);
  }

  /**
   * Whether the state is kept in the workers: with workers and `stateInWorkers: true` (not 'auto':
   * with a cheap mapping function the two more stages of tasks each batch runs there cost more
   * than they save, test/bench/mapWithStateInWorkers.ts). Decided once.
   */
  get inWorkers(): boolean {
    if (this.workersMode === undefined) {
      this.workersMode = this.ssc.stateInWorkers === true && this.ssc.sparkContext.executor !== undefined;
      // The state step's code (mapWithStateOps.ts) loads on the driver only for this mode; a job needs it from the first batch's materialize on.
      if (this.workersMode) this.opsLoaded = loadMapWithStateOps();
    }
    return this.workersMode;
  }

  private initialPairs(): RDD<[K, S]> {
    const init = this.spec.initialStateValue;
    return (init instanceof RDD ? init : this.ssc.sparkContext.parallelize(init ? [...init] : [], 1)).partitionBy(this.partitioner);
  }

  private initialRecords(batchTime: number): RDD<MapWithStateRecord<K, S, M>> {
    // In the workers: each partition's initial pairs as one array, which the first step loads.
    if (this.inWorkers) return this.initialPairs().narrow('mapWithState (initial state)', 'glom', {}, true);
    return this.initialPairs().pipe<MapWithStateRecord<K, S, M>>(
      'mapWithState (initial state)',
      (emit) => {
        const stateMap = new StateMap<K, S>(this.spec.timeoutDuration !== undefined);
        return {
          next: ([key, state]) => stateMap.load(key, state, batchTime),
          done: () => emit({ stateMap, mapped: [] }),
        };
      },
      true,
    );
  }

  protected compute(validTime: number): RDD<MapWithStateRecord<K, S, M>> {
    if (this.restoredAt !== undefined && validTime <= this.restoredAt) throw beforeCheckpointError(this, validTime, this.restoredAt);
    const earlier = this.getOrCompute(validTime - this.slideDuration);
    const prev = earlier ?? this.initialRecords(validTime);
    const data = (this.parent.getOrCompute(validTime) ?? this.ssc.sparkContext.emptyRDD<[K, V]>()).partitionBy(this.partitioner);
    if (this.inWorkers) {
      // Partition i of the union is the previous state's one record, then the batch's data for it.
      const union = new UnionRDD<any>(this.ssc.sparkContext, [prev, data], 'mapWithState');
      if (!union.partitionerAware) throw new InternalError(`internal: ${this.creationSite}: the state at ${validTime - this.slideDuration} ms is not partitioned as the batch's data`);
      const params = { f: this.spec.mappingFunction, batchTime: validTime, timeout: this.spec.timeoutDuration, fromInitial: earlier === undefined };
      return stateStepRDD(union, params) as unknown as RDD<MapWithStateRecord<K, S, M>>;
    }
    // The first batch waits for this code (DStream.loadBatchCode): nothing computes a state before.
    if (!this.localCode) throw new InternalError(`internal: ${this.creationSite}: its state at ${validTime} ms was asked for before its code loaded`);
    const rdd = new this.localCode.MapWithStateRDD(prev, data, this.spec.mappingFunction, validTime, this.spec.timeoutDuration, this.partitioner);
    this.uncommitted.set(validTime, rdd);
    return rdd;
  }

  override async materialize(time: number, rdd: RDD<MapWithStateRecord<K, S, M>>): Promise<RDD<MapWithStateRecord<K, S, M>>> {
    if (!this.inWorkers) return super.materialize(time, rdd);
    await this.opsLoaded;
    return this.held.materialize(time, rdd);
  }

  override clearMetadata(time: number): void {
    super.clearMetadata(time);
    for (const [t, rdd] of this.uncommitted) {
      if (t > time) continue;
      rdd.commit();
      this.uncommitted.delete(t);
    }
  }

  /** As StateDStream's: the failed batch's changes are undone and its state is the previous one. */
  override onBatchFailed(time: number): void {
    this.uncommitted.get(time)?.undo();
    this.uncommitted.delete(time);
    if (!this.isTimeValid(time)) return;
    this.replaceRDD(time, this.generatedRDDs.get(time - this.slideDuration) ?? this.initialRecords(time));
  }

  stateParameters(): Record<string, number> {
    return { slideDuration: this.slideDuration };
  }

  /**
   * `[key, state, updatedAt]` for every key, partition after partition, each partition's keys in
   * the order of their last update (the order timeouts are found in). Read while the state at
   * `time` is current: before the next batch takes its maps over.
   */
  async saveState(time: number): Promise<[K, S, number][]> {
    const rdd = this.generatedRDDs.get(time);
    if (!rdd) throw new InternalError(`internal: ${this.creationSite} has no state at ${time} ms to checkpoint`);
    const out: [K, S, number][] = [];
    const ops = this.inWorkers ? await import('./mapWithStateOps.ts') : undefined;
    for (const partition of await MaterializedRDD.partitionsOf(rdd)) {
      for (const record of partition) {
        if (this.inWorkers) {
          for (const [key, state, updatedAt] of ops!.entriesOrThrow(record as unknown as PlainStateRecord<K, S, M>)) out.push([key, state, this.spec.timeoutDuration === undefined ? time : updatedAt]);
          continue;
        }
        if (record.stateMap.supersededBy !== undefined)
          throw new InternalError(`internal: ${this.creationSite}: the state at ${time} ms was taken over by batch ${record.stateMap.supersededBy} ms before it was checkpointed`);
        for (const triple of record.stateMap.withUpdateTimes(time)) out.push(triple);
      }
    }
    return out;
  }

  restoreState(time: number, value: unknown, source: string): void {
    this.restoredAt = time;
    if (value === undefined) {
      this.generatedRDDs.set(time, this.initialRecords(time));
      return;
    }
    const triples = tuplesOf(value, 3, this, source, 'an array of [key, state, updatedAt] triples') as unknown as [K, S, number][];
    if (!triples.every((t) => typeof t[2] === 'number')) throw new RecoveryError(`The checkpoint ${source} holds a mapWithState state for ${this.creationSite} whose update times are not numbers.`);
    const partitions = distribute(triples, this.partitioner, (t) => t[0]).map((entries) => {
      // Timeouts scan each map from its least recently updated key: keep that order (a stable
      // sort: with the same partitioner the order is already the saved one).
      entries.sort((a, b) => a[2] - b[2]);
      if (this.inWorkers) return [{ entries, mapped: [] } as PlainStateRecord<K, S, M> as unknown as MapWithStateRecord<K, S, M>];
      const stateMap = new StateMap<K, S>(this.spec.timeoutDuration !== undefined);
      for (const [key, state, updatedAt] of entries) stateMap.load(key, state, updatedAt);
      return [{ stateMap, mapped: [] as M[] }];
    });
    this.generatedRDDs.set(time, new MaterializedRDD(this.ssc.sparkContext, 'restored mapWithState', this.creationSite.replace(/^\S+ at /, ''), partitions, this.partitioner));
  }

  /**
   * A batch up to the state's time, for a window over what the function returned: its mapped
   * values, partition by partition. (Before the state's time the state itself was taken over by
   * the next batch; a window over stateSnapshots() reaching before the checkpoint cannot be
   * rebuilt.)
   */
  async saveEarlier(time: number): Promise<M[][]> {
    return (await MaterializedRDD.partitionsOf(this.generatedRDDs.get(time)!)).map((records) => records.flatMap((r) => r.mapped));
  }

  restoreEarlier(time: number, value: unknown, source: string): void {
    if (!Array.isArray(value) || !value.every(Array.isArray)) {
      throw new RecoveryError(`The checkpoint ${source} holds earlier mapped values for ${this.creationSite} that are not partitions of values.`);
    }
    // Mapped values have no key: with another number of partitions they all go to the first one.
    const n = this.partitioner.numPartitions;
    const byPartition = value.length === n ? (value as M[][]) : Array.from({ length: n }, (_, i) => (i === 0 ? (value as M[][]).flat() : []));
    const restored = this.generatedRDDs.get(time);
    if (time === this.restoredAt && restored instanceof MaterializedRDD) {
      // The restored state's own batch: give its records back what they mapped.
      restored.partitions.forEach((records, i) => {
        for (const record of records) record.mapped = byPartition[i]!;
      });
      return;
    }
    // The state of that batch was taken over by the next one; only its mapped values are kept.
    const superseded = time + this.slideDuration;
    const unavailable =
      `${this.creationSite}: the state at ${time} ms is not in the checkpoint this stream was restored from (only what the function returned then is), ` +
      'so a window over stateSnapshots() cannot reach back to it after recovery; window the stream mapWithState returns, or the input, instead.';
    const partitions: MapWithStateRecord<K, S, M>[][] = byPartition.map((mapped) => [
      this.inWorkers
        ? ({ entries: undefined, mapped, unavailable } as PlainStateRecord<K, S, M> as unknown as MapWithStateRecord<K, S, M>)
        : { stateMap: Object.assign(new StateMap<K, S>(false), { supersededBy: superseded, unavailable }), mapped },
    ]);
    this.generatedRDDs.set(time, new MaterializedRDD(this.ssc.sparkContext, 'restored mapWithState', this.creationSite.replace(/^\S+ at /, ''), partitions, this.partitioner));
  }
}

/**
 * The stream of what the mapping function returned in each batch (Spark's MapWithStateDStream);
 * `stateSnapshots()` is the whole state after each batch.
 *
 * Spark: `org.apache.spark.streaming.dstream.MapWithStateDStream`.
 *
 * @example
 * ```ts
 * import { StateSpec, type State } from 'rivulet';
 * const counts = pairs.mapWithState(StateSpec.function((k: string, v: number | undefined, s: State<number>) => {
 *   const n = (s.getOption() ?? 0) + (v ?? 0); if (!s.isTimingOut()) s.update(n); return [k, n];
 * }));
 * counts.stateSnapshots().print();
 * ```
 */
export class MapWithStateDStream<K, V, S, M> extends DStream<Exclude<M, undefined>> {
  readonly dependencies: readonly DStream<any>[];
  readonly slideDuration: Duration;
  readonly internal: InternalMapWithStateDStream<K, V, S, M>;

  constructor(parent: DStream<readonly [K, V]>, spec: StateSpec<K, V, S, M>) {
    super(parent.ssc, 'mapWithState');
    this.internal = new InternalMapWithStateDStream(parent as DStream<[K, V]>, spec);
    this.nameTarget = this.internal;
    this.dependencies = [this.internal];
    this.slideDuration = parent.slideDuration;
  }

  // The mapping function's undefined results were never kept (applyBatch.ts): M without undefined.
  protected compute(validTime: number): RDD<Exclude<M, undefined>> | undefined {
    const records = this.internal.getOrCompute(validTime);
    if (records && this.internal.inWorkers) return mappedRDD(records as unknown as RDD<PlainStateRecord<K, S, Exclude<M, undefined>>>);
    return records?.pipe<Exclude<M, undefined>>('mapWithState', (emit) => ({
      next: (record) => {
        for (const m of record.mapped) emit(m as Exclude<M, undefined>);
      },
    }));
  }

  /** `[key, state]` for every key, after each batch. */
  stateSnapshots(): DStream<[K, S]> {
    return new StateSnapshotsDStream(this.internal);
  }
}

/**
 * The whole state after each batch. Listing it costs as much as there are keys, so it is done only
 * for the batches something reads; and since the next batch takes the state over, a snapshot read
 * later (a window, slice) is copied while it is current.
 */
class StateSnapshotsDStream<K, V, S, M> extends DStream<[K, S]> {
  readonly dependencies: readonly DStream<any>[];
  readonly slideDuration: Duration;

  constructor(private readonly internal: InternalMapWithStateDStream<K, V, S, M>) {
    super(internal.ssc, 'stateSnapshots');
    this.dependencies = [internal];
    this.slideDuration = internal.slideDuration;
  }

  override remember(duration: Duration): void {
    super.remember(duration);
    this.mustMaterialize = this.rememberDuration! > this.slideDuration;
  }

  protected compute(validTime: number): RDD<[K, S]> | undefined {
    const records = this.internal.getOrCompute(validTime);
    if (records && this.internal.inWorkers) return snapshotRDD(records as unknown as RDD<PlainStateRecord<K, S, M>>);
    // A state restored from a checkpoint is read now, before the next batch takes it over (a
    // state computed in a batch is read, or materialized, within that batch).
    if (records instanceof MaterializedRDD) {
      const partitions = records.partitions.map((p) => p.flatMap((record) => [...record.stateMap.snapshot()]));
      return new MaterializedRDD(this.ssc.sparkContext, 'stateSnapshots', this.creationSite.replace(/^\S+ at /, ''), partitions, records.partitioner);
    }
    return records?.pipe<[K, S]>(
      'stateSnapshots',
      (emit) => ({
        next: (record) => {
          for (const kv of record.stateMap.snapshot()) emit(kv);
        },
      }),
      true,
    );
  }
}
