// In this file TypeError and RangeError are Rivulet's coded subclasses (named TypeError and RangeError, as Node's own are).
import { InvalidArgumentError as TypeError, OutOfRangeError as RangeError, UnsupportedOperationError } from '../util/errors.ts';
import { ship, type ShippedFunction, type UserFn } from '../closure/ship.ts';
import { engineFn } from '../closure/engineFunctions.ts';
import { callSiteFromStack } from '../util/callSite.ts';
import { aggregatorOf, type Dependency } from './Dependency.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import { HashPartitioner, RangePartitioner, type Partitioner } from './Partitioner.ts';
import { KeyedMap } from './keys.ts';
import type { RDDContext } from './RDDContext.ts';
import { attributeUserError, callingUser } from '../closure/attribution.ts';
import type { MapPartitionsRDD, Pipe } from './MapPartitionsRDD.ts';
import { narrowOps, type NarrowOpName } from './narrowOps.ts';
import { describeFunction, type FunctionDescriptor, type RDDDescriptor, type ShippedAggregator } from './descriptor.ts';
import type { ResultKind } from '../executor/protocol.ts';
import type { ShuffledRDD } from './ShuffledRDD.ts';
import type { UnionRDD } from './UnionRDD.ts';
import type { CoalescedRDD } from './CoalescedRDD.ts';
import type { CoGroupedRDD } from './CoGroupedRDD.ts';
import type { AnyRecord, Widen } from './recordTypes.ts';
import { isPartitioner, partitioning, readOptions, type PartitionOptions } from './options.ts';

/**
 * Constructors of the RDD kinds. Their modules extend RDD, so this module cannot import them
 * without an import cycle; rdd/index.ts fills this in once all of them are loaded.
 */
export const kinds = {} as {
  MapPartitionsRDD: typeof MapPartitionsRDD;
  ShuffledRDD: typeof ShuffledRDD;
  UnionRDD: typeof UnionRDD;
  CoalescedRDD: typeof CoalescedRDD;
  CoGroupedRDD: typeof CoGroupedRDD;
};

/** Thrown by an emit to stop a partition early (take/first); never reaches the user. */
export const STOP = Symbol('rivulet.stop');

export type Pair<K, V> = [K, V];

/** A pair operation's `this` (readonly pairs accepted) as its implementation uses it. */
function pairs<K, V>(rdd: RDD<readonly [K, V]>): RDD<[K, V]> {
  return rdd as RDD<[K, V]>;
}

/**
 * A Resilient Distributed Dataset: a fixed number of partitions plus the lineage to compute
 * them. Transformations are lazy and narrow ones are pipelined (one pass per partition, no
 * intermediate arrays); key-based ones shuffle through a Partitioner. Actions are async, because
 * partitions may be computed on worker threads. Spark: `org.apache.spark.rdd.RDD` (with the pair
 * operations of `PairRDDFunctions` as methods).
 *
 * @example
 * ```ts
 * import { RDDContext } from 'rivulet';
 * const sc = new RDDContext();
 * const counts = sc.parallelize(['a b', 'b']).flatMap((l) => l.split(' ')).map((w) => [w, 1]).reduceByKey((a, b) => a + b);
 * console.log(await counts.collect()); // [['a', 1], ['b', 2]] (in some order)
 * ```
 */
export abstract class RDD<out T> {
  /**
   * Type only, never set: the type of this RDD's records. Declared first so that, when records
   * of the wrong type meet an operation (reduceByKey on records that are not pairs), TypeScript's
   * error compares this and stops, rather than walking through the RDD's other members.
   */
  declare readonly recordType?: [T];
  // The fields are declared, and set in the constructor, not initialized as class fields: the
  // base class's field initializer runs on the objects of every RDD class, and its definitions,
  // seeing as many shapes, went the slow way (a tenth of a batch of small windows went there).
  declare readonly context: RDDContext;
  declare readonly id: number;
  declare readonly operation: string;
  declare private site: string | Error;
  declare name: string | undefined;
  declare partitioner: Partitioner | undefined;
  /**
   * @internal Set when this RDD's persisted partitions are state kept in the workers that a thread
   * boundary would copy whole (mapWithState with `stateInWorkers: true`): every stage reading it
   * runs on the workers, whatever the cost model says. The text is the reason reported.
   */
  declare keptInWorkers: string | undefined;
  /**
   * @internal A persisted RDD with the same partitions that workers hold (this RDD being the
   * driver's copy of it, StateInWorkers): a task on a worker reads a partition there rather than
   * be sent this one.
   */
  declare heldInWorkersAs: RDD<T> | undefined;
  declare private storage: (T[] | undefined)[] | undefined;

  abstract readonly numPartitions: number;
  abstract readonly dependencies: readonly Dependency[];

  constructor(context: RDDContext, operation: string, callSite?: string) {
    this.context = context;
    this.id = context.newRddId();
    this.operation = operation;
    // Inside a DStream's compute the stream's own site applies (as in Spark); otherwise the stack
    // is captured now and only formatted if someone asks.
    this.site = callSite ?? context.callSite ?? new Error();
    this.name = undefined;
    this.partitioner = undefined;
    this.keptInWorkers = undefined;
    this.heldInWorkersAs = undefined;
    this.storage = undefined;
    this.notDescribable = undefined;
  }

