import { InvalidArgumentError } from '../util/errors.ts';
/**
 * Checkpoints as files in a directory, for Node (Spark's CheckpointWriter/CheckpointReader on a
 * checkpoint directory). Node-only: reached through the `#checkpoint-fs` import, whose browser
 * variant (fs.browser.ts) throws instead, so a browser bundle never pulls in a `node:` module.
 *
 * Each checkpoint is one file, `checkpoint-<time>.rvck`, in codec.ts's format. It is written to a
 * hidden temporary file in the same directory (`.checkpoint-<time>.rvck.tmp-<pid>-<random>`),
 * fsync'd, renamed over the final name, and the directory is fsync'd, so the name always holds a
 * complete checkpoint, the old one or the new one, even after a crash or power loss.
 *
 * The write-ahead log (writeAheadLog()) is a second store of the same kind on the same directory
 * whose files are named `wal-<time>.rvck`: one record per batch, in the same format.
 *
 * lock() takes the directory's lock, the file `rivulet.lock` (see fileLock.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { requireCheckpointTime, requireKeepLast, type Checkpoint, type CheckpointLock, type CheckpointStore } from './CheckpointStore.ts';
import { decodeCheckpoint, encodeCheckpoint } from './codec.ts';
import { CheckpointNotFoundError, CheckpointStoreError } from './errors.ts';
import { fsyncDirectory } from '../platform/fsyncDirectory.ts';
import { StoreLifecycle } from './StoreLifecycle.ts';
import { lockDirectory, LOCK_FILE_NAME } from './fileLock.ts';
export { applicationModule } from './applicationModule.ts';

/**
 * Options of `new FileSystemCheckpointStore(directory, options)`, the Node store Spark's
 * checkpoint directory on HDFS or a local file system corresponds to.
 *
 * @example
 * ```ts
 * import { FileSystemCheckpointStore, type FileSystemCheckpointStoreOptions } from 'rivulet';
 * const options: FileSystemCheckpointStoreOptions = { filePrefix: 'checkpoint' };
 * const store = new FileSystemCheckpointStore('/var/lib/my-app/ckpt', options);
 * ```
 */
export interface FileSystemCheckpointStoreOptions {
  /**
   * The files' name before `-<time>.rvck`: "checkpoint" (default) or, for the write-ahead log,
   * "wal". Letters, digits, `_` and `-` only. Stores with different prefixes share a directory
   * without seeing each other's files.
   */
  filePrefix?: string;
}

/**
 * A CheckpointStore keeping one file per checkpoint in `directory` (created on the first write).
 * Spark: the checkpoint directory of `ssc.checkpoint(dir)`, written by `CheckpointWriter` and read
 * by `CheckpointReader` (Node only here).
 *
 * @example
 * ```ts
 * import { FileSystemCheckpointStore } from 'rivulet';
 * const store = new FileSystemCheckpointStore('/var/lib/my-app/ckpt');
 * console.log(await store.list(), store.fileOf(1000));
 * ssc.checkpoint(store); // or simply ssc.checkpoint('/var/lib/my-app/ckpt')
 * ```
 */
export class FileSystemCheckpointStore implements CheckpointStore {
  /** The absolute path of the directory. */
  readonly directory: string;
  readonly location: string;
  readonly filePrefix: string;
  private readonly fileName: RegExp;
  private readonly tempFile: RegExp;
  private readonly lifecycle = new StoreLifecycle(() => this.directory);
  /** Temporary files this store is writing now; prune() removes only the others (left by a crash). */
  private readonly writingNow = new Set<string>();
  /** Locks taken with lock() and not yet released: close() releases them. */
  private readonly locks = new Set<CheckpointLock>();

  constructor(directory: string, options: FileSystemCheckpointStoreOptions = {}) {
    if (typeof directory !== 'string' || directory === '') {
      throw new InvalidArgumentError(`FileSystemCheckpointStore: expected a directory path, got ${typeof directory === 'string' ? 'an empty string' : String(directory)}`);
    }
    const prefix = options.filePrefix ?? 'checkpoint';
    if (typeof prefix !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(prefix)) {
      throw new InvalidArgumentError(`FileSystemCheckpointStore: filePrefix must be letters, digits, "_" and "-" (not starting with "-"), got ${JSON.stringify(prefix)}`);
    }
    this.directory = path.resolve(directory);
    this.filePrefix = prefix;
    this.location = prefix === 'checkpoint' ? this.directory : `${this.directory} (${prefix}-*.rvck)`;
    this.fileName = new RegExp(`^${prefix}-(0|[1-9]\\d*)\\.rvck$`);
    this.tempFile = new RegExp(`^\\.${prefix}-\\d+\\.rvck\\.tmp-`);
  }

  /** The file that holds (or would hold) the checkpoint at `time`. */
  fileOf(time: number): string {
    return path.join(this.directory, `${this.filePrefix}-${time}.rvck`);
  }

  /** The write-ahead log: `wal-<time>.rvck` files in the same directory. */
  writeAheadLog(): FileSystemCheckpointStore {
    return new FileSystemCheckpointStore(this.directory, { filePrefix: 'wal' });
  }

