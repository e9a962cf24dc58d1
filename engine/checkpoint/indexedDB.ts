import { InvalidArgumentError, PlatformUnsupportedError } from '../util/errors.ts';
/**
 * Checkpoints in IndexedDB, for browsers (and workers): one database, one object store
 * `checkpoints`, keyed by batch time, each value the checkpoint's bytes in codec.ts's format —
 * byte for byte what FileSystemCheckpointStore puts in a file. No Spark counterpart.
 *
 * Every write is one readwrite transaction with `durability: "strict"` and resolves only when that
 * transaction has committed (`Promise.all([put, tx.done])`): before that, a closed tab could lose
 * it. Uses `idb`, which recognises IndexedDB objects with `instanceof IDBRequest` etc. against the
 * global classes.
 *
 * lock() takes a Web Lock (navigator.locks) named `rivulet-checkpoint:<dbName>`: one tab (or
 * worker) of an origin runs a context on a database at a time, and the browser releases the lock
 * of a tab that closes or crashes. The holder's page and the time it took the lock are kept in
 * the database under the key "lock-holder", which list() and prune() never see (they keep
 * numeric keys), so that a refusal can name the tab that holds it.
 */
import type { DBSchema, IDBPDatabase } from 'idb';
import { requireCheckpointTime, requireKeepLast, type Checkpoint, type CheckpointLock, type CheckpointStore } from './CheckpointStore.ts';
import { decodeCheckpoint, encodeCheckpoint } from './codec.ts';
import { CheckpointLockedError, CheckpointNotFoundError, CorruptCheckpointError, CheckpointStoreError } from './errors.ts';
import { StoreLifecycle } from './StoreLifecycle.ts';

/** The database schema version; an upgrade that changes the object stores increments it. */
export const CHECKPOINT_DB_VERSION = 1;
/** The object store that holds the checkpoints, keyed by batch time. */
export const CHECKPOINT_OBJECT_STORE = 'checkpoints';

interface CheckpointDB extends DBSchema {
  checkpoints: { key: number; value: Uint8Array };
}

/** The key, beside the checkpoints' numeric ones, of the record naming the tab that holds the lock. */
const LOCK_HOLDER_KEY = 'lock-holder';

/** What the lock-holder record says. */
interface LockHolderRecord {
  since: string;
  page?: string;
  /** The holding client's id in navigator.locks.query(), to tell a current record from one a closed tab left. */
  clientId?: string;
}

/**
 * The part of the Web Locks API (the DOM's `LockManager`, `navigator.locks`) the store uses,
 * typed here so the package's declarations need no DOM library. Spark has no counterpart: it never
 * runs in a browser (it does not lock its checkpoint directory either).
 *
 * @example
 * ```ts
 * import { IndexedDBCheckpointStore, type WebLockManager } from 'rivulet';
 * const locks: WebLockManager = navigator.locks;
 * const store = new IndexedDBCheckpointStore('my-app', { locks });
 * ```
 */
export interface WebLockManager {
  request(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<void> | void): Promise<unknown>;
  query?(): Promise<{ held?: { name?: string; clientId?: string }[] }>;
}

/**
 * Options of `new IndexedDBCheckpointStore(name, options)`, the browser's checkpoint store (Spark
 * has none: its checkpoint directory is on a file system).
 *
 * @example
 * ```ts
 * import { IndexedDBCheckpointStore, type IndexedDBCheckpointStoreOptions } from 'rivulet';
 * const options: IndexedDBCheckpointStoreOptions = { indexedDB: globalThis.indexedDB };
 * const store = new IndexedDBCheckpointStore('my-app', options);
 * ```
 */
export interface IndexedDBCheckpointStoreOptions {
  /**
   * The IndexedDB factory to open the database with; by default `globalThis.indexedDB`. Its
   * objects must be instances of the global IDB classes, since `idb` checks them with instanceof:
   * in Node tests, `import 'fake-indexeddb/auto'` and pass `new IDBFactory()` from fake-indexeddb
   * for a fresh, private set of databases.
   */
  indexedDB?: IndexedDBFactory;
  /**
   * The Web Locks API lock() uses; by default `globalThis.navigator.locks`. Where there is none
   * (Node, with fake-indexeddb), lock() holds no lock: nothing keeps a second context out.
   */
  locks?: WebLockManager;
}

