import { IllegalStateError } from '../util/errors.ts';
/**
 * What both checkpoint stores need to close cleanly: refuse calls once closed, and let close()
 * wait for the writes already in flight, so a checkpoint is never cut off mid-write.
 */
export class StoreLifecycle {
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly location: () => string) {}

  /** Run `operation`, remembering it until it settles. */
  track<T>(operation: () => Promise<T>): Promise<T> {
    const done = operation();
    this.inFlight.add(done);
    const forget = () => void this.inFlight.delete(done);
    done.then(forget, forget);
    return done;
  }

  requireOpen(operation: string): void {
    if (this.closed) throw new IllegalStateError(`${operation}: the checkpoint store in ${this.location()} is closed`);
  }

  /** Refuse new calls, then wait for those in flight. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.inFlight);
  }
}
