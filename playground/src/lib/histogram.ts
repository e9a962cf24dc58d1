/** Counts of values in `bins` equal bins from 0 to `top` (a value at or above `top` is in the last). */
export interface Histogram {
  counts: number[];
  /** bins + 1 bin edges, from 0 to top. */
  edges: number[];
  /** The largest count (at least 1, so bars can be scaled by it). */
  maxCount: number;
}

export function histogram(values: readonly number[], top: number, bins: number): Histogram {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    const i = top > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((v / top) * bins))) : 0;
    counts[i]!++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => (top * i) / bins);
  return { counts, edges, maxCount: Math.max(1, ...counts) };
}
