import { InternalError } from '../util/errors.ts';
import { DStream, checkWindow } from './DStream.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import { engineFn } from '../closure/engineFunctions.ts';
import type { Partitioner, RDD } from '../rdd/index.ts';
import type { Duration } from '../util/duration.ts';
import { MaterializedRDD } from './MaterializedRDD.ts';
import { beforeCheckpointError, distribute, malformedState, tuplesOf, type StatefulDStream } from './checkpointing.ts';
import { StateInWorkers } from './StateInWorkers.ts';
import { InPlaceStates } from './InPlaceStates.ts';
import type { WindowStateRDD } from './WindowStateRDD.ts';

/** What a checkpoint keeps of a window with an inverse function (see saveState). */
export interface ReducedWindowState<K, V> {
  /** The window's `[key, value]` pairs at the checkpoint time. */
  window: [K, V][];
  /** `[batchTime, pairs]`: each parent batch still inside that window, reduced by key. */
  batches: [number, [K, V][]][];
}

/**
 * reduceByKeyAndWindow with an inverse function. The window at t is computed from the window at
 * t - slide: per key, `f(invF(previous, reduce(batches that left)), reduce(batches that entered))`,
 * then filterFunc keeps or drops each pair. Without filterFunc a key whose batches all left stays
 * with its "zero" (e.g. count 0), as in Spark.
 *
 *   |  previous window   _________|___________________
 *   |___________________|       current window        |
 *   |_ old batches _|   |_____________________________|
 *                                       |_ new batches _|
 *
 * Spark: `org.apache.spark.streaming.dstream.ReducedWindowedDStream`.
 *
 * @example
 * ```ts
 * import { Seconds } from 'rivulet';
 * // word counts over the last 30 s, every 10 s: add what entered, subtract what left
 * pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, Seconds(30), Seconds(10)).print();
 * ```
 */
export class ReducedWindowedDStream<K, V> extends DStream<[K, V]> implements StatefulDStream {
  readonly dependencies: readonly DStream<[K, V]>[];
  private readonly reducedStream: DStream<[K, V]>;
  private restoredAt: number | undefined;
  private readonly inWorkers = new StateInWorkers<[K, V]>(this);
  private readonly stepsByOld = new Map<number, ShippedFunction<(groups: [K, V[][]][]) => [K, V][]>>();
  /**
   * Whether each window is computed from the previous one in place (WindowStateRDD): in local
   * mode, when nothing reads a window after the next one is made. Decided at the first window.
   */
  private inPlace: boolean | undefined;
  /** In place: each window's records and the steps a failed batch undoes. */
  private readonly states = new InPlaceStates<K, V, WindowStateRDD<K, V>>(this, this.inWorkers);

  constructor(
    readonly parent: DStream<[K, V]>,
    private readonly reduceFunc: ShippedFunction<(a: V, b: V) => V>,
    private readonly invReduceFunc: ShippedFunction<(a: V, b: V) => V>,
    private readonly filterFunc: ShippedFunction<(kv: [K, V]) => boolean> | undefined,
    readonly windowDuration: Duration,
    readonly slideDuration: Duration,
    readonly partitioner: Partitioner,
  ) {
    super(parent.ssc, 'reduceByKeyAndWindow');
    checkWindow(parent, windowDuration, slideDuration, 'reduceByKeyAndWindow');
    this.reducedStream = (parent as DStream<[K, any]>).reduceByKey(reduceFunc, partitioner).persist();
    // Locally each reduced batch is kept as its pairs alone (a MaterializedRDD): kept with its
    // lineage, every batch's input would stay alive as long as the window holds the batch.
    if (parent.ssc.sparkContext.executor === undefined) this.reducedStream.mustMaterialize = this.reducedStream.keepsNoLineage = true;
    this.dependencies = [this.reducedStream];
    this.mustMaterialize = true;
  }

  override loadBatchCode(): Promise<void> | undefined {
    return this.states.load();
  }

  protected override get parentRememberDuration(): Duration {
    return this.rememberDuration! + this.windowDuration;
  }

  override materialize(time: number, rdd: RDD<[K, V]>): Promise<RDD<[K, V]>> {
    return this.states.materialize(time, rdd);
  }

  override clearMetadata(time: number): void {
    super.clearMetadata(time);
    this.states.clearMetadata(time);
  }

  /**
   * In place: the windows the failed batch changed and did not keep are undone, newest first (the
   * maps go back to the window before), and made again from it, from the same batches, when next
   * read. (A window with lineage is simply computed again when next read.)
   */
  override onBatchFailed(time: number): void {
    for (const [t, step] of [...this.states.uncommitted].sort((a, b) => b[0] - a[0])) {
      if (t > time || this.states.records.get(t) !== step) continue; // kept: its batch failed in an output, after the window was made
      step.undo();
      const again = step.again();
      this.states.uncommitted.set(t, again);
      this.states.records.set(t, again);
      this.generatedRDDs.set(t, this.states.pairsOf(again));
    }
  }

