import { InputDStream } from '../dstream/InputDStream.ts';
import type { RDD } from '../rdd/index.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { InputRecovery } from '../dstream/checkpointing.ts';
import { RateController } from '../streaming/RateController.ts';
import { userCallSite } from '../util/callSite.ts';
import { SourceRDD } from './SourceRDD.ts';
import type { Offset, OffsetRange, ReadLimit, ReplayableSource } from './Source.ts';
import { InputReadError, InternalError, InvalidArgumentError, OutOfRangeError } from '../util/errors.ts';
import { RecoveryError } from '../checkpoint/RecoveryError.ts';
import { isExecutor } from '../platform/executorMode.ts';

/**
 * Options of a direct stream (`createDirectStream(ssc, source, options)`), with the names of
 * Spark's settings for its direct Kafka stream.
 *
 * @example
 * ```ts
 * import { createDirectStream, type DirectStreamOptions } from 'rivulet';
 * const options: DirectStreamOptions = { maxRatePerPartition: 10_000, backpressure: true };
 * const stream = createDirectStream(ssc, source, options);
 * ```
 */
export interface DirectStreamOptions {
  /**
   * At most this many records per second from each partition (Spark's
   * spark.streaming.kafka.maxRatePerPartition): a batch takes at most this × the batch interval
   * from each. Default: no limit. It also bounds the first batches after a restart.
   */
  maxRatePerPartition?: number;
  /**
   * Spark's spark.streaming.backpressure.enabled: after every batch a PID rate estimator sets
   * how many records per second the next batches take (in all partitions, shared by lag), so a
   * source faster than the pipeline does not grow the scheduling delay. Default false.
   */
  backpressure?: boolean;
  /** Spark's spark.streaming.backpressure.initialRate: records per second before the estimator has learnt a rate. Default: no limit. */
  initialRate?: number;
  /** Spark's spark.streaming.backpressure.pid.minRate: the estimator never goes below it. Default 100. */
  minRate?: number;
}

/** A batch's record in the write-ahead log: its ranges. */
interface LoggedBatch<O extends Offset> {
  ranges: OffsetRange<O>[];
}

/** The stream's position in a checkpoint: where the next batch starts, per partition. */
interface DirectStreamPosition<O extends Offset> {
  kind: string;
  offsets: Record<string, O>;
}

/**
 * A stream over a replayable source, read in offset ranges the driver decides (Spark's
 * `DirectKafkaInputDStream`, for any log). At each batch time the driver asks the source for each
 * partition's range (planBatch, limited by maxRatePerPartition and backpressure); the ranges are
 * logged before the batch runs; the batch's RDD (a SourceRDD, HasOffsetRanges) has one partition
 * per range, read where its task runs — in a worker, by that worker's copy of the source, when the
 * workers load the pipeline (unless the source `readsIn: 'driver'`), else on the driver when the
 * batch starts; after the batch's outputs complete the ranges are committed to the source.
 * Recovery re-reads the logged ranges exactly and goes on from the last one's ends; the source's
 * committed offsets are never read back.
 *
 * @example
 * ```ts
 * import { createDirectStream, type DirectInputDStream } from 'rivulet';
 * const stream: DirectInputDStream<string> = createDirectStream(ssc, source, { backpressure: true });
 * stream.count().print();
 * ```
 */
export class DirectInputDStream<R, O extends Offset = number> extends InputDStream<R> {
  /** Where the next batch starts, per partition; undefined until the first batch on a fresh start. */
  private current: Record<string, O> | undefined;
  /** Ranges planned by prepareBatch for a batch not generated yet. */
  private readonly planned = new Map<number, OffsetRange<O>[]>();
  /** Each generated batch's ranges, until its batch is cleared. */
  private readonly ranges = new Map<number, OffsetRange<O>[]>();
  /** Where the next batch starts after each generated batch, for checkpoints. */
  private readonly positions = new Map<number, Record<string, O>>();
  private restoredPosition: Record<string, O> | undefined;
  private readonly rateController: RateController | undefined;
  private commits: Promise<void> = Promise.resolve();
  private warnedCommit = false;
  /**
   * The place of this stream's read (readChecked) among the pipeline's definitions: every worker's
   * copy of the pipeline puts its own there, reading with its own source object, so a task names
   * the read by place and the range as data. Undefined when defined after the definitions closed.
   */
  private readonly readerAt: number | undefined;

