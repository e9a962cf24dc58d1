import { ship, type ShippedFunction, type UserFn } from '../closure/ship.ts';
import { engineFn } from '../closure/engineFunctions.ts';
import { userCallSite } from '../util/callSite.ts';
import { checkDuration, isMultipleOf, type Duration } from '../util/duration.ts';
import { HashPartitioner, type Partitioner, type RDD } from '../rdd/index.ts';
import { combineOptions, type CombineOptions, type PreservesPartitioning } from '../rdd/RDD.ts';
import { isPartitioner, partitioning, readOptions, type PartitionOptions } from '../rdd/options.ts';
import type { AnyRecord, Widen } from '../rdd/recordTypes.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { TransformedDStream } from './TransformedDStream.ts';
import type { ForEachDStream } from './ForEachDStream.ts';
import type { WindowedDStream } from './WindowedDStream.ts';
import type { ReducedWindowedDStream } from './ReducedWindowedDStream.ts';
import type { StateDStream } from './StateDStream.ts';
import type { MapWithStateDStream } from './MapWithStateDStream.ts';
import type { StateSpec } from './StateSpec.ts';
import { printRDD } from './print.ts';
import { saveAsTextFiles } from '#node-sinks';
import { IllegalStateError, UserFunctionError } from '../util/errors.ts';
// In this file TypeError and RangeError are Rivulet's coded subclasses (named TypeError and RangeError, as Node's own are).
import { InvalidArgumentError as TypeError, OutOfRangeError as RangeError } from '../util/errors.ts';
import { MaterializedRDD } from './MaterializedRDD.ts';
import type { Observable } from 'rxjs';
import type { CollectedBatch } from './CollectedBatch.ts';
import { observableOutput } from './observableOutput.ts';

/** Constructors of the DStream kinds, filled in by dstream/index.ts (they extend DStream). */
export const kinds = {} as {
  TransformedDStream: typeof TransformedDStream;
  ForEachDStream: typeof ForEachDStream;
  WindowedDStream: typeof WindowedDStream;
  ReducedWindowedDStream: typeof ReducedWindowedDStream;
  StateDStream: typeof StateDStream;
  MapWithStateDStream: typeof MapWithStateDStream;
};

/**
 * A discretized stream: a template for one RDD per batch time (Spark's DStream). A
 * transformation makes a new DStream whose RDD at time t is computed from its parents' RDDs at
 * t; window and state streams also read earlier batches. Everything here runs on the driver when
 * a batch is generated and only builds lazy RDDs; the records are processed when the batch's
 * output operations run.
 *
 * @example
 * ```ts
 * import { StreamingContext, Seconds } from 'rivulet';
 * const ssc = new StreamingContext({ batchInterval: Seconds(1) });
 * const words = ssc.queueStream([['a', 'b', 'a']]).map((w) => [w, 1]);
 * words.reduceByKey((a, b) => a + b).print();
 * ```
 */
export abstract class DStream<out T> {
  /**
   * Type only, never set: the type of this stream's records. Declared first so that, when records
   * of the wrong type meet an operation (reduceByKey on records that are not pairs), TypeScript's
   * error compares this and stops, rather than walking through the stream's other members.
   */
  declare readonly recordType?: [T];
  readonly id: number;
  /** `map at wordcount.ts:12:8` — shown in errors, listener events and the playground. */
  readonly creationSite: string;
  /** Stable identity for checkpoints; derived from the graph unless set with .name(). */
  userName: string | undefined;
  /** Set with .checkpoint(interval): how often a checkpoint is due for this stream. */
  checkpointDuration: Duration | undefined;
  /**
   * @internal The stateful stream that this one stands for: .name() and .checkpoint() on the
   * stream mapWithState, countByWindow or reduceByWindow returns apply to the state behind it.
   */
  nameTarget: DStream<any> | undefined;
  abstract readonly slideDuration: Duration;
  abstract readonly dependencies: readonly DStream<any>[];

  /** RDDs generated so far, by batch time; old ones are dropped after `rememberDuration`. */
  readonly generatedRDDs = new Map<number, RDD<T>>();
  zeroTime: number | undefined;
  rememberDuration: Duration | undefined;
  /** Persist every generated RDD (computed once even when several outputs read it). */
  persisted = false;
  /**
   * State and inverse-window streams read their own previous RDD. Their RDD is materialized once
   * per batch, before the outputs run, and its lineage is cut, so the chain of previous states
   * never grows and user state functions run exactly once per batch.
   */
  mustMaterialize = false;

  constructor(
    readonly ssc: StreamingContext,
    readonly operation: string,
    callSite: string = userCallSite(),
  ) {
    ssc.assertCanDefine(operation);
    this.id = ssc.graph.nextStreamId();
    this.creationSite = `${operation} at ${callSite}`;
    ssc.definitions.note(`stream ${operation}`, callSite);
  }

  /**
   * @internal A user function given to an operation on this stream: it takes its place among the
   * pipeline's definitions, which every worker loads too (closure/definitions.ts).
   */
  protected fn<F extends (...args: any[]) => any>(f: UserFn<F>, operation: string): ShippedFunction<F> {
    return ship(f, operation, this.ssc.definitions);
  }

  /** Compute this stream's RDD for a valid batch time, or undefined when there is none. */
  protected abstract compute(validTime: number): RDD<T> | undefined;

  get context(): StreamingContext {
    return this.ssc;
  }

