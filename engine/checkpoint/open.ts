import { InvalidArgumentError } from '../util/errors.ts';
/**
 * openCheckpointStore: what the engine calls with the user's checkpoint setting (Spark's
 * `ssc.checkpoint(directory)`), which may be a directory path or a store object.
 */
import { FileSystemCheckpointStore } from '#checkpoint-fs';
import type { CheckpointStore } from './CheckpointStore.ts';

const METHODS = ['write', 'list', 'read', 'delete', 'prune', 'close'] as const;

/**
 * A directory path → a FileSystemCheckpointStore there (Node; in a browser it throws "a
 * directory path needs Node; in a browser pass new IndexedDBCheckpointStore(name)"). An object
 * implementing CheckpointStore → that object. Spark: the directory argument of
 * `StreamingContext.checkpoint(directory)`, which Spark resolves to a Hadoop `FileSystem` path.
 *
 * @example
 * ```ts
 * import { IndexedDBCheckpointStore, openCheckpointStore } from 'rivulet';
 * const onDisk = openCheckpointStore('/var/lib/my-app/ckpt'); // Node
 * const inBrowser = openCheckpointStore(new IndexedDBCheckpointStore('my-app'));
 * ```
 */
export function openCheckpointStore(storeOrDirectory: string | CheckpointStore): CheckpointStore {
  if (typeof storeOrDirectory === 'string') return new FileSystemCheckpointStore(storeOrDirectory);
  if (typeof storeOrDirectory === 'object' && storeOrDirectory !== null) {
    const missing = METHODS.filter((m) => typeof (storeOrDirectory as unknown as Record<string, unknown>)[m] !== 'function');
    if (missing.length === 0) return storeOrDirectory;
    throw new InvalidArgumentError(`openCheckpointStore: the object given is not a CheckpointStore: it has no ${missing.join(', ')} method${missing.length === 1 ? '' : 's'}`);
  }
  throw new InvalidArgumentError(
    `openCheckpointStore: expected a directory path (Node) or a CheckpointStore such as new IndexedDBCheckpointStore(name), got ${storeOrDirectory === null ? 'null' : typeof storeOrDirectory}`,
  );
}