  constructor(
    ssc: StreamingContext,
    readonly source: ReplayableSource<R, O>,
    readonly options: DirectStreamOptions = {},
    operation = 'directStream',
    callSite?: string,
  ) {
    super(ssc, operation, callSite);
    checkSource(source, operation);
    const { maxRatePerPartition, initialRate, minRate } = options;
    for (const [name, v] of [
      ['maxRatePerPartition', maxRatePerPartition],
      ['initialRate', initialRate],
      ['minRate', minRate],
    ] as const) {
      if (v !== undefined && !(typeof v === 'number' && v > 0)) throw new OutOfRangeError(`${operation}: ${name} must be a positive number of records per second, got ${String(v)}.`);
    }
    this.mustMaterialize = true;
    this.readerAt = ssc.definitions.addReader((range: OffsetRange<O>, batchTime: number) => this.readChecked(range, batchTime), operation, this.creationSite.slice(operation.length + ' at '.length));
    if (options.backpressure) this.rateController = new RateController(ssc, this.inputId, initialRate, minRate);
  }

  /** The rate (records per second) backpressure allows now; undefined without backpressure or before it learnt one. */
  get rateLimit(): number | undefined {
    return this.rateController?.latestRate;
  }

  /** What the next batch may take. */
  readLimit(): ReadLimit {
    const seconds = this.slideDuration / 1000;
    const limit: { maxRecordsPerPartition?: number; maxRecords?: number } = {};
    // At least one record per partition and batch, as Spark's minRatePerPartition of 1.
    if (this.options.maxRatePerPartition !== undefined) limit.maxRecordsPerPartition = Math.max(1, Math.floor(this.options.maxRatePerPartition * seconds));
    const rate = this.rateLimit;
    if (rate !== undefined) limit.maxRecords = Math.max(1, Math.floor(rate * seconds));
    return limit;
  }

  override prepareBatch(time: number): Promise<void> | undefined {
    if (this.recovery?.logged.has(time) || this.isDoneAndUnlogged(time) || !this.isTimeValid(time)) return undefined;
    return this.plan(time);
  }

  private async plan(time: number): Promise<void> {
    const where = `${this.creationSite}, planning the batch at ${time} ms`;
    if (this.current === undefined) {
      const initial = this.restoredPosition ?? (await this.source.initialOffsets());
      this.current = { ...checkOffsets(initial, `${where}: initialOffsets()`) };
    }
    const from = this.current;
    const ranges = await this.source.planBatch({ ...from }, this.readLimit());
    this.planned.set(time, checkRanges(ranges, from, `${where}: planBatch()`));
  }

