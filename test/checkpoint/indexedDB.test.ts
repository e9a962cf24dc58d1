import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { wrap, type IDBPDatabase } from 'idb';
import { describe, expect, test, vi } from 'vitest';
import { CHECKPOINT_OBJECT_STORE, IndexedDBCheckpointStore } from '../../engine/checkpoint/indexedDB.ts';
import { CorruptCheckpointError } from '../../engine/checkpoint/errors.ts';
import { checkpointAt, describeStoreContract } from './storeContract.ts';

/** Each store gets a factory of its own: a fresh, private set of databases. */
const factories = new WeakMap<IndexedDBCheckpointStore, IDBFactory>();
let n = 0;
function newStore(factory = new IDBFactory(), name = `checkpoints-${n++}`): IndexedDBCheckpointStore {
  const store = new IndexedDBCheckpointStore(name, { indexedDB: factory });
  factories.set(store, factory);
  return store;
}

/** A raw connection, to see and damage what the store wrote. */
async function raw<T>(store: IndexedDBCheckpointStore, body: (db: IDBPDatabase) => Promise<T>): Promise<T> {
  const db = (await wrap(factories.get(store)!.open(store.dbName))) as unknown as IDBPDatabase;
  try {
    return await body(db);
  } finally {
    db.close();
  }
}

describeStoreContract('IndexedDBCheckpointStore', {
  open: async () => newStore(),
  reopen: async (store) => newStore(factories.get(store), store.dbName),
  rawBytes: (store, time) => raw(store, async (db) => (await db.get(CHECKPOINT_OBJECT_STORE, time)) as Uint8Array),
  putRawBytes: (store, time, bytes) => raw(store, async (db) => void (await db.put(CHECKPOINT_OBJECT_STORE, bytes, time))),
  sourceOf: (store, time) => `${time} in IndexedDB database "${store.dbName}"`,
});

describe('IndexedDBCheckpointStore in IndexedDB', () => {
  test('one record per checkpoint, keyed by time, holding the codec bytes', async () => {
    const store = newStore();
    await store.write(checkpointAt(1000));
    const value = await raw(store, (db) => db.get(CHECKPOINT_OBJECT_STORE, 1000));
    expect(value).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(value as Uint8Array).split('\n')[0]).toMatch(/^RVCK 1 \d+ [0-9a-f]{8}$/);
    await store.close();
  });

  test('a write resolves only after its transaction has committed, and asks for strict durability', async () => {
    const store = newStore();
    const events: string[] = [];
    const transaction = IDBDatabase.prototype.transaction;
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      const tx = transaction.apply(this, args);
      if (args[1] === 'readwrite') {
        events.push(`begin ${JSON.stringify(args[2])}`);
        tx.addEventListener('complete', () => events.push('complete'));
      }
      return tx;
    });
    try {
      await store.write(checkpointAt(1000));
      events.push('write resolved');
    } finally {
      spy.mockRestore();
    }
    expect(events).toEqual(['begin {"durability":"strict"}', 'complete', 'write resolved']);
    expect(await raw(store, (db) => db.getAllKeys(CHECKPOINT_OBJECT_STORE))).toEqual([1000]);
    await store.close();
  });

  test('a record that is not bytes is reported as corrupt', async () => {
    const store = newStore();
    await store.write(checkpointAt(1000));
    await raw(store, (db) => db.put(CHECKPOINT_OBJECT_STORE, { time: 1000 }, 1000));
    await expect(store.read(1000)).rejects.toThrow(CorruptCheckpointError);
    await expect(store.read(1000)).rejects.toThrow(`Checkpoint 1000 in IndexedDB database "${store.dbName}" is corrupt: it holds an Object instead of checkpoint bytes (a Uint8Array)`);
    await store.close();
  });

  test('another tab deleting the database is not blocked; the store reopens it, empty', async () => {
    const store = newStore();
    await store.write(checkpointAt(1000));
    await wrap(factories.get(store)!.deleteDatabase(store.dbName));
    expect(await store.list()).toEqual([]);
    await store.write(checkpointAt(2000));
    expect(await store.list()).toEqual([2000]);
    await store.close();
  });

  test('the global indexedDB is the default factory', async () => {
    const store = new IndexedDBCheckpointStore(`global-${n++}`);
    await store.write(checkpointAt(1000));
    expect(await store.read(1000)).toEqual(checkpointAt(1000));
    await store.close();
  });
});
