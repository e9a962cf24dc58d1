import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * Calls back at firstTime, firstTime + period, … on an RxJS scheduler (Spark's RecurringTimer).
 * The callback gets the intended time, not the time it ran; if the thread was busy past several
 * ticks, each missed tick is delivered in order, so no batch is skipped.
 */
export class RecurringTimer {
  private nextTime = 0;
  private subscription: Subscription | undefined;
  private stopped = true;

  constructor(
    private readonly scheduler: SchedulerLike,
    readonly period: number,
    private readonly callback: (time: number) => void,
  ) {}

  start(firstTime: number): void {
    this.stopped = false;
    this.nextTime = firstTime;
    this.scheduleNext();
  }

  /** The time of the next tick not yet delivered. */
  get next(): number {
    return this.nextTime;
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    const delay = Math.max(0, this.nextTime - this.scheduler.now());
    this.subscription = this.scheduler.schedule(() => this.tick(), delay);
  }

  private tick(): void {
    while (!this.stopped && this.scheduler.now() >= this.nextTime) {
      const time = this.nextTime;
      this.nextTime += this.period;
      this.callback(time);
    }
    this.scheduleNext();
  }

  stop(): void {
    this.stopped = true;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }
}
