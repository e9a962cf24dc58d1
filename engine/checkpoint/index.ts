/**
 * Checkpoint storage: the store contract, the shared format, the stores, recovery's choice of
 * checkpoint, and the inspector. Safe to import in a browser: FileSystemCheckpointStore comes
 * through `#checkpoint-fs`, whose browser variant only throws.
 */
export type { Checkpoint, CheckpointStore, CheckpointLock } from './CheckpointStore.ts';
export { encodeCheckpoint, decodeCheckpoint, CHECKPOINT_FORMAT_VERSION, CHECKPOINT_MAGIC } from './codec.ts';
export { CorruptCheckpointError, CheckpointNotFoundError, NoGoodCheckpointError, CheckpointEncodeError, CheckpointLockedError, type CheckpointLockHolder } from './errors.ts';
export { FileSystemCheckpointStore } from '#checkpoint-fs';
export type { FileSystemCheckpointStoreOptions } from './fs.ts';
export { IndexedDBCheckpointStore, type IndexedDBCheckpointStoreOptions, type IndexedDBFactory, type WebLockManager } from './indexedDB.ts';
export { openCheckpointStore } from './open.ts';
export { latestGoodCheckpoint, type CheckpointWarningHandler } from './recover.ts';
export { describeCheckpoint, summarizeCheckpoint, type CheckpointSummary, type OperatorSummary } from './inspect.ts';
