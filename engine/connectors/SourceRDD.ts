import { RDD, type RDDContext, type Emit, type TaskContext } from '../rdd/index.ts';
import type { RDDDescriptor } from '../rdd/descriptor.ts';
import type { HasOffsetRanges, Offset, OffsetRange } from './Source.ts';
import { InputReadError } from '../util/errors.ts';

/**
 * How a SourceRDD's ranges are read: `read` on this thread (the driver), and, when the workers
 * may read them, the place of the stream's read among the pipeline's definitions, where each
 * worker's copy of the pipeline put its own (closure/definitions.ts `addReader`).
 */
export interface RangeReader<T, O extends Offset = Offset> {
  /** Its place among the pipeline's definitions when tasks on the workers read the ranges; undefined: only the driver reads them. */
  readonly definedAt: number | undefined;
  /** The records of one range, checked against the range (DirectInputDStream.readChecked). */
  read(range: OffsetRange<O>): Promise<readonly T[]>;
}

/**
 * A direct stream's batch: one partition per offset range, in order (Spark's `KafkaRDD`). A batch
 * waiting in the queue holds only its ranges, never its records.
 *
 * Its partitions are read where its tasks run (Spark computes a KafkaRDD partition on the
 * executor, which opens its own consumer): when the workers load the pipeline and the source may
 * read there, a task on a worker reads its range with that worker's copy of the source, and the
 * records stay in that worker's block store for the batch's other jobs and the windows over it
 * (persisted, as any RDD whose partitions workers computed). A stage that runs on the driver reads
 * the ranges no worker holds here, before it runs, and fetches the others from their workers. A
 * source that reads on the driver only (`readsIn: 'driver'`) has every range read here when the
 * batch starts (DirectInputDStream.materialize).
 *
 * @example
 * ```ts
 * stream.foreachRDD((rdd) => {
 *   if (rdd instanceof SourceRDD) console.log(rdd.offsetRanges);
 * });
 * ```
 */
export class SourceRDD<T, O extends Offset = Offset> extends RDD<T> implements HasOffsetRanges<O> {
  readonly dependencies = [] as const;
  readonly numPartitions: number;
  /** Reads in progress on the driver, by partition: a partition is read once. */
  private readonly reading = new Map<number, Promise<void>>();

  constructor(
    context: RDDContext,
    readonly offsetRanges: readonly OffsetRange<O>[],
    readonly batchTime: number,
    operation: string,
    private readonly reader: RangeReader<T, O>,
    callSite?: string,
  ) {
    super(context, operation, callSite);
    this.numPartitions = offsetRanges.length;
    // Read once per batch: every job of the batch and the windows over it use the same records.
    this.persist();
  }

  /** Whether tasks on the workers read the ranges (with their own copies of the source). */
  get readsInWorkers(): boolean {
    return this.reader.definedAt !== undefined;
  }

  /**
   * @internal Read partitions `parts` here (the driver) into this RDD's cache, those not held
   * already, in parallel: before a stage that runs here computes them, or when the batch starts
   * for a source that reads on the driver.
   */
  override async readForDriver(parts: readonly number[]): Promise<void> {
    // A user may have unpersisted the batch's RDD: it holds its records again from here on.
    this.persist();
    const held = new Set(this.cachedPartitions().map(([p]) => p));
    await Promise.all(
      parts
        .filter((p) => !held.has(p))
        .map((p) => {
          let reading = this.reading.get(p);
          if (!reading) {
            reading = this.reader.read(this.offsetRanges[p]!).then(
              (records) => {
                this.putCachedPartition(p, records as T[]);
                this.context.scheduler.metrics.rangesReadOnDriver++;
              },
              (e: unknown) => {
                // A failed read may be tried again (by a later job of a batch that goes on, or a rerun).
                this.reading.delete(p);
                throw e;
              },
            );
            this.reading.set(p, reading);
          }
          return reading;
        }),
    );
  }

  /** Read on the workers: the ranges and where the stream's read is among the pipeline's definitions. */
  protected override describeLineage(): RDDDescriptor | undefined {
    if (this.reader.definedAt === undefined) return undefined;
    return this.descriptor('sourceRange', { reader: this.reader.definedAt, ranges: this.offsetRanges, batchTime: this.batchTime }, []);
  }

  protected compute(split: number, _ctx: TaskContext, _emit: Emit<T>): void {
    const r = this.offsetRanges[split];
    throw new InputReadError(
      `internal: ${this.creationSite}: the range ${r ? `${r.partition} [${String(r.fromOffset)}, ${String(r.untilOffset)})` : `#${split}`} of the batch at ${this.batchTime} ms was not read before a job used it; ` +
        "a direct stream's partitions are read before a stage computes them.",
    );
  }
}