  protected compute(validTime: number): RDD<R> {
    const logged = this.recovery?.logged.get(validTime) as LoggedBatch<O> | undefined;
    let ranges: OffsetRange<O>[];
    if (logged !== undefined) {
      if (!Array.isArray(logged?.ranges))
        throw new RecoveryError(`${this.creationSite}: the write-ahead log record of the batch at ${validTime} ms does not hold its offset ranges (${JSON.stringify(logged).slice(0, 80)}).`);
      ranges = logged.ranges;
      // The batches after the logged ones go on from where they ended.
      if (validTime > this.recovery!.checkpointTime) this.advance(validTime, ranges);
    } else if (this.isDoneAndUnlogged(validTime)) {
      ranges = [];
    } else {
      const planned = this.planned.get(validTime);
      if (planned === undefined) throw new InternalError(`internal: ${this.creationSite}: the batch at ${validTime} ms was generated without its offset ranges planned first.`);
      this.planned.delete(validTime);
      ranges = planned;
      this.advance(validTime, ranges);
    }
    this.ranges.set(validTime, ranges);
    this.reportRecords(
      validTime,
      ranges.reduce((n, r) => n + countOf(r), 0),
    );
    const sc = this.ssc.sparkContext;
    // Read in the workers when they load the pipeline (so each has this stream's read, with its own
    // source), keep blocks (so a range read there stays there), and the source's client works there.
    const inWorkers = this.readerAt !== undefined && this.source.readsIn !== 'driver' && sc.pipelineInWorkers && sc.executor?.fetchBlocks !== undefined;
    const reader = { definedAt: inWorkers ? this.readerAt : undefined, read: (range: OffsetRange<O>) => this.readChecked(range, validTime) };
    return new SourceRDD<R, O>(sc, ranges, validTime, this.operation, reader);
  }

  private advance(time: number, ranges: readonly OffsetRange<O>[]): void {
    const next = { ...(this.current ?? this.restoredPosition ?? {}) };
    for (const r of ranges) next[r.partition] = r.untilOffset;
    this.current = next;
    this.positions.set(time, next);
  }

  /**
   * A source that reads on the driver: every range of the batch, in parallel, when the batch
   * starts. Read in the workers, the batch is read by its tasks (see SourceRDD), and nothing here.
   */
  override async materialize(time: number, rdd: RDD<R>): Promise<RDD<R>> {
    // Also batches before it that a window reads and that were made again after a recovery.
    const unread = [...this.generatedRDDs].filter(([t, r]) => t < time && r instanceof SourceRDD && !r.readsInWorkers && !r.isMaterialized());
    for (const [, r] of unread) await readAll(r as SourceRDD<R, O>);
    if (rdd instanceof SourceRDD && !rdd.readsInWorkers && !rdd.isMaterialized()) await readAll(rdd as SourceRDD<R, O>);
    return rdd;
  }

  /**
   * @internal The records of one range of the batch at `time`, checked against the range: an
   * InputReadError naming the range and the batch when the source fails or gives another number of
   * records than the range holds. Called on the driver, and in a worker by that worker's copy of
   * this stream (its place among the pipeline's definitions), with that worker's source.
   */
  async readChecked(range: OffsetRange<O>, time: number): Promise<readonly R[]> {
    const where = `${this.creationSite}: `;
    // In a worker, the source object is the one that worker's copy of the pipeline made.
    const inWorker = isExecutor() ? " (read in a worker, by the source object the worker's copy of the pipeline made; a source whose records only the driver has says readsIn: 'driver')" : '';
    let records: readonly R[];
    try {
      records = await this.source.readRange(range);
    } catch (e) {
      throw new InputReadError(
        `${where}could not read ${range.partition} [${String(range.fromOffset)}, ${String(range.untilOffset)}) for the batch at ${time} ms${inWorker}: ${(e as Error)?.message ?? String(e)}`,
        { cause: e },
      );
    }
    if (!Array.isArray(records)) throw new InvalidArgumentError(`${where}readRange(${range.partition}) for the batch at ${time} ms gave ${typeof records}, not an array of records.`);
    const expected = range.count ?? (typeof range.fromOffset === 'number' && !this.source.gaps ? (range.untilOffset as number) - range.fromOffset : undefined);
    if (expected !== undefined && records.length !== expected) {
      throw new InputReadError(
        `${where}readRange(${range.partition} [${String(range.fromOffset)}, ${String(range.untilOffset)})) for the batch at ${time} ms gave ${records.length} records, the range holds ${expected}${inWorker}. ` +
          'A replayable source must give exactly the records of the range (were they deleted from the log by its retention?).',
      );
    }
    return records;
  }

