/**
 * The wire protocol between the driver and a worker: every message either way is one of the kinds
 * below, and every value in them survives structuredClone (no closures, no class instances). The
 * transport is Comlink (a worker exposes `WorkerApi`); this file says only what travels.
 *
 * A task is one partition of one stage: the stage's lineage as a descriptor (rdd/descriptor.ts),
 * the input partitions and shuffle blocks it reads, and what to do with its records (`result`).
 * User functions never travel as code: every worker loads the same pipeline code as the driver
 * (`load`, answered once its definitions match the driver's), and a task names each function by
 * its place there (rdd/descriptor.ts: FunctionDescriptor). A task carries the descriptors of
 * functions this worker has not seen, and refers to the others by hash.
 *
 * Each worker has a block store (Spark's BlockManager, executor/BlockManager.ts): shuffle map
 * outputs and cached partitions stay in the worker that computed them, named by block id
 * (executor/blockIds.ts), and other workers fetch them over MessagePorts between workers
 * (`PeerMessage`). A worker incarnation is an *executor*: a replacement in the same pool slot is a
 * new executor, with an empty store.
 */
import type { FunctionDescriptor, PartitionerDescriptor, RDDDescriptor } from '../rdd/descriptor.ts';
import type { DefinitionEntry } from '../platform/executorMode.ts';

/** A function the worker already holds (sent in an earlier task's `functions`). */
export interface FunctionRef {
  readonly kind: 'fnref';
  readonly hash: string;
}

/** A function in a task: inline the first time a worker needs it, by reference afterwards. */
export type WireFunction = FunctionDescriptor | FunctionRef;

/** What a task does with its partition's records, and so what its result value is. */
export type ResultKind =
  /** → the records, as an array. */
  | { readonly kind: 'collect' }
  /** → the number of records. */
  | { readonly kind: 'count' }
  /** → at most `limit` records, from the start of the partition; stops computing there. */
  | { readonly kind: 'take'; readonly limit: number }
  /** → `[f(...f(first, second)...)]`, or `[]` for an empty partition. */
  | { readonly kind: 'reduce'; readonly f: WireFunction }
  /** → f folded over the records from a fresh clone of `zero` (fold, and aggregate's seqOp). */
  | { readonly kind: 'fold'; readonly zero: unknown; readonly f: WireFunction }
  /** → nothing; every promise f returns is awaited before the task completes. */
  | { readonly kind: 'foreach'; readonly f: WireFunction }
  /** → nothing; f gets the partition as an array and its promise is awaited. */
  | { readonly kind: 'foreachPartition'; readonly f: WireFunction }
  /** → a reservoir sample of up to `perPartition` keys (RangePartitioner's bounds). */
  | { readonly kind: 'sampleKeys'; readonly perPartition: number }
  /** → the map side of a shuffle: one bucket of records per reduce partition. */
  | {
      readonly kind: 'shuffleMap';
      readonly shuffleId: number;
      readonly partitioner: PartitionerDescriptor;
      readonly aggregator: Readonly<Record<'createCombiner' | 'mergeValue' | 'mergeCombiners', WireFunction>> | undefined;
      readonly mapSideCombine: boolean;
      readonly operation: string;
      /**
       * When the buckets hold more than this many records in all, keep them in the worker's block
       * store (`shuffle_<shuffleId>_<map>_<reduce>`) and answer with a MapStatus; else answer with
       * the buckets, for the driver to relay. 0: always keep; Infinity: always relay.
       */
      readonly keepAbove: number;
    };

/** The answer to a `shuffleMap` task that kept its buckets: the number of records in each. */
export interface MapStatus {
  readonly sizes: readonly number[];
}

/** A block in some worker's block store. */
export interface BlockLocation {
  readonly executor: number;
  readonly blockId: string;
}

/** One partition of a stage's input RDD (data the driver holds). */
export interface InputBlock {
  readonly rddId: number;
  readonly partition: number;
  readonly records: readonly unknown[];
  /**
   * When set, `records` is empty: the partition is the same as partition `partition` of the
   * persisted RDD of this id, which a worker holds (listed in the task's cached inputs) — a state
   * brought to the driver whose original stays in the workers is read there, not sent back.
   */
  readonly heldAs?: number;
}

/**
 * The map outputs of one shuffle destined for one reduce partition, one block per map partition:
 * the records themselves (relayed by the driver), or where they are (fetched by the worker). The
 * reduce partition is the task's own, except under a union of partitions side by side (a task of
 * partition 2 of `a.union(b)` reads b's partition 0) when lineage is computed again below it.
 */
export interface ShuffleInput {
  readonly shuffleId: number;
  /** The reduce partition; the task's partition when absent. */
  readonly partition?: number;
  readonly blocks: readonly (readonly unknown[] | BlockLocation)[];
}

/** A partition of a persisted RDD that a worker holds: read there, or fetched when it is elsewhere. */
export interface CachedInput {
  readonly rddId: number;
  readonly partition: number;
  readonly executor: number;
}

/**
 * A partition of a direct stream's batch (a `sourceRange` descriptor: its offset ranges and the
 * place of the stream's read among the pipeline's definitions) that no worker holds: the task reads
 * its range from the source, with this worker's copy of it, before computing, and keeps the records
 * in its block store (Spark computes a KafkaRDD partition on the executor).
 */
export interface SourceRead {
  readonly rddId: number;
  readonly partition: number;
}

/** A partition of a persisted RDD that a task computed and kept in its worker's block store. */
export interface StoredBlock {
  readonly rddId: number;
  readonly partition: number;
}

// ---- driver → worker ----------------------------------------------------------------------------

