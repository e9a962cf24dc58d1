import { OutOfRangeError } from '../util/errors.ts';
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
 *
 * Spark: `org.apache.spark.util.ManualClock`.
 *
 * @example
 * ```ts
 * import { StreamingContext, ManualClock, Seconds } from 'rivulet';
 * const clock = new ManualClock();
 * const ssc = new StreamingContext({ batchInterval: Seconds(1), scheduler: clock });
 * ssc.queueStream([[1, 2], [3]]).print();
 * ssc.start();
 * await clock.advance(Seconds(2)); // runs the batches due in these 2 s of virtual time
 * ```
 */
export class ManualClock extends VirtualTimeScheduler {
  private readonly attached = new Set<Settleable>();
  /** Pending sleep() calls, and settle() calls waiting for one to begin. */
  private sleepers = 0;
  private sleepWaiters: (() => void)[] = [];

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
    if (!(ms >= 0)) throw new OutOfRangeError(`ManualClock.advance: ms must be >= 0, got ${ms}.`);
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

  /**
   * Resolves after `ms` of virtual time: a job that awaits it takes that long on this clock (a
   * slow batch, a retry back-off). advance() does not wait for a job blocked here — it moves time
   * on, generating the batches that fall due meanwhile — where it would otherwise wait forever.
   */
  sleep(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new OutOfRangeError(`ManualClock.sleep: ms must be >= 0, got ${ms}.`);
    this.sleepers++;
    for (const w of this.sleepWaiters.splice(0)) w();
    return new Promise((resolve) => {
      this.schedule(() => {
        this.sleepers--;
        resolve();
      }, ms);
    });
  }

  /** Wait until every attached context is idle, or blocked in sleep() on this clock. */
  async settle(): Promise<void> {
    for (const s of [...this.attached]) {
      if (this.sleepers > 0) break;
      await Promise.race([s.whenIdle(), new Promise<void>((resolve) => this.sleepWaiters.push(resolve))]);
    }
    this.sleepWaiters = [];
  }
}