  override batchSucceeded(time: number): void {
    const ranges = this.ranges.get(time);
    const commit = this.source.commit;
    if (!ranges || !commit) return;
    this.commits = this.commits.then(() =>
      commit.call(this.source, ranges).catch((e: unknown) => {
        if (!this.warnedCommit)
          this.ssc.logger.warn(
            `${this.creationSite}: could not commit the offsets of the batch at ${time} ms to the source (recovery does not need them; monitoring tools see older offsets): ${(e as Error)?.message ?? String(e)}`,
          );
        this.warnedCommit = true;
      }),
    );
  }

  override async stop(): Promise<void> {
    await this.commits;
    await this.source.close?.();
  }

  /** `{ ranges }`: the offset ranges of the batch at `time`. */
  override logBatch(time: number): LoggedBatch<O> | undefined {
    const ranges = this.ranges.get(time);
    return ranges && { ranges };
  }

  /** `{ kind, offsets }`: where the batch after `time` starts. */
  override checkpointPosition(time: number): DirectStreamPosition<O> | undefined {
    let latest = Number.NEGATIVE_INFINITY;
    let offsets = this.restoredPosition;
    for (const [t, p] of this.positions) {
      if (t <= time && t > latest) {
        latest = t;
        offsets = p;
      }
    }
    offsets ??= time <= this.zeroTime! ? undefined : this.current;
    return offsets && { kind: this.source.kind, offsets };
  }

  override restore(recovery: InputRecovery): void {
    super.restore(recovery);
    const p = recovery.position as Partial<DirectStreamPosition<O>> | undefined;
    if (p !== undefined) {
      if (typeof p !== 'object' || p === null || typeof p.offsets !== 'object' || p.offsets === null) {
        throw new RecoveryError(`${this.creationSite}: the checkpointed position of this stream is not a direct stream's (${JSON.stringify(p).slice(0, 80)}).`);
      }
      if (p.kind !== this.source.kind) {
        throw new RecoveryError(
          `${this.creationSite}: the checkpoint was made reading a ${JSON.stringify(p.kind)} source and this stream reads a ${JSON.stringify(this.source.kind)} one; its offsets mean nothing here.`,
        );
      }
      this.restoredPosition = { ...p.offsets } as Record<string, O>;
    }
  }

  override clearMetadata(time: number): void {
    super.clearMetadata(time);
    for (const t of [...this.ranges.keys()]) if (t <= time && !this.generatedRDDs.has(t)) this.ranges.delete(t);
    // Keep the latest position at or before `time`: a checkpoint at it may still be written.
    const older = [...this.positions.keys()].filter((t) => t < time);
    for (const t of older) this.positions.delete(t);
  }
}

function readAll(rdd: SourceRDD<unknown, Offset>): Promise<void> {
  return rdd.readForDriver(rdd.offsetRanges.map((_, i) => i));
}

function countOf(r: OffsetRange<Offset>): number {
  if (r.count !== undefined) return r.count;
  return typeof r.fromOffset === 'number' ? (r.untilOffset as number) - r.fromOffset : 0;
}

function checkSource(source: ReplayableSource<unknown, Offset>, operation: string): void {
  if (typeof source !== 'object' || source === null) throw new InvalidArgumentError(`${operation} expects a ReplayableSource, got ${source === null ? 'null' : typeof source}.`);
  const missing = (['initialOffsets', 'planBatch', 'readRange'] as const).filter((m) => typeof source[m] !== 'function');
  if (typeof source.kind !== 'string' || source.kind === '') missing.unshift('kind' as never);
  if (missing.length > 0)
    throw new InvalidArgumentError(`${operation}: the source lacks ${missing.join(', ')} (a ReplayableSource has kind, initialOffsets(), planBatch(), readRange() and optionally commit(), close()).`);
  const readsIn = (source as { readsIn?: unknown }).readsIn;
  if (readsIn !== undefined && readsIn !== 'driver' && readsIn !== 'anywhere')
    throw new InvalidArgumentError(`${operation}: the source's readsIn must be 'driver' or 'anywhere' (the default), got ${JSON.stringify(readsIn)}.`);
}

