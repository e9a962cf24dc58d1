import { RivuletError } from '../util/errors.ts';
/**
 * The pipeline rebuilt by createContext does not match the checkpoint: a stateful operator or an
 * input the checkpoint holds is missing or changed. `problems` lists each one.
 *
 * Spark has no counterpart: Spark restores the Java-serialized DStream graph and simply fails to
 * deserialize it (e.g. `ClassNotFoundException`) after a code change, without naming operators.
 *
 * @example
 * ```ts
 * import { StreamingContext, CheckpointMismatchError } from 'rivulet';
 * try { ssc = await StreamingContext.getOrCreate('ckpt', createContext); }
 * catch (e) { if (e instanceof CheckpointMismatchError) console.error(e.problems); else throw e; }
 * ```
 */
export class CheckpointMismatchError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_CHECKPOINT_MISMATCH';
  }
  override name = 'CheckpointMismatchError';
  constructor(
    readonly checkpoint: string,
    readonly problems: readonly string[],
    checkpointed: readonly string[],
    current: readonly string[],
  ) {
    super(
      `The checkpoint ${checkpoint} does not match this pipeline, so its state cannot be restored:\n` +
        problems.map((p) => `  - ${p}\n`).join('') +
        `Stateful operators in the checkpoint: ${checkpointed.length ? checkpointed.join(', ') : '(none)'}\n` +
        `Stateful operators in this pipeline: ${current.length ? current.join(', ') : '(none)'}\n` +
        'An unnamed operator is identified by the inputs and stateful operators upstream of it, its operation and its position ' +
        "among unnamed siblings; .name('...') fixes its id whatever changes around it. To restore a checkpointed state into an " +
        "operator, give the operator that id with .name('<id>'). To start over instead, use an empty checkpoint location.",
    );
  }
}