/**
 * An IndexedDB factory (the DOM's `IDBFactory`, e.g. `globalThis.indexedDB`), described by the
 * one method the store's type needs, so that the package's declarations type-check in a Node
 * project without the DOM library. Spark has no counterpart: it never runs in a browser (its
 * nearest analogue is the Hadoop `FileSystem` a checkpoint directory is opened with).
 *
 * @example
 * ```ts
 * import { IDBFactory } from 'fake-indexeddb';
 * import { IndexedDBCheckpointStore, type IndexedDBFactory } from 'rivulet';
 * const factory: IndexedDBFactory = new IDBFactory();
 * const store = new IndexedDBCheckpointStore('test-db', { indexedDB: factory });
 * ```
 */
export interface IndexedDBFactory {
  open(name: string, version?: number): unknown;
}

/**
 * A CheckpointStore in the IndexedDB database `dbName` (created on first use). Spark has no
 * counterpart: it does not run in browsers; the closest is its checkpoint directory
 * (`ssc.checkpoint(dir)`), which this store replaces there.
 *
 * @example
 * ```ts
 * import { IndexedDBCheckpointStore } from 'rivulet';
 * const store = new IndexedDBCheckpointStore('my-app');
 * ssc.checkpoint(store);
 * ```
 */
export class IndexedDBCheckpointStore implements CheckpointStore {
  readonly location: string;
  private readonly factory: IDBFactory | undefined;
  private connection: Promise<IDBPDatabase<CheckpointDB>> | undefined;
  private readonly lifecycle = new StoreLifecycle(() => this.location);
  private readonly locks: WebLockManager | undefined;
  /** Locks taken with lock() and not yet released: close() releases them. */
  private readonly heldLocks = new Set<CheckpointLock>();

  constructor(
    readonly dbName: string,
    options: IndexedDBCheckpointStoreOptions = {},
  ) {
    if (typeof dbName !== 'string' || dbName === '') throw new InvalidArgumentError(`IndexedDBCheckpointStore: expected a database name, got ${JSON.stringify(dbName) ?? String(dbName)}`);
    this.factory = options.indexedDB as IDBFactory | undefined;
    this.locks = options.locks;
    this.location = `IndexedDB database ${JSON.stringify(dbName)}`;
  }

  write(checkpoint: Checkpoint): Promise<void> {
    return this.lifecycle.track(async () => {
      this.lifecycle.requireOpen('write');
      const bytes = encodeCheckpoint(checkpoint);
      const db = await this.db();
      try {
        const tx = db.transaction(CHECKPOINT_OBJECT_STORE, 'readwrite', { durability: 'strict' });
        await Promise.all([tx.store.put(bytes, checkpoint.time), tx.done]);
      } catch (e) {
        const quota = (e as { name?: unknown })?.name === 'QuotaExceededError' ? ' The origin is out of storage quota: prune older checkpoints or free space.' : '';
        throw new CheckpointStoreError(`Could not write the checkpoint at time ${checkpoint.time} to ${this.location}: ${describe(e)}.${quota}`, { cause: e });
      }
    });
  }

  async list(): Promise<number[]> {
    this.lifecycle.requireOpen('list');
    const keys = await (await this.db()).getAllKeys(CHECKPOINT_OBJECT_STORE);
    return keys.filter((k) => typeof k === 'number' && Number.isSafeInteger(k) && k >= 0).sort((a, b) => b - a);
  }

  async read(time: number): Promise<Checkpoint> {
    requireCheckpointTime(time, 'read(time)');
    this.lifecycle.requireOpen('read');
    const value: unknown = await (await this.db()).get(CHECKPOINT_OBJECT_STORE, time);
    if (value === undefined) throw new CheckpointNotFoundError(this.location, time);
    const source = `${time} in ${this.location}`;
    let bytes: Uint8Array;
    if (value instanceof Uint8Array) bytes = value;
    else if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
    else if (ArrayBuffer.isView(value)) bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    else throw new CorruptCheckpointError(source, `it holds ${kindOf(value)} instead of checkpoint bytes (a Uint8Array)`, time);
    return decodeCheckpoint(bytes, source, time);
  }

