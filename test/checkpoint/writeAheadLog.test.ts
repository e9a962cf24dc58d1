import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSystemCheckpointStore } from '../../engine/checkpoint/fs.ts';
import { IndexedDBCheckpointStore } from '../../engine/checkpoint/indexedDB.ts';
import { checkpointAt } from './storeContract.ts';

// The write-ahead log each store offers beside itself (CheckpointStore.writeAheadLog).

const directories: string[] = [];
function tempDirectory(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-wal-'));
  directories.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of directories.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('FileSystemCheckpointStore.writeAheadLog()', () => {
  test('wal-<time>.rvck files in the same directory; neither store lists the other one\'s files', async () => {
    const dir = tempDirectory();
    const store = new FileSystemCheckpointStore(dir);
    const log = store.writeAheadLog();
    await store.write(checkpointAt(1000));
    await log.write(checkpointAt(1000, { extra: 'log' }));
    await log.write(checkpointAt(2000));
    expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint-1000.rvck', 'wal-1000.rvck', 'wal-2000.rvck']);
    expect(await store.list()).toEqual([1000]);
    expect(await log.list()).toEqual([2000, 1000]);
    expect((await log.read(1000)).data.extra).toBe('log');
    expect((await store.read(1000)).data.extra).toBeUndefined();
    expect(log.location).toBe(`${path.resolve(dir)} (wal-*.rvck)`);
    await log.delete(1000);
    expect(await store.list()).toEqual([1000]);
    await Promise.all([store.close(), log.close()]);
  });

  test('prune removes only its own leftover temporary files', async () => {
    const dir = tempDirectory();
    const store = new FileSystemCheckpointStore(dir);
    const log = store.writeAheadLog();
    fs.writeFileSync(path.join(dir, '.wal-3000.rvck.tmp-1-aaaa'), 'half');
    fs.writeFileSync(path.join(dir, '.checkpoint-3000.rvck.tmp-1-bbbb'), 'half');
    await log.prune(1);
    expect(fs.readdirSync(dir)).toEqual(['.checkpoint-3000.rvck.tmp-1-bbbb']);
    await store.prune(1);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a file prefix must be a plain name', () => {
    expect(() => new FileSystemCheckpointStore('x', { filePrefix: '../evil' })).toThrow(/filePrefix must be letters, digits/);
    expect(() => new FileSystemCheckpointStore('x', { filePrefix: '' })).toThrow(/filePrefix/);
  });
});

describe('IndexedDBCheckpointStore.writeAheadLog()', () => {
  test('the database <name>-wal, through the same factory; the two key spaces are separate', async () => {
    const factory = new IDBFactory();
    const store = new IndexedDBCheckpointStore('app', { indexedDB: factory });
    const log = store.writeAheadLog();
    expect(log.dbName).toBe('app-wal');
    await store.write(checkpointAt(1000));
    await log.write(checkpointAt(1000, { extra: 'log' }));
    await log.write(checkpointAt(2000));
    expect(await store.list()).toEqual([1000]);
    expect(await log.list()).toEqual([2000, 1000]);
    expect((await log.read(1000)).data.extra).toBe('log');
    const names = (await factory.databases()).map((d) => d.name).sort();
    expect(names).toEqual(['app', 'app-wal']);
    await Promise.all([store.close(), log.close()]);
  });
});
