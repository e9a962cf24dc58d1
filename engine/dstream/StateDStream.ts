import { InternalError } from '../util/errors.ts';
import { DStream } from './DStream.ts';
import { RDD, type Partitioner } from '../rdd/index.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import { engineFn } from '../closure/engineFunctions.ts';
import type { Duration } from '../util/duration.ts';
import { MaterializedRDD } from './MaterializedRDD.ts';
import { beforeCheckpointError, distribute, tuplesOf, type StatefulDStream } from './checkpointing.ts';
import { StateInWorkers } from './StateInWorkers.ts';
import { InPlaceStates } from './InPlaceStates.ts';
import type { PreviousState } from './InPlaceStateRDD.ts';
import type { UpdateStateRDD } from './UpdateStateRDD.ts';

type UpdateFunc<V, S> = (values: V[], state: S | undefined) => S | undefined;

/**
 * updateStateByKey: the state at t is `update(values at t, state at t - slide)` for every key that
 * has state or new values. Each batch's state is materialized (mustMaterialize), so the update
 * runs once per key per batch.
 *
 * With workers, the state stays in them between checkpoint intervals (see StateInWorkers).
 *
 * Spark: `org.apache.spark.streaming.dstream.StateDStream` (made by `updateStateByKey`).
 *
 * @example
 * ```ts
 * const totals = pairs.updateStateByKey(
 *   (values: number[], state: number | undefined) => (state ?? 0) + values.reduce((a, b) => a + b, 0),
 *   { numPartitions: 4 },
 * );
 * totals.print();
 * ```
 */
export class StateDStream<K, V, S> extends DStream<[K, S]> implements StatefulDStream {
  readonly dependencies: readonly DStream<[K, V]>[];
  readonly slideDuration: Duration;
  private initialRDD: RDD<[K, S]> | undefined;
  private readonly inWorkers = new StateInWorkers<[K, S]>(this);
  private restoredAt: number | undefined;
  /**
   * Whether each state is made from the previous one in place (UpdateStateRDD): in local mode,
   * when nothing reads a state after the next one is made. Decided at the first batch.
   */
  private inPlace: boolean | undefined;
  /** In place: each state's records and the steps a failed batch undoes. */
  private readonly states = new InPlaceStates<K, S, UpdateStateRDD<K, V, S>>(this, this.inWorkers);

  override loadBatchCode(): Promise<void> | undefined {
    return this.states.load();
  }

  constructor(
    readonly parent: DStream<[K, V]>,
    private readonly updateFunc: ShippedFunction<UpdateFunc<V, S>>,
    readonly partitioner: Partitioner,
    private readonly initialState: Iterable<[K, S]> | RDD<[K, S]> | undefined,
  ) {
    super(parent.ssc, 'updateStateByKey');
    this.dependencies = [parent];
    this.slideDuration = parent.slideDuration;
    this.mustMaterialize = true;
    this.step = engineFn('updateState', { update: updateFunc }, 'updateStateByKey', this.creationSite.replace(/^\S+ at /, ''));
  }

  /** A partition of the cogroup (values, previous state) → the new states; an engine function, so it runs in workers too. */
  private readonly step: ShippedFunction<(groups: [K, [V[], S[]]][]) => [K, S][]>;

  private previousState(validTime: number): RDD<[K, S]> {
    return this.getOrCompute(validTime - this.slideDuration) ?? this.initial();
  }

  private initial(): RDD<[K, S]> {
    if (!this.initialRDD) {
      const init = this.initialState;
      const rdd = init instanceof RDD ? init : this.ssc.sparkContext.parallelize(init ? [...init] : [], 1);
      this.initialRDD = rdd.partitionBy(this.partitioner);
    }
    return this.initialRDD;
  }

