import type { SchedulerLike } from 'rxjs';
import type { ManualClock } from './ManualClock.ts';

/**
 * Whether `scheduler` is a ManualClock, by its methods rather than `instanceof`: a bundle whose app
 * never creates a ManualClock then leaves it (and RxJS's VirtualTimeScheduler) out.
 */
export function isManualClock(scheduler: SchedulerLike): scheduler is ManualClock {
  const s = scheduler as Partial<ManualClock>;
  return typeof s.attach === 'function' && typeof s.detach === 'function' && typeof s.advanceTo === 'function';
}

/** Whether `scheduler` keeps virtual time (an RxJS VirtualTimeScheduler, a ManualClock among them), by its shape. */
export function isVirtualTime(scheduler: SchedulerLike): boolean {
  const s = scheduler as { maxFrames?: unknown; frame?: unknown; flush?: unknown };
  return typeof s.maxFrames === 'number' && typeof s.frame === 'number' && typeof s.flush === 'function';
}
