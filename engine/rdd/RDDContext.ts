import { DAGScheduler, type PartitionIterator } from './DAGScheduler.ts';
import type { RDD } from './RDD.ts';
import { ParallelCollectionRDD } from './ParallelCollectionRDD.ts';
import { UnionRDD } from './UnionRDD.ts';

export interface RDDContextOptions {
  /** Partitions for parallelize and for shuffles that are not given a count. Default 2. */
  defaultParallelism?: number;
}

/**
 * Creates RDDs and runs jobs on them (the part of Spark's SparkContext that Rivulet needs).
 * A StreamingContext owns one, as `ssc.sparkContext`.
 */
export class RDDContext {
  readonly defaultParallelism: number;
  readonly scheduler = new DAGScheduler();
  /** When set, RDDs created now take this creation site (a DStream sets its own while computing). */
  callSite: string | undefined;
  private nextRddId = 0;

  constructor(options: RDDContextOptions = {}) {
    const n = options.defaultParallelism ?? 2;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`defaultParallelism must be a positive integer, got ${n}.`);
    this.defaultParallelism = n;
  }

  newRddId(): number {
    return this.nextRddId++;
  }

  /** An RDD over `data`, cut into `numSlices` contiguous partitions. */
  parallelize<T>(data: Iterable<T>, numSlices: number = this.defaultParallelism): RDD<T> {
    return new ParallelCollectionRDD(this, ParallelCollectionRDD.slice([...data], numSlices), 'parallelize');
  }

  /** An RDD with the given partitions, as they are. */
  fromPartitions<T>(partitions: readonly (readonly T[])[], operation = 'fromPartitions'): RDD<T> {
    return new ParallelCollectionRDD(this, partitions, operation);
  }

  emptyRDD<T>(): RDD<T> {
    return new ParallelCollectionRDD<T>(this, [], 'emptyRDD');
  }

  union<T>(rdds: readonly RDD<T>[]): RDD<T> {
    return new UnionRDD(this, rdds, 'union');
  }

  /** Run `body` with RDDs created inside it attributed to `callSite`. */
  withCallSite<R>(callSite: string, body: () => R): R {
    const previous = this.callSite;
    this.callSite = callSite;
    try {
      return body();
    } finally {
      this.callSite = previous;
    }
  }

  runJob<T, U>(rdd: RDD<T>, func: (iterate: PartitionIterator<T>, partition: number) => U, partitions?: readonly number[]): Promise<U[]> {
    return this.scheduler.runJob(rdd, func, partitions);
  }
}
