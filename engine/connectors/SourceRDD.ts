import { RDD, type RDDContext, type Emit, type TaskContext } from '../rdd/index.ts';
import type { HasOffsetRanges, Offset, OffsetRange } from './Source.ts';
import { InputReadError } from '../util/errors.ts';

/**
 * A direct stream's batch: one partition per offset range, in order (Spark's `KafkaRDD`). Its
 * partitions are read when the batch runs (DirectInputDStream.materialize reads every range and
 * keeps the records), so a batch waiting in the queue holds only its ranges, never its records.
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

  constructor(
    context: RDDContext,
    readonly offsetRanges: readonly OffsetRange<O>[],
    readonly batchTime: number,
    operation: string,
    callSite?: string,
  ) {
    super(context, operation, callSite);
    this.numPartitions = offsetRanges.length;
    // Read once per batch: every job of the batch and the windows over it use the same records.
    this.persist();
  }

  /** Keep the records read for partition `split`. */
  setPartition(split: number, records: readonly T[]): void {
    this.putCachedPartition(split, records as T[]);
  }

  protected compute(split: number, _ctx: TaskContext, _emit: Emit<T>): void {
    const r = this.offsetRanges[split];
    throw new InputReadError(
      `internal: ${this.creationSite}: the range ${r ? `${r.partition} [${String(r.fromOffset)}, ${String(r.untilOffset)})` : `#${split}`} of the batch at ${this.batchTime} ms was not read before a job used it; ` +
        "a direct stream's partitions are read when its batch starts.",
    );
  }
}
