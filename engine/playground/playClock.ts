import type { ManualClock } from '../streaming/ManualClock.ts';
import { isDriver } from '../platform/executorMode.ts';
import { InvalidArgumentError } from '../util/errors.ts';

export interface PlayClockOptions {
  /**
   * Virtual time per unit of wall-clock time: 1 plays at real time, 10 ten times faster (the
   * playground's Speed); 'max' moves on as soon as what was due has completed. Default 1.
   */
  speed?: number | 'max';
  /** Stops playing when aborted: the clock then stands where it is. */
  signal?: AbortSignal;
}

/** How long an idle clock (nothing scheduled on it: no context started yet, or all stopped) waits before it looks again, ms of wall time. */
const IDLE_POLL_MS = 20;

/**
 * Plays a {@link ManualClock} as the playground's virtual time does: its time moves forward on its
 * own, `speed` times as fast as the wall clock, each batch and each tick of a source on it in
 * order (so a run gives the same batches as any other run of it, at any speed). Time moves only
 * while something is scheduled on the clock: a context's batches start at its start(), wherever
 * the code that starts it stands, and once every context on the clock has stopped the clock is
 * idle and keeps no Node process alive (until then it does, as a context on the wall clock would).
 *
 * It plays only on the driver: in an executor (a worker that loaded the pipeline to run its tasks)
 * it does nothing. What the playground exports for its virtual clock calls it:
 *
 * @example
 * ```ts
 * import { ManualClock, Seconds, StreamingContext } from 'rivulet';
 * import { playClock } from 'rivulet/playground';
 *
 * const clock = new ManualClock();
 * playClock(clock, { speed: 'max' });
 * const ssc = new StreamingContext({ batchInterval: Seconds(1), scheduler: clock });
 * ssc.queueStream([['a', 'b'], ['c']]).count().print();
 * ssc.start();
 * await ssc.awaitTerminationOrTimeout(2500);
 * await ssc.stop();
 * ```
 */
export function playClock(clock: ManualClock, options: PlayClockOptions = {}): void {
  const speed = options.speed ?? 1;
  if (speed !== 'max' && !(typeof speed === 'number' && speed > 0 && Number.isFinite(speed))) {
    throw new InvalidArgumentError(`playClock: speed must be a positive number or 'max', got ${String(speed)}.`);
  }
  if (!isDriver()) return;
  const signal = options.signal;
  void (async () => {
    // Wall time and virtual time at the same moment; the clock keeps to this pace from there.
    let base: { wall: number; virtual: number } | undefined;
    // Before anything was scheduled, the clock waits for its context to start (and keeps a Node
    // process alive meanwhile, as the context would); idle after that, its contexts have stopped.
    let played = false;
    while (!signal?.aborted) {
      const next = clock.actions[0]?.delay;
      if (next === undefined) {
        base = undefined;
        await wait(IDLE_POLL_MS, played);
        continue;
      }
      played = true;
      base ??= { wall: performance.now(), virtual: clock.now() };
      const due = speed === 'max' ? 0 : base.wall + (next - base.virtual) / speed - performance.now();
      // Always a turn of the event loop: what the pipeline waits for outside the clock goes on.
      await wait(Math.max(0, due), false);
      if (signal?.aborted) break;
      await clock.advanceTo(next);
      // Far behind (a batch took longer than its time at this speed): keep the pace from now on, do not race to catch up.
      if (due < -1000) base = undefined;
    }
  })();
}

/** Resolves after `ms`; `idle`: the timer does not keep a Node process alive. */
function wait(ms: number, idle: boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms) as unknown as { unref?: () => void };
    if (idle) timer.unref?.();
  });
}
