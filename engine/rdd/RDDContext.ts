import { DAGScheduler, type PartitionIterator, type ShuffleTransfer } from './DAGScheduler.ts';
import type { RDD } from './RDD.ts';
import { ParallelCollectionRDD } from './ParallelCollectionRDD.ts';
import { UnionRDD } from './UnionRDD.ts';
import type { Executor } from '../executor/Executor.ts';
import type { ResultKind } from '../executor/protocol.ts';
import { WorkerPool } from '../executor/WorkerPool.ts';
import type { PlacementMode, StagePlacement, StagePlacementOptions } from './StagePlacement.ts';
import { checkPlacement } from './placementOptions.ts';
import { defaultWorkerCount } from '#worker';

/**
 * How an {@link RDDContext} (Spark's SparkContext) runs jobs: default parallelism and the worker
 * pool, the counterparts of `spark.default.parallelism` and the executors of a `local[N]` master.
 *
 * @example
 * ```ts
 * import { RDDContext, type RDDContextOptions } from 'rivulet';
 * const options: RDDContextOptions = { defaultParallelism: 4, workers: 'auto', shuffleTransfer: 'direct' };
 * const sc = new RDDContext(options);
 * ```
 */
export interface RDDContextOptions {
  /** Partitions for parallelize and for shuffles that are not given a count. Default 2. */
  defaultParallelism?: number;
  /**
   * Run tasks on this many worker threads (worker_threads in Node, Web Workers in a browser);
   * 'auto' = available cores minus one. 0 or absent: every task runs in the calling thread
   * (local mode). Workers start on the first job and do not keep a Node process alive when idle.
   */
  workers?: number | 'auto';
  /** With workers: a task running longer than this (ms) is taken as hung and retried on a new worker. Default 60 s. */
  taskTimeout?: number;
  /** With workers: attempts per task when workers die or hang, before the job fails. Default 4. */
  maxTaskAttempts?: number;
  /** Run tasks through this executor instead (tests; a custom pool). Overrides `workers`. */
  executor?: Executor;
  /**
   * With workers, where a stage that can run on them runs: 'auto' (default) by cost — on the
   * driver when shipping it was measured to cost more than it saves (docs/workers.md); 'workers':
   * always on the workers. Or the options of the estimates (StagePlacementOptions: mode, warm-up
   * runs, probing, window, clock). The placement code is loaded with the first job on workers;
   * the options are checked when the context is created (a RangeError names a bad one).
   */
  placement?: PlacementMode | StagePlacementOptions | StagePlacement;
  /**
   * With workers: how shuffle data reaches reduce tasks. 'direct': map outputs stay in the worker
   * that computed them and reduce tasks fetch them from there, worker to worker. 'relay': map
   * outputs come back to the driver, which sends them on with each reduce task. 'auto' (default):
   * each map task relays a small output (up to 500 records) and keeps a larger one.
   */
  shuffleTransfer?: ShuffleTransfer;
}

/**
 * Creates RDDs and runs jobs on them (the part of Spark's SparkContext that Rivulet needs).
 * A StreamingContext owns one, as `ssc.sparkContext`.
 *
 * @example
 * ```ts
 * import { RDDContext } from 'rivulet';
 * const sc = new RDDContext({ defaultParallelism: 4, workers: 2 });
 * const total = await sc.parallelize([1, 2, 3, 4]).reduce((a, b) => a + b); // 10
 * await sc.close();
 * ```
 */
export class RDDContext {
  readonly defaultParallelism: number;
  readonly scheduler: DAGScheduler;
  /** Where tasks run: undefined in local mode. */
  readonly executor: Executor | undefined;
  /** When set, RDDs created now take this creation site (a DStream sets its own while computing). */
  callSite: string | undefined;
  private nextRddId = 0;

  constructor(options: RDDContextOptions = {}) {
    const n = options.defaultParallelism ?? 2;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`defaultParallelism must be a positive integer, got ${n}.`);
    this.defaultParallelism = n;
    const workers = options.workers === 'auto' ? defaultWorkerCount() : options.workers ?? 0;
    if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`workers must be a non-negative integer or 'auto', got ${options.workers}.`);
    this.executor = options.executor ?? (workers > 0 ? new WorkerPool({ workers, taskTimeout: options.taskTimeout, maxTaskAttempts: options.maxTaskAttempts }) : undefined);
    const placement = options.placement ?? 'auto';
    // A StagePlacement instance has the same fields (checked when it was made).
    checkPlacement(placement as PlacementMode | StagePlacementOptions);
    this.scheduler = new DAGScheduler(this.executor, placement);
    if (options.shuffleTransfer !== undefined) {
      if (!['direct', 'relay', 'auto'].includes(options.shuffleTransfer)) throw new RangeError(`shuffleTransfer must be 'direct', 'relay' or 'auto', got ${String(options.shuffleTransfer)}.`);
      // Keeping map outputs needs block stores; an executor without them always relays.
      if (this.scheduler.shuffleTransfer !== 'relay') this.scheduler.shuffleTransfer = options.shuffleTransfer;
    }
  }

  /** Stop the workers, if any (a context with workers should be closed when done; idle workers never hold a process open). */
  async close(): Promise<void> {
    await this.executor?.close();
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

  /**
   * Run `func` over partitions of `rdd`. `result`, when given, says the same as `func` as plain
   * data (asked for only when there are workers), so the job's tasks can run on workers; without it they run in this thread.
   */
  runJob<T, U>(rdd: RDD<T>, func: (iterate: PartitionIterator<T>, partition: number) => U, partitions?: readonly number[], result?: () => ResultKind): Promise<U[]> {
    return this.scheduler.runJob(rdd, func, partitions, result);
  }
}
