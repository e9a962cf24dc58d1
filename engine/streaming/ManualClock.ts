import { VirtualTimeScheduler } from 'rxjs';

/** Something whose asynchronous work a ManualClock waits for between steps. */
export interface Settleable {
  whenIdle(): Promise<void>;
}

/**
 * Virtual time for tests and fast-forward (Spark's ManualClock), as an RxJS
 * VirtualTimeScheduler. Pass it as a StreamingContext's scheduler, then `await clock.advance(ms)`:
 * it runs every scheduled action in time order and, after each point in time, waits until the
 * contexts using it have finished the batches that became due — so processing times and delays
 * are measured in virtual time too, and a run is deterministic.
 */
export class ManualClock extends VirtualTimeScheduler {
  private readonly attached = new Set<Settleable>();

  constructor(startTime = 0) {
    super();
    this.frame = startTime;
  }

  /** @internal Called by StreamingContext when it uses this clock. */
  attach(s: Settleable): void {
    this.attached.add(s);
  }
  /** @internal */
  detach(s: Settleable): void {
    this.attached.delete(s);
  }

  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ms must be >= 0, got ${ms}.`);
    await this.advanceTo(this.now() + ms);
  }

  async advanceTo(time: number): Promise<void> {
    await this.settle();
    for (;;) {
      const next = this.actions[0];
      if (!next || next.delay > time) break;
      this.maxFrames = next.delay;
      this.flush();
      await this.settle();
    }
    if (time > this.frame) this.frame = time;
    this.maxFrames = Number.POSITIVE_INFINITY;
    await this.settle();
  }

  /** Wait until every attached context is idle. */
  async settle(): Promise<void> {
    for (const s of [...this.attached]) await s.whenIdle();
  }
}