  /** Spark's creation site: `map at wordcount.ts:12:8`. */
  get creationSite(): string {
    if (typeof this.site !== 'string') this.site = callSiteFromStack(this.site.stack);
    return `${this.operation} at ${this.site}`;
  }

  /** Push every record of partition `split`, in order, to `emit`. */
  protected abstract compute(split: number, ctx: TaskContext, emit: Emit<T>): void;

  /** The records of partition `split`: from the cache when persisted, else computed from lineage. */
  iterator(split: number, ctx: TaskContext, emit: Emit<T>): void {
    if (!this.storage) return this.compute(split, ctx, emit);
    let block = this.storage[split];
    if (!block) {
      const computed: T[] = [];
      this.compute(split, ctx, (x) => computed.push(x));
      this.storage[split] = block = computed;
    }
    for (let i = 0; i < block.length; i++) emit(block[i]!);
  }

  /** True when every partition is held in memory, so its lineage need not be computed again. */
  isMaterialized(): boolean {
    return this.storage !== undefined && this.storage.every((b) => b !== undefined);
  }

  // ---- persistence -------------------------------------------------------------------------

  /** Keep partitions in memory once computed (Spark's MEMORY_ONLY; the only level Rivulet has). */
  persist(): this {
    this.storage ??= new Array(this.numPartitions).fill(undefined);
    return this;
  }
  cache(): this {
    return this.persist();
  }
  unpersist(): this {
    this.storage = undefined;
    this.context.scheduler?.blockManagerMaster.remove(this);
    return this;
  }
  get isPersisted(): boolean {
    return this.storage !== undefined;
  }

  /** @internal The partitions held in memory, as [partition, records]. */
  cachedPartitions(): [number, T[]][] {
    const out: [number, T[]][] = [];
    this.storage?.forEach((block, i) => {
      if (block) out.push([i, block]);
    });
    return out;
  }

  /** @internal Keep a partition computed elsewhere (a worker), unless one is already kept. */
  putCachedPartition(split: number, records: T[]): void {
    if (this.storage && !this.storage[split]) this.storage[split] = records;
  }

  setName(name: string): this {
    this.name = name;
    return this;
  }
  getNumPartitions(): number {
    return this.numPartitions;
  }

  // ---- narrow transformations ---------------------------------------------------------------

  /**
   * @internal A narrow transformation built by the engine (not a user function, so not checked
   * for shipping). Every narrow operation above is one of these.
   */
  pipe<U>(operation: string, pipe: Pipe<T, U>, preservesPartitioning = false, callSite?: string): RDD<U> {
    return new kinds.MapPartitionsRDD<T, U>(this, pipe, preservesPartitioning, operation, callSite);
  }

  /**
   * @internal A narrow transformation from the registry in narrowOps.ts: the same name and params
   * rebuild it on a worker, so RDDs made this way can be described (see describe()).
   */
  narrow<U>(operation: string, op: NarrowOpName, params: Record<string, unknown> = {}, preservesPartitioning = false): RDD<U> {
    const pipe = (narrowOps[op] as (p: Record<string, unknown>) => Pipe<T, U>)(params);
    return new kinds.MapPartitionsRDD<T, U>(this, pipe, preservesPartitioning, operation, undefined, { name: op, params });
  }

  /**
   * @internal A user function given to an operation on this RDD: while the pipeline is being
   * defined (before a StreamingContext starts, before a standalone context's first job) it takes
   * its place among the context's definitions, which every worker loads too.
   */
  protected fn<F extends (...args: any[]) => any>(f: UserFn<F>, operation: string): ShippedFunction<F> {
    return ship(f, operation, this.context.definitions);
  }

  /** Each record through f. An array literal f returns is a tuple: `map((w) => [w, 1])` makes `[string, number]` pairs. */
  map<U extends AnyRecord>(f: UserFn<(x: T) => U>): RDD<U> {
    return this.narrow('map', 'map', { f: this.fn(f, 'map') });
  }

  flatMap<U extends AnyRecord>(f: UserFn<(x: T) => Iterable<U>>): RDD<U> {
    return this.narrow('flatMap', 'flatMap', { f: this.fn(f, 'flatMap') });
  }

  /** The records for which f is truthy; a type predicate narrows the type (`filter((x) => x !== undefined)`). */
  filter<S extends T>(f: UserFn<(x: T) => x is S>): RDD<S>;
  filter(f: UserFn<(x: T) => unknown>): RDD<T>;
  filter(f: UserFn<(x: T) => unknown>): RDD<T> {
    return this.narrow('filter', 'filter', { f: this.fn(f, 'filter') }, true);
  }

  /** f over each partition's records; `preservesPartitioning` (positional, or `{ preservesPartitioning }`) when f keeps every key where it was. */
  mapPartitions<U extends AnyRecord>(f: UserFn<(records: T[]) => Iterable<U>>, preservesPartitioning: boolean | PreservesPartitioning = false): RDD<U> {
    return this.narrow('mapPartitions', 'mapPartitions', { f: this.fn(f, 'mapPartitions') }, preserves(preservesPartitioning, 'mapPartitions'));
  }