  // ---- time -----------------------------------------------------------------------------------

  initialize(zeroTime: number): void {
    if (this.zeroTime !== undefined) return;
    this.zeroTime = zeroTime;
    if (this.rememberDuration === undefined || this.rememberDuration < this.slideDuration) this.rememberDuration = this.slideDuration;
    for (const d of this.dependencies) d.initialize(zeroTime);
  }

  /**
   * @internal Code this stream runs at batch time that is loaded on first use (a dynamic import, so
   * that a page whose streams never need it does not load it): started when the context starts; the
   * first batch waits for it (DStreamGraph.start, JobGenerator).
   */
  loadBatchCode(): Promise<void> | undefined {
    return undefined;
  }

  /**
   * @internal Every RDD of this stream is materialized without its lineage (mustMaterialize, and
   * materialize() keeps partitions only): its parents' RDDs are read once, in the batch that makes
   * them, whatever this stream remembers.
   */
  keepsNoLineage = false;

  /** How long the parents must keep their RDDs for this stream (windows need more). */
  protected get parentRememberDuration(): Duration {
    return this.keepsNoLineage ? this.slideDuration : this.rememberDuration!;
  }

  remember(duration: Duration): void {
    if (this.rememberDuration === undefined || duration > this.rememberDuration) this.rememberDuration = duration;
    for (const d of this.dependencies) d.remember(this.parentRememberDuration);
  }

  isTimeValid(time: number): boolean {
    if (this.zeroTime === undefined) throw new IllegalStateError(`${this.creationSite} has not been initialized; start the StreamingContext first.`);
    return time > this.zeroTime && isMultipleOf(time - this.zeroTime, this.slideDuration);
  }

  /** The RDD for `time`: the one generated earlier, or a new one when the time is valid. */
  getOrCompute(time: number): RDD<T> | undefined {
    const existing = this.generatedRDDs.get(time);
    if (existing) return existing;
    if (!this.isTimeValid(time)) return undefined;
    const rdd = this.ssc.sparkContext.withCallSite(this.creationSite.replace(/^\S+ at /, ''), () => this.compute(time));
    if (rdd) {
      if (this.persisted) rdd.persist();
      this.generatedRDDs.set(time, rdd);
    }
    return rdd;
  }

  /**
   * Materialize this stream's RDD at `time` (a mustMaterialize stream, once per batch, before the
   * outputs run), and return what stands for it from then on. By default its partitions are
   * computed and held on the driver, without lineage (MaterializedRDD).
   */
  async materialize(_time: number, rdd: RDD<T>): Promise<RDD<T>> {
    return MaterializedRDD.of(rdd);
  }

  /** Replace the RDD at `time` (a materialized state RDD stands in for the one with lineage). */
  replaceRDD(time: number, rdd: RDD<T>): void {
    this.generatedRDDs.set(time, rdd);
  }

  /**
   * Called when the batch at `time` failed and the context goes on (skipFailedBatches). State
   * streams put back the previous state, so one bad batch does not fail every batch after it.
   */
  onBatchFailed(_time: number): void {}

  /** Forget RDDs older than the remember duration, here and upstream. */
  clearMetadata(time: number): void {
    const cutoff = time - this.rememberDuration!;
    for (const t of [...this.generatedRDDs.keys()]) if (t <= cutoff) this.generatedRDDs.delete(t);
    for (const d of this.dependencies) d.clearMetadata(time);
  }

  /** The RDDs of every batch time in [fromTime, toTime] (aligned down to this stream's slide). */
  slice(fromTime: number, toTime: number): RDD<T>[] {
    if (this.zeroTime === undefined) {
      throw new IllegalStateError(
        `slice: ${this.creationSite} has not been initialized: a stream has batches to slice once its StreamingContext has started. Call slice() after start(), or from an output operation (foreachRDD).`,
      );
    }
    const align = (t: number) => (isMultipleOf(t - this.zeroTime!, this.slideDuration) ? t : t - ((((t - this.zeroTime!) % this.slideDuration) + this.slideDuration) % this.slideDuration));
    const out: RDD<T>[] = [];
    for (let t = align(fromTime); t <= align(toTime); t += this.slideDuration) {
      if (t <= this.zeroTime) continue;
      const rdd = this.getOrCompute(t);
      if (rdd) out.push(rdd);
    }
    return out;
  }

  // ---- identity and persistence -----------------------------------------------------------

  /**
   * Name this stream (Flink's uid): its stable identity in checkpoints, kept across code changes.
   * It matters on input streams and stateful operators (updateStateByKey, mapWithState,
   * reduceByKeyAndWindow with an inverse and what is built on it); see streaming/stableIds.ts.
   */
  name(name: string): this {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('name() needs a non-empty string.');
    this.userName = name;
    if (this.nameTarget) this.nameTarget.userName = name;
    return this;
  }

