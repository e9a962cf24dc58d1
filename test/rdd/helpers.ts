import { RDDContext, compareKeys, type RDD } from '../../engine/rdd/index.ts';

/** A fresh context per test, so RDD ids and map outputs never leak between tests. */
export function newContext(): RDDContext {
  return new RDDContext({ defaultParallelism: 2 });
}

/** The RDD's records partition by partition. */
export function partitionsOf<T>(rdd: RDD<T>): Promise<T[][]> {
  return rdd.glom().collect();
}

/** Records in Rivulet's natural key order, for results whose order a shuffle does not fix. */
export function sorted<T>(records: readonly T[]): T[] {
  return [...records].sort(compareKeys);
}

/** The error a promise (or a synchronous call) fails with; fails the test if there is none. */
export async function failure(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure, but it succeeded');
}

/** `file:line` of the caller, to compare with the call site an error or lineage names. */
export function here(): string {
  const frame = new Error().stack!.split('\n')[2]!;
  const m = /([^/\\(\s]+\.ts):(\d+):\d+\)?\s*$/.exec(frame)!;
  return `${m[1]}:${m[2]}`;
}

declare global {
  // eslint-disable-next-line no-var
  var rivuletTestSeen: unknown[] | undefined;
}

/**
 * A side channel the tests read to see what ran: shipped functions may read globals (not the
 * test's variables, and captures are cloned), so they push to globalThis.rivuletTestSeen.
 * Reset on each call.
 */
export function seen(): unknown[] {
  globalThis.rivuletTestSeen = [];
  return globalThis.rivuletTestSeen;
}