  mapPartitionsWithIndex<U extends AnyRecord>(f: UserFn<(index: number, records: T[]) => Iterable<U>>, preservesPartitioning: boolean | PreservesPartitioning = false): RDD<U> {
    return this.narrow('mapPartitionsWithIndex', 'mapPartitionsWithIndex', { f: this.fn(f, 'mapPartitionsWithIndex') }, preserves(preservesPartitioning, 'mapPartitionsWithIndex'));
  }

  /** Each partition as one array. */
  glom(): RDD<T[]> {
    return this.narrow<T[]>('glom', 'glom');
  }

  keyBy<K>(f: UserFn<(x: T) => K>): RDD<[K, T]> {
    return this.narrow('keyBy', 'keyBy', { f: this.fn(f, 'keyBy') });
  }

  /**
   * The records of this RDD and the others. Typed over U, T or a type that includes it, as are
   * reduce and fold: a method taking T where it also returns T would make RDD invariant, and an
   * RDD<string> would not be an RDD<unknown>.
   */
  union<U>(this: RDD<U>, ...others: RDD<U>[]): RDD<U> {
    return new kinds.UnionRDD<U>(this.context, [this, ...others]);
  }

  /** The distinct records; `numPartitions` positional or `{ numPartitions }` / `{ partitioner }`. */
  distinct(numPartitions?: number | PartitionOptions): RDD<T> {
    return this.narrow<[T, null]>('distinct', 'pairWith', { value: null })
      .reduceByKey((a) => a, partitioning(numPartitions, 'distinct'))
      .narrow('distinct', 'pairKey');
  }

  /** Spark's sample: Bernoulli sampling without replacement, Poisson with. Seeded per partition. */
  sample(withReplacement: boolean, fraction: number, seed: number | { seed?: number } = 42): RDD<T> {
    if (typeof seed !== 'number') seed = readOptions<{ seed?: number }>(seed, 'sample', ['seed']).seed ?? 42;
    if (!(fraction >= 0) || (!withReplacement && fraction > 1)) {
      throw new RangeError(`sample: fraction must be in [0, 1] without replacement and >= 0 with it, got ${fraction}.`);
    }
    return this.narrow('sample', 'sample', { withReplacement, fraction, seed }, true);
  }

  // ---- shuffles --------------------------------------------------------------------------------

  /** Redistribute into n partitions round-robin, through a shuffle (Spark's repartition). */
  repartition(numPartitions: number): RDD<T> {
    return this.coalesce(numPartitions, true);
  }

  /** Fewer partitions, without a shuffle unless `shuffle` (positional, or `{ shuffle: true }`). */
  coalesce(numPartitions: number, shuffle: boolean | { shuffle?: boolean } = false): RDD<T> {
    if (typeof shuffle !== 'boolean') shuffle = readOptions<{ shuffle?: boolean }>(shuffle, 'coalesce', ['shuffle']).shuffle ?? false;
    if (!Number.isInteger(numPartitions) || numPartitions < 1) {
      throw new RangeError(`coalesce/repartition: numPartitions must be a positive integer, got ${numPartitions}.`);
    }
    if (!shuffle) return new kinds.CoalescedRDD<T>(this, numPartitions);
    const spread = this.narrow<[number, T]>('repartition', 'spread', { numPartitions });
    return new kinds.ShuffledRDD<number, T, T>(spread, new HashPartitioner(numPartitions), undefined, false, 'repartition').narrow('repartition', 'pairValue');
  }

  /** Sorted by f's key; `ascending` and `numPartitions` positional, or `{ ascending, numPartitions }`. */
  sortBy<K>(f: UserFn<(x: T) => K>, ascending: boolean | SortOptions = true, numPartitions?: number): RDD<T> {
    return this.narrow<[K, T]>('sortBy', 'keyWith', { f: this.fn(f, 'sortBy') })
      .sortByKey(ascending, numPartitions)
      .narrow('sortBy', 'pairValue');
  }

  // ---- pair transformations (records are [K, V] tuples) ------------------------------------

  protected defaultPartitioner(numPartitions: number | undefined, ...others: RDD<any>[]): Partitioner {
    if (numPartitions !== undefined) return new HashPartitioner(numPartitions);
    const all = [this as RDD<any>, ...others];
    const existing = all.map((r) => r.partitioner).filter((p): p is Partitioner => p !== undefined);
    const widest = Math.max(...all.map((r) => r.numPartitions));
    const best = existing.sort((a, b) => b.numPartitions - a.numPartitions)[0];
    if (best && best.numPartitions >= widest) return best;
    return new HashPartitioner(this.context.defaultParallelism ?? widest);
  }

  /** Shuffle the pairs so that equal keys share a partition: by a Partitioner, or hash-partitioned into n. */
  partitionBy<K = any, V = any>(this: RDD<readonly [K, V]>, partitioner: Partitioner | number): RDD<[K, V]> {
    const self = pairs<K, V>(this);
    const p = typeof partitioner === 'number' ? new HashPartitioner(partitioner) : partitioner;
    if (p.equals(self.partitioner)) return self;
    return new kinds.ShuffledRDD<K, V, V>(self, p, undefined, false, 'partitionBy');
  }