  delete(time: number): Promise<void> {
    return this.lifecycle.track(async () => {
      requireCheckpointTime(time, 'delete(time)');
      this.lifecycle.requireOpen('delete');
      const tx = (await this.db()).transaction(CHECKPOINT_OBJECT_STORE, 'readwrite', { durability: 'strict' });
      await Promise.all([tx.store.delete(time), tx.done]);
    });
  }

  prune(keepLast: number): Promise<number[]> {
    return this.lifecycle.track(async () => {
      requireKeepLast(keepLast);
      this.lifecycle.requireOpen('prune');
      // One transaction: listing and deleting see the same checkpoints.
      const tx = (await this.db()).transaction(CHECKPOINT_OBJECT_STORE, 'readwrite', { durability: 'strict' });
      const keys = await tx.store.getAllKeys();
      const doomed = keys
        .filter((k) => typeof k === 'number')
        .sort((a, b) => b - a)
        .slice(keepLast);
      await Promise.all([...doomed.map((k) => tx.store.delete(k)), tx.done]);
      return doomed;
    });
  }

  /**
   * The write-ahead log: the same kind of store in the database `<dbName>-wal` (opened with the
   * same factory), so a log record and a checkpoint never share a transaction or a key space.
   */
  writeAheadLog(): IndexedDBCheckpointStore {
    return new IndexedDBCheckpointStore(`${this.dbName}-wal`, this.factory ? { indexedDB: this.factory } : {});
  }

  /**
   * Take the Web Lock `rivulet-checkpoint:<dbName>` (ifAvailable: never waits). Rejects with
   * CheckpointLockedError when another tab or worker of this origin holds it, naming its page and
   * since when. The browser releases it when the tab closes; so do release() and close().
   */
  async lock(): Promise<CheckpointLock> {
    this.lifecycle.requireOpen('lock');
    const locks = this.locks ?? (globalThis as { navigator?: { locks?: WebLockManager } }).navigator?.locks;
    if (!locks) return { release: async () => {} };
    const name = `rivulet-checkpoint:${this.dbName}`;
    let giveUp!: () => void;
    const givenUp = new Promise<void>((resolve) => (giveUp = resolve));
    const granted = await new Promise<boolean>((resolve, reject) => {
      locks
        .request(name, { ifAvailable: true }, async (lock) => {
          resolve(lock !== null);
          if (lock !== null) await givenUp;
        })
        .catch(reject);
    });
    if (!granted) throw await this.lockedError(locks, name);
    let released: Promise<void> | undefined;
    const handle: CheckpointLock = {
      release: () => {
        released ??= (async () => {
          this.heldLocks.delete(handle);
          giveUp();
        })();
        return released;
      },
    };
    this.heldLocks.add(handle);
    try {
      const clientId = (await locks.query?.())?.held?.find((l) => l.name === name)?.clientId;
      const page = (globalThis as { location?: { href?: string } }).location?.href;
      const record: LockHolderRecord = { since: new Date().toISOString(), ...(page ? { page } : {}), ...(clientId ? { clientId } : {}) };
      const tx = (await this.db()).transaction(CHECKPOINT_OBJECT_STORE, 'readwrite');
      await Promise.all([(tx.store as unknown as { put(value: unknown, key: string): Promise<unknown> }).put(record, LOCK_HOLDER_KEY), tx.done]);
    } catch (e) {
      await handle.release();
      throw e;
    }
    return handle;
  }

