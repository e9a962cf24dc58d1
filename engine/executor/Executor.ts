import type { InputBlock, RunTask } from './protocol.ts';

/** A task as the scheduler hands it over: the protocol message minus what the executor fills in. */
export type TaskSpec = Omit<RunTask, 'kind' | 'taskId' | 'attempt' | 'functions'> & {
  /** For errors: which step of which job this is (`map at wordcount.ts:12:8`). */
  readonly description: string;
};

/**
 * Where tasks run. The DAGScheduler runs a stage's tasks through one of these when the stage can
 * be described; otherwise (and with no executor at all: local mode) it computes partitions itself.
 */
export interface Executor {
  /** Resolves to the task's result; rejects with the user's error or a TaskFailedError. */
  runTask(task: TaskSpec): Promise<TaskOutput>;
  /** Stop every worker. Tasks still running fail. */
  close(): Promise<void>;
}

export interface TaskOutput {
  readonly value: unknown;
  /** Partitions of persisted RDDs the task computed on the way. */
  readonly cached: readonly InputBlock[];
}

/** A task could not complete: its worker died or hung too often. Names the task and its operation. */
export class TaskFailedError extends Error {
  override name = 'TaskFailedError';
}
