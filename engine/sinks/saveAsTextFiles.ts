import { InvalidArgumentError, OutputWriteError } from '../util/errors.ts';
import { platform } from '#platform';
import type { OutputFile } from '../platform/Platform.ts';
import type { RDD } from '../rdd/index.ts';
import { formatRecord } from '../dstream/print.ts';

/**
 * Spark's name for a batch's output: `prefix-<timeMs>`, or `prefix-<timeMs>.suffix` when a
 * suffix is given (DStream's rddToFileName).
 */
export function batchOutputPath(prefix: string, suffix: string | undefined, time: number): string {
  return suffix === undefined || suffix === '' ? `${prefix}-${time}` : `${prefix}-${time}.${suffix}`;
}

/**
 * The output function of `stream.saveAsTextFiles(prefix, suffix)`: every batch is written in
 * Spark's layout, a directory `prefix-<timeMs>[.suffix]` holding one `part-NNNNN` file per
 * partition of the batch's RDD and an empty `_SUCCESS` marker, written last.
 *
 * - One record per line, each followed by `\n`, rendered as `print` renders it (formatRecord):
 *   strings as they are, `[k, v]` pairs as `(k,v)`, other arrays as `[a, b]`, objects as JSON —
 *   what Spark's `toString` gives for the same data. A string containing a newline spans lines.
 * - Atomic: the directory is built under a hidden temporary name next to it (every file
 *   fsynced), then renamed into place, so a reader never sees part of a batch.
 * - Idempotent per batch: writing a batch time again (a batch re-run after a failure) replaces
 *   the directory with the new complete one; Spark Streaming's output is at-least-once, so this
 *   is what makes the saved result exactly-once per batch.
 * - An empty batch still writes its directory, with `_SUCCESS` only, as Spark does.
 *
 * Node only: in a browser this throws when the output is defined, naming foreachRDD instead.
 */
export function saveAsTextFiles<T>(prefix: string, suffix?: string): (rdd: RDD<T>, time: number) => Promise<void> {
  platform.requireSupport('saveAsTextFiles');
  if (typeof prefix !== 'string' || prefix.length === 0) {
    throw new InvalidArgumentError(`saveAsTextFiles: prefix must be a non-empty path prefix such as "out/counts", got ${JSON.stringify(prefix)}.`);
  }
  if (suffix !== undefined && typeof suffix !== 'string') throw new InvalidArgumentError(`saveAsTextFiles: suffix must be a string, got ${typeof suffix}.`);
  if (/[\\/]$/.test(prefix)) {
    throw new InvalidArgumentError(`saveAsTextFiles: prefix "${prefix}" ends with a path separator; the batch time is appended to it (prefix-<time>), so give a name, e.g. "${prefix}counts".`);
  }
  return async (rdd: RDD<T>, time: number) => {
    const partitions = await rdd.glom().collect();
    const files: OutputFile[] = partitions.map((records, i) => ({
      name: `part-${String(i).padStart(5, '0')}`,
      data: records.map((r) => `${formatRecord(r)}\n`).join(''),
    }));
    files.push({ name: '_SUCCESS', data: '' });
    const path = batchOutputPath(prefix, suffix, time);
    try {
      await platform.writeDirectoryAtomically(path, files);
    } catch (e) {
      throw new OutputWriteError(`saveAsTextFiles: could not write the batch at ${time} ms to ${path}: ${(e as Error).message}`, { cause: e });
    }
  };
}
