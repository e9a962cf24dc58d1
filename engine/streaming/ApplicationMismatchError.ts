import { RivuletError } from '../util/errors.ts';
import type { ApplicationIdentity } from './application.ts';

/** An application's identity, for messages. */
export function describeApplication(app: ApplicationIdentity): string {
  if (app.name !== undefined) return `"${app.name}" (appName${app.module !== undefined ? `, main module ${app.module}` : ''})`;
  if (app.module !== undefined) return `main module ${app.module} (no appName)`;
  return 'an application with no appName and no main module';
}

/**
 * The checkpoint was written by another application: restoring it would put that application's
 * state (its counts, its sessions, its sources' positions) into this one, even when both
 * pipelines have the same shape. `checkpointed` and `current` are the two identities: the name
 * each context was given (StreamingContextOptions.appName), else its main module. Pass
 * `{ allowOtherApplication: true }` to getOrCreate to restore it all the same (a renamed
 * application, a moved main script); the checkpoints written from then on carry this
 * application's identity.
 *
 * Spark has no counterpart: Spark records the application's name in each checkpoint
 * (`Checkpoint.framework`, from `spark.app.name`) but never compares it, and restores whatever
 * the directory holds.
 *
 * @example
 * ```ts
 * import { ApplicationMismatchError, StreamingContext } from 'rivulet';
 * try { ssc = await StreamingContext.getOrCreate('ckpt', createContext); } catch (e) {
 *   if (e instanceof ApplicationMismatchError) console.error(e.checkpointed, e.current);
 *   throw e;
 * }
 * ```
 */
export class ApplicationMismatchError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_APPLICATION_MISMATCH';
  }
  override name = 'ApplicationMismatchError';
  constructor(
    /** The checkpoint, for messages: `at 5000 ms in /path`. */
    readonly checkpoint: string,
    readonly checkpointed: ApplicationIdentity,
    readonly current: ApplicationIdentity,
  ) {
    super(
      `The checkpoint ${checkpoint} was written by another application, ${describeApplication(checkpointed)}; this one is ${describeApplication(current)}. ` +
        "Restoring it would put that application's state into this one. Give each application a checkpoint location of its own. " +
        'If it is this application under another name or main module, pass { allowOtherApplication: true } to StreamingContext.getOrCreate once: ' +
        "the checkpoints written from then on carry this application's identity.",
    );
  }
}
