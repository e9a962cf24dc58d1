/**
 * The public contract of a replayable source: a log whose records have offsets, read in batches
 * of offset ranges that the driver decides. Modelled on Spark's direct Kafka stream
 * (`DirectKafkaInputDStream`, `OffsetRange`, `HasOffsetRanges`, `CanCommitOffsets`) and on the
 * admission control of Spark's DataSource V2 (`MicroBatchStream.latestOffset(start, ReadLimit)`).
 *
 * The engine (DirectInputDStream) drives a source this way, per batch time t:
 * 1. on the driver, before the batch is generated: `planBatch(from, limit)` gives each
 *    partition's range [fromOffset, untilOffset) for t; the ranges go into the write-ahead log
 *    before the batch runs, and into checkpoints as the stream's position;
 * 2. where the batch's tasks run: `readRange(range)` once per range, one RDD partition per range —
 *    in a worker when the workers load the pipeline (each worker's copy of the pipeline made its
 *    own source object, as each Spark executor opens its own Kafka consumer), else on the driver;
 * 3. after the batch's outputs all completed: `commit(ranges)`, so the log's own tools see
 *    progress. Recovery never reads committed offsets back: a recovered stream re-reads exactly
 *    the logged ranges, then goes on from the last one's ends.
 *
 * A source is an object the pipeline module creates; it owns its client connections.
 */

/**
 * An offset in a partition of a log: a number (Kafka offsets, NATS stream sequences) or a string
 * (Redis entry ids). JSON values: they go into checkpoints.
 *
 * Spark: the `Long` offsets of `OffsetRange`; Structured Streaming's `Offset` (any JSON).
 *
 * @example
 * ```ts
 * import type { Offset } from 'rivulet';
 * const kafka: Offset = 42;
 * const redis: Offset = '1700000000000-0';
 * ```
 */
export type Offset = number | string;

/**
 * One partition's records for one batch: offsets from `fromOffset` (included) to `untilOffset`
 * (excluded), as in Spark's `OffsetRange`. An empty range has `fromOffset === untilOffset`.
 *
 * @example
 * ```ts
 * import type { OffsetRange } from 'rivulet';
 * const range: OffsetRange = { partition: 'events-0', fromOffset: 40, untilOffset: 50 };
 * ```
 */
export interface OffsetRange<O extends Offset = number> {
  /** The source's name for the partition, e.g. `events-0` (Kafka's topic-partition). */
  readonly partition: string;
  readonly fromOffset: O;
  readonly untilOffset: O;
  /**
   * How many records the range holds. Optional for numeric offsets where every offset is a
   * record (`untilOffset - fromOffset`); a source whose offsets have gaps or are not numbers
   * gives it (it becomes BatchInfo.numRecords and the rate estimator's input).
   */
  readonly count?: number;
}

/**
 * How much one batch may take, as Spark's `ReadLimit`: the engine sets it from
 * `maxRatePerPartition` and the backpressure rate estimator. Absent fields: no limit.
 *
 * @example
 * ```ts
 * import type { ReadLimit } from 'rivulet';
 * const limit: ReadLimit = { maxRecordsPerPartition: 500, maxRecords: 1200 };
 * ```
 */
export interface ReadLimit {
  /** At most this many records from each partition (`maxRatePerPartition` × the batch interval in seconds). */
  readonly maxRecordsPerPartition?: number;
  /**
   * At most this many records in all (the backpressure rate × the batch interval), shared among
   * partitions in proportion to what each has waiting, as Spark's direct Kafka stream does
   * (limitRanges does this for numeric offsets).
   */
  readonly maxRecords?: number;
}

/**
 * A log the engine reads in offset ranges it decides. Implement it to read a new kind of log;
 * see docs/connectors.md for one written from scratch.
 *
 * Spark: what `DirectKafkaInputDStream` asks of Kafka (latest offsets, `KafkaRDD` reads,
 * `commitAsync`), and DataSource V2's `MicroBatchStream` with `SupportsAdmissionControl`.
 *
 * `planBatch`, `initialOffsets` and `commit` run on the driver. `readRange` runs where the batch's
 * tasks run: with workers that load the pipeline, in a worker, on that worker's copy of the source
 * (the pipeline module made it there too), unless `readsIn` is `'driver'`. The records it returns
 * must be structured-cloneable when the pipeline runs on workers.
 *
 * @example
 * ```ts
 * import type { ReplayableSource, OffsetRange } from 'rivulet';
 * const log: string[] = ['a', 'b', 'c'];
 * const source: ReplayableSource<string> = {
 *   kind: 'array',
 *   async initialOffsets() { return { log: 0 }; },
 *   async planBatch(from, limit) {
 *     const until = Math.min(log.length, from.log! + (limit.maxRecordsPerPartition ?? Infinity));
 *     return [{ partition: 'log', fromOffset: from.log!, untilOffset: until }];
 *   },
 *   async readRange(range: OffsetRange) { return log.slice(range.fromOffset, range.untilOffset); },
 * };
 * ```
 */