  /**
   * Spark's combineByKey. After the three functions: Spark's positional `partitioner` (or a number
   * of partitions) and `mapSideCombine`, or an options object `{ numPartitions, partitioner,
   * mapSideCombine }`.
   */
  combineByKey<K = any, V = any, C = any>(
    this: RDD<readonly [K, V]>,
    createCombiner: UserFn<(v: V) => C>,
    mergeValue: UserFn<(c: C, v: V) => C>,
    mergeCombiners: UserFn<(a: C, b: C) => C>,
    partitioner?: Partitioner | number | CombineOptions,
    mapSideCombine = true,
    operation = 'combineByKey',
  ): RDD<[K, C]> {
    const self = pairs<K, V>(this);
    const options = combineOptions(partitioner, mapSideCombine, operation);
    const shipped: ShippedAggregator = {
      createCombiner: self.fn(createCombiner, operation),
      mergeValue: self.fn(mergeValue, operation),
      mergeCombiners: self.fn(mergeCombiners, operation),
    };
    const aggregator = aggregatorOf<V, C>(shipped);
    const given = options.partitioning;
    const p = typeof given === 'number' || given === undefined ? self.defaultPartitioner(given) : given;
    if (p.equals(self.partitioner)) {
      // Already partitioned by key: combine within each partition, no shuffle.
      return self.narrow<[K, C]>(operation, 'combineInPartition', { createCombiner: shipped.createCombiner, mergeValue: shipped.mergeValue, operation }, true);
    }
    return new kinds.ShuffledRDD<K, V, C>(self, p, aggregator, options.mapSideCombine, operation);
  }

  /** Merge the values of each key with f; then `numPartitions`, a Partitioner, or `{ numPartitions }` / `{ partitioner }`. */
  reduceByKey<K = any, V = any>(this: RDD<readonly [K, V]>, f: UserFn<(a: Widen<V>, b: Widen<V>) => Widen<V>>, numPartitions?: number | Partitioner | PartitionOptions): RDD<[K, Widen<V>]> {
    const self = this as RDD<readonly [K, any]> as RDD<[K, Widen<V>]>;
    const g = self.fn(f, 'reduceByKey');
    return self.combineByKey<K, Widen<V>, Widen<V>>(IDENTITY, g, g, partitioning(numPartitions, 'reduceByKey'), true, 'reduceByKey');
  }

  foldByKey<K = any, V = any>(
    this: RDD<readonly [K, V]>,
    zeroValue: Widen<V>,
    f: UserFn<(a: Widen<V>, b: Widen<V>) => Widen<V>>,
    numPartitions?: number | Partitioner | PartitionOptions,
  ): RDD<[K, Widen<V>]> {
    const self = this as RDD<readonly [K, any]> as RDD<[K, Widen<V>]>;
    const g = self.fn(f, 'foldByKey');
    const zero = structuredClone(zeroValue);
    return self.combineByKey<K, Widen<V>, Widen<V>>(engineFn('zeroThen', { f: g, zero }, 'foldByKey'), g, g, partitioning(numPartitions, 'foldByKey'), true, 'foldByKey');
  }

  aggregateByKey<K = any, V = any, U = any>(
    this: RDD<readonly [K, V]>,
    zeroValue: U,
    seqOp: UserFn<(acc: U, v: V) => U>,
    combOp: UserFn<(a: U, b: U) => U>,
    numPartitions?: number | Partitioner | PartitionOptions,
  ): RDD<[K, U]> {
    const self = pairs<K, V>(this);
    const seq = self.fn(seqOp, 'aggregateByKey');
    const comb = self.fn(combOp, 'aggregateByKey');
    const zero = structuredClone(zeroValue);
    return self.combineByKey<K, V, U>(engineFn('zeroThen', { f: seq, zero }, 'aggregateByKey'), seq, comb, partitioning(numPartitions, 'aggregateByKey'), true, 'aggregateByKey');
  }

  groupByKey<K = any, V = any>(this: RDD<readonly [K, V]>, numPartitions?: number | Partitioner | PartitionOptions): RDD<[K, V[]]> {
    // Map-side combine would not shrink the data for groupByKey, so Spark (and Rivulet) skip it.
    return pairs<K, V>(this).combineByKey<K, V, V[]>(GROUP.create, GROUP.mergeValue, GROUP.mergeCombiners, partitioning(numPartitions, 'groupByKey'), false, 'groupByKey');
  }

  /** Sorted by key; `ascending` and `numPartitions` positional, or `{ ascending, numPartitions }`. */
  sortByKey<K = any, V = any>(this: RDD<readonly [K, V]>, ascending: boolean | SortOptions = true, numPartitions?: number): RDD<[K, V]> {
    const input = pairs<K, V>(this);
    if (typeof ascending !== 'boolean') ({ ascending = true, numPartitions } = readOptions<SortOptions>(ascending, 'sortByKey', ['ascending', 'numPartitions']));
    // An RDD may have no partitions (an empty batch); a range partitioner needs at least one.
    const n = numPartitions ?? Math.max(1, input.numPartitions);
    const sampleSize = Math.max(20 * n, 100);
    const partitioner = new RangePartitioner(n, () => input.sampleKeys(sampleSize), ascending, 'sortByKey');
    return new kinds.ShuffledRDD<K, V, V>(input, partitioner, undefined, false, 'sortByKey').narrow<[K, V]>('sortByKey', 'sortPartition', { ascending }, true);
  }

