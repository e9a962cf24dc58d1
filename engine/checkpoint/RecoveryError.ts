import { RivuletError } from '../util/errors.ts';

// Its own module: the input streams on every page refer to it, and the checkpoint errors in
// errors.ts load only with the checkpoint code.
/**
 * Recovery from a checkpoint cannot go on: the write-ahead log lacks or garbles a batch after the
 * checkpoint, or a checkpoint holds a state this pipeline's operator cannot take. The message
 * names the checkpoint, the batch or operator, and what to do; nothing is resumed from a wrong state.
 *
 * Spark: the `SparkException` "Failed to read checkpoint" and the exceptions of
 * `ReceivedBlockTracker` recovering its write-ahead log.
 *
 * @example
 * ```ts
 * import { RecoveryError, StreamingContext } from 'rivulet';
 * try { await StreamingContext.getOrCreate('ckpt', createContext); }
 * catch (e) { if (e instanceof RecoveryError) console.error(e.message); else throw e; }
 * ```
 */
export class RecoveryError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_RECOVERY_FAILED';
  }
  override name = 'RecoveryError';
}