  /**
   * Checkpoint this stream every `interval` ms (Spark's DStream.checkpoint): a multiple of its
   * slide duration. Stateful streams default to Spark's intervals: mapWithState every 10 batches
   * of its slide, the others the smallest multiple of the slide that is at least 10 s. A checkpoint is written at every batch time at which any stream is due, and holds
   * every stateful stream's state at that time. Needs ssc.checkpoint(store) to have any effect.
   */
  checkpoint(interval: Duration): this {
    this.ssc.assertCanDefine('checkpoint');
    checkDuration(interval, 'checkpoint: interval');
    if (!isMultipleOf(interval, this.slideDuration)) {
      throw new RangeError(
        `checkpoint: the interval (${interval} ms) must be a multiple of the slide duration of ${this.creationSite} (${this.slideDuration} ms), e.g. ${Math.max(1, Math.round(interval / this.slideDuration)) * this.slideDuration} ms.`,
      );
    }
    this.checkpointDuration = interval;
    if (this.nameTarget) this.nameTarget.checkpointDuration = interval;
    return this;
  }

  persist(): this {
    this.persisted = true;
    return this;
  }
  cache(): this {
    return this.persist();
  }

  toString(): string {
    return `${this.constructor.name}[${this.id}] ${this.creationSite}`;
  }

  // ---- transformations ----------------------------------------------------------------------

  /** A new stream whose RDD at t is `f(this RDD at t)`; f runs on the driver. */
  protected derive<U>(operation: string, f: (rdd: RDD<T>, time: number) => RDD<U>, slideDuration?: Duration, callSite?: string): DStream<U> {
    return new kinds.TransformedDStream<U>(this.ssc, [this], ([rdd], time) => f(rdd as RDD<T>, time), operation, callSite, slideDuration);
  }

  /** Each record through f. An array literal f returns is a tuple: `map((w) => [w, 1])` makes `[string, number]` pairs. */
  map<U extends AnyRecord>(f: UserFn<(x: T) => U>): DStream<U> {
    const g = this.fn(f, 'map');
    return this.derive('map', (rdd) => rdd.map(g));
  }

  flatMap<U extends AnyRecord>(f: UserFn<(x: T) => Iterable<U>>): DStream<U> {
    const g = this.fn(f, 'flatMap');
    return this.derive('flatMap', (rdd) => rdd.flatMap(g));
  }

  /** The records for which f is truthy; a type predicate narrows the type (`filter((x) => x !== undefined)`). */
  filter<S extends T>(f: UserFn<(x: T) => x is S>): DStream<S>;
  filter(f: UserFn<(x: T) => unknown>): DStream<T>;
  filter(f: UserFn<(x: T) => unknown>): DStream<T> {
    const g = this.fn(f, 'filter');
    return this.derive('filter', (rdd) => rdd.filter(g));
  }

  /** f over each partition's records; `preservesPartitioning` positional, or `{ preservesPartitioning }`. */
  mapPartitions<U extends AnyRecord>(f: UserFn<(records: T[]) => Iterable<U>>, preservesPartitioning: boolean | PreservesPartitioning = false): DStream<U> {
    const g = this.fn(f, 'mapPartitions');
    const preserves =
      typeof preservesPartitioning === 'boolean'
        ? preservesPartitioning
        : (readOptions<PreservesPartitioning>(preservesPartitioning, 'mapPartitions', ['preservesPartitioning']).preservesPartitioning ?? false);
    return this.derive('mapPartitions', (rdd) => rdd.mapPartitions(g, preserves));
  }

  glom(): DStream<T[]> {
    return this.derive('glom', (rdd) => rdd.glom());
  }

  repartition(numPartitions: number): DStream<T> {
    checkPartitions(numPartitions, 'repartition');
    return this.derive('repartition', (rdd) => rdd.repartition(numPartitions));
  }

  /**
   * The records of this stream and the others, per batch. Typed over U, T or a type that includes
   * it, as are reduce and reduceByWindow: a method taking T where it also returns T would make
   * DStream invariant, and a DStream<string> would not be a DStream<unknown>.
   */
  union<U>(this: DStream<U>, ...others: DStream<U>[]): DStream<U> {
    others.forEach((o, i) => {
      if (!(o instanceof DStream)) throw new TypeError(`union expects DStreams (of the same slide duration), e.g. a.union(b, c); argument ${i + 1} is ${describeValue(o)}.`);
    });
    return this.ssc.union([this, ...others]);
  }

  /** One element per batch: the number of records, 0 for an empty batch. */
  count(): DStream<number> {
    const countPartition = engineFn<(records: T[]) => number[]>('countPartition', {}, 'count');
    const sum = engineFn<(counts: number[]) => number[]>('sumCounts', {}, 'count');
    return this.derive('count', (rdd) => {
      const zero = this.ssc.sparkContext.fromPartitions([[0]], 'count');
      return rdd.mapPartitions(countPartition).union(zero).coalesce(1).mapPartitions(sum);
    });
  }

  /** One element per batch, the records reduced with f; no element for an empty batch. */
  reduce<U>(this: DStream<U>, f: UserFn<(a: U, b: U) => U>): DStream<U> {
    const g = this.fn(f, 'reduce');
    const reduceAll = engineFn<(records: U[]) => U[]>('reduceAll', { f: g }, 'reduce');
    return this.derive('reduce', (rdd) => rdd.mapPartitions(reduceAll).coalesce(1).mapPartitions(reduceAll));
  }

  /** `[value, count]` for every distinct value in the batch. */
  countByValue(numPartitions?: number | PartitionOptions): DStream<[T, number]> {
    return this.pairedWithOne('countByValue').reduceByKey((a, b) => a + b, this.partitionerFor(numPartitions, 'countByValue'));
  }

