import { DStream, checkWindow } from './DStream.ts';
import type { RDD } from '../rdd/index.ts';
import type { Duration } from '../util/duration.ts';

/**
 * All records of the parent's batches in (t - windowDuration, t], produced every slideDuration.
 * At stream start the window simply holds fewer batches. Batches sharing a partitioner are
 * unioned partition by partition, so a window of reduced batches needs no new shuffle.
 *
 * Spark: `org.apache.spark.streaming.dstream.WindowedDStream` (made by `DStream.window`).
 *
 * @example
 * ```ts
 * import { Seconds } from 'rivulet';
 * lines.window(Seconds(30), Seconds(10)).count().print();
 * ```
 */
export class WindowedDStream<T> extends DStream<T> {
  readonly dependencies: readonly DStream<T>[];

  constructor(
    readonly parent: DStream<T>,
    readonly windowDuration: Duration,
    readonly slideDuration: Duration,
  ) {
    super(parent.ssc, 'window');
    checkWindow(parent, windowDuration, slideDuration, 'window');
    this.dependencies = [parent];
    // Each batch is read by several windows; compute it once (input batches already hold their data).
    if (parent.dependencies.length > 0) parent.persist();
  }

  protected override get parentRememberDuration(): Duration {
    return this.rememberDuration! + this.windowDuration;
  }

  protected compute(validTime: number): RDD<T> {
    const from = validTime - this.windowDuration + this.parent.slideDuration;
    return this.ssc.sparkContext.union(this.parent.slice(from, validTime));
  }
}
