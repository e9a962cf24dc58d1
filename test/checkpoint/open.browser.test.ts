import { expect, test, vi } from 'vitest';
import { openCheckpointStore } from '../../engine/checkpoint/open.ts';

// What a browser bundle resolves `#checkpoint-fs` to (the `default` condition).
vi.mock('#checkpoint-fs', () => import('../../engine/checkpoint/fs.browser.ts'));

test('in a browser, openCheckpointStore with a directory path says to pass an IndexedDBCheckpointStore', () => {
  expect(() => openCheckpointStore('checkpoints')).toThrow(/a directory path needs Node; in a browser pass new IndexedDBCheckpointStore\(name\)/);
});
