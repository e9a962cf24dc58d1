/** Durations are plain milliseconds; these helpers read like Spark's Milliseconds/Seconds/Minutes. */
export type Duration = number;

export const Milliseconds = (ms: number): Duration => ms;
export const Seconds = (s: number): Duration => s * 1000;
export const Minutes = (m: number): Duration => m * 60_000;

/** A positive whole number of milliseconds, or a RangeError naming `what`. */
export function checkDuration(ms: number, what: string): Duration {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || !Number.isInteger(ms)) {
    throw new RangeError(`${what} must be a positive whole number of milliseconds (e.g. Seconds(1)), got ${String(ms)}.`);
  }
  return ms;
}

export function isMultipleOf(ms: number, of: number): boolean {
  return ms % of === 0;
}
