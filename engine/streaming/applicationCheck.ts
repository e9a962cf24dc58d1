/**
 * Recovery's check that a checkpoint is this application's (see application.ts). Loaded with
 * recovery.ts, not with every page: a context that never resumes does not need it.
 */
import type { ApplicationIdentity } from './application.ts';
import { ApplicationMismatchError, describeApplication } from './ApplicationMismatchError.ts';

/**
 * Refuse a checkpoint of another application (ApplicationMismatchError), unless `allowOther`.
 * The names decide when both have one (an application may move its main module); otherwise the
 * main modules, when both have one (an application may be given a name); otherwise nothing can
 * tell them apart, and the checkpoint is accepted. A checkpoint without an identity (an older
 * Rivulet's) is accepted with a warning.
 */
export function checkApplication(saved: unknown, current: ApplicationIdentity, description: string, allowOther: boolean, warn: (message: string) => void): void {
  if (saved === undefined) {
    warn(
      `The checkpoint ${description} does not say which application wrote it (an older Rivulet wrote it): it is restored without that check. ` +
        `The checkpoints written from now on record this one, ${describeApplication(current)}.`,
    );
    return;
  }
  const checkpointed = readIdentity(saved);
  const differs =
    checkpointed.name !== undefined && current.name !== undefined
      ? checkpointed.name !== current.name
      : checkpointed.module !== undefined && current.module !== undefined && checkpointed.module !== current.module;
  if (!differs) return;
  if (!allowOther) throw new ApplicationMismatchError(description, checkpointed, current);
  warn(
    `The checkpoint ${description} was written by another application, ${describeApplication(checkpointed)}; it is restored into this one, ${describeApplication(current)}, as allowOtherApplication asks. ` +
      "The checkpoints written from now on carry this application's identity.",
  );
}

function readIdentity(saved: unknown): ApplicationIdentity {
  const s = (typeof saved === 'object' && saved !== null ? saved : {}) as Record<string, unknown>;
  return { ...(typeof s.name === 'string' ? { name: s.name } : {}), ...(typeof s.module === 'string' ? { module: s.module } : {}) };
}