  private async sampleKeys(this: RDD<[any, any]>, perPartition: number): Promise<unknown[]> {
    const parts = await this.context.runJob(
      this,
      (iterate) => {
        const keys: unknown[] = [];
        let seen = 0;
        const rand = mulberry32(17);
        iterate((kv) => {
          seen++;
          if (keys.length < perPartition) keys.push(kv[0]);
          else {
            const j = Math.floor(rand() * seen);
            if (j < perPartition) keys[j] = kv[0];
          }
        });
        return keys;
      },
      undefined,
      () => ({ kind: 'sampleKeys', perPartition }),
    );
    return parts.flat();
  }

  mapValues<K = any, V = any, U extends AnyRecord = any>(this: RDD<readonly [K, V]>, f: UserFn<(v: V) => U>): RDD<[K, U]> {
    const self = pairs<K, V>(this);
    return self.narrow<[K, U]>('mapValues', 'mapValues', { f: self.fn(f, 'mapValues') }, true);
  }

  flatMapValues<K = any, V = any, U extends AnyRecord = any>(this: RDD<readonly [K, V]>, f: UserFn<(v: V) => Iterable<U>>): RDD<[K, U]> {
    const self = pairs<K, V>(this);
    return self.narrow<[K, U]>('flatMapValues', 'flatMapValues', { f: self.fn(f, 'flatMapValues') }, true);
  }

  keys<K = any, V = any>(this: RDD<readonly [K, V]>): RDD<K> {
    return pairs<K, V>(this).narrow<K>('keys', 'keys');
  }

  values<K = any, V = any>(this: RDD<readonly [K, V]>): RDD<V> {
    return pairs<K, V>(this).narrow<V>('values', 'values');
  }

  /**
   * Group this RDD and the others by key: `[k, [vs, ws, ...]]` (Spark's cogroup). After the
   * others: `numPartitions`, a Partitioner, or `{ numPartitions }` / `{ partitioner }`.
   */
  cogroup<K = any, V = any, W1 = any, W2 = any>(
    this: RDD<readonly [K, V]>,
    other1: RDD<readonly [K, W1]>,
    other2: RDD<readonly [K, W2]>,
    numPartitions?: number | Partitioner | PartitionOptions,
  ): RDD<[K, [V[], W1[], W2[]]]>;
  cogroup<K = any, V = any, W = any>(this: RDD<readonly [K, V]>, other: RDD<readonly [K, W]>, numPartitions?: number | Partitioner | PartitionOptions): RDD<[K, [V[], W[]]]>;
  cogroup(this: RDD<readonly [any, any]>, ...args: any[]): RDD<any> {
    const others = args.filter((a): a is RDD<[any, any]> => a instanceof RDD);
    const last = args[args.length - 1];
    const p = last instanceof RDD ? undefined : last;
    return pairs(this).cogroupAs('cogroup', others, partitioning(p, 'cogroup'));
  }

  /** A cogroup named after the operation built on it (join, subtractByKey…), as Spark names it. */
  private cogroupAs(this: RDD<[any, any]>, operation: string, others: RDD<readonly [any, any]>[], p: number | Partitioner | PartitionOptions | undefined): RDD<[any, any[][]]> {
    const given = partitioning(p, operation);
    const partitioner = typeof given === 'object' ? given : this.defaultPartitioner(given, ...others);
    return new kinds.CoGroupedRDD<any>([this, ...(others as RDD<[any, any]>[])], partitioner, undefined, operation);
  }

  /** Pairs of values per key in both; after `other`: `numPartitions`, a Partitioner, or `{ numPartitions }` / `{ partitioner }` (so for the outer joins too). */
  join<K = any, V = any, W = any>(this: RDD<readonly [K, V]>, other: RDD<readonly [K, W]>, numPartitions?: number | Partitioner | PartitionOptions): RDD<[K, [V, W]]> {
    return pairs(this).cogroupAs('join', [other], numPartitions).narrow<[K, [V, W]]>('join', 'join', {}, true);
  }

  leftOuterJoin<K = any, V = any, W = any>(this: RDD<readonly [K, V]>, other: RDD<readonly [K, W]>, numPartitions?: number | Partitioner | PartitionOptions): RDD<[K, [V, W | undefined]]> {
    return pairs(this).cogroupAs('leftOuterJoin', [other], numPartitions).narrow<[K, [V, W | undefined]]>('leftOuterJoin', 'leftOuterJoin', {}, true);
  }

  rightOuterJoin<K = any, V = any, W = any>(this: RDD<readonly [K, V]>, other: RDD<readonly [K, W]>, numPartitions?: number | Partitioner | PartitionOptions): RDD<[K, [V | undefined, W]]> {
    return pairs(this).cogroupAs('rightOuterJoin', [other], numPartitions).narrow<[K, [V | undefined, W]]>('rightOuterJoin', 'rightOuterJoin', {}, true);
  }

  fullOuterJoin<K = any, V = any, W = any>(this: RDD<readonly [K, V]>, other: RDD<readonly [K, W]>, numPartitions?: number | Partitioner | PartitionOptions): RDD<[K, [V | undefined, W | undefined]]> {
    return pairs(this).cogroupAs('fullOuterJoin', [other], numPartitions).narrow<[K, [V | undefined, W | undefined]]>('fullOuterJoin', 'fullOuterJoin', {}, true);
  }

