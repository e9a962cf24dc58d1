import { OutOfRangeError } from '../util/errors.ts';
import type { PlacementMode, StagePlacementOptions } from './StagePlacement.ts';

/**
 * Refuses a bad `placement` option (a mode, or StagePlacementOptions) with what was wrong. Run as
 * the context is created, so the mistake shows there and not at the first job on workers; kept
 * apart from StagePlacement.ts, which loads with that first job (a page without workers never
 * loads it), and as small as it can be (it is in every page).
 */
export function checkPlacement(placement: PlacementMode | StagePlacementOptions): void {
  const options = typeof placement === 'object' ? placement : { mode: placement };
  if (!['auto', 'workers'].includes(options.mode ?? 'auto')) throw new OutOfRangeError(`placement must be 'auto' or 'workers', got ${String(options.mode)}.`);
  for (const name of ['warmUpRuns', 'probeEvery', 'window'] as const) {
    const n = options[name] ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new OutOfRangeError(`placement ${name} must be a positive integer, got ${n}.`);
  }
}