export interface ReplayableSource<R, O extends Offset = number> {
  /**
   * What kind of log this is, e.g. `kafka`: kept in checkpoints, and a checkpoint made with
   * another kind of source is refused on recovery.
   */
  readonly kind: string;
  /**
   * True when offsets may be skipped inside a range (Kafka: transaction markers, aborted
   * transactions, compacted topics): a read may then give fewer records than its numeric range
   * spans, and the engine does not check that count. Default false: every offset is a record
   * (or the range's `count` says how many), and a read that gives another number fails the batch.
   */
  readonly gaps?: boolean;
  /**
   * Driver, once, on a fresh start (never on recovery): where each partition starts, by
   * partition name (Kafka's `startingOffsets`: earliest, latest, the group's committed offsets,
   * or given ones).
   */
  initialOffsets(): Promise<Readonly<Record<string, O>>>;
  /**
   * Driver, at every batch time: each partition's range for the batch, starting where the
   * previous batch ended (`from`) and taking at most what `limit` allows. A partition not in
   * `from` (it appeared since) starts where the source says. A partition left out keeps its
   * position. A range of a known partition must start exactly at `from[partition]`.
   */
  planBatch(from: Readonly<Record<string, O>>, limit: ReadLimit): Promise<readonly OffsetRange<O>[]>;
  /**
   * Where the batch's tasks run (see `readsIn`): the records of one range, in offset order. Called
   * again with the same range on recovery, and when the worker that held them was lost: it must
   * give the same records.
   */
  readRange(range: OffsetRange<O>): Promise<readonly R[]>;
  /**
   * Where `readRange` may run. `'anywhere'` (the default): in the worker that runs the range's
   * task, when the workers load the pipeline (its module made this source object in every worker
   * too, and its client works there: Kafka, NATS JetStream and Redis Streams clients in Node);
   * the records are then kept in that worker for the batch's other jobs and the windows over it,
   * and read again from the log if that worker is lost. `'driver'`: only on the driver, when the
   * batch starts, and sent to the workers with the tasks — for a source whose records only the
   * driver has (appended by the main thread, a browser-only API, a client the module creates only
   * `if (isDriver())`).
   *
   * Spark: where a `KafkaRDD` partition is computed (on the executor, which opens its own consumer).
   */
  readonly readsIn?: 'driver' | 'anywhere';
  /**
   * Driver, after a batch's outputs all completed, in batch order: tell the log how far the
   * pipeline got (Kafka: the consumer group's committed offsets), for monitoring. Optional;
   * failures are reported and do not fail the batch. Recovery never reads these back.
   */
  commit?(ranges: readonly OffsetRange<O>[]): Promise<void>;
  /** Release connections when the context stops. */
  close?(): Promise<void>;
}

/**
 * An RDD made by a direct stream: its partitions are the batch's offset ranges, in order
 * (Spark's `HasOffsetRanges`). Read it in `foreachRDD` on the direct stream itself; RDDs derived
 * from it do not carry the ranges.
 *
 * @example
 * ```ts
 * import { hasOffsetRanges } from 'rivulet';
 * stream.foreachRDD((rdd) => {
 *   if (hasOffsetRanges(rdd)) for (const r of rdd.offsetRanges) console.log(r.partition, r.fromOffset, r.untilOffset);
 * });
 * ```
 */
export interface HasOffsetRanges<O extends Offset = Offset> {
  readonly offsetRanges: readonly OffsetRange<O>[];
}

/**
 * Whether `rdd` carries the offset ranges it was read from (it is a direct stream's batch).
 *
 * Spark: `rdd.asInstanceOf[HasOffsetRanges]`.
 *
 * @example
 * ```ts
 * import { hasOffsetRanges } from 'rivulet';
 * stream.foreachRDD((rdd) => { if (hasOffsetRanges(rdd)) console.log(rdd.offsetRanges.length); });
 * ```
 */
export function hasOffsetRanges<O extends Offset = Offset>(rdd: unknown): rdd is HasOffsetRanges<O> {
  return typeof rdd === 'object' && rdd !== null && Array.isArray((rdd as Partial<HasOffsetRanges>).offsetRanges);
}

/**
 * For numeric offsets where every offset is a record: the ranges from `from` to `latest` that
 * `limit` allows (Spark's `DirectKafkaInputDStream.clamp` with `maxMessagesPerPartition`). A
 * total limit is shared in proportion to each partition's lag, each share at least 1 while
 * records wait, so no partition starves. Partitions in `latest` but not in `from` start at
 * `start[partition]` (default 0).
 *
 * @example
 * ```ts
 * import { limitRanges } from 'rivulet';
 * limitRanges({ a: 0, b: 10 }, { a: 100, b: 12 }, { maxRecords: 50 });
 * // [{ partition: 'a', fromOffset: 0, untilOffset: 49 }, { partition: 'b', fromOffset: 10, untilOffset: 11 }]
 * ```
 */
export function limitRanges(from: Readonly<Record<string, number>>, latest: Readonly<Record<string, number>>, limit: ReadLimit, start: Readonly<Record<string, number>> = {}): OffsetRange<number>[] {
  const partitions = Object.keys(latest).sort();
  const begin = (p: string) => from[p] ?? start[p] ?? 0;
  const lag = (p: string) => Math.max(0, latest[p]! - begin(p));
  const totalLag = partitions.reduce((n, p) => n + lag(p), 0);
  return partitions.map((p) => {
    const fromOffset = begin(p);
    let take = lag(p);
    if (limit.maxRecordsPerPartition !== undefined) take = Math.min(take, Math.max(0, Math.floor(limit.maxRecordsPerPartition)));
    if (limit.maxRecords !== undefined && totalLag > 0 && take > 0) {
      take = Math.min(take, Math.max(1, Math.floor((limit.maxRecords * lag(p)) / totalLag)));
    }
    return { partition: p, fromOffset, untilOffset: fromOffset + take };
  });
}
