import { InvalidArgumentError, OutOfRangeError, IllegalStateError } from '../util/errors.ts';
import { DStream, describeValue } from './DStream.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { RDD } from '../rdd/index.ts';
import { checkDuration, type Duration } from '../util/duration.ts';

/**
 * A stream computed from its parents' RDDs at the same batch time by a driver-side function.
 * map, filter, reduceByKey, join, transform… are all this kind, each with its own operation name
 * (Spark has one class per kind; they differ only in the function).
 *
 * Spark: `org.apache.spark.streaming.dstream.TransformedDStream` (with `MappedDStream`,
 * `FilteredDStream`, `ShuffledDStream` and the other per-operation classes).
 *
 * @example
 * ```ts
 * const distinct = words.transform((rdd) => rdd.distinct()); // a TransformedDStream
 * const lengths = words.map((w) => w.length); // also one
 * ```
 */
export class TransformedDStream<U> extends DStream<U> {
  readonly slideDuration: Duration;

  constructor(
    ssc: StreamingContext,
    readonly dependencies: readonly DStream<any>[],
    private readonly transformFunc: (rdds: RDD<any>[], time: number) => RDD<U>,
    operation: string,
    callSite?: string,
    slideDuration?: Duration,
    /**
     * A parent without an RDD at a batch time is an error (Spark's TransformedDStream and
     * UnionDStream throw), rather than this stream having none either (Spark's MappedDStream and
     * the other one-parent kinds). Default: with several parents (union, transformWith, joins).
     */
    private readonly requireParentRDDs = dependencies.length > 1,
  ) {
    super(ssc, operation, callSite);
    if (dependencies.length === 0) throw new InvalidArgumentError(`${operation}: needs at least one parent stream.`);
    for (const d of dependencies) {
      if (!(d instanceof DStream)) throw new InvalidArgumentError(`${operation} expects DStreams, got ${describeValue(d)}.`);
      if (d.ssc !== ssc) throw new InvalidArgumentError(`${operation}: all streams must belong to the same StreamingContext.`);
    }
    const slides = new Set(dependencies.map((d) => d.slideDuration));
    if (slides.size > 1) {
      throw new OutOfRangeError(`${operation}: the streams have different slide durations (${[...slides].join(' ms, ')} ms); window them to the same slide first.`);
    }
    this.slideDuration = slideDuration === undefined ? dependencies[0]!.slideDuration : checkDuration(slideDuration, `${operation}: slideDuration`);
  }

  protected compute(validTime: number): RDD<U> | undefined {
    const rdds: RDD<any>[] = [];
    for (const parent of this.dependencies) {
      const rdd = parent.getOrCompute(validTime);
      if (!rdd && this.requireParentRDDs) {
        throw new IllegalStateError(
          `${this.creationSite}: its parent ${parent.creationSite} made no RDD for the batch at ${validTime} ms, and ${this.operation} needs one from every parent ` +
            '(as in Spark: "Could not generate RDD from a parent"). An input stream must return an RDD for every batch, an empty one when there is no data.',
        );
      }
      if (!rdd) return undefined;
      rdds.push(rdd);
    }
    const out = this.transformFunc(rdds, validTime);
    if (!out || typeof (out as RDD<U>).iterator !== 'function') {
      throw new InvalidArgumentError(`${this.creationSite}: the function must return an RDD, got ${out === null ? 'null' : typeof out}.`);
    }
    return out;
  }
}
