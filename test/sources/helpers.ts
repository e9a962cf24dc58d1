import type { DStream } from '../../engine/dstream/DStream.ts';

/** Every batch's records, in batch order, collected through foreachRDD. */
export function collectBatches<T>(stream: DStream<T>): { time: number; records: T[] }[] {
  const batches: { time: number; records: T[] }[] = [];
  stream.foreachRDD(async (rdd, time) => {
    batches.push({ time, records: await rdd.collect() });
  });
  return batches;
}

/** All records of all batches so far, in arrival order (batch cut points depend on wall time). */
export function union<T>(batches: { records: T[] }[]): T[] {
  return batches.flatMap((b) => b.records);
}

/**
 * Resolve once `condition` holds, polling every 10 ms. `timeoutMs` only bounds a genuine hang
 * (below the test's own timeout, so the error says what was awaited): a loaded machine may take
 * long, and the condition ends the wait.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
