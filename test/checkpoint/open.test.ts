import { describe, expect, test } from 'vitest';
import * as path from 'node:path';
import { FileSystemCheckpointStore } from '#checkpoint-fs';
import { FileSystemCheckpointStore as NodeStore } from '../../engine/checkpoint/fs.ts';
import { FileSystemCheckpointStore as BrowserStore } from '../../engine/checkpoint/fs.browser.ts';
import { IndexedDBCheckpointStore } from '../../engine/checkpoint/indexedDB.ts';
import { openCheckpointStore } from '../../engine/checkpoint/open.ts';
import type { CheckpointStore } from '../../engine/checkpoint/CheckpointStore.ts';

describe('openCheckpointStore in Node', () => {
  test('#checkpoint-fs resolves to the Node store under vitest (the node condition)', () => {
    expect(FileSystemCheckpointStore).toBe(NodeStore);
  });

  test('a directory path gives a FileSystemCheckpointStore there', () => {
    const store = openCheckpointStore('some/dir');
    expect(store).toBeInstanceOf(NodeStore);
    expect(store.location).toBe(path.resolve('some/dir'));
  });

  test('a store is used as it is', () => {
    const store = new IndexedDBCheckpointStore('app');
    expect(openCheckpointStore(store)).toBe(store);
    const custom: CheckpointStore = {
      location: 'memory',
      write: async () => {},
      list: async () => [],
      read: async () => ({ time: 0, metadata: {}, data: {} }),
      delete: async () => {},
      prune: async () => [],
      close: async () => {},
    };
    expect(openCheckpointStore(custom)).toBe(custom);
  });

  test('anything else says what it expected', () => {
    expect(() => openCheckpointStore({ write() {}, list() {} } as unknown as CheckpointStore)).toThrow(
      /openCheckpointStore: the object given is not a CheckpointStore: it has no read, delete, prune, close methods/,
    );
    expect(() => openCheckpointStore(42 as unknown as string)).toThrow(/expected a directory path \(Node\) or a CheckpointStore such as new IndexedDBCheckpointStore\(name\), got number/);
  });
});

describe('the browser variant of #checkpoint-fs', () => {
  test('a directory path needs Node, and the error says what to pass instead', () => {
    expect(() => new BrowserStore('/var/ckpt')).toThrow(
      'Checkpoint directory "/var/ckpt": a directory path needs Node; in a browser pass new IndexedDBCheckpointStore(name) to keep checkpoints in IndexedDB.',
    );
  });
});

describe('IndexedDBCheckpointStore where there is no IndexedDB (Node without fake-indexeddb)', () => {
  test('says so on first use, and what to do instead', async () => {
    const g = globalThis as { indexedDB?: unknown };
    const saved = g.indexedDB;
    delete g.indexedDB;
    try {
      const store = new IndexedDBCheckpointStore('app');
      await expect(store.list()).rejects.toThrow(
        `IndexedDB database "app": this environment has no IndexedDB (globalThis.indexedDB is undefined). In Node keep checkpoints in a directory (openCheckpointStore("path")); in Node tests, import 'fake-indexeddb/auto' first.`,
      );
    } finally {
      if (saved !== undefined) g.indexedDB = saved;
    }
  });
});
