import { RivuletError } from '../util/errors.ts';
import type { RunTask, StoredBlock } from './protocol.ts';

/** A task as the scheduler hands it over: the protocol message minus what the executor fills in. */
export type TaskSpec = Omit<RunTask, 'kind' | 'taskId' | 'attempt' | 'functions'> & {
  /** For errors: which step of which job this is (`map at wordcount.ts:12:8`). */
  readonly description: string;
  /** Executors holding blocks the task reads: run it on one of them when it is free (locality). */
  readonly preferredExecutors?: readonly number[];
};

/**
 * Where tasks run. The DAGScheduler runs a stage's tasks through one of these when the stage can
 * be described; otherwise (and with no executor at all: local mode) it computes partitions itself.
 */
export interface Executor {
  /** Resolves to the task's result; rejects with the user's error or a TaskFailedError. */
  runTask(task: TaskSpec): Promise<TaskOutput>;
  /** How many tasks run at once (a pool's workers); 1 when absent. */
  readonly size?: number;
  /** The executor ids of the live workers (a pool's), in slot order. */
  readonly executors?: readonly number[];
  /**
   * Whether the workers load the pipeline's code (and so hold every function defined with it, by
   * place): then tasks name those functions by place; otherwise a function travels as its source
   * text when it uses nothing from its surroundings, and runs on the driver when it does.
   */
  readonly loadsPipeline?: boolean;
  /** Stop every worker. Tasks still running fail. */
  close(): Promise<void>;
  /** Be told when a worker is lost (under a task or idle) and when a task is sent again (a pool of workers has this). */
  addFailureListener?(listener: (failure: TaskFailure) => void): void;
  /**
   * Present when tasks can keep blocks in their worker (a block store per executor): whether
   * `executor` is alive, so the blocks it holds can still be read. The driver's side of Spark's
   * BlockManagerMaster: a dead executor's blocks are gone.
   */
  isLive?(executor: number): boolean;
  /** Read blocks from an executor's store into the driver; rejects with FetchFailedError when it is lost or lacks one. */
  fetchBlocks?(executor: number, blockIds: readonly string[]): Promise<unknown[][]>;
  /** Drop blocks from every live executor (by id prefix): no RDD can read them any more. */
  removeBlocks?(prefixes: readonly string[]): void;
}

/**
 * A worker lost (`workerLost`: it crashed, exited, was terminated, or ran a task past the task
 * timeout), or a task sent again to another worker (`taskRetried`, Spark's task resubmission). The
 * streaming layer posts these to StreamingListeners with the batch time.
 *
 * A worker lost under a task names the task (`stage`, `partition`, `operation`, `attempt`). A worker
 * that died with no task on it (killed between jobs, or crashing from a timer) is a `workerLost`
 * without them: those four are undefined, and `executor` says whose blocks were lost.
 */
export type TaskFailure =
  | {
      readonly type: 'workerLost' | 'taskRetried';
      readonly stage: number;
      readonly partition: number;
      /** The task's last step and its call site: `map at wordcount.ts:12:8`. */
      readonly operation: string;
      /** workerLost: the attempt that was lost (0 = the first); taskRetried: the attempt now starting. */
      readonly attempt: number;
      /** The worker's slot in the pool (0 … workers − 1); a replacement takes the same slot. */
      readonly worker: number;
      /** The lost worker's executor id: each worker started, replacements included, is a new executor. */
      readonly executor?: number;
      /** Why the worker was lost (`worker 1 (thread 3) exited with code 1`). */
      readonly reason: string;
    }
  | {
      /** A worker that died with no task on it. */
      readonly type: 'workerLost';
      readonly stage?: undefined;
      readonly partition?: undefined;
      readonly operation?: undefined;
      readonly attempt?: undefined;
      readonly worker: number;
      readonly executor: number;
      readonly reason: string;
    };

export interface TaskOutput {
  readonly value: unknown;
  /** The executor the task ran on (its blocks are there); undefined when it has no block store. */
  readonly executor: number | undefined;
  /** Partitions of persisted RDDs the task computed and kept in that executor's block store. */
  readonly stored: readonly StoredBlock[];
}

/**
 * A task could not complete: its worker died or hung too often (maxTaskAttempts). Names the task
 * and its operation; the batch fails with it as its cause.
 *
 * Spark: the `SparkException` "Task … failed 4 times" after `spark.task.maxFailures`.
 *
 * @example
 * ```ts
 * import { TaskFailedError } from 'rivulet';
 * await ssc.awaitTermination().catch((e) => {
 *   for (let c = e; c; c = c.cause) if (c instanceof TaskFailedError) console.error('workers keep dying:', c.message);
 * });
 * ```
 */
export class TaskFailedError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_TASK_FAILED';
  }
  override name = 'TaskFailedError';
}

/**
 * A block a task reads could not be fetched: the worker that held it died (Spark's FetchFailed).
 * Not retried as a task: the DAGScheduler forgets that worker's blocks, recomputes them from
 * lineage (resubmitting the map stages whose outputs were lost) and runs the task again; a user
 * meets it only when that fails too.
 *
 * Spark: `org.apache.spark.shuffle.FetchFailedException`.
 *
 * @example
 * ```ts
 * import { FetchFailedError } from 'rivulet';
 * const lost = (e: unknown) => e instanceof FetchFailedError && `executor ${e.executor} lost ${e.blockId}`;
 * ```
 */
export class FetchFailedError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_FETCH_FAILED';
  }
  override name = 'FetchFailedError';
  constructor(
    readonly executor: number,
    readonly blockId: string,
    message = `block ${blockId} could not be fetched: executor ${executor} is lost`,
  ) {
    super(message);
  }
}