  /** Pairs of this RDD whose key does not appear in `other`. */
  subtractByKey<K = any, V = any, W = any>(this: RDD<readonly [K, V]>, other: RDD<readonly [K, W]>, numPartitions?: number | Partitioner | PartitionOptions): RDD<[K, V]> {
    return pairs(this).cogroupAs('subtractByKey', [other], numPartitions).narrow<[K, V]>('subtractByKey', 'subtractByKey', {}, true);
  }

  // ---- actions ---------------------------------------------------------------------------------

  async collect(): Promise<T[]> {
    const parts = await this.context.runJob(
      this,
      (iterate) => {
        const out: T[] = [];
        iterate((x) => out.push(x));
        return out;
      },
      undefined,
      () => ({ kind: 'collect' }),
    );
    // Not parts.flat(): the generic flattening costs about as much as the reduce side of a word count.
    if (parts.length === 1) return parts[0]!;
    const all: T[] = [];
    for (const part of parts) for (let i = 0; i < part.length; i++) all.push(part[i]!);
    return all;
  }

  async count(): Promise<number> {
    const counts = await this.context.runJob(
      this,
      (iterate) => {
        let n = 0;
        iterate(() => n++);
        return n;
      },
      undefined,
      () => ({ kind: 'count' }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** The first n records, computing as few partitions as it can (Spark scans partitions in order too). */
  async take(n: number): Promise<T[]> {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`take: n must be a non-negative integer, got ${n}.`);
    const out: T[] = [];
    for (let p = 0; p < this.numPartitions && out.length < n; p++) {
      const [part] = await this.context.runJob(
        this,
        (iterate) => {
          const got: T[] = [];
          const want = n - out.length;
          try {
            iterate((x) => {
              got.push(x);
              if (got.length >= want) throw STOP;
            });
          } catch (e) {
            if (e !== STOP) throw e;
          }
          return got;
        },
        [p],
        () => ({ kind: 'take', limit: n - out.length }),
      );
      for (const x of part!) out.push(x);
    }
    return out;
  }

  async first(): Promise<T> {
    const [x] = await this.take(1);
    if (x === undefined && (await this.isEmpty())) throw new UnsupportedOperationError(`first: ${this} is empty.`);
    return x as T;
  }

  async isEmpty(): Promise<boolean> {
    return (await this.take(1)).length === 0;
  }

  /** Reduce all records with f. Throws on an empty RDD, as Spark does. */
  async reduce<U>(this: RDD<U>, f: UserFn<(a: U, b: U) => U>): Promise<U> {
    const shipped = this.fn(f, 'reduce');
    const g = shipped.call;
    const parts = await this.context.runJob(
      this,
      (iterate) => {
        let acc: U | undefined;
        let any = false;
        iterate((x) => {
          acc = any ? g(acc as U, x) : x;
          any = true;
        });
        return any ? [acc as U] : [];
      },
      undefined,
      () => withFunction(shipped, this.context.pipelineInWorkers, (f) => ({ kind: 'reduce', f })),
    );
    const results = parts.flat() as U[];
    if (results.length === 0) throw new UnsupportedOperationError(`reduce: ${this} is empty; use fold() to give a zero value.`);
    return callingUser(() => results.reduce((a, b) => g(a, b)));
  }

  async fold<U>(this: RDD<U>, zeroValue: U, f: UserFn<(a: U, b: U) => U>): Promise<U> {
    const shipped = this.fn(f, 'fold');
    const g = shipped.call;
    const parts = await this.context.runJob(
      this,
      (iterate) => {
        let acc = structuredClone(zeroValue);
        iterate((x) => {
          acc = g(acc, x);
        });
        return acc;
      },
      undefined,
      () => withFunction(shipped, this.context.pipelineInWorkers, (f) => ({ kind: 'fold', zero: structuredClone(zeroValue), f })),
    );
    return callingUser(() => parts.reduce((a, b) => g(a, b), structuredClone(zeroValue)));
  }

  async aggregate<U>(zeroValue: U, seqOp: UserFn<(acc: U, x: T) => U>, combOp: UserFn<(a: U, b: U) => U>): Promise<U> {
    const seqShipped = this.fn(seqOp, 'aggregate');
    const seq = seqShipped.call;
    const comb = this.fn(combOp, 'aggregate').call;
    const parts = await this.context.runJob(
      this,
      (iterate) => {
        let acc = structuredClone(zeroValue);
        iterate((x) => {
          acc = seq(acc, x);
        });
        return acc;
      },
      undefined,
      () => withFunction(seqShipped, this.context.pipelineInWorkers, (f) => ({ kind: 'fold', zero: structuredClone(zeroValue), f })),
    );
    return callingUser(() => parts.reduce((a, b) => comb(a, b), structuredClone(zeroValue)));
  }

  /** Count of each distinct record, as a Map with value-semantics keys resolved to the first seen key. */
  async countByValue(): Promise<Map<T, number>> {
    const pairs = await this.narrow<[T, number]>('countByValue', 'pairWith', { value: 1 })
      .reduceByKey((a, b) => a + b)
      .collect();
    return new Map(pairs);
  }

  async countByKey<K = any, V = any>(this: RDD<readonly [K, V]>): Promise<Map<K, number>> {
    const counts = await pairs<K, V>(this)
      .mapValues(() => 1)
      .reduceByKey((a, b) => a + b)
      .collect();
    return new Map(counts);
  }

  /** The pairs as a Map; for a duplicated key the last value wins (Spark's collectAsMap). */
  async collectAsMap<K = any, V = any>(this: RDD<readonly [K, V]>): Promise<Map<K, V>> {
    const byKey = new KeyedMap<K, V>();
    for (const kv of await pairs<K, V>(this).collect()) {
      if (!Array.isArray(kv) || kv.length !== 2) checkPair(kv, 'collectAsMap');
      byKey.set(kv[0], kv[1]);
    }
    return new Map([...byKey.values()]);
  }

  /** Run f on every record. A promise f returns is awaited (all of them, before this resolves). */
  async foreach(f: UserFn<(x: T) => unknown>): Promise<void> {
    const shipped = this.fn(f, 'foreach');
    const g = shipped.call;
    const pending = await this.context.runJob(
      this,
      (iterate) => {
        const promises: Promise<void>[] = [];
        iterate((x) => {
          const r = g(x);
          if (r && typeof (r as Promise<void>).then === 'function') promises.push(r as Promise<void>);
        });
        return promises;
      },
      undefined,
      () => withFunction(shipped, this.context.pipelineInWorkers, (f) => ({ kind: 'foreach', f })),
    );
    await settleUserPromises(pending.flat());
  }

  /** Run f once per partition with its records. A promise f returns is awaited. */
  async foreachPartition(f: UserFn<(records: T[]) => unknown>): Promise<void> {
    const shipped = this.fn(f, 'foreachPartition');
    const g = shipped.call;
    const pending = await this.context.runJob(
      this,
      (iterate) => {
        const records: T[] = [];
        iterate((x) => records.push(x));
        return g(records);
      },
      undefined,
      () => withFunction(shipped, this.context.pipelineInWorkers, (f) => ({ kind: 'foreachPartition', f })),
    );
    await settleUserPromises(pending);
  }

  // ---- description ----------------------------------------------------------------------------

  /**
   * The part of this RDD's lineage one task computes, as plain data a worker can rebuild (see
   * descriptor.ts): down to shuffle boundaries and to inputs the driver holds. Undefined when some
   * step cannot be described (an engine closure, a state RDD, a custom partitioner where a worker
   * would need it); jobs over such an RDD run on the driver.
   */
  describe(): RDDDescriptor | undefined {
    if (this.isMaterialized()) return this.descriptor('input', {}, []);
    return this.describeLineage();
  }

  /** @internal Why describe() gave undefined, when a function in its lineage is the cause: for the listener. */
  whyNotDescribed(): string | undefined {
    if (this.notDescribable) return this.notDescribable;
    for (const d of this.dependencies) {
      if (d.kind === 'shuffle') continue;
      const why = d.rdd.whyNotDescribed();
      if (why) return why;
    }
    return undefined;
  }

  /** @internal Set by describeLineage() when one of this RDD's functions cannot reach a worker. */
  declare protected notDescribable: string | undefined;

  /** @internal Each RDD kind describes itself; the default is "cannot be described". */
  protected describeLineage(): RDDDescriptor | undefined {
    return undefined;
  }

  /** @internal A descriptor of this RDD with the given kind, params and (described) parents. */
  protected descriptor(kind: string, params: Record<string, unknown>, parents: RDDDescriptor[]): RDDDescriptor {
    return {
      kind,
      id: this.id,
      numPartitions: this.numPartitions,
      operation: this.operation,
      callSite: this.creationSite.slice(this.operation.length + ' at '.length),
      partitioner: this.partitioner?.describe?.(),
      persist: this.isPersisted,
      params,
      parents,
    };
  }

  toString(): string {
    return `${this.name ? this.name + ' ' : ''}${this.constructor.name}[${this.id}] at ${this.creationSite}`;
  }

  /** The lineage in Spark's indented format; `+-` marks a shuffle (stage) boundary. */
  toDebugString(): string {
    return debugLines(this).join('\n');
  }

  /**
   * @internal Present on an RDD whose partitions are read from outside, asynchronously (a direct
   * stream's offset ranges): read `parts` into its cache, before a stage computes them in this
   * thread (compute() is synchronous).
   */
  readForDriver?(parts: readonly number[]): Promise<void>;
}

// ---- helpers ------------------------------------------------------------------------------------

// Engine-built functions used by every batch's shuffles, shipped once rather than on every call.
const IDENTITY = engineFn<(v: any) => any>('identity', {}, 'reduceByKey');
const GROUP = {
  create: engineFn<(v: any) => any[]>('groupCreate', {}, 'groupByKey'),
  mergeValue: engineFn<(c: any[], v: any) => any[]>('groupMerge', {}, 'groupByKey'),
  mergeCombiners: engineFn<(a: any[], b: any[]) => any[]>('groupCombine', {}, 'groupByKey'),
};

/**
 * mapPartitions' options object. Spark: the positional `preservesPartitioning: Boolean`.
 *
 * @example
 * ```ts
 * const same = pairs.partitionBy(4).mapPartitions((kvs) => kvs.filter(([, v]) => v > 0), { preservesPartitioning: true });
 * ```
 */
export interface PreservesPartitioning {
  /** f keeps every key in the partition it was in, so the partitioner still holds. */
  preservesPartitioning?: boolean;
}

/**
 * sortBy's and sortByKey's options object. Spark: the positional `ascending` and `numPartitions`.
 *
 * @example
 * ```ts
 * const largestFirst = numbers.sortBy((n) => n, { ascending: false, numPartitions: 1 });
 * ```
 */
export interface SortOptions {
  ascending?: boolean;
  numPartitions?: number;
}

/**
 * combineByKey's options object: where the combined pairs go, and whether to combine before the
 * shuffle. Spark: combineByKey's positional `partitioner` (or `numPartitions`) and `mapSideCombine`.
 *
 * @example
 * ```ts
 * const lists = pairs.combineByKey((v) => [v], (c, v) => [...c, v], (a, b) => [...a, ...b], { numPartitions: 4, mapSideCombine: false });
 * ```
 */
export interface CombineOptions extends PartitionOptions {
  /** Combine within each partition before the shuffle (default true). */
  mapSideCombine?: boolean;
}

function preserves(arg: boolean | PreservesPartitioning, operation: string): boolean {
  return typeof arg === 'boolean' ? arg : (readOptions<PreservesPartitioning>(arg, operation, ['preservesPartitioning']).preservesPartitioning ?? false);
}

/** combineByKey's arguments after the functions, positional (Spark's) or an options object. */
export function combineOptions(
  arg: Partitioner | number | CombineOptions | undefined,
  mapSideCombine: boolean,
  operation: string,
): { partitioning: Partitioner | number | undefined; mapSideCombine: boolean } {
  if (arg === undefined || typeof arg === 'number' || isPartitioner(arg)) return { partitioning: arg, mapSideCombine };
  const o = readOptions<CombineOptions>(arg, operation, ['numPartitions', 'partitioner', 'mapSideCombine']);
  return { partitioning: partitioning({ numPartitions: o.numPartitions, partitioner: o.partitioner }, operation), mapSideCombine: o.mapSideCombine ?? mapSideCombine };
}

/** The ResultKind of an action with a user function, or why that function cannot reach a worker. */
function withFunction(f: ShippedFunction<any>, withDefinitions: boolean, kind: (f: FunctionDescriptor) => ResultKind): ResultKind | string {
  const d = describeFunction(f, withDefinitions);
  return typeof d === 'string' ? d : kind(d);
}

/** Await every promise (so none is left unhandled), then throw the first failure, attributed. */
async function settleUserPromises(values: unknown[]): Promise<void> {
  const results = await Promise.allSettled(values);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw attributeUserError(failed.reason);
}

/** Records of a pair operation must be [key, value] arrays; say so where the mistake is. */
export function checkPair(kv: unknown, operation: string): void {
  if (!Array.isArray(kv) || kv.length !== 2) {
    throw new TypeError(`${operation} needs records that are [key, value] pairs, got ${preview(kv)}. ` + `Make pairs first, e.g. .map(x => [key(x), x]) or .keyBy(key).`);
  }
}

function preview(x: unknown): string {
  try {
    const s = JSON.stringify(x);
    return s === undefined ? String(x) : s.length > 60 ? s.slice(0, 60) + '…' : s;
  } catch {
    return String(x);
  }
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function poisson(mean: number, rand: () => number): number {
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}

function debugSelf(rdd: RDD<any>): string[] {
  return [`${rdd} [${rdd.isPersisted ? 'Memory Deserialized 1x Replicated' : ''}]`];
}

function debugLines(rdd: RDD<any>): string[] {
  const partitionStr = `(${rdd.numPartitions})`;
  const leftOffset = Math.floor((partitionStr.length - 1) / 2);
  const nextPrefix = ' '.repeat(leftOffset) + '|' + ' '.repeat(partitionStr.length - leftOffset);
  return [...debugSelf(rdd).map((d, i) => (i === 0 ? `${partitionStr} ${d}` : `${nextPrefix} ${d}`)), ...debugChildren(rdd, nextPrefix)];
}

function debugChildren(rdd: RDD<any>, prefix: string): string[] {
  const deps = rdd.dependencies;
  return deps.flatMap((d, i) => debugString(d.rdd, prefix, d.kind === 'shuffle', i === deps.length - 1));
}

function debugString(rdd: RDD<any>, prefix: string, isShuffle: boolean, isLastChild: boolean): string[] {
  if (!isShuffle) return [...debugSelf(rdd).map((d) => prefix + d), ...debugChildren(rdd, prefix)];
  const partitionStr = `(${rdd.numPartitions})`;
  const leftOffset = Math.floor((partitionStr.length - 1) / 2);
  const thisPrefix = prefix.replace(/\|\s+$/, '');
  const nextPrefix = thisPrefix + (isLastChild ? '  ' : '| ') + ' '.repeat(leftOffset) + '|' + ' '.repeat(partitionStr.length - leftOffset);
  return [...debugSelf(rdd).map((d, i) => (i === 0 ? `${thisPrefix}+-${partitionStr} ${d}` : nextPrefix + d)), ...debugChildren(rdd, nextPrefix)];
}