  protected compute(validTime: number): RDD<[K, V]> {
    if (this.restoredAt !== undefined && validTime <= this.restoredAt) throw beforeCheckpointError(this, validTime, this.restoredAt);
    const parentSlide = this.parent.slideDuration;
    const currentBegin = validTime - this.windowDuration + parentSlide;
    const previousEnd = validTime - this.slideDuration;
    const previousBegin = currentBegin - this.slideDuration;

    // Batches that left: in the previous window, not in this one. Batches that entered: the
    // reverse. When the slide exceeds the window the two do not overlap and the batches between
    // them belong to neither.
    const oldRDDs = this.reducedStream.slice(previousBegin, Math.min(previousEnd, currentBegin - parentSlide));
    const newRDDs = this.reducedStream.slice(Math.max(previousEnd + parentSlide, currentBegin), validTime);
    // (Before its code is loaded, which the first batch waits for, a window is made with lineage.)
    const code = this.states.code;
    if (code) this.inPlace ??= this.ssc.sparkContext.executor === undefined && this.rememberDuration! <= this.slideDuration;
    const previous = this.getOrCompute(previousEnd);
    if (code && this.inPlace) {
      const records = previous === undefined ? undefined : this.states.records.get(previousEnd);
      const prev = previous === undefined ? undefined : records !== undefined ? { records } : { pairs: previous };
      if (code.InPlaceStateRDD.fits(this.partitioner, [...code.previousParent(prev), ...oldRDDs, ...newRDDs] as RDD<unknown>[])) {
        const step = new code.WindowStateRDD<K, V>(
          prev,
          oldRDDs,
          newRDDs,
          { add: this.reduceFunc, subtract: this.invReduceFunc, keep: this.filterFunc },
          validTime,
          this.partitioner,
          this.creationSite.replace(/^\S+ at /, ''),
        );
        return this.states.made(validTime, step);
      }
    }
    const previousWindow = previous ?? this.ssc.sparkContext.emptyRDD<[K, V]>();

    const cogrouped = (previousWindow.cogroup as unknown as (...a: unknown[]) => RDD<[K, V[][]]>).call(previousWindow, ...oldRDDs, ...newRDDs, this.partitioner);
    return cogrouped.mapPartitions(this.steps(oldRDDs.length), true);
  }

  /** The window step for `numOld` batches that left: an engine function (runs in workers too), one per count. */
  private steps(numOld: number): ShippedFunction<(groups: [K, V[][]][]) => [K, V][]> {
    let step = this.stepsByOld.get(numOld);
    if (!step) {
      step = engineFn('reduceWindow', { f: this.reduceFunc, invF: this.invReduceFunc, keep: this.filterFunc, numOld }, 'reduceByKeyAndWindow', this.creationSite.replace(/^\S+ at /, ''));
      this.stepsByOld.set(numOld, step);
    }
    return step;
  }

  stateParameters(): Record<string, number> {
    return { windowDuration: this.windowDuration, slideDuration: this.slideDuration, parentSlideDuration: this.parent.slideDuration };
  }

  /**
   * The window at `time` and the parent's batches still inside it, reduced by key: what the next
   * windows subtract as those batches leave (Spark keeps them through the checkpointed RDD's
   * lineage; here they are saved, so no input needs to replay them).
   */
  async saveState(time: number): Promise<ReducedWindowState<K, V>> {
    const rdd = this.generatedRDDs.get(time);
    if (!rdd) throw new InternalError(`internal: ${this.creationSite} has no window at ${time} ms to checkpoint`);
    const window = (await MaterializedRDD.partitionsOf(rdd)).flat();
    const batches: [number, [K, V][]][] = [];
    const step = this.parent.slideDuration;
    for (let t = time - this.windowDuration + step; t <= time; t += step) {
      const batch = this.reducedStream.generatedRDDs.get(t);
      if (batch) batches.push([t, (await MaterializedRDD.partitionsOf(batch)).flat()]);
    }
    return { window, batches };
  }

  restoreState(time: number, value: unknown, source: string): void {
    if (value === undefined) {
      // New to the checkpoint: an empty window, and the batches before it count as empty (they
      // were never added, so they must not be subtracted either).
      const step = this.parent.slideDuration;
      const batches: [number, [K, V][]][] = [];
      for (let t = time - this.windowDuration + step; t <= time; t += step) batches.push([t, []]);
      value = { window: [], batches } satisfies ReducedWindowState<K, V>;
    }
    const state = value as Partial<ReducedWindowState<K, V>> | null;
    if (typeof state !== 'object' || state === null || !Array.isArray(state.batches)) throw malformedState(this, source, 'a { window, batches } object');
    const window = tuplesOf(state.window, 2, this, source, 'a window of [key, value] pairs') as unknown as [K, V][];
    const callSite = this.creationSite.replace(/^\S+ at /, '');
    const materialize = (pairs: [K, V][], what: string) =>
      new MaterializedRDD(
        this.ssc.sparkContext,
        what,
        callSite,
        distribute(pairs, this.partitioner, (kv) => kv[0]),
        this.partitioner,
      );
    for (const entry of state.batches as unknown[]) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'number') throw malformedState(this, source, 'a list of [batchTime, pairs] batches');
      const pairs = tuplesOf(entry[1], 2, this, source, 'batches of [key, value] pairs') as unknown as [K, V][];
      this.reducedStream.generatedRDDs.set(entry[0], materialize(pairs, 'restored reduceByKey'));
    }
    this.generatedRDDs.set(time, materialize(window, 'restored reduceByKeyAndWindow'));
    this.restoredAt = time;
  }

  /** An earlier window, for a window over this stream: its `[key, value]` pairs. */
  async saveEarlier(time: number, stateTime: number): Promise<[K, V][] | undefined> {
    return time === stateTime ? undefined : (await MaterializedRDD.partitionsOf(this.generatedRDDs.get(time)!)).flat();
  }

  restoreEarlier(time: number, value: unknown, source: string): void {
    const pairs = tuplesOf(value, 2, this, source, 'a window of [key, value] pairs') as unknown as [K, V][];
    const partitions = distribute(pairs, this.partitioner, (kv) => kv[0]);
    this.generatedRDDs.set(time, new MaterializedRDD(this.ssc.sparkContext, 'restored reduceByKeyAndWindow', this.creationSite.replace(/^\S+ at /, ''), partitions, this.partitioner));
  }
}