  protected compute(validTime: number): RDD<[K, S]> | undefined {
    if (this.restoredAt !== undefined && validTime <= this.restoredAt) throw beforeCheckpointError(this, validTime, this.restoredAt);
    const prevState = this.previousState(validTime);
    const batch = this.parent.getOrCompute(validTime);
    // (Before its code is loaded, which the first batch waits for, a state is made with lineage.)
    const code = this.states.code;
    if (code) this.inPlace ??= this.ssc.sparkContext.executor === undefined && this.rememberDuration! <= this.slideDuration;
    if (code && this.inPlace) {
      const records = this.states.records.get(validTime - this.slideDuration);
      const prev: PreviousState<K, S> = records !== undefined ? { records } : { pairs: prevState };
      const data = batch && this.partitioner.equals(batch.partitioner) ? batch : batch?.partitionBy(this.partitioner);
      if (code.InPlaceStateRDD.fits(this.partitioner, [...code.previousParent(prev), ...(data ? [data] : [])] as RDD<unknown>[])) {
        const step = new code.UpdateStateRDD<K, V, S>(prev, data, this.updateFunc, validTime, this.partitioner, this.creationSite.replace(/^\S+ at /, ''));
        return this.states.made(validTime, step);
      }
    }
    const data = batch ?? this.ssc.sparkContext.emptyRDD<[K, V]>();
    return data.cogroup(prevState, this.partitioner).mapPartitions(this.step, true);
  }

  override materialize(time: number, rdd: RDD<[K, S]>): Promise<RDD<[K, S]>> {
    return this.states.materialize(time, rdd);
  }

  override clearMetadata(time: number): void {
    super.clearMetadata(time);
    this.states.clearMetadata(time);
  }

  /**
   * A failed batch leaves the state as it was before it (its data is reported, not applied): its
   * state becomes the previous one — the initial state after a failed first batch — also when it
   * failed before its state was built. (Dropping it instead would have the next batch compute it
   * again, the failed batch's data included.)
   */
  override onBatchFailed(time: number): void {
    // In place: the failed batch's changes are undone (newest first, should it have made an earlier state too).
    const undone: number[] = [];
    for (const [t, step] of [...this.states.uncommitted].sort((a, b) => b[0] - a[0])) {
      if (t > time) continue;
      step.undo();
      this.states.uncommitted.delete(t);
      this.states.records.delete(t);
      undone.unshift(t);
    }
    if (this.isTimeValid(time) && !undone.includes(time)) undone.push(time);
    for (const t of undone) {
      this.replaceRDD(t, this.previousState(t));
      const before = this.states.records.get(t - this.slideDuration);
      if (before !== undefined) this.states.records.set(t, before);
    }
  }

  stateParameters(): Record<string, number> {
    return { slideDuration: this.slideDuration };
  }

  /** `[key, state]` for every key, partition after partition. */
  async saveState(time: number): Promise<[K, S][]> {
    const rdd = this.generatedRDDs.get(time);
    if (!rdd) throw new InternalError(`internal: ${this.creationSite} has no state at ${time} ms to checkpoint`);
    return (await MaterializedRDD.partitionsOf(rdd)).flat();
  }

  restoreState(time: number, value: unknown, source: string): void {
    this.restoredAt = time;
    if (value === undefined) this.generatedRDDs.set(time, this.initial());
    else this.restoreEarlier(time, value, source);
  }

  /** An earlier state, for a window over this stream: the same `[key, state]` pairs. */
  async saveEarlier(time: number, stateTime: number): Promise<[K, S][] | undefined> {
    return time === stateTime ? undefined : this.saveState(time);
  }

  restoreEarlier(time: number, value: unknown, source: string): void {
    const pairs = tuplesOf(value, 2, this, source, 'an array of [key, state] pairs') as unknown as [K, S][];
    const partitions = distribute(pairs, this.partitioner, (kv) => kv[0]);
    this.generatedRDDs.set(time, new MaterializedRDD(this.ssc.sparkContext, 'restored updateStateByKey', this.creationSite.replace(/^\S+ at /, ''), partitions, this.partitioner));
  }
}