  /** Any RDD-to-RDD function, run on the driver at each batch (Spark's transform). */
  transform<U>(f: (rdd: RDD<T>, time: number) => RDD<U>): DStream<U> {
    if (typeof f !== 'function') throw new TypeError(`transform expects a function (rdd, time) => rdd, got ${typeof f}.`);
    const callSite = userCallSite();
    const transform = ([rdd]: RDD<any>[], time: number) => callDriverSide(() => f(rdd as RDD<T>, time), 'transform', callSite);
    return new kinds.TransformedDStream<U>(this.ssc, [this], transform, 'transform', callSite, undefined, true);
  }

  transformWith<U, R>(other: DStream<U>, f: (a: RDD<T>, b: RDD<U>, time: number) => RDD<R>): DStream<R> {
    if (typeof f !== 'function') throw new TypeError(`transformWith expects a function (rdd1, rdd2, time) => rdd, got ${typeof f}.`);
    const callSite = userCallSite();
    return new kinds.TransformedDStream<R>(this.ssc, [this, other], ([a, b], time) => callDriverSide(() => f(a as RDD<T>, b as RDD<U>, time), 'transformWith', callSite), 'transformWith', callSite);
  }

  // ---- windows --------------------------------------------------------------------------------

  /** All records of the batches in (t - windowDuration, t], every slideDuration. */
  window(windowDuration: Duration, slideDuration: Duration | { slideDuration?: Duration } = this.slideDuration): DStream<T> {
    return new kinds.WindowedDStream<T>(this, windowDuration, slideOf(this, slideDuration, 'window'));
  }

  /** Number of records in each window (built on the inverse-function window, as in Spark). */
  countByWindow(windowDuration: Duration, slideDuration: Duration | { slideDuration?: Duration } = this.slideDuration): DStream<number> {
    return this.map(() => 1).reduceByWindow(
      (a, b) => a + b,
      (a, b) => a - b,
      windowDuration,
      slideOf(this, slideDuration, 'countByWindow'),
    );
  }

  /**
   * One element per window: its records reduced with f. Spark's positional forms, with or without
   * the inverse function, or an options object after the window: `{ invFunc, slideDuration }`.
   */
  reduceByWindow<U>(this: DStream<U>, f: UserFn<(a: U, b: U) => U>, windowDuration: Duration, slideDuration?: Duration | { slideDuration?: Duration; invFunc?: UserFn<(a: U, b: U) => U> }): DStream<U>;
  reduceByWindow<U>(this: DStream<U>, f: UserFn<(a: U, b: U) => U>, invF: UserFn<(a: U, b: U) => U>, windowDuration: Duration, slideDuration?: Duration): DStream<U>;
  reduceByWindow<U>(this: DStream<U>, f: UserFn<(a: U, b: U) => U>, ...rest: any[]): DStream<U> {
    let invF: UserFn<(a: U, b: U) => U> | undefined;
    let windowDuration: Duration;
    let slideDuration: Duration | undefined;
    if (typeof rest[0] === 'number' && typeof rest[1] === 'object' && rest[1] !== null) {
      windowDuration = rest[0];
      ({ invFunc: invF, slideDuration } = readOptions<{ slideDuration?: Duration; invFunc?: UserFn<(a: U, b: U) => U> }>(rest[1], 'reduceByWindow', ['slideDuration', 'invFunc']));
    } else if (typeof rest[0] === 'number') [windowDuration, slideDuration] = rest as [number, number | undefined];
    else [invF, windowDuration, slideDuration] = rest as [UserFn<(a: U, b: U) => U>, number, number | undefined];
    slideDuration ??= this.slideDuration;
    if (invF === undefined) return this.reduce(f).window(windowDuration, slideDuration).reduce(f);
    const windowed = this.map((x): [number, any] => [1, x]).reduceByKeyAndWindow(f, invF, windowDuration, slideDuration, 1) as DStream<[number, U]>;
    const values = windowed.map((kv) => kv[1]);
    values.nameTarget = windowed;
    return values;
  }

  /** `[value, count]` per window; values whose count fell to 0 are dropped. */
  countByValueAndWindow(windowDuration: Duration, slideDuration?: Duration | WindowOptions, numPartitions?: number | Partitioner): DStream<[T, number]> {
    const o = windowOptions(slideDuration, numPartitions, 'countByValueAndWindow', []);
    return this.pairedWithOne('countByValueAndWindow').reduceByKeyAndWindow(
      (a, b) => a + b,
      (a, b) => a - b,
      windowDuration,
      o.slideDuration ?? this.slideDuration,
      this.partitionerFor(o.partitioning, 'countByValueAndWindow'),
      engineFn<(kv: [T, number]) => boolean>('nonZeroCount', {}, 'countByValueAndWindow'),
    );
  }

  /**
   * `[x, 1]` for every record x, as the engine's narrow op pairWith: a shuffle reading it combines
   * the records themselves, with no pair made for each (shuffle.ts).
   */
  private pairedWithOne(operation: string): DStream<[T, number]> {
    return this.derive(operation, (rdd) => rdd.narrow<[T, number]>(operation, 'pairWith', { value: 1 }));
  }

  // ---- pair operations (records are [K, V] tuples) ----------------------------------------

  protected partitionerFor(numPartitions: number | Partitioner | PartitionOptions | undefined, operation = 'numPartitions'): Partitioner {
    const given = partitioning(numPartitions, operation);
    if (given === undefined) return new HashPartitioner(this.ssc.sparkContext.defaultParallelism);
    if (typeof given === 'number') return new HashPartitioner(checkPartitions(given, operation));
    return given;
  }

