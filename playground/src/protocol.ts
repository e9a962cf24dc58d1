/**
 * The wire protocol between the page and the pipeline worker: one union per direction. Records
 * travel as text (formatted in the worker), so nothing a pipeline produces is ever interpreted
 * by the page, and every message is structured-cloneable whatever the records hold.
 */
import type { BatchInfo } from 'rivulet';

/** `virtual`: a ManualClock the worker advances batch by batch; `realtime`: the wall clock. */
export type ClockMode = 'virtual' | 'realtime';
/** Virtual time only: how fast the worker advances the clock (1 = as fast as real time). */
export type Speed = 1 | 10 | 100 | 'max';

export interface RunOptions {
  mode: ClockMode;
  speed: Speed;
  /** Start paused (the first batch waits for Step or Resume). */
  paused: boolean;
  /** Records sent per partition with every batch; more are counted, not sent. */
  maxRecordsPerPartition: number;
  /** IndexedDB database for checkpoints, when the checkpoint switch is on. */
  checkpointStore?: string;
  /** Resume from the checkpoints in checkpointStore (StreamingContext.getOrCreate) instead of starting afresh. */
  resume?: boolean;
  /** Virtual time: where the clock starts (a resumed run goes on from where the last one stopped). */
  startTime?: number;
}

export type ToWorker =
  | { type: 'run'; code: string; options: RunOptions }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'step' }
  | { type: 'speed'; speed: Speed }
  /** The records of one partition of one stream's RDD at a batch, up to `limit` (for scrolling a big partition). */
  | { type: 'fetchPartition'; requestId: number; batchTime: number; streamId: number; partition: number; limit: number };

export interface StreamNode {
  id: number;
  /** `map`, `reduceByKey`, `print`… */
  operation: string;
  /** `map at pipeline.ts:12:8` */
  creationSite: string;
  /** The line of the user's code that defined it, when known. */
  line?: number;
  kind: string;
  slideDuration: number;
  parents: number[];
  role: 'input' | 'transformation' | 'output';
  name?: string;
  /** A window's length (window, reduceByKeyAndWindow…): its RDD at t holds the parent's batches in (t - windowDuration, t]. */
  windowDuration?: number;
}

export interface StreamGraph {
  nodes: StreamNode[];
}

export interface PartitionSnapshot {
  /** Records as text, at most maxRecordsPerPartition of them. */
  records: string[];
  count: number;
}

export interface RddSnapshot {
  streamId: number;
  rddId: number;
  numPartitions: number;
  partitions: PartitionSnapshot[];
  count: number;
  /** True when some partition holds more records than were sent. */
  sampled: boolean;
  /** rdd.toDebugString() */
  lineage: string;
  partitioner?: string;
  /** Set when the RDD could not be computed (the batch failed in this stream or above it). */
  error?: string;
  /** When every record sent is a [key, value] pair: the first MAX_KEYED of them, key and value as text (records over time). */
  keyed?: { key: string; value: string }[];
}

export interface BatchReport {
  info: BatchInfo;
  /** Wall-clock time the batch took in the worker, ms (virtual time measures 0 for fast code). */
  wallProcessingMs: number;
  /** One per stream that has an RDD at this batch time. */
  rdds: RddSnapshot[];
  /** Wall-clock time each output operation took, ms, by its id (virtual time measures the engine's durations as 0). */
  outputWallMs: Record<number, number>;
}

export interface UserCodeError {
  phase: 'compile' | 'define' | 'batch' | 'runtime';
  name: string;
  message: string;
  /** 1-based line and column in the user's code. */
  line?: number;
  column?: number;
  stack?: string;
}

/** `defining`: the compiled script's top level is running (it has not started a context yet, or is still defining more). */
export type RunState = 'compiling' | 'defining' | 'running' | 'paused' | 'stopped' | 'failed';

export type FromWorker =
  | { type: 'ready' }
  | { type: 'state'; state: RunState; now: number; mode: ClockMode }
  | { type: 'graph'; graph: StreamGraph; batchInterval: number; zeroTime: number }
  | { type: 'batch'; report: BatchReport }
  | { type: 'console'; lines: ConsoleLine[]; dropped: number }
  | { type: 'error'; error: UserCodeError }
  | { type: 'partition'; requestId: number; records: string[]; count: number; missing?: string }
  | { type: 'checkpoint'; message: string }
  /** A receiver started, stopped or reported an error (its listener events, as they happen). */
  | { type: 'receiver'; event: ReceiverEvent }
  /** A batch was submitted (it queues behind the running one) or started processing. */
  | { type: 'batchEvent'; kind: 'submitted' | 'started'; batchTime: number };

export interface ReceiverEvent {
  kind: 'started' | 'stopped' | 'error';
  streamId: number;
  /** `webSocketStream at pipeline.ts:10:23` */
  name: string;
  time: number;
  message?: string;
}

export interface ConsoleLine {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  text: string;
}

/**
 * Between the pipeline worker (the driver) and an executor worker it starts for the engine
 * (playground/src/worker/executorWorker.ts). These share the executor's port with the engine's
 * Comlink messages, which ignore them (no Comlink `type`, no `id`), as these ignore Comlink's.
 */
export type ToExecutor =
  /** Sent first, right after the worker is created: the compiled pipeline, which the executor evaluates in executor mode. */
  { type: 'playground:pipeline'; code: string };

export type FromExecutor =
  /** Console output of the user's functions run in the executor's tasks (its copy's own definition-time output is dropped). */
  { type: 'playground:console'; lines: ConsoleLine[]; dropped: number };
