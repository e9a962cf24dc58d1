import { IllegalStateError } from '../util/errors.ts';
import type { Receiver } from './Receiver.ts';
import { BlockGenerator } from './BlockGenerator.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { StreamingListenerEvent } from '../streaming/listener.ts';

export type ReceiverState = 'initialized' | 'started' | 'stopped';

/**
 * Runs one receiver for its input stream: starts and stops it with the context, restarts it on
 * request, stamps every stored record with the scheduler's time and hands it to the block
 * generator, and reports errors to the listener bus.
 */
export class ReceiverSupervisor<T> {
  state: ReceiverState = 'initialized';
  private blocks: BlockGenerator<T> | undefined;
  private restartTimer: { unsubscribe(): void } | undefined;
  /** stop() was called (by the receiver or the context): nothing may start it again (Spark shuts the supervisor down). */
  private stoppedForGood = false;
  /**
   * Whether store() is taken: from onStart() until onStop() returns, as Spark's block generator
   * takes data until the receiver's onStop() has returned (a receiver may flush what it buffered
   * there). isStopped() is true already while onStop() runs.
   */
  private accepting = false;
  /** The context stopped waiting for onStop() (it did not return in time): its late end is not reported. */
  private stopAbandoned = false;
  /**
   * A restart was told on the console and no record has arrived since: the retries that follow
   * (every restartDelayMs, for as long as nothing listens on the port) go to the listeners only.
   */
  private restartToldOnConsole = false;

  constructor(
    readonly receiver: Receiver<T>,
    readonly streamId: number,
    private readonly ssc: StreamingContext,
    readonly name: string,
  ) {
    if (receiver.supervisor) throw new IllegalStateError(`${name}: this receiver already feeds another stream; create one receiver per stream.`);
    receiver.supervisor = this;
  }

  async start(zeroTime: number): Promise<void> {
    this.blocks = new BlockGenerator<T>(zeroTime, this.ssc.blockInterval, this.ssc.batchInterval);
    await this.startReceiver();
  }

  private async startReceiver(): Promise<void> {
    this.state = 'started';
    this.accepting = true;
    this.session++;
    try {
      await this.receiver.onStart();
      this.ssc.listenerBus.post({ type: 'receiverStarted', time: this.ssc.now(), streamId: this.streamId, name: this.name });
    } catch (e) {
      this.restart('onStart() threw', e, 2000);
    }
  }

  push(record: T): void {
    if (!this.accepting || !this.blocks) return;
    this.restartToldOnConsole = false;
    this.blocks.add(record, this.ssc.now());
  }

  pushAll(records: readonly T[]): void {
    if (!this.accepting || !this.blocks) return;
    if (records.length > 0) this.restartToldOnConsole = false;
    this.blocks.addAll(records, this.ssc.now());
  }

  /** Batch time → the storeReliably() calls waiting for that batch to complete. */
  private readonly awaitingBatch = new Map<number, { resolve(): void; reject(e: Error): void }[]>();
  private batchEvents: { unsubscribe(): void } | undefined;

  pushReliably(records: readonly T[]): Promise<void> {
    if (!this.accepting || !this.blocks) {
      return Promise.reject(new IllegalStateError(`${this.name}: storeReliably() after the receiver stopped; the records were not stored.`));
    }
    const now = this.ssc.now();
    this.blocks.addAll(records, now);
    const batchTime = this.blocks.batchTimeOf(now);
    this.batchEvents ??= this.ssc.events$.subscribe((e) => this.onEvent(e));
    return new Promise((resolve, reject) => {
      const waiting = this.awaitingBatch.get(batchTime);
      if (waiting) waiting.push({ resolve, reject });
      else this.awaitingBatch.set(batchTime, [{ resolve, reject }]);
    });
  }

