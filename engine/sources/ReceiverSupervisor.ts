import { IllegalStateError } from '../util/errors.ts';
import type { Receiver } from './Receiver.ts';
import { ReceiverBuffer } from './ReceiverBuffer.ts';
import type { ReceiverSettings } from './ReceiverOptions.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { ReceiverInputInfo, StreamingListenerEvent } from '../streaming/listener.ts';

const ROOM: Promise<void> = Promise.resolve();

export type ReceiverState = 'initialized' | 'started' | 'stopped';

/**
 * Runs one receiver for its input stream: starts and stops it with the context, restarts it on
 * request, stamps every stored record with the scheduler's time and hands it to its bounded
 * buffer (which cuts blocks and applies the overflow policy), lets the buffer know when batches
 * complete, and reports errors to the listener bus.
 */
export class ReceiverSupervisor<T> {
  state: ReceiverState = 'initialized';
  private buffer: ReceiverBuffer<T> | undefined;
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
    readonly settings: ReceiverSettings,
  ) {
    if (receiver.supervisor) throw new IllegalStateError(`${name}: this receiver already feeds another stream; create one receiver per stream.`);
    receiver.supervisor = this;
  }

  async start(zeroTime: number): Promise<void> {
    this.buffer = new ReceiverBuffer<T>(zeroTime, this.ssc.blockInterval, this.ssc.batchInterval, this.settings, this.streamId, this.name, (error) => {
      // Not from inside the receiver's own store() call: it may be in its client's data handler.
      queueMicrotask(() => void this.stopReceiver(error.message, error));
    });
    this.batchEvents = this.ssc.events$.subscribe((e) => this.onEvent(e));
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

  /** store(): undefined when taken (or dropped) at once; a promise when it waits for room (overflow 'block'). */
  push(records: readonly T[]): Promise<void> | undefined {
    if (!this.accepting || !this.buffer) return undefined;
    if (records.length > 0) this.restartToldOnConsole = false;
    return this.buffer.offer(records, this.ssc.now());
  }

  pushReliably(records: readonly T[]): Promise<void> {
    if (!this.accepting || !this.buffer) {
      return Promise.reject(new IllegalStateError(`${this.name}: storeReliably() after the receiver stopped; the records were not stored.`));
    }
    if (records.length === 0) return ROOM;
    this.restartToldOnConsole = false;
    const buffer = this.buffer;
    return new Promise((resolve, reject) => {
      void buffer.offer(records, this.ssc.now(), ReceiverBuffer.ticket(resolve, reject));
    });
  }

  whenRoom(): Promise<void> {
    return this.buffer?.whenRoom(this.ssc.now()) ?? ROOM;
  }

  isBlocked(): boolean {
    return this.buffer?.isBlocked(this.ssc.now()) ?? false;
  }

  private batchEvents: { unsubscribe(): void } | undefined;

  private onEvent(e: StreamingListenerEvent): void {
    if (e.type === 'batchCompleted') {
      this.buffer?.batchCompleted(e.batchInfo.batchTime, e.batchInfo.failureReason, this.ssc.now());
    } else if (e.type === 'streamingStopped') {
      this.buffer?.close();
      this.buffer?.rejectAll(new IllegalStateError(`${this.name}: the context stopped before the batch holding these records completed.`));
      this.batchEvents?.unsubscribe();
      this.batchEvents = undefined;
    }
  }

  /** Cut the batch at `batchTime` from the buffer, at most `rate` records per second (undefined: no limit); throws when the buffer failed. */
  allocate(batchTime: number, rate: number | undefined): { blocks: T[][]; info: ReceiverInputInfo | undefined } {
    if (!this.buffer) return { blocks: [], info: undefined };
    return this.buffer.allocate(batchTime, this.ssc.now(), rate);
  }

  /** Records received and not yet in a batch (those waiting for room included). */
  get pending(): number {
    return this.buffer?.pending ?? 0;
  }

  /** Records held: not yet in a batch, or in batches not completed. */
  get buffered(): number {
    return this.buffer?.held ?? 0;
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