export interface RunTask {
  readonly kind: 'runTask';
  readonly taskId: number;
  readonly stageId: number;
  readonly partition: number;
  readonly attempt: number;
  /** Functions this worker has not been sent yet; the rest are FunctionRefs in `rdd` and `result`. */
  readonly functions: readonly FunctionDescriptor[];
  /**
   * The worker drops every function it holds before it learns this task's: the driver forgot which
   * it sent, as it does past a bound (functions whose arguments change every batch would otherwise
   * pile up on both sides).
   */
  readonly forgetFunctions?: boolean;
  readonly rdd: RDDDescriptor;
  readonly inputs: readonly InputBlock[];
  readonly shuffleInputs: readonly ShuffleInput[];
  /** Partitions of persisted RDDs that some worker holds; the rest are computed (and kept). */
  readonly cachedInputs: readonly CachedInput[];
  /** Partitions of direct streams' batches this task reads from their sources, here. */
  readonly sourceReads: readonly SourceRead[];
  readonly result: ResultKind;
}

export type ToWorker =
  | RunTask
  | { readonly kind: 'ping' }
  /**
   * Sent before the first task: the driver's pipeline definitions (closure/definitions.ts). The
   * worker answers `loaded` once the pipeline it loaded defines the same (or it loads none), and
   * `loadFailed` when its pipeline failed to load or defines something else.
   */
  | { readonly kind: 'load'; readonly definitions: readonly DefinitionEntry[] }
  /**
   * Sent first, and again whenever another worker starts: this worker's executor id, and one
   * MessagePort per other live worker (transferred), for fetching blocks from it.
   */
  | { readonly kind: 'connect'; readonly executor: number; readonly peers: readonly { readonly executor: number; readonly port: PeerPort }[] }
  /** That worker died: fetches from it fail (FetchFailed) instead of waiting. */
  | { readonly kind: 'peerLost'; readonly executor: number }
  /** The driver reads blocks (a stage it runs itself reads a shuffle); answered with `blocks`. */
  | { readonly kind: 'getBlocks'; readonly blockIds: readonly string[] }
  /** Drop every block whose id starts with one of these prefixes (a shuffle or an RDD no one can read any more). */
  | { readonly kind: 'removeBlocks'; readonly prefixes: readonly string[] }
  /** What the worker holds (answered with `memory`); after a full GC first when the runtime exposes one (`node --expose-gc`). */
  | { readonly kind: 'memory' };

/**
 * A MessagePort to another worker: the DOM's in a browser, worker_threads' in Node. Named by the
 * methods the block store uses, so that the package's declarations type-check in a Node project
 * without the DOM library (where `MessagePort` is no global type).
 */
export interface PeerPort {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message' | 'close', listener: (event: any) => void): void;
  start(): void;
  close(): void;
}

// ---- worker ↔ worker (over a peer MessagePort) --------------------------------------------------

export type PeerMessage =
  | { readonly kind: 'fetch'; readonly requestId: number; readonly blockIds: readonly string[] }
  /** One entry per requested id; null: this worker does not hold it. */
  | { readonly kind: 'blocks'; readonly requestId: number; readonly blocks: readonly (readonly unknown[] | null)[] };

// ---- worker → driver ----------------------------------------------------------------------------

/** An error as data. `operation`/`callSite` are set when a user function threw (UserFunctionError). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly operation?: string;
  readonly callSite?: string;
  /** The user's own error, for a UserFunctionError. */
  readonly cause?: WireError;
  /** The thrown value was not an Error (a string, a number…): its String(). */
  readonly thrownValue?: string;
  /** A block this task reads could not be fetched (FetchFailedError): the executor that should have held it. */
  readonly fetchFailed?: { readonly executor: number; readonly blockId: string };
  /** A RivuletError's code (the driver's copy is a RivuletError with the same code and name). */
  readonly code?: string;
}

export type FromWorker =
  /**
   * `value` is a MapStatus for a shuffleMap task that kept its buckets. `stored`: the partitions
   * of persisted RDDs this task computed and kept in the worker's block store.
   */
  | { readonly kind: 'taskResult'; readonly taskId: number; readonly value: unknown; readonly stored: readonly StoredBlock[] }
  | { readonly kind: 'blocks'; readonly blocks: readonly (readonly unknown[] | null)[] }
  | { readonly kind: 'ok' }
  /** `pipeline`: the worker loaded the pipeline and holds its functions by place. */
  | { readonly kind: 'loaded'; readonly pipeline: boolean }
  | { readonly kind: 'loadFailed'; readonly error: WireError }
  | { readonly kind: 'taskFailed'; readonly taskId: number; readonly error: WireError }
  | { readonly kind: 'pong'; readonly threadId: number }
  | { readonly kind: 'memory'; readonly memory: WorkerMemory };

/**
 * What a worker holds (`WorkerPool.memory()`): its JS heap, and the counts of what it keeps between
 * tasks, each of which must stay bounded however many batches run.
 */
export interface WorkerMemory {
  readonly executor: number;
  /** Bytes of the worker's JS heap in use (Node: process.memoryUsage().heapUsed, per isolate; browsers: performance.memory where there is one); undefined when unknown. */
  readonly heapUsed: number | undefined;
  /** Whether a full GC ran just before (the runtime exposes one: `node --expose-gc`). */
  readonly afterGC: boolean;
  /** Blocks in its block store (shuffle outputs and cached partitions). */
  readonly blocks: number;
  /** Functions it holds (by hash, sent once and referred to afterwards). */
  readonly functions: number;
}

/** What a worker exposes through Comlink: one entry point, one message kind in, one out. */
export interface WorkerApi {
  handle(message: ToWorker): Promise<FromWorker>;
}