  write(checkpoint: Checkpoint): Promise<void> {
    return this.lifecycle.track(async () => {
      this.lifecycle.requireOpen('write');
      const bytes = encodeCheckpoint(checkpoint);
      await this.writeFileAtomically(checkpoint.time, bytes);
    });
  }

  async list(): Promise<number[]> {
    this.lifecycle.requireOpen('list');
    const names = await this.readDirectory();
    const times: number[] = [];
    for (const name of names) {
      const match = this.fileName.exec(name);
      if (match && Number.isSafeInteger(Number(match[1]))) times.push(Number(match[1]));
    }
    return times.sort((a, b) => b - a);
  }

  async read(time: number): Promise<Checkpoint> {
    requireCheckpointTime(time, 'read(time)');
    this.lifecycle.requireOpen('read');
    const file = this.fileOf(time);
    let bytes: Uint8Array;
    try {
      bytes = await fs.promises.readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CheckpointNotFoundError(this.directory, time);
      throw locationError(e, this.directory, file);
    }
    return decodeCheckpoint(bytes, file, time);
  }

  async delete(time: number): Promise<void> {
    requireCheckpointTime(time, 'delete(time)');
    this.lifecycle.requireOpen('delete');
    if (await removeFile(this.fileOf(time))) await fsyncDirectory(this.directory);
  }

  /** Also removes temporary files left by writes that never finished (a crash mid-write). */
  async prune(keepLast: number): Promise<number[]> {
    requireKeepLast(keepLast);
    this.lifecycle.requireOpen('prune');
    const doomed = (await this.list()).slice(keepLast);
    let removed = false;
    for (const time of doomed) removed = (await removeFile(this.fileOf(time))) || removed;
    for (const name of await this.readDirectory()) {
      if (this.tempFile.test(name) && !this.writingNow.has(name)) removed = (await removeFile(path.join(this.directory, name))) || removed;
    }
    if (removed) await fsyncDirectory(this.directory);
    return doomed;
  }

  /** The lock file lock() creates in the directory. */
  get lockFile(): string {
    return path.join(this.directory, LOCK_FILE_NAME);
  }

  /**
   * Take the directory's lock (the file `rivulet.lock`, created if the directory is missing):
   * rejects with CheckpointLockedError naming the process that holds it (pid, host, since when).
   * A lock left by a process that is no longer running on this host is taken over; one of another
   * host is refused. Released by release(), close(), or the process's exit.
   */
  async lock(): Promise<CheckpointLock> {
    this.lifecycle.requireOpen('lock');
    const lock = await lockDirectory(this.directory).catch((e: unknown) => {
      throw locationError(e, this.directory);
    });
    const release = () => {
      this.locks.delete(handle);
      return lock.release();
    };
    const handle: CheckpointLock = { release };
    this.locks.add(handle);
    return handle;
  }

  /** Also releases the locks taken with lock(). */
  async close(): Promise<void> {
    await this.lifecycle.close();
    await Promise.all([...this.locks].map((l) => l.release()));
  }

  private async writeFileAtomically(time: number, bytes: Uint8Array): Promise<void> {
    const target = this.fileOf(time);
    const name = `.${this.filePrefix}-${time}.rvck.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const temp = path.join(this.directory, name);
    this.writingNow.add(name);
    try {
      await makeDirectoryDurably(this.directory);
      const handle = await fs.promises.open(temp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.promises.rename(temp, target);
      await fsyncDirectory(this.directory);
    } catch (e) {
      await fs.promises.rm(temp, { force: true }).catch(() => {});
      const cause = locationError(e, this.directory, target);
      throw new CheckpointStoreError(`Could not write the checkpoint at time ${time} to ${target}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    } finally {
      this.writingNow.delete(name);
    }
  }

  private async readDirectory(): Promise<string[]> {
    try {
      return await fs.promises.readdir(this.directory);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw locationError(e, this.directory);
    }
  }
}

/**
 * A bare EISDIR or ENOTDIR names no cause: say what is in the way. `file` is the checkpoint file
 * being read or written, if any.
 */
function locationError(e: unknown, directory: string, file?: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EISDIR' && file !== undefined) {
    return new CheckpointStoreError(
      `${file} is a directory, not a checkpoint file; the checkpoint location ${directory} must hold only the files Rivulet writes there. Move that directory away. (${code})`,
      { cause: e },
    );
  }
  if (code === 'ENOTDIR' || (code === 'EEXIST' && (e as NodeJS.ErrnoException).syscall === 'mkdir')) {
    return new CheckpointStoreError(`The checkpoint location ${directory} is not a directory: it, or a directory above it, is a file. Give checkpoint() or getOrCreate() a directory path. (${code})`, {
      cause: e,
    });
  }
  return e;
}

/** Create `directory` and its missing parents, and make their entries durable. */
async function makeDirectoryDurably(directory: string): Promise<void> {
  const first = await fs.promises.mkdir(directory, { recursive: true });
  if (first === undefined) return;
  // Every directory from `first` down to `directory` is new: sync each one's parent.
  for (let dir = directory; ; dir = path.dirname(dir)) {
    await fsyncDirectory(path.dirname(dir));
    if (dir === first || path.dirname(dir) === dir) break;
  }
}

/** Whether a file was removed (false when it was not there). */
async function removeFile(file: string): Promise<boolean> {
  try {
    await fs.promises.unlink(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