  private async lockedError(locks: WebLockManager, name: string): Promise<CheckpointLockedError> {
    let holder: LockHolderRecord | undefined;
    try {
      const clientId = (await locks.query?.())?.held?.find((l) => l.name === name)?.clientId;
      const record = (await (await this.db()).get(CHECKPOINT_OBJECT_STORE, LOCK_HOLDER_KEY as unknown as number)) as unknown as LockHolderRecord | undefined;
      // The record is the holder's only if it names the client that holds the lock now.
      if (record && typeof record === 'object' && clientId !== undefined && record.clientId === clientId) holder = record;
    } catch {
      // Naming the holder is a courtesy: the refusal stands without it.
    }
    const who = holder ? `the tab or worker of page ${holder.page ?? '(unknown)'} since ${holder.since}` : 'another tab or worker of this origin';
    return new CheckpointLockedError(
      this.location,
      holder ? { since: holder.since, ...(holder.page ? { page: holder.page } : {}) } : {},
      `The checkpoints in ${this.location} are in use by ${who} (Web Lock ${JSON.stringify(name)}). One tab runs a pipeline on a checkpoint database at a time: ` +
        "two would process the same input twice and write over each other's checkpoints. Close that tab or stop its context (ssc.stop()) — the browser releases the lock of a closed tab — or give this one a database of its own.",
    );
  }

  /** Also releases the locks taken with lock(). */
  async close(): Promise<void> {
    await this.lifecycle.close();
    await Promise.all([...this.heldLocks].map((l) => l.release()));
    const connection = this.connection;
    this.connection = undefined;
    if (connection) (await connection.catch(() => undefined))?.close();
  }

  private db(): Promise<IDBPDatabase<CheckpointDB>> {
    if (!this.connection) {
      const opening: Promise<IDBPDatabase<CheckpointDB>> = this.open().then((db) => {
        const forget = () => {
          if (this.connection === opening) this.connection = undefined;
        };
        // Another tab upgrading or deleting the database: let it, and reopen on the next call.
        db.addEventListener('versionchange', () => {
          db.close();
          forget();
        });
        db.addEventListener('close', forget);
        return db;
      });
      this.connection = opening;
      // A failed open is retried by the next call rather than cached.
      opening.catch(() => {
        if (this.connection === opening) this.connection = undefined;
      });
    }
    return this.connection;
  }

  private async open(): Promise<IDBPDatabase<CheckpointDB>> {
    const factory = this.factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!factory || typeof (globalThis as { IDBRequest?: unknown }).IDBRequest !== 'function') {
      throw new PlatformUnsupportedError(
        `${this.location}: this environment has no IndexedDB (globalThis.${factory ? 'IDBRequest' : 'indexedDB'} is undefined). In Node keep checkpoints in a directory (openCheckpointStore("path")); in Node tests, import 'fake-indexeddb/auto' first.`,
      );
    }
    // Loaded here, not at the top: idb's module has side effects, so a static import would keep it
    // in every page bundle that imports the engine, IndexedDB checkpoints or not. Before open(),
    // so that wrap() listens to the request before it can succeed.
    const { wrap } = await import('idb');
    const request = factory.open(this.dbName, CHECKPOINT_DB_VERSION);
    if (!((request as unknown) instanceof IDBRequest)) {
      request.onsuccess = () => request.result.close();
      throw new InvalidArgumentError(
        `${this.location}: the indexedDB factory given is not the implementation of the global IDB classes, which idb needs; pass a factory of the same implementation (after import 'fake-indexeddb/auto', new IDBFactory() from fake-indexeddb)`,
      );
    }
    request.addEventListener('upgradeneeded', () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(CHECKPOINT_OBJECT_STORE)) db.createObjectStore(CHECKPOINT_OBJECT_STORE);
    });
    let db: IDBPDatabase<CheckpointDB>;
    try {
      db = (await wrap(request)) as unknown as IDBPDatabase<CheckpointDB>;
    } catch (e) {
      const newer = (e as { name?: unknown })?.name === 'VersionError' ? ' It was created by a newer Rivulet.' : '';
      throw new CheckpointStoreError(`Could not open ${this.location}: ${describe(e)}.${newer}`, { cause: e });
    }
    return db;
  }
}

function describe(e: unknown): string {
  return e instanceof Error || (typeof DOMException !== 'undefined' && e instanceof DOMException) ? `${(e as Error).name}: ${(e as Error).message}` : String(e);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
  const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
}
