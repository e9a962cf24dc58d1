import { InputDStream } from './InputDStream.ts';
import { RDD } from '../rdd/index.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';

export interface QueueStreamOptions<T> {
  /** Take one queue entry per batch (default) or everything queued. */
  oneAtATime?: boolean;
  /** The batch's RDD when the queue is empty; default: an empty RDD (Spark produces no RDD). */
  defaultRDD?: RDD<T>;
}

/**
 * Batches from a queue the caller fills (Spark's queueStream): each entry is an array or an RDD,
 * and the queue may grow after start(). Meant for tests and demos.
 */
export class QueueInputDStream<T> extends InputDStream<T> {
  private readonly oneAtATime: boolean;
  private readonly defaultRDD: RDD<T> | undefined;

  constructor(
    ssc: StreamingContext,
    readonly queue: (readonly T[] | RDD<T>)[],
    options: QueueStreamOptions<T> = {},
  ) {
    super(ssc, 'queueStream');
    if (!Array.isArray(queue)) throw new TypeError(`queueStream expects an array used as a queue (entries: arrays or RDDs), got ${typeof queue}.`);
    this.oneAtATime = options.oneAtATime ?? true;
    this.defaultRDD = options.defaultRDD;
  }

  protected compute(validTime: number): RDD<T> {
    const taken = this.oneAtATime ? this.queue.splice(0, 1) : this.queue.splice(0, this.queue.length);
    const rdds = taken.map((entry, i) => {
      if (entry instanceof RDD) return entry;
      if (!Array.isArray(entry)) {
        throw new TypeError(`queueStream: queue entry ${i} at batch ${validTime} ms is ${typeof entry}; entries must be arrays or RDDs.`);
      }
      return this.ssc.sparkContext.parallelize(entry);
    });
    this.reportRecords(validTime, taken.reduce((n, e) => n + (Array.isArray(e) ? e.length : 0), 0));
    if (rdds.length === 0) return this.defaultRDD ?? this.ssc.sparkContext.emptyRDD<T>();
    return rdds.length === 1 ? rdds[0]! : this.ssc.sparkContext.union(rdds);
  }
}