function isOffset(o: unknown): o is Offset {
  return (typeof o === 'number' && Number.isSafeInteger(o)) || typeof o === 'string';
}

function checkOffsets<O extends Offset>(offsets: Readonly<Record<string, O>>, where: string): Record<string, O> {
  if (typeof offsets !== 'object' || offsets === null || Array.isArray(offsets))
    throw new InvalidArgumentError(`${where} gave ${JSON.stringify(offsets)}; expected an object of offsets by partition, e.g. { "events-0": 0 }.`);
  for (const [p, o] of Object.entries(offsets)) {
    if (!isOffset(o)) throw new InvalidArgumentError(`${where} gave the offset ${JSON.stringify(o)} for partition ${JSON.stringify(p)}; an offset is a safe integer or a string.`);
  }
  return offsets as Record<string, O>;
}

function checkRanges<O extends Offset>(ranges: readonly OffsetRange<O>[], from: Readonly<Record<string, O>>, where: string): OffsetRange<O>[] {
  if (!Array.isArray(ranges)) throw new InvalidArgumentError(`${where} gave ${typeof ranges}; expected an array of offset ranges.`);
  const seen = new Set<string>();
  const out: OffsetRange<O>[] = [];
  for (const r of ranges) {
    const show = JSON.stringify(r);
    if (typeof r?.partition !== 'string' || r.partition === '') throw new InvalidArgumentError(`${where} gave a range without a partition name: ${show}.`);
    if (seen.has(r.partition)) throw new InvalidArgumentError(`${where} gave two ranges for partition ${JSON.stringify(r.partition)}.`);
    seen.add(r.partition);
    if (!isOffset(r.fromOffset) || !isOffset(r.untilOffset) || typeof r.fromOffset !== typeof r.untilOffset)
      throw new InvalidArgumentError(`${where} gave a range whose offsets are not both safe integers or both strings: ${show}.`);
    if (typeof r.fromOffset === 'number' && (r.untilOffset as number) < r.fromOffset) throw new OutOfRangeError(`${where} gave a range that ends before it starts: ${show}.`);
    if (r.count !== undefined && !(Number.isSafeInteger(r.count) && r.count >= 0)) throw new InvalidArgumentError(`${where} gave a range whose count is not a whole number: ${show}.`);
    if (typeof r.fromOffset === 'string' && r.count === undefined && r.fromOffset !== r.untilOffset)
      throw new InvalidArgumentError(`${where} gave a range with string offsets and no count: ${show}; a source whose offsets are not numbers says how many records each range holds.`);
    if (Object.hasOwn(from, r.partition) && r.fromOffset !== from[r.partition]) {
      throw new InvalidArgumentError(
        `${where} gave ${r.partition} a range from ${JSON.stringify(r.fromOffset)}, but the previous batch ended at ${JSON.stringify(from[r.partition])}; a batch starts where the one before it ended, or records would be skipped or read twice.`,
      );
    }
    const copy: OffsetRange<O> = { partition: r.partition, fromOffset: r.fromOffset, untilOffset: r.untilOffset };
    out.push(r.count === undefined ? copy : { ...copy, count: r.count });
  }
  return out;
}

/**
 * `createDirectStream(ssc, source, options)`: a stream over a replayable source (see
 * DirectInputDStream and docs/connectors.md). Spark: `KafkaUtils.createDirectStream`, for any log.
 *
 * @example
 * ```ts
 * import { createDirectStream } from 'rivulet';
 * const stream = createDirectStream(ssc, mySource, { maxRatePerPartition: 1000 });
 * stream.count().print();
 * ```
 */
export function createDirectStream<R, O extends Offset = number>(ssc: StreamingContext, source: ReplayableSource<R, O>, options: DirectStreamOptions = {}): DirectInputDStream<R, O> {
  return new DirectInputDStream<R, O>(ssc, source, options, 'directStream', userCallSite());
}