  mapValues<K = any, V = any, U extends AnyRecord = any>(this: DStream<readonly [K, V]>, f: UserFn<(v: V) => U>): DStream<[K, U]> {
    const g = this.fn(f, 'mapValues');
    return pairs(this).derive('mapValues', (rdd) => rdd.mapValues(g));
  }

  flatMapValues<K = any, V = any, U extends AnyRecord = any>(this: DStream<readonly [K, V]>, f: UserFn<(v: V) => Iterable<U>>): DStream<[K, U]> {
    const g = this.fn(f, 'flatMapValues');
    return pairs(this).derive('flatMapValues', (rdd) => rdd.flatMapValues(g));
  }

  /** The values of each key, per batch; then `numPartitions`, a Partitioner, or `{ numPartitions }` / `{ partitioner }`. */
  groupByKey<K = any, V = any>(this: DStream<readonly [K, V]>, numPartitions?: number | Partitioner | PartitionOptions): DStream<[K, V[]]> {
    const p = this.partitionerFor(numPartitions, 'groupByKey');
    return pairs(this).derive('groupByKey', (rdd) => rdd.groupByKey(p));
  }

  /** The values of each key merged with f, per batch; then `numPartitions`, a Partitioner, or `{ numPartitions }` / `{ partitioner }`. */
  reduceByKey<K = any, V = any>(this: DStream<readonly [K, V]>, f: UserFn<(a: Widen<V>, b: Widen<V>) => Widen<V>>, numPartitions?: number | Partitioner | PartitionOptions): DStream<[K, Widen<V>]> {
    const g = this.fn(f, 'reduceByKey');
    const p = this.partitionerFor(numPartitions, 'reduceByKey');
    return (this as DStream<readonly [K, any]> as DStream<[K, Widen<V>]>).derive('reduceByKey', (rdd) => rdd.reduceByKey<K, any>(g, p));
  }

  /**
   * Spark's combineByKey, per batch. After the three functions: Spark's positional
   * `numPartitions` (or a Partitioner) and `mapSideCombine`, or `{ numPartitions, partitioner,
   * mapSideCombine }`.
   */
  combineByKey<K = any, V = any, C = any>(
    this: DStream<readonly [K, V]>,
    createCombiner: UserFn<(v: V) => C>,
    mergeValue: UserFn<(c: C, v: V) => C>,
    mergeCombiners: UserFn<(a: C, b: C) => C>,
    numPartitions?: number | Partitioner | CombineOptions,
    mapSideCombine = true,
  ): DStream<[K, C]> {
    const create = this.fn(createCombiner, 'combineByKey');
    const mergeV = this.fn(mergeValue, 'combineByKey');
    const mergeC = this.fn(mergeCombiners, 'combineByKey');
    const options = combineOptions(numPartitions, mapSideCombine, 'combineByKey');
    const p = this.partitionerFor(options.partitioning, 'combineByKey');
    return pairs(this).derive('combineByKey', (rdd) => rdd.combineByKey(create, mergeV, mergeC, p, options.mapSideCombine));
  }

  /** Pairs of values per key in both streams' batches; after `other`: `numPartitions`, a Partitioner, or `{ numPartitions }` / `{ partitioner }` (so for the outer joins and cogroup too). */
  join<K = any, V = any, W = any>(this: DStream<readonly [K, V]>, other: DStream<readonly [K, W]>, numPartitions?: number | Partitioner | PartitionOptions): DStream<[K, [V, W]]> {
    const p = this.partitionerFor(numPartitions, 'join');
    return this.joinLike(other, 'join', (a, b) => a.join(b, p));
  }

  leftOuterJoin<K = any, V = any, W = any>(this: DStream<readonly [K, V]>, other: DStream<readonly [K, W]>, numPartitions?: number | Partitioner | PartitionOptions): DStream<[K, [V, W | undefined]]> {
    const p = this.partitionerFor(numPartitions, 'leftOuterJoin');
    return this.joinLike(other, 'leftOuterJoin', (a, b) => a.leftOuterJoin(b, p));
  }

  rightOuterJoin<K = any, V = any, W = any>(
    this: DStream<readonly [K, V]>,
    other: DStream<readonly [K, W]>,
    numPartitions?: number | Partitioner | PartitionOptions,
  ): DStream<[K, [V | undefined, W]]> {
    const p = this.partitionerFor(numPartitions, 'rightOuterJoin');
    return this.joinLike(other, 'rightOuterJoin', (a, b) => a.rightOuterJoin(b, p));
  }

  fullOuterJoin<K = any, V = any, W = any>(
    this: DStream<readonly [K, V]>,
    other: DStream<readonly [K, W]>,
    numPartitions?: number | Partitioner | PartitionOptions,
  ): DStream<[K, [V | undefined, W | undefined]]> {
    const p = this.partitionerFor(numPartitions, 'fullOuterJoin');
    return this.joinLike(other, 'fullOuterJoin', (a, b) => a.fullOuterJoin(b, p));
  }

  cogroup<K = any, V = any, W = any>(this: DStream<readonly [K, V]>, other: DStream<readonly [K, W]>, numPartitions?: number | Partitioner | PartitionOptions): DStream<[K, [V[], W[]]]> {
    const p = this.partitionerFor(numPartitions, 'cogroup');
    return this.joinLike(other, 'cogroup', (a, b) => a.cogroup(b, p));
  }