  private onEvent(e: StreamingListenerEvent): void {
    if (e.type === 'batchCompleted') {
      const { batchTime, failureReason } = e.batchInfo;
      const waiting = this.awaitingBatch.get(batchTime);
      this.awaitingBatch.delete(batchTime);
      for (const w of waiting ?? []) {
        if (failureReason === undefined) w.resolve();
        else w.reject(new IllegalStateError(`${this.name}: the batch at ${batchTime} ms did not complete (${failureReason})`));
      }
    } else if (e.type === 'streamingStopped') {
      const error = new IllegalStateError(`${this.name}: the context stopped before the batch holding these records completed.`);
      for (const waiting of this.awaitingBatch.values()) for (const w of waiting) w.reject(error);
      this.awaitingBatch.clear();
      this.batchEvents?.unsubscribe();
      this.batchEvents = undefined;
    }
  }

  allocate(batchTime: number): T[][] {
    return this.blocks ? this.blocks.allocate(batchTime) : [];
  }

  get pending(): number {
    return this.blocks?.pending ?? 0;
  }

  reportError(message: string, error?: unknown): void {
    this.ssc.listenerBus.post({ type: 'receiverError', time: this.ssc.now(), streamId: this.streamId, name: this.name, message, error });
  }

  restart(message: string, error: unknown, delayMs: number): void {
    if (this.stoppedForGood) return;
    if (this.state === 'stopped' && this.restartTimer === undefined && !this.ssc.isActive) return;
    this.reportError(`Restarting receiver with delay ${delayMs} ms: ${message}`, error);
    // Spark logs every restart; a warning here would repeat one line every couple of seconds for
    // as long as a server is down. It is told once, until the receiver gets data again.
    if (!this.restartToldOnConsole) {
      this.restartToldOnConsole = true;
      this.ssc.logger.warn(`${this.name}: ${message}. Retrying every ${delayMs} ms (said once; listeners hear every retry as onReceiverError).`);
    }
    void this.stopQuietly();
    this.restartTimer?.unsubscribe();
    this.restartTimer = this.ssc.scheduler.schedule(() => {
      this.restartTimer = undefined;
      if (this.ssc.isActive) void this.startReceiver();
    }, delayMs);
  }

  /** The running onStop(), if any: a stop for good waits for it too. */
  private onStopRunning: Promise<void> | undefined;
  /** Counts starts: an onStop() ending after a restart must not end the new start's storing. */
  private session = 0;

  private stopQuietly(): Promise<void> {
    const wasStarted = this.state === 'started';
    this.state = 'stopped';
    if (!wasStarted) return this.onStopRunning ?? Promise.resolve();
    const running = this.callOnStop();
    if (this.accepting) this.onStopRunning = running; // onStop() has not returned yet
    return running;
  }

  private async callOnStop(): Promise<void> {
    const session = this.session;
    try {
      // Records stored until onStop() returns are kept; a synchronous onStop() ends that at once.
      const stopping = this.receiver.onStop();
      if (stopping && typeof (stopping as Promise<void>).then === 'function') await stopping;
    } catch (e) {
      this.reportError('onStop() threw', e);
    }
    if (session !== this.session) return;
    this.accepting = false;
    this.onStopRunning = undefined;
  }

  /**
   * The context gave up waiting for onStop() (see StreamingContext.stop()): records stored from
   * now on are dropped, and the receiver is reported stopped now, with `message`.
   */
  abandonStop(message: string): void {
    this.accepting = false;
    this.stopAbandoned = true;
    this.ssc.listenerBus.post({ type: 'receiverStopped', time: this.ssc.now(), streamId: this.streamId, name: this.name, message });
  }

  /** Stop for good: by the receiver itself, or by the context. */
  async stopReceiver(message: string, error?: unknown): Promise<void> {
    this.stoppedForGood = true;
    this.restartTimer?.unsubscribe();
    this.restartTimer = undefined;
    if (this.state === 'stopped') return this.onStopRunning ?? Promise.resolve();
    if (error !== undefined) this.reportError(message, error);
    await this.stopQuietly();
    if (!this.stopAbandoned) this.ssc.listenerBus.post({ type: 'receiverStopped', time: this.ssc.now(), streamId: this.streamId, name: this.name, message });
  }
}
