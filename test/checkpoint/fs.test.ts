import { afterEach, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSystemCheckpointStore } from '../../engine/checkpoint/fs.ts';
import { latestGoodCheckpoint } from '../../engine/checkpoint/recover.ts';
import { checkpointAt, describeStoreContract } from './storeContract.ts';

const directories: string[] = [];
function tempDirectory(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-checkpoint-'));
  directories.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of directories.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('FileSystemCheckpointStore', {
  open: async () => new FileSystemCheckpointStore(tempDirectory()),
  reopen: async (store) => new FileSystemCheckpointStore(store.directory),
  rawBytes: async (store, time) => fs.readFileSync(store.fileOf(time)),
  putRawBytes: async (store, time, bytes) => fs.writeFileSync(store.fileOf(time), bytes),
  sourceOf: (store, time) => store.fileOf(time),
});

describe('FileSystemCheckpointStore on disk', () => {
  test('one file per checkpoint, checkpoint-<time>.rvck, whose first line is the readable header', async () => {
    const dir = tempDirectory();
    const store = new FileSystemCheckpointStore(dir);
    await store.write(checkpointAt(1000));
    await store.write(checkpointAt(20_000));
    expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint-1000.rvck', 'checkpoint-20000.rvck']);
    expect(fs.readFileSync(path.join(dir, 'checkpoint-1000.rvck'), 'utf8').split('\n')[0]).toMatch(/^RVCK 1 \d+ [0-9a-f]{8}$/);
    await store.close();
  });

  test('creates its directory, with missing parents, on the first write; lists nothing before', async () => {
    const dir = path.join(tempDirectory(), 'a', 'b', 'checkpoints');
    const store = new FileSystemCheckpointStore(dir);
    expect(await store.list()).toEqual([]);
    await store.write(checkpointAt(1000));
    expect(fs.existsSync(path.join(dir, 'checkpoint-1000.rvck'))).toBe(true);
    await store.close();
  });

  test('leaves no temporary file behind after a write', async () => {
    const dir = tempDirectory();
    const store = new FileSystemCheckpointStore(dir);
    await Promise.all([1000, 2000, 3000, 3000].map((t) => store.write(checkpointAt(t))));
    expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint-1000.rvck', 'checkpoint-2000.rvck', 'checkpoint-3000.rvck']);
    await store.close();
  });

  test('a temporary file left by a crash mid-write is ignored by list and recovery, and removed by prune', async () => {
    const dir = tempDirectory();
    const store = new FileSystemCheckpointStore(dir);
    await store.write(checkpointAt(1000));
    const leftover = path.join(dir, '.checkpoint-2000.rvck.tmp-4242-deadbeef');
    fs.writeFileSync(leftover, 'RVCK 1 9999 00000000\n{"time":2000'); // half-written
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a checkpoint');
    fs.writeFileSync(path.join(dir, 'checkpoint-01000.rvck'), 'not canonical');
    expect(await store.list()).toEqual([1000]);
    const warnings: string[] = [];
    expect(await latestGoodCheckpoint(store, (m) => warnings.push(m))).toEqual(checkpointAt(1000));
    expect(warnings).toEqual([]);
    await store.prune(1);
    expect(fs.existsSync(leftover)).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint-01000.rvck', 'checkpoint-1000.rvck', 'notes.txt']);
    await store.close();
  });

  test('a write that cannot happen says which checkpoint and file, and leaves no temporary file', async () => {
    const dir = tempDirectory();
    const blocker = path.join(dir, 'taken');
    fs.writeFileSync(blocker, 'a file where the directory should be');
    const store = new FileSystemCheckpointStore(blocker);
    await expect(store.write(checkpointAt(1000))).rejects.toThrow(`Could not write the checkpoint at time 1000 to ${path.join(blocker, 'checkpoint-1000.rvck')}: `);
    expect(fs.readdirSync(dir)).toEqual(['taken']);
  });

  test('a relative directory is resolved once, so the store does not move with the working directory', () => {
    const store = new FileSystemCheckpointStore('ckpt');
    expect(store.directory).toBe(path.resolve('ckpt'));
    expect(store.location).toBe(store.directory);
    expect(() => new FileSystemCheckpointStore('')).toThrow(/expected a directory path, got an empty string/);
  });
});

describe('FileSystemCheckpointStore: something else in the way', () => {
  test('a directory named like a checkpoint file: an error naming it, not a bare EISDIR', async () => {
    const dir = tempDirectory();
    fs.mkdirSync(path.join(dir, 'checkpoint-1000.rvck'));
    const store = new FileSystemCheckpointStore(dir);
    expect(await store.list()).toEqual([1000]);
    await expect(store.read(1000)).rejects.toThrow(
      `${path.join(dir, 'checkpoint-1000.rvck')} is a directory, not a checkpoint file; the checkpoint location ${dir} must hold only the files Rivulet writes there. Move that directory away. (EISDIR)`,
    );
    await expect(store.write(checkpointAt(1000))).rejects.toThrow(/^Could not write the checkpoint at time 1000 to .*checkpoint-1000\.rvck: .*checkpoint-1000\.rvck is a directory, not a checkpoint file/);
    await store.close();
  });

  test('a checkpoint location that is a file (or under one): an error saying so, not a bare ENOTDIR', async () => {
    const file = path.join(tempDirectory(), 'not-a-directory');
    fs.writeFileSync(file, 'x');
    for (const location of [file, path.join(file, 'below')]) {
      const store = new FileSystemCheckpointStore(location);
      const expected = `The checkpoint location ${location} is not a directory: it, or a directory above it, is a file. Give checkpoint() or getOrCreate() a directory path.`;
      await expect(store.list()).rejects.toThrow(expected);
      await expect(store.read(1000)).rejects.toThrow(expected);
      await expect(store.write(checkpointAt(1000))).rejects.toThrow(expected);
      await expect(store.lock()).rejects.toThrow(expected);
      await store.close();
    }
  });
});
