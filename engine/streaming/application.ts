/**
 * Which application wrote a checkpoint (issue 13): a checkpoint restored into another application
 * with the same graph shape would mix their states in silence. Each checkpoint's metadata
 * records the writer's identity; recovery compares it with the context's (applicationCheck.ts,
 * loaded with recovery).
 */
import { applicationModule } from '#checkpoint-fs';

/**
 * Who wrote a checkpoint: the name the application gave its context
 * (StreamingContextOptions.appName), and its main module in Node (`<package>:<path>`, e.g.
 * `billing:jobs/clicks`; none in a browser, a REPL, or under a test runner). Spark: the
 * application's name it records in every checkpoint (`Checkpoint.framework`, `spark.app.name`).
 *
 * @example
 * ```ts
 * import type { ApplicationIdentity, CheckpointMetadata } from 'rivulet';
 * const writer = (m: CheckpointMetadata): ApplicationIdentity | undefined => m.application;
 * ```
 */
export interface ApplicationIdentity {
  name?: string;
  module?: string;
}

/** This context's identity. */
export function applicationIdentity(appName: string | undefined): ApplicationIdentity {
  const module = applicationModule();
  return { ...(appName !== undefined ? { name: appName } : {}), ...(module !== undefined ? { module } : {}) };
}
