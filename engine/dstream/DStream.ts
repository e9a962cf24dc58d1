import { ship, type ShippedFunction, type UserFn } from '../closure/ship.ts';
import { engineFn } from '../closure/engineFunctions.ts';
import { userCallSite } from '../util/callSite.ts';
import { checkDuration, isMultipleOf, type Duration } from '../util/duration.ts';
import { HashPartitioner, type Partitioner, type RDD } from '../rdd/index.ts';
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
 * const words = ssc.queueStream([['a', 'b', 'a']]).map((w) => [w, 1] as [string, number]);
 * words.reduceByKey((a, b) => a + b).print();
 * ```
 */
export abstract class DStream<T> {
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

  /** How long the parents must keep their RDDs for this stream (windows need more). */
  protected get parentRememberDuration(): Duration {
    return this.rememberDuration!;
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
      throw new IllegalStateError(`slice: ${this.creationSite} has not been initialized: a stream has batches to slice once its StreamingContext has started. Call slice() after start(), or from an output operation (foreachRDD).`);
    }
    const align = (t: number) => (isMultipleOf(t - this.zeroTime!, this.slideDuration) ? t : t - ((t - this.zeroTime!) % this.slideDuration + this.slideDuration) % this.slideDuration);
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

  map<U>(f: UserFn<(x: T) => U>): DStream<U> {
    const g = this.fn(f, 'map');
    return this.derive('map', (rdd) => rdd.map(g));
  }

  flatMap<U>(f: UserFn<(x: T) => Iterable<U>>): DStream<U> {
    const g = this.fn(f, 'flatMap');
    return this.derive('flatMap', (rdd) => rdd.flatMap(g));
  }

  filter(f: UserFn<(x: T) => unknown>): DStream<T> {
    const g = this.fn(f, 'filter');
    return this.derive('filter', (rdd) => rdd.filter(g));
  }

  mapPartitions<U>(f: UserFn<(records: T[]) => Iterable<U>>, preservesPartitioning = false): DStream<U> {
    const g = this.fn(f, 'mapPartitions');
    return this.derive('mapPartitions', (rdd) => rdd.mapPartitions(g, preservesPartitioning));
  }

  glom(): DStream<T[]> {
    return this.derive('glom', (rdd) => rdd.glom());
  }

  repartition(numPartitions: number): DStream<T> {
    checkPartitions(numPartitions, 'repartition');
    return this.derive('repartition', (rdd) => rdd.repartition(numPartitions));
  }

  union(...others: DStream<T>[]): DStream<T> {
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
  reduce(f: UserFn<(a: T, b: T) => T>): DStream<T> {
    const g = this.fn(f, 'reduce');
    const reduceAll = engineFn<(records: T[]) => T[]>('reduceAll', { f: g }, 'reduce');
    return this.derive('reduce', (rdd) => rdd.mapPartitions(reduceAll).coalesce(1).mapPartitions(reduceAll));
  }

  /** `[value, count]` for every distinct value in the batch. */
  countByValue(numPartitions?: number): DStream<[T, number]> {
    return this.map((x) => [x, 1] as [T, number]).reduceByKey((a, b) => a + b, numPartitions);
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
    return new kinds.TransformedDStream<R>(
      this.ssc,
      [this, other],
      ([a, b], time) => callDriverSide(() => f(a as RDD<T>, b as RDD<U>, time), 'transformWith', callSite),
      'transformWith',
      callSite,
    );
  }

  // ---- windows --------------------------------------------------------------------------------

  /** All records of the batches in (t - windowDuration, t], every slideDuration. */
  window(windowDuration: Duration, slideDuration: Duration = this.slideDuration): DStream<T> {
    return new kinds.WindowedDStream<T>(this, windowDuration, slideDuration);
  }

  /** Number of records in each window (built on the inverse-function window, as in Spark). */
  countByWindow(windowDuration: Duration, slideDuration: Duration = this.slideDuration): DStream<number> {
    return this.map(() => 1).reduceByWindow((a, b) => a + b, (a, b) => a - b, windowDuration, slideDuration);
  }

  reduceByWindow(f: UserFn<(a: T, b: T) => T>, windowDuration: Duration, slideDuration?: Duration): DStream<T>;
  reduceByWindow(f: UserFn<(a: T, b: T) => T>, invF: UserFn<(a: T, b: T) => T>, windowDuration: Duration, slideDuration?: Duration): DStream<T>;
  reduceByWindow(f: UserFn<(a: T, b: T) => T>, ...rest: any[]): DStream<T> {
    if (typeof rest[0] === 'number') {
      const [windowDuration, slideDuration = this.slideDuration] = rest as [number, number | undefined];
      return this.reduce(f).window(windowDuration, slideDuration).reduce(f);
    }
    const [invF, windowDuration, slideDuration = this.slideDuration] = rest as [UserFn<(a: T, b: T) => T>, number, number | undefined];
    const windowed = this.map((x) => [1, x] as [number, T]).reduceByKeyAndWindow(f, invF, windowDuration, slideDuration, 1);
    const values = windowed.map((kv) => kv[1]);
    values.nameTarget = windowed;
    return values;
  }

  /** `[value, count]` per window; values whose count fell to 0 are dropped. */
  countByValueAndWindow(windowDuration: Duration, slideDuration: Duration = this.slideDuration, numPartitions?: number): DStream<[T, number]> {
    return this.map((x) => [x, 1] as [T, number]).reduceByKeyAndWindow(
      (a, b) => a + b,
      (a, b) => a - b,
      windowDuration,
      slideDuration,
      numPartitions,
      (kv) => kv[1] !== 0,
    );
  }

  // ---- pair operations (records are [K, V] tuples) ----------------------------------------

  protected partitionerFor(numPartitions: number | Partitioner | undefined): Partitioner {
    if (numPartitions === undefined) return new HashPartitioner(this.ssc.sparkContext.defaultParallelism);
    if (typeof numPartitions === 'number') return new HashPartitioner(checkPartitions(numPartitions, 'numPartitions'));
    return numPartitions;
  }

  mapValues<K, V, U>(this: DStream<[K, V]>, f: UserFn<(v: V) => U>): DStream<[K, U]> {
    const g = this.fn(f, 'mapValues');
    return this.derive('mapValues', (rdd) => rdd.mapValues(g));
  }

  flatMapValues<K, V, U>(this: DStream<[K, V]>, f: UserFn<(v: V) => Iterable<U>>): DStream<[K, U]> {
    const g = this.fn(f, 'flatMapValues');
    return this.derive('flatMapValues', (rdd) => rdd.flatMapValues(g));
  }

  groupByKey<K, V>(this: DStream<[K, V]>, numPartitions?: number | Partitioner): DStream<[K, V[]]> {
    const p = this.partitionerFor(numPartitions);
    return this.derive('groupByKey', (rdd) => rdd.groupByKey(p));
  }

  reduceByKey<K, V>(this: DStream<[K, V]>, f: UserFn<(a: V, b: V) => V>, numPartitions?: number | Partitioner): DStream<[K, V]> {
    const g = this.fn(f, 'reduceByKey');
    const p = this.partitionerFor(numPartitions);
    return this.derive('reduceByKey', (rdd) => rdd.reduceByKey(g, p));
  }

  combineByKey<K, V, C>(
    this: DStream<[K, V]>,
    createCombiner: UserFn<(v: V) => C>,
    mergeValue: UserFn<(c: C, v: V) => C>,
    mergeCombiners: UserFn<(a: C, b: C) => C>,
    numPartitions?: number | Partitioner,
    mapSideCombine = true,
  ): DStream<[K, C]> {
    const create = this.fn(createCombiner, 'combineByKey');
    const mergeV = this.fn(mergeValue, 'combineByKey');
    const mergeC = this.fn(mergeCombiners, 'combineByKey');
    const p = this.partitionerFor(numPartitions);
    return this.derive('combineByKey', (rdd) => rdd.combineByKey(create, mergeV, mergeC, p, mapSideCombine));
  }

  join<K, V, W>(this: DStream<[K, V]>, other: DStream<[K, W]>, numPartitions?: number | Partitioner): DStream<[K, [V, W]]> {
    const p = this.partitionerFor(numPartitions);
    return this.joinLike(other, 'join', (a, b) => a.join(b, p));
  }

  leftOuterJoin<K, V, W>(this: DStream<[K, V]>, other: DStream<[K, W]>, numPartitions?: number | Partitioner): DStream<[K, [V, W | undefined]]> {
    const p = this.partitionerFor(numPartitions);
    return this.joinLike(other, 'leftOuterJoin', (a, b) => a.leftOuterJoin(b, p));
  }

  rightOuterJoin<K, V, W>(this: DStream<[K, V]>, other: DStream<[K, W]>, numPartitions?: number | Partitioner): DStream<[K, [V | undefined, W]]> {
    const p = this.partitionerFor(numPartitions);
    return this.joinLike(other, 'rightOuterJoin', (a, b) => a.rightOuterJoin(b, p));
  }

  fullOuterJoin<K, V, W>(this: DStream<[K, V]>, other: DStream<[K, W]>, numPartitions?: number | Partitioner): DStream<[K, [V | undefined, W | undefined]]> {
    const p = this.partitionerFor(numPartitions);
    return this.joinLike(other, 'fullOuterJoin', (a, b) => a.fullOuterJoin(b, p));
  }

  cogroup<K, V, W>(this: DStream<[K, V]>, other: DStream<[K, W]>, numPartitions?: number | Partitioner): DStream<[K, [V[], W[]]]> {
    const p = this.partitionerFor(numPartitions);
    return this.joinLike(other, 'cogroup', (a, b) => a.cogroup(b, p));
  }

  private joinLike<U, R>(other: DStream<U>, operation: string, f: (a: RDD<any>, b: RDD<any>) => RDD<R>): DStream<R> {
    if (!(other instanceof DStream)) throw new TypeError(`${operation} expects another DStream, got ${describeValue(other)}.`);
    return new kinds.TransformedDStream<R>(this.ssc, [this, other], ([a, b]) => f(a!, b!), operation);
  }

  /** Group values per key over a window. */
  groupByKeyAndWindow<K, V>(this: DStream<[K, V]>, windowDuration: Duration, slideDuration: Duration = this.slideDuration, numPartitions?: number | Partitioner): DStream<[K, V[]]> {
    return this.window(windowDuration, slideDuration).groupByKey(numPartitions);
  }

  /**
   * Reduce values per key over a window. With an inverse function the new window is computed
   * from the previous one (subtract what left, add what entered), which costs only the changed
   * batches; without one, every window reduces all its batches.
   */
  reduceByKeyAndWindow<K, V>(this: DStream<[K, V]>, f: UserFn<(a: V, b: V) => V>, windowDuration: Duration, slideDuration?: Duration, numPartitions?: number | Partitioner): DStream<[K, V]>;
  reduceByKeyAndWindow<K, V>(
    this: DStream<[K, V]>,
    f: UserFn<(a: V, b: V) => V>,
    invF: UserFn<(a: V, b: V) => V>,
    windowDuration: Duration,
    slideDuration?: Duration,
    numPartitions?: number | Partitioner,
    filterFunc?: UserFn<(kv: [K, V]) => boolean>,
  ): DStream<[K, V]>;
  reduceByKeyAndWindow<K, V>(this: DStream<[K, V]>, f: UserFn<(a: V, b: V) => V>, ...rest: any[]): DStream<[K, V]> {
    if (typeof rest[0] === 'number') {
      const [windowDuration, slideDuration = this.slideDuration, numPartitions] = rest as [number, number | undefined, number | Partitioner | undefined];
      const p = this.partitionerFor(numPartitions);
      return this.reduceByKey(f, p).window(windowDuration, slideDuration).reduceByKey(f, p);
    }
    const [invF, windowDuration, slideDuration = this.slideDuration, numPartitions, filterFunc] = rest as [
      UserFn<(a: V, b: V) => V>, number, number | undefined, number | Partitioner | undefined, UserFn<(kv: [K, V]) => boolean> | undefined,
    ];
    return new kinds.ReducedWindowedDStream<K, V>(
      this,
      this.fn(f, 'reduceByKeyAndWindow'),
      this.fn(invF, 'reduceByKeyAndWindow (inverse)'),
      filterFunc === undefined ? undefined : this.fn(filterFunc, 'reduceByKeyAndWindow (filter)'),
      windowDuration,
      slideDuration,
      this.partitionerFor(numPartitions),
    );
  }

  /**
   * Keep state per key across batches. `update(values, state)` is called every batch for every
   * key that has state or new values (values = [] when none arrived); returning undefined
   * removes the key. The stream holds `[key, state]` for every key.
   */
  updateStateByKey<K, V, S>(
    this: DStream<[K, V]>,
    update: UserFn<(values: V[], state: S | undefined) => S | undefined>,
    options: { numPartitions?: number; partitioner?: Partitioner; initialState?: Iterable<[K, S]> | RDD<[K, S]> } = {},
  ): DStream<[K, S]> {
    return new kinds.StateDStream<K, V, S>(
      this,
      this.fn(update, 'updateStateByKey'),
      options.partitioner ?? this.partitionerFor(options.numPartitions),
      options.initialState,
    );
  }

  /**
   * Keep state per key, calling the StateSpec's function only for keys with data in the batch
   * (and for keys timing out); its cost per batch grows with the keys touched, not the keys held.
   */
  mapWithState<K, V, S, M>(this: DStream<[K, V]>, spec: StateSpec<K, V, S, M>): MapWithStateDStream<K, V, S, M> {
    if (typeof spec !== 'object' || spec === null || typeof (spec as Partial<StateSpec<K, V, S, M>>).mappingFunction?.call !== 'function') {
      throw new TypeError(
        `mapWithState expects a StateSpec, e.g. stream.mapWithState(StateSpec.function((key, value, state) => mapped)); got ${describeValue(spec)}.`,
      );
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
    throw new RangeError(`${operation}: the window duration (${windowDuration} ms) must be a multiple of the parent stream's slide duration (${base} ms), e.g. ${Math.max(base, Math.round(windowDuration / base) * base)} ms.`);
  }
  if (!isMultipleOf(slideDuration, base)) {
    throw new RangeError(`${operation}: the slide duration (${slideDuration} ms) must be a multiple of the parent stream's slide duration (${base} ms), e.g. ${Math.max(base, Math.round(slideDuration / base) * base)} ms.`);
  }
}
