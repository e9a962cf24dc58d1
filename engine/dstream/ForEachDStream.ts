import { DStream } from './DStream.ts';
import type { RDD } from '../rdd/index.ts';
import type { Duration } from '../util/duration.ts';

/**
 * A job for one output operation at one batch time.
 *
 * Spark: `org.apache.spark.streaming.scheduler.Job`.
 *
 * @example
 * ```ts
 * import type { Job } from 'rivulet';
 * const describe = (job: Job) => `${job.name} at ${job.time} ms (output ${job.outputOpId})`;
 * ```
 */
export interface Job {
  readonly time: number;
  readonly outputOpId: number;
  /** `print at wordcount.ts:20:7` */
  readonly name: string;
  run(): Promise<void>;
}

/**
 * An output operation: at every valid time, a job that runs `foreachFunc` on the parent's RDD.
 *
 * Spark: `org.apache.spark.streaming.dstream.ForEachDStream` (made by `foreachRDD`, `print`,
 * `saveAsTextFiles`).
 *
 * @example
 * ```ts
 * // Output operations create one; you rarely construct it yourself.
 * stream.foreachRDD(async (rdd, time) => console.log(time, await rdd.count()));
 * ```
 */
export class ForEachDStream<T> extends DStream<void> {
  readonly slideDuration: Duration;
  readonly dependencies: readonly DStream<T>[];
  outputOpId = -1;

  constructor(
    readonly parent: DStream<T>,
    private readonly foreachFunc: (rdd: RDD<T>, time: number) => void | Promise<void>,
    operation: string,
  ) {
    super(parent.ssc, operation);
    this.dependencies = [parent];
    this.slideDuration = parent.slideDuration;
  }

  /** Add to the context's output operations (what makes a graph run). */
  register(): void {
    this.outputOpId = this.ssc.graph.addOutputStream(this);
  }

  protected compute(): undefined {
    return undefined;
  }

  generateJob(time: number): Job | undefined {
    const rdd = this.parent.getOrCompute(time);
    if (!rdd) return undefined;
    const f = this.foreachFunc;
    return {
      time,
      outputOpId: this.outputOpId,
      name: this.creationSite,
      run: async () => {
        await f(rdd, time);
      },
    };
  }
}
