import { OutOfRangeError } from './errors.ts';
/**
 * Durations are plain milliseconds; these helpers read like Spark's Milliseconds/Seconds/Minutes.
 * Spark: `org.apache.spark.streaming.Duration`.
 *
 * @example
 * ```ts
 * import { Seconds, type Duration } from 'rivulet';
 * const windowLength: Duration = Seconds(30); // 30000
 * lines.window(windowLength, Seconds(10));
 * ```
 */
export type Duration = number;

/**
 * A {@link Duration} of `ms` milliseconds (Spark's `Milliseconds(ms)`).
 *
 * @example
 * ```typescript
 * new StreamingContext({ batchInterval: Milliseconds(500) });
 * ```
 */
export const Milliseconds = (ms: number): Duration => ms;
/**
 * A {@link Duration} of `s` seconds, in milliseconds (Spark's `Seconds(s)`).
 *
 * @example
 * ```typescript
 * lines.window(Seconds(30), Seconds(10));
 * ```
 */
export const Seconds = (s: number): Duration => s * 1000;
/**
 * A {@link Duration} of `m` minutes, in milliseconds (Spark's `Minutes(m)`).
 *
 * @example
 * ```typescript
 * StateSpec.function(mappingFn).timeout(Minutes(30));
 * ```
 */
export const Minutes = (m: number): Duration => m * 60_000;

/** A positive whole number of milliseconds, or a RangeError naming `what`. */
export function checkDuration(ms: number, what: string): Duration {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || !Number.isInteger(ms)) {
    throw new OutOfRangeError(`${what} must be a positive whole number of milliseconds (e.g. Seconds(1)), got ${String(ms)}.`);
  }
  return ms;
}

export function isMultipleOf(ms: number, of: number): boolean {
  return ms % of === 0;
}
