export type { Executor, TaskFailure, TaskSpec } from './Executor.ts';
export { TaskFailedError } from './Executor.ts';
export { LocalExecutor } from './LocalExecutor.ts';
export { WorkerPool, type WorkerPoolOptions } from './WorkerPool.ts';
export type * from './protocol.ts';
