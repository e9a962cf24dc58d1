import { InvalidArgumentError, OutOfRangeError } from '../util/errors.ts';
import { checkLogger, type Logger } from '../util/logger.ts';
import { DAGScheduler, type PartitionIterator, type ShuffleTransfer } from './DAGScheduler.ts';
import type { RDD } from './RDD.ts';
import { ParallelCollectionRDD } from './ParallelCollectionRDD.ts';
import { UnionRDD } from './UnionRDD.ts';
import type { Executor } from '../executor/Executor.ts';
import type { ResultKind } from '../executor/protocol.ts';
import { WorkerPool } from '../executor/WorkerPool.ts';
import type { PlacementMode, StagePlacement, StagePlacementOptions } from './StagePlacement.ts';
import { checkPlacement } from './placementOptions.ts';
import { defaultPipelineModule, defaultWorkerCount } from '#worker';
import type { ExecutorWorker } from '../platform/worker.ts';
import { Definitions } from '../closure/definitions.ts';
import { isExecutor } from '../platform/executorMode.ts';

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
  /**
   * Node, with workers: the module every worker imports to define the same pipeline as this
   * thread (a file path or URL, e.g. `new URL('./pipeline.ts', import.meta.url)`), as every
   * Spark executor loads the application's jar. Default: the main script (`process.argv[1]`)
   * when the context is created by its code, as Node's cluster re-runs it in every worker;
   * otherwise none, and only functions that use nothing from their surroundings reach the
   * workers. `false`: load none (a script whose code must not run again in workers); functions
   * that use their surroundings then run on the driver. See docs/workers.md.
   */
  pipelineModule?: string | URL | false;
  /**
   * Browsers, with workers: starts one worker from the app's worker entry, a file that calls
   * `loadPipeline(() => import('./pipeline'))` from 'rivulet/worker'. Written in the app so that
   * its bundler bundles the pipeline into the worker:
   * `createWorker: () => new Worker(new URL('./rivulet.worker.ts', import.meta.url), { type: 'module' })`.
   */
  createWorker?: () => ExecutorWorker;
  /** Where the context reports what it cannot throw (a failure listener that threw): see {@link Logger}. Default: the console. */
  logger?: Logger;
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
  /**
   * @internal What the pipeline code defines (its functions, by place), shared with the
   * StreamingContext that owns this context; closed at its start(), or at this context's first job.
   */
  readonly definitions: Definitions;
  private nextRddId = 0;
  /** See RDDContextOptions.logger. */
  readonly logger: Logger;

  constructor(options: RDDContextOptions = {}, definitions?: Definitions) {
    this.definitions = definitions ?? new Definitions();
    this.logger = checkLogger(options.logger, 'RDDContext');
    const n = options.defaultParallelism ?? 2;
    if (!Number.isInteger(n) || n < 1) throw new OutOfRangeError(`defaultParallelism must be a positive integer, got ${n}.`);
    this.defaultParallelism = n;
    const workers = options.workers === 'auto' ? defaultWorkerCount() : (options.workers ?? 0);
    if (!Number.isInteger(workers) || workers < 0) throw new OutOfRangeError(`workers must be a non-negative integer or 'auto', got ${options.workers}.`);
    checkTaskTimeout(options.taskTimeout, 'taskTimeout');
    if (options.maxTaskAttempts !== undefined && (!Number.isInteger(options.maxTaskAttempts) || options.maxTaskAttempts < 1)) {
      throw new OutOfRangeError(`maxTaskAttempts must be a positive integer, got ${String(options.maxTaskAttempts)}.`);
    }
    if (options.createWorker !== undefined && typeof options.createWorker !== 'function')
      throw new InvalidArgumentError(`createWorker must be a function that returns a new Worker, got ${typeof options.createWorker}.`);
    // An executor's copy of the pipeline only records its definitions: it never starts workers of its own.
    const pipeline = isExecutor() || workers === 0 || options.pipelineModule === false ? undefined : (options.pipelineModule ?? defaultPipelineModule());
    this.executor =
      options.executor ??
      (workers > 0 && !isExecutor()
        ? new WorkerPool({
            workers,
            taskTimeout: options.taskTimeout,
            maxTaskAttempts: options.maxTaskAttempts,
            pipelineModule: pipeline,
            createWorker: options.createWorker,
            definitions: () => this.closedDefinitions(),
            logger: this.logger,
          })
        : undefined);
    const placement = options.placement ?? 'auto';
    // A StagePlacement instance has the same fields (checked when it was made).
    checkPlacement(placement as PlacementMode | StagePlacementOptions);
    this.scheduler = new DAGScheduler(this.executor, placement, this.logger);
    if (options.shuffleTransfer !== undefined) {
      if (!['direct', 'relay', 'auto'].includes(options.shuffleTransfer)) throw new OutOfRangeError(`shuffleTransfer must be 'direct', 'relay' or 'auto', got ${String(options.shuffleTransfer)}.`);
      // Keeping map outputs needs block stores; an executor without them always relays.
      if (this.scheduler.shuffleTransfer !== 'relay') this.scheduler.shuffleTransfer = options.shuffleTransfer;
    }
  }

  /** @internal The workers load the pipeline's code: they hold its functions by place. */
  get pipelineInWorkers(): boolean {
    return this.executor?.loadsPipeline === true;
  }

  /** The definitions as a worker must match them: complete, since jobs run. */
  private closedDefinitions() {
    this.definitions.close();
    return this.definitions.entries;
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
    // An array is sliced as it is (slicing copies it); another iterable is read into one first.
    return new ParallelCollectionRDD(this, ParallelCollectionRDD.slice(Array.isArray(data) ? data : [...data], numSlices), 'parallelize');
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
  runJob<T, U>(rdd: RDD<T>, func: (iterate: PartitionIterator<T>, partition: number) => U, partitions?: readonly number[], result?: () => ResultKind | string): Promise<U[]> {
    // The pipeline code stops defining at its first job (an executor's copy stops there too).
    this.definitions.close();
    // In an executor, the pipeline code only defines: its jobs never run, and the code after them neither.
    if (isExecutor()) return new Promise<U[]>(() => {});
    return this.scheduler.runJob(rdd, func, partitions, result);
  }
}

/** @internal A task timeout: a positive number of ms that a timer can hold (setTimeout fires at once past 2^31 - 1 ms). */
export function checkTaskTimeout(ms: number | undefined, what: string): void {
  if (ms === undefined) return;
  if (typeof ms !== 'number' || !(ms > 0) || ms > MAX_TIMER_MS) {
    throw new OutOfRangeError(
      `${what} must be a positive number of milliseconds up to ${MAX_TIMER_MS} (about 24.8 days), got ${String(ms)}. It is how long a task may run on a worker before the worker is taken as hung; default 60 s.`,
    );
  }
}

const MAX_TIMER_MS = 2 ** 31 - 1;
