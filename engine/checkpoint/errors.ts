import { RivuletError } from '../util/errors.ts';
/**
 * Errors of the checkpoint layer. Each says which checkpoint (time and file or database), what
 * was wrong, and what to do.
 */

/**
 * A checkpoint's bytes cannot be trusted: empty, truncated, not a Rivulet checkpoint, of a newer
 * format, or failing its checksum. `source` names it (a file path, or an IndexedDB database and
 * time); `reason` says what failed. Spark has no counterpart: it deserializes and fails with
 * whatever the Java deserializer throws.
 *
 * @example
 * ```ts
 * import { CorruptCheckpointError } from 'rivulet';
 * try { await store.read(1000); } catch (e) {
 *   if (e instanceof CorruptCheckpointError) console.error(e.source, e.reason);
 * }
 * ```
 */
export class CorruptCheckpointError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_CHECKPOINT_CORRUPT';
  }
  override name = 'CorruptCheckpointError';
  constructor(
    readonly source: string,
    readonly reason: string,
    readonly time?: number,
    options?: { cause?: unknown },
  ) {
    super(`Checkpoint ${source} is corrupt: ${reason}`, options);
  }
}

/**
 * No checkpoint at that time (never written, deleted, or pruned). Spark has no counterpart of its
 * own: reading a missing checkpoint file fails with Hadoop's `FileNotFoundException`.
 *
 * @example
 * ```ts
 * import { CheckpointNotFoundError } from 'rivulet';
 * const cp = await store.read(1000).catch((e) => {
 *   if (e instanceof CheckpointNotFoundError) return undefined;
 *   throw e;
 * });
 * ```
 */
export class CheckpointNotFoundError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_CHECKPOINT_NOT_FOUND';
  }
  override name = 'CheckpointNotFoundError';
  constructor(
    readonly source: string,
    readonly time: number,
  ) {
    super(`No checkpoint at time ${time} in ${source}`);
  }
}

/**
 * Checkpoints exist but none of them can be read (Spark: "Failed to read checkpoint from
 * directory"). Recovery stops here rather than start from an empty or wrong state.
 *
 * @example
 * ```ts
 * import { latestGoodCheckpoint, NoGoodCheckpointError } from 'rivulet';
 * try { await latestGoodCheckpoint(store); } catch (e) {
 *   if (e instanceof NoGoodCheckpointError) for (const f of e.failures) console.error(f.message);
 * }
 * ```
 */
export class NoGoodCheckpointError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_NO_GOOD_CHECKPOINT';
  }
  override name = 'NoGoodCheckpointError';
  constructor(
    readonly location: string,
    readonly failures: readonly Error[],
  ) {
    const n = failures.length;
    super(
      `None of the ${n} checkpoint${n === 1 ? '' : 's'} in ${location} can be read (newest first):\n` +
        failures.map((f) => `  - ${f.message}`).join('\n') +
        `\nRivulet will not start from an empty or guessed state. Restore a good checkpoint there, or, to start from scratch, delete the checkpoints and the write-ahead log with them (in a directory: checkpoint-*.rvck and wal-*.rvck; in IndexedDB: the database and its \"<name>-wal\" companion).`,
      { cause: failures[0] },
    );
  }
}

/**
 * A checkpoint holds a value that cannot be saved faithfully (a function, a symbol, a class
 * instance, a cycle); `path` says where, e.g. `checkpoint.data.counts[3][1].onChange`
 * (Spark's NotSerializableException, with the place).
 *
 * @example
 * ```ts
 * import { CheckpointEncodeError, encodeCheckpoint } from 'rivulet';
 * try { encodeCheckpoint({ time: 0, metadata: {}, data: { f: () => 1 } }); } catch (e) {
 *   if (e instanceof CheckpointEncodeError) console.error(e.path, e.reason);
 * }
 * ```
 */
export class CheckpointEncodeError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_CHECKPOINT_ENCODE';
  }
  override name = 'CheckpointEncodeError';
  constructor(
    readonly time: unknown,
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `Cannot write the checkpoint at time ${String(time)}: ${path} ${reason}. ` +
        'A checkpoint holds data only: primitives (with undefined, NaN, ±Infinity, -0, bigint), plain objects, arrays, Map, Set, Date, RegExp, ArrayBuffer and typed arrays.',
    );
  }
}

/**
 * Who holds a checkpoint location's lock, as far as the store can tell: a process (pid, host,
 * its main script) or a browser tab (its page), and since when. Spark has no counterpart (it
 * does not lock its checkpoint directory); Kafka Streams' `LockException` names only the task.
 *
 * @example
 * ```ts
 * import { CheckpointLockedError, type CheckpointLockHolder } from 'rivulet';
 * const holderOf = (e: CheckpointLockedError): CheckpointLockHolder => e.holder;
 * ```
 */
export interface CheckpointLockHolder {
  /** The holding process's id (a directory store). */
  pid?: number;
  /** The host it runs on (os.hostname()). */
  host?: string;
  /** Its main script (process.argv[1]), when it has one. */
  script?: string;
  /** The page of the holding tab (an IndexedDB store), when it is known. */
  page?: string;
  /** When it took the lock (ISO 8601, wall clock). */
  since?: string;
  /** The lock file (a directory store). */
  lockFile?: string;
}

/**
 * Another process (or browser tab) holds the checkpoint location's lock: it runs an application
 * on the same checkpoints, and two of them would process the same input twice and write over each
 * other's checkpoints. `holder` says who; the message says what to do. Thrown by
 * `CheckpointStore.lock()`, so by `StreamingContext.getOrCreate` (and, for a context given
 * `checkpoint()` and started without getOrCreate, by `awaitTermination()`).
 *
 * Spark has no counterpart: Spark does not lock its checkpoint directory, and a second
 * application on it runs too. Kafka Streams refuses a second instance on its state directory
 * with `LockException` ("Failed to lock the state directory").
 *
 * @example
 * ```ts
 * import { CheckpointLockedError, StreamingContext } from 'rivulet';
 * try { await StreamingContext.getOrCreate('/var/lib/my-app/ckpt', createContext); } catch (e) {
 *   if (e instanceof CheckpointLockedError) console.error(`in use by pid ${e.holder.pid} on ${e.holder.host}`);
 *   throw e;
 * }
 * ```
 */
export class CheckpointLockedError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_CHECKPOINT_LOCKED';
  }
  override name = 'CheckpointLockedError';
  constructor(
    /** The checkpoint location (a directory, an IndexedDB database). */
    readonly location: string,
    readonly holder: CheckpointLockHolder,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A checkpoint store could not do what was asked: write a checkpoint (disk full, quota), open its
 * database, create its lock file, or use a location that is not a directory.
 * The original error is the `cause`.
 *
 * Spark: the `IOException` from the checkpoint directory's Hadoop FileSystem.
 *
 * @example
 * ```ts
 * import { CheckpointStoreError } from 'rivulet';
 * await ssc.awaitTermination().catch((e) => {
 *   for (let c = e; c; c = c.cause) if (c instanceof CheckpointStoreError) console.error(c.message);
 * });
 * ```
 */
export class CheckpointStoreError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_CHECKPOINT_STORE_FAILED';
  }
  override name = 'CheckpointStoreError';
}
