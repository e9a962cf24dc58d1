import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { wrap, type IDBPDatabase } from 'idb';
import { afterEach, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeCheckpoint } from '../../engine/checkpoint/codec.ts';
import { FileSystemCheckpointStore } from '../../engine/checkpoint/fs.ts';
import { CHECKPOINT_OBJECT_STORE, IndexedDBCheckpointStore } from '../../engine/checkpoint/indexedDB.ts';
import { checkpointAt } from './storeContract.ts';

/** Both stores keep the codec's bytes unchanged, so a checkpoint can move between Node and a browser. */
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function stores() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-one-format-'));
  dirs.push(dir);
  const factory = new IDBFactory();
  const raw = async (): Promise<IDBPDatabase> => (await wrap(factory.open('one-format'))) as unknown as IDBPDatabase;
  return { files: new FileSystemCheckpointStore(dir), idb: new IndexedDBCheckpointStore('one-format', { indexedDB: factory }), raw };
}

test('the file and the IndexedDB record of a checkpoint are the same bytes, those of encodeCheckpoint', async () => {
  const { files, idb, raw } = await stores();
  const checkpoint = { ...checkpointAt(4000), createdAt: 1_700_000_000_000 };
  await files.write(checkpoint);
  await idb.write(checkpoint);
  const fileBytes = new Uint8Array(fs.readFileSync(files.fileOf(4000)));
  const db = await raw();
  const record = (await db.get(CHECKPOINT_OBJECT_STORE, 4000)) as Uint8Array;
  db.close();
  expect(record).toEqual(fileBytes);
  expect(fileBytes).toEqual(encodeCheckpoint(checkpoint));
  await Promise.all([files.close(), idb.close()]);
});

test('a checkpoint file copied into IndexedDB reads back, and an IndexedDB record copied to a file too', async () => {
  const { files, idb, raw } = await stores();
  await files.write(checkpointAt(1000));
  await idb.write(checkpointAt(2000));
  const db = await raw();
  await db.put(CHECKPOINT_OBJECT_STORE, new Uint8Array(fs.readFileSync(files.fileOf(1000))), 1000);
  fs.writeFileSync(files.fileOf(2000), (await db.get(CHECKPOINT_OBJECT_STORE, 2000)) as Uint8Array);
  db.close();
  expect(await idb.read(1000)).toEqual(checkpointAt(1000));
  expect(await files.read(2000)).toEqual(checkpointAt(2000));
  expect(await idb.list()).toEqual([2000, 1000]);
  expect(await files.list()).toEqual([2000, 1000]);
  await Promise.all([files.close(), idb.close()]);
});
