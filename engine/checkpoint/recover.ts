/**
 * Choosing the checkpoint to recover from (Spark's CheckpointReader.read, which tries the files
 * newest first and logs a warning for each one it cannot read).
 */
import { consoleLogger } from '../util/logger.ts';
import type { Checkpoint, CheckpointStore } from './CheckpointStore.ts';
import { CheckpointNotFoundError, CorruptCheckpointError, NoGoodCheckpointError } from './errors.ts';

/**
 * Told about each checkpoint skipped: a message saying which and why, and the error. Spark: the
 * `logWarning` that `CheckpointReader.read` writes for each checkpoint file it cannot read.
 *
 * @example
 * ```ts
 * import { latestGoodCheckpoint, type CheckpointWarningHandler } from 'rivulet';
 * const onWarning: CheckpointWarningHandler = (message, error) => console.warn(message, error.name);
 * const checkpoint = await latestGoodCheckpoint(store, onWarning);
 * ```
 */
export type CheckpointWarningHandler = (message: string, error: CorruptCheckpointError | CheckpointNotFoundError) => void;

/**
 * The newest checkpoint in `store` that reads back intact, or undefined when the store has none.
 * A corrupt checkpoint (or one deleted since it was listed) is skipped, and `onWarning` is told
 * which one and what was wrong. When checkpoints exist but none is good, rejects with
 * NoGoodCheckpointError listing each failure — never an empty or older state in silence. Any
 * other error (the disk cannot be read, permissions) rejects as it is: it says nothing about the
 * checkpoint, so falling back to an older one would be wrong.
 * Spark: `CheckpointReader.read(checkpointDir, conf, hadoopConf)`.
 *
 * @example
 * ```ts
 * import { latestGoodCheckpoint, openCheckpointStore } from 'rivulet';
 * const checkpoint = await latestGoodCheckpoint(openCheckpointStore('/var/lib/my-app/ckpt'));
 * if (checkpoint) console.log(`recovering from batch time ${checkpoint.time}`);
 * ```
 */
export async function latestGoodCheckpoint(store: CheckpointStore, onWarning: CheckpointWarningHandler = (message) => consoleLogger.warn(message)): Promise<Checkpoint | undefined> {
  const times = await store.list();
  const failures: Error[] = [];
  for (let i = 0; i < times.length; i++) {
    const time = times[i]!;
    try {
      return await store.read(time);
    } catch (e) {
      if (!(e instanceof CorruptCheckpointError || e instanceof CheckpointNotFoundError)) throw e;
      failures.push(e);
      const next = times[i + 1];
      const fallback = next === undefined ? 'No older checkpoint is left.' : `Falling back to the checkpoint at time ${next}.`;
      onWarning(`Skipping the checkpoint at time ${time}: ${e.message}. ${fallback}`, e);
    }
  }
  if (failures.length > 0) throw new NoGoodCheckpointError(store.location, failures);
  return undefined;
}