  private joinLike<U, R>(other: DStream<U>, operation: string, f: (a: RDD<any>, b: RDD<any>) => RDD<R>): DStream<R> {
    if (!(other instanceof DStream)) throw new TypeError(`${operation} expects another DStream, got ${describeValue(other)}.`);
    return new kinds.TransformedDStream<R>(this.ssc, [this, other], ([a, b]) => f(a!, b!), operation);
  }

  /**
   * Group values per key over a window. After the window: Spark's positional `slideDuration` and
   * `numPartitions` (or a Partitioner), or `{ slideDuration, numPartitions, partitioner }`.
   */
  groupByKeyAndWindow<K = any, V = any>(this: DStream<readonly [K, V]>, windowDuration: Duration, slideDuration?: Duration | WindowOptions, numPartitions?: number | Partitioner): DStream<[K, V[]]> {
    const o = windowOptions(slideDuration, numPartitions, 'groupByKeyAndWindow', []);
    return pairs(this)
      .window(windowDuration, o.slideDuration ?? this.slideDuration)
      .groupByKey(this.partitionerFor(o.partitioning, 'groupByKeyAndWindow'));
  }

  /**
   * Reduce values per key over a window. With an inverse function the new window is computed
   * from the previous one (subtract what left, add what entered), which costs only the changed
   * batches; without one, every window reduces all its batches. Spark's positional forms, or an
   * options object after the window: `reduceByKeyAndWindow(f, Seconds(30), { invFunc, slideDuration,
   * numPartitions, filterFunc })`.
   */
  reduceByKeyAndWindow<K = any, V = any>(
    this: DStream<readonly [K, V]>,
    f: UserFn<(a: Widen<V>, b: Widen<V>) => Widen<V>>,
    windowDuration: Duration,
    slideDuration?: Duration,
    numPartitions?: number | Partitioner,
  ): DStream<[K, Widen<V>]>;
  reduceByKeyAndWindow<K = any, V = any>(
    this: DStream<readonly [K, V]>,
    f: UserFn<(a: Widen<V>, b: Widen<V>) => Widen<V>>,
    windowDuration: Duration,
    options: ReduceByKeyAndWindowOptions<K, Widen<V>>,
  ): DStream<[K, Widen<V>]>;
  reduceByKeyAndWindow<K = any, V = any>(
    this: DStream<readonly [K, V]>,
    f: UserFn<(a: Widen<V>, b: Widen<V>) => Widen<V>>,
    invF: UserFn<(a: Widen<V>, b: Widen<V>) => Widen<V>>,
    windowDuration: Duration,
    slideDuration?: Duration,
    numPartitions?: number | Partitioner,
    filterFunc?: UserFn<(kv: [K, Widen<V>]) => boolean>,
  ): DStream<[K, Widen<V>]>;
  reduceByKeyAndWindow<K, V>(this: DStream<readonly [K, V]>, f: UserFn<(a: V, b: V) => V>, ...rest: any[]): DStream<[K, V]> {
    const self = pairs(this);
    let invF: UserFn<(a: V, b: V) => V> | undefined;
    let windowDuration: Duration;
    let slideDuration: Duration | undefined;
    let numPartitions: number | Partitioner | PartitionOptions | undefined;
    let filterFunc: UserFn<(kv: [K, V]) => boolean> | undefined;
    if (typeof rest[0] === 'number' && typeof rest[1] === 'object' && rest[1] !== null && !isPartitioner(rest[1])) {
      windowDuration = rest[0];
      const o = windowOptions(rest[1] as ReduceByKeyAndWindowOptions<K, V>, undefined, 'reduceByKeyAndWindow', ['invFunc', 'filterFunc']) as ReturnType<typeof windowOptions> &
        ReduceByKeyAndWindowOptions<K, V>;
      ({ invFunc: invF, filterFunc, slideDuration } = o);
      numPartitions = o.partitioning;
      if (filterFunc !== undefined && invF === undefined) throw new TypeError('reduceByKeyAndWindow: filterFunc needs invFunc (it filters the pairs the inverse function leaves).');
    } else if (typeof rest[0] === 'number') {
      [windowDuration, slideDuration, numPartitions] = rest as [number, number | undefined, number | Partitioner | undefined];
    } else {
      [invF, windowDuration, slideDuration, numPartitions, filterFunc] = rest as [
        UserFn<(a: V, b: V) => V>,
        number,
        number | undefined,
        number | Partitioner | undefined,
        UserFn<(kv: [K, V]) => boolean> | undefined,
      ];
    }
    slideDuration ??= this.slideDuration;
    if (invF === undefined) {
      const p = this.partitionerFor(numPartitions, 'reduceByKeyAndWindow');
      const anyValues = self as DStream<[K, any]>; // V is the values' type already (Widen<V> is for literal types)
      return anyValues.reduceByKey(f, p).window(windowDuration, slideDuration).reduceByKey(f, p);
    }
    return new kinds.ReducedWindowedDStream<K, V>(
      self,
      this.fn(f, 'reduceByKeyAndWindow'),
      this.fn(invF, 'reduceByKeyAndWindow (inverse)'),
      filterFunc === undefined ? undefined : this.fn(filterFunc, 'reduceByKeyAndWindow (filter)'),
      windowDuration,
      slideDuration,
      this.partitionerFor(numPartitions, 'reduceByKeyAndWindow'),
    );
  }

