import { PlatformUnsupportedError } from '../util/errors.ts';
/**
 * The browser variant of `#checkpoint-fs` (package.json "imports", `default` condition): a
 * browser has no directories to write to, so constructing a FileSystemCheckpointStore — or
 * calling openCheckpointStore with a path — says what to use instead. No `node:` module here.
 */
import type { FileSystemCheckpointStore as NodeFileSystemCheckpointStore } from './fs.ts';

/** Throws: a directory path needs Node. */
export const FileSystemCheckpointStore = class FileSystemCheckpointStore {
  constructor(directory: string) {
    throw new PlatformUnsupportedError(
      `Checkpoint directory ${JSON.stringify(directory)}: a directory path needs Node; in a browser pass new IndexedDBCheckpointStore(name) to keep checkpoints in IndexedDB.`,
    );
  }
} as unknown as typeof NodeFileSystemCheckpointStore;

/** A browser page has no main module: its application is identified by StreamingContextOptions.appName only. */
export function applicationModule(): string | undefined {
  return undefined;
}
