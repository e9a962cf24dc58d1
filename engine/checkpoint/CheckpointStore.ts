import { InvalidArgumentError } from '../util/errors.ts';
/**
 * The contract between the engine and wherever checkpoints are kept. Two stores implement it —
 * FileSystemCheckpointStore (Node: one file per checkpoint in a directory) and
 * IndexedDBCheckpointStore (browsers) — and both keep the same bytes, made by codec.ts, so a
 * checkpoint can be copied from one to the other.
 *
 * A checkpoint is identified by its batch time, as Spark names its files `checkpoint-<time>`.
 */

/**
 * What is saved at one batch time (Spark's `Checkpoint`: the metadata that recovers the driver,
 * plus the state that Spark keeps in separate RDD checkpoint files).
 *
 * @example
 * ```ts
 * import { FileSystemCheckpointStore, type Checkpoint } from 'rivulet';
 * const store = new FileSystemCheckpointStore('/tmp/ckpt');
 * const cp: Checkpoint = { time: 1000, metadata: { batchInterval: 1000 }, data: { counts: [['a', 1]] } };
 * await store.write(cp);
 * ```
 */
export interface Checkpoint {
  /** The batch time in ms (a non-negative safe integer); the checkpoint's id in its store. */
  time: number;
  /**
   * Wall-clock ms when it was taken, if the caller knows it. Stores never fill it in: the engine
   * does not read the clock itself (virtual time in tests).
   */
  createdAt?: number;
  /** Configuration, graph, pending batches — whatever recovery needs besides state. */
  metadata: Record<string, unknown>;
  /**
   * State per stateful operator, by the operator's stable id (DStream.name() or derived from the
   * graph): usually an array of `[key, state]` pairs, possibly large.
   */
  data: Record<string, unknown>;
}

/**
 * Where checkpoints live (Spark: the checkpoint directory given to `ssc.checkpoint(dir)`, written
 * by CheckpointWriter and read by CheckpointReader). One writer per store at a time, as Spark
 * allows one streaming application per checkpoint directory.
 *
 * @example
 * ```ts
 * import { IndexedDBCheckpointStore, type CheckpointStore } from 'rivulet';
 * const store: CheckpointStore = new IndexedDBCheckpointStore('my-app');
 * const [newest] = await store.list();
 * if (newest !== undefined) console.log(await store.read(newest));
 * await store.prune(10);
 * ```
 */
export interface CheckpointStore {
  /** Where the checkpoints are, for messages: a directory path, an IndexedDB database name. */
  readonly location: string;

  /**
   * Save `checkpoint`, replacing one with the same time. Resolves only once it is durable (fsync'd
   * file and directory; a committed IndexedDB transaction): a reader then sees the whole
   * checkpoint, and never a part of it, even after a crash. The checkpoint is encoded before
   * write() returns, so the caller may change its state as soon as the call is made.
   */
  write(checkpoint: Checkpoint): Promise<void>;

  /** The times of the checkpoints present, newest first. Checkpoints being written are not listed. */
  list(): Promise<number[]>;

  /**
   * The checkpoint at `time`, verified. Rejects with CorruptCheckpointError when its bytes are
   * damaged (truncated, changed, unknown format) and CheckpointNotFoundError when it is absent.
   */
  read(time: number): Promise<Checkpoint>;

  /** Remove the checkpoint at `time`; nothing happens when there is none. */
  delete(time: number): Promise<void>;

  /**
   * Keep the newest `keepLast` checkpoints (at least 1) and delete the others (Spark's
   * CheckpointWriter keeps the last 10). Resolves to the times deleted.
   */
  prune(keepLast: number): Promise<number[]>;

  /** Wait for writes in progress, then release the store; later calls reject. */
  close(): Promise<void>;

  /**
   * A second store of the same kind, beside this one, for the engine's write-ahead log: one
   * record per batch, filed under the batch time, in the same format as a checkpoint (Spark's
   * receiver and batch-allocation logs under the checkpoint directory). Its `list`, `read`,
   * `delete` and `prune` see only log records, and this store sees none of them.
   *
   * Optional so that any object with the six methods above can serve as a plain store; the
   * StreamingContext needs it (`ssc.checkpoint(store)` refuses a store without it), since
   * recovering exactly needs to know what every batch after the last checkpoint took from its
   * sources. FileSystemCheckpointStore keeps the log as `wal-<time>.rvck` files in the same
   * directory; IndexedDBCheckpointStore in the database `<name>-wal`.
   */
  writeAheadLog?(): CheckpointStore;

  /**
   * Take this location's lock: one running application per checkpoint location, as Kafka Streams
   * locks its state directory. Resolves once held; rejects with CheckpointLockedError, naming the
   * holder, when another process (or browser tab) holds it. A lock left by a process that died is
   * taken over. It covers the write-ahead log too. Released by the handle's release() and by
   * close(), and by the platform when the process exits or the tab closes.
   *
   * Optional: a store without it is not locked. The StreamingContext takes it before it reads
   * or writes anything (getOrCreate, or start() of a context given checkpoint()) and releases it
   * at stop(). FileSystemCheckpointStore keeps a lock file, `rivulet.lock`, in its directory;
   * IndexedDBCheckpointStore takes a Web Lock (navigator.locks) named after its database.
   */
  lock?(): Promise<CheckpointLock>;
}

/**
 * A held checkpoint lock (see CheckpointStore.lock). Spark has no counterpart: two Spark
 * applications on one checkpoint directory both run; Kafka Streams holds a lock on its state
 * directory (`StateDirectory`, a `.lock` file) for the same reason.
 *
 * @example
 * ```ts
 * import { FileSystemCheckpointStore, type CheckpointLock } from 'rivulet';
 * const store = new FileSystemCheckpointStore('/var/lib/my-app/ckpt');
 * const lock: CheckpointLock = await store.lock();
 * try { console.log(await store.list()); } finally { await lock.release(); }
 * ```
 */
export interface CheckpointLock {
  /** Give the lock up; later calls do nothing. */
  release(): Promise<void>;
}

/** Checks that `time` can identify a checkpoint (a non-negative safe integer, in ms). */
export function requireCheckpointTime(time: unknown, operation: string): asserts time is number {
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) {
    throw new InvalidArgumentError(`${operation}: a checkpoint time must be a batch time in ms (a non-negative integer), got ${describeValue(time)}`);
  }
}

/** Checks `keepLast` for prune(). */
export function requireKeepLast(keepLast: unknown): asserts keepLast is number {
  if (typeof keepLast !== 'number' || !Number.isSafeInteger(keepLast) || keepLast < 1) {
    throw new InvalidArgumentError(
      `prune(keepLast): keepLast must be a positive integer (the number of newest checkpoints to keep), got ${describeValue(keepLast)}; use delete(time) to remove the last ones`,
    );
  }
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : String(v);
}