  /**
   * Keep state per key across batches. `update(values, state)` is called every batch for every
   * key that has state or new values (values = [] when none arrived); returning undefined
   * removes the key. The stream holds `[key, state]` for every key. The state's type is read from
   * `update` when its `state` parameter is annotated, or from `initialState`; otherwise it is the
   * values' type (a running count or sum needs no annotation). After `update`: Spark's positional
   * `numPartitions` or Partitioner, or `{ numPartitions, partitioner, initialState }`.
   */
  updateStateByKey<K = any, V = any, S = Widen<V>>(
    this: DStream<readonly [K, V]>,
    update: UserFn<(values: V[], state: S | undefined) => S | undefined>,
    options: number | Partitioner | UpdateStateOptions<K, S> = {},
  ): DStream<[K, S]> {
    let partitioning: number | Partitioner | PartitionOptions = options as number | Partitioner;
    let initialState: UpdateStateOptions<K, S>['initialState'];
    if (typeof options !== 'number' && !isPartitioner(options)) {
      const o = readOptions<UpdateStateOptions<K, S>>(options, 'updateStateByKey', ['numPartitions', 'partitioner', 'initialState']);
      partitioning = { numPartitions: o.numPartitions, partitioner: o.partitioner };
      initialState = o.initialState;
    }
    return new kinds.StateDStream<K, V, S>(
      pairs(this),
      this.fn(update, 'updateStateByKey'),
      this.partitionerFor(partitioning, 'updateStateByKey'),
      initialState as Iterable<[K, S]> | RDD<[K, S]> | undefined,
    );
  }

  /**
   * Keep state per key, calling the StateSpec's function only for keys with data in the batch
   * (and for keys timing out); its cost per batch grows with the keys touched, not the keys held.
   * The function returning undefined emits nothing, so the stream's type leaves undefined out.
   */
  mapWithState<K = any, V = any, S = any, M = any>(this: DStream<readonly [K, V]>, spec: StateSpec<K, V, S, M>): MapWithStateDStream<K, V, S, M> {
    if (typeof spec !== 'object' || spec === null || typeof (spec as Partial<StateSpec<K, V, S, M>>).mappingFunction?.call !== 'function') {
      throw new TypeError(`mapWithState expects a StateSpec, e.g. stream.mapWithState(StateSpec.function((key, value, state) => mapped)); got ${describeValue(spec)}.`);
    }
    return new kinds.MapWithStateDStream<K, V, S, M>(this, spec);
  }

  // ---- output operations ------------------------------------------------------------------

  /** Run `f` on the driver with each batch's RDD and time. The batch waits for a returned promise. */
  foreachRDD(f: (rdd: RDD<T>, time: number) => void | Promise<void>): void {
    if (typeof f !== 'function') throw new TypeError(`foreachRDD expects a function (rdd, time) => void, got ${typeof f}.`);
    new kinds.ForEachDStream<T>(this, f, 'foreachRDD').register();
  }

  /** Print the first `num` records of every batch in Spark's format. */
  print(num = 10): void {
    if (!Number.isInteger(num) || num < 0) throw new RangeError(`print: num must be a non-negative integer, got ${num}.`);
    new kinds.ForEachDStream<T>(this, (rdd, time) => printRDD(rdd, time, num), 'print').register();
  }

  /**
   * An output operation (register it before start(), as foreachRDD): every batch, collected to
   * the driver, as `{ time, records }` on an RxJS Observable. Hot and multicast; unsubscribing
   * leaves the context running; completes when the context stops, errors with the error that
   * stopped it. See docs/javascript.md.
   */
  asObservable(): Observable<CollectedBatch<T>> {
    const { foreachFunc, output } = observableOutput<T>(this.ssc.terminated);
    new kinds.ForEachDStream<T>(this, foreachFunc, 'asObservable').register();
    return output;
  }

  /**
   * An output operation (register it before start(), as foreachRDD): every batch, collected to
   * the driver, for `for await (const { time, records } of stream.batches())`. A batch's job
   * finishes when the loop takes it (a slow loop delays batches; nothing piles up); the loop ends
   * when the context stops and throws the error that stopped it; leaving it leaves the context
   * running. See docs/javascript.md.
   */
  batches(): AsyncIterableIterator<CollectedBatch<T>> {
    // Loaded when first used (a page that never iterates does not carry it); every call below waits for it.
    const loaded = import('./batchIterator.ts').then((m) => m.batchIterator<T>(this.ssc.terminated));
    new kinds.ForEachDStream<T>(this, async (rdd, time) => (await loaded).foreachFunc(rdd, time), 'batches').register();
    return {
      next: async () => (await loaded).output.next(),
      return: async () => (await loaded).output.return!(),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** One output per batch, `prefix-<timeMs>[.suffix]`, written atomically (Node). */
  saveAsTextFiles(prefix: string, suffix?: string): void {
    new kinds.ForEachDStream<T>(this, saveAsTextFiles<T>(prefix, suffix), 'saveAsTextFiles').register();
  }
}

/** Run a user function that runs on the driver (transform's); a throw names the operation and where it was defined. */
function callDriverSide<R>(body: () => R, operation: string, callSite: string): R {
  try {
    return body();
  } catch (e) {
    throw e instanceof UserFunctionError ? e : new UserFunctionError(operation, callSite, e);
  }
}

/** `null`, `undefined`, `a number`, `an object ({})`…: what was given where something else was expected. */
export function describeValue(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x === 'object') {
    const name = Object.getPrototypeOf(x)?.constructor?.name;
    if (name && name !== 'Object') return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
    let text: string | undefined;
    try {
      text = JSON.stringify(x);
    } catch {
      text = undefined;
    }
    return text === undefined ? 'an object' : `an object (${text.length > 40 ? text.slice(0, 40) + '…' : text})`;
  }
  return `${/^[aeiou]/.test(typeof x) ? 'an' : 'a'} ${typeof x}`;
}

export function checkPartitions(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what}: the number of partitions must be a positive integer, got ${n}.`);
  return n;
}

/** Windows: both durations positive multiples of the parent's slide, checked when the stream is defined. */
export function checkWindow(parent: DStream<any>, windowDuration: Duration, slideDuration: Duration, operation: string): void {
  checkDuration(windowDuration, `${operation}: windowDuration`);
  checkDuration(slideDuration, `${operation}: slideDuration`);
  parent.ssc.definitions.note(`window ${windowDuration}/${slideDuration} of ${operation}`, userCallSite());
  const base = parent.slideDuration;
  if (!isMultipleOf(windowDuration, base)) {
    throw new RangeError(
      `${operation}: the window duration (${windowDuration} ms) must be a multiple of the parent stream's slide duration (${base} ms), e.g. ${Math.max(base, Math.round(windowDuration / base) * base)} ms.`,
    );
  }
  if (!isMultipleOf(slideDuration, base)) {
    throw new RangeError(
      `${operation}: the slide duration (${slideDuration} ms) must be a multiple of the parent stream's slide duration (${base} ms), e.g. ${Math.max(base, Math.round(slideDuration / base) * base)} ms.`,
    );
  }
}

/**
 * The options object of the window operations by key: the slide and where the pairs go. Spark:
 * their positional `slideDuration` and `numPartitions` (or `partitioner`).
 *
 * @example
 * ```ts
 * const perMinute = pairs.groupByKeyAndWindow(Minutes(1), { slideDuration: Seconds(10), numPartitions: 4 });
 * ```
 */
export interface WindowOptions extends PartitionOptions {
  /** How often a window is computed (default: the parent's slide). */
  slideDuration?: Duration;
}

/**
 * reduceByKeyAndWindow's options object, after the window duration. Spark: its positional
 * `invReduceFunc`, `slideDuration`, `numPartitions` (or `partitioner`) and `filterFunc`.
 *
 * @example
 * ```ts
 * const counts = pairs.reduceByKeyAndWindow((a, b) => a + b, Minutes(1), { invFunc: (a, b) => a - b, filterFunc: ([, n]) => n > 0 });
 * ```
 */
export interface ReduceByKeyAndWindowOptions<K, V> extends WindowOptions {
  /** The inverse of f: subtracts the batches that left the window, so only changed batches are reduced. */
  invFunc?: UserFn<(a: V, b: V) => V>;
  /** With invFunc: pairs to keep after each window (e.g. drop counts that fell to 0). */
  filterFunc?: UserFn<(kv: [K, V]) => boolean>;
}

/**
 * updateStateByKey's options object. Spark: updateStateByKey's positional `numPartitions` (or
 * `partitioner`) and `initialRDD`.
 *
 * @example
 * ```ts
 * const totals = pairs.updateStateByKey((values, total) => values.reduce((a, b) => a + b, total ?? 0), { numPartitions: 4, initialState: [['a', 10]] });
 * ```
 */
export interface UpdateStateOptions<K, S> extends PartitionOptions {
  /** State to start from: `[key, state]` pairs (or an RDD of them). */
  initialState?: Iterable<readonly [K, S]> | RDD<readonly [K, S]>;
}

/** A pair operation's `this` (readonly pairs accepted) as its implementation uses it. */
function pairs<K, V>(stream: DStream<readonly [K, V]>): DStream<[K, V]> {
  return stream as DStream<[K, V]>;
}

/** A window's slide, positional or `{ slideDuration }`; the stream's own slide when not given. */
function slideOf(stream: DStream<unknown>, arg: Duration | { slideDuration?: Duration }, operation: string): Duration {
  if (typeof arg === 'number') return arg;
  return readOptions<{ slideDuration?: Duration }>(arg, operation, ['slideDuration']).slideDuration ?? stream.slideDuration;
}

/** A window operation's trailing arguments, Spark's positional slide and partitions or {@link WindowOptions}. */
function windowOptions(
  arg: Duration | WindowOptions | undefined,
  numPartitions: number | Partitioner | undefined,
  operation: string,
  extra: readonly string[],
): { slideDuration: Duration | undefined; partitioning: number | Partitioner | PartitionOptions | undefined } {
  if (arg === undefined || typeof arg === 'number') return { slideDuration: arg, partitioning: numPartitions };
  if (numPartitions !== undefined) throw new TypeError(`${operation}: numPartitions goes in the options object when one is given.`);
  const o = readOptions<WindowOptions & Record<string, unknown>>(arg, operation, ['slideDuration', 'numPartitions', 'partitioner', ...extra]);
  return { ...o, slideDuration: o.slideDuration, partitioning: { numPartitions: o.numPartitions, partitioner: o.partitioner } };
}
