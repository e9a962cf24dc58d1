import { IllegalStateError } from '../util/errors.ts';
import type { ReceiverSupervisor } from './ReceiverSupervisor.ts';
import type { ReceiverBufferFullError } from './ReceiverBufferFullError.ts';

const STORED: Promise<void> = Promise.resolve();

/**
 * A custom source (Spark's Receiver). Implement onStart() to begin receiving — open a socket,
 * subscribe to something — and call store() with each record; onStop() releases what onStart
 * took. onStart must not block: start receiving asynchronously and return. Records stored until
 * onStop() returns (or its promise resolves) are kept, so onStop() may flush what it buffered; a
 * graceful stop processes them. The stream's buffer is bounded (ReceiverOptions): a receiver that
 * can pause its source awaits store()'s promise before taking more, and so blocks its producer
 * while the buffer is full. isStopped() is true from the moment onStop() is called, and
 * ssc.stop() waits for onStop() only so long (see StopOptions.timeout).
 *
 * ```ts
 * class Ticker extends Receiver<number> {
 *   private timer?: ReturnType<typeof setInterval>;
 *   onStart() { let n = 0; this.timer = setInterval(() => this.store(n++), 10); }
 *   onStop() { clearInterval(this.timer); }
 * }
 * const ticks = ssc.receiverStream(new Ticker());
 * ```
 */
export abstract class Receiver<T> {
  /** @internal Set when the receiver is attached to a stream. */
  supervisor: ReceiverSupervisor<T> | undefined;

  abstract onStart(): void | Promise<void>;
  abstract onStop(): void | Promise<void>;

  /**
   * Why this receiver cannot pause its source, or undefined when it can (the default). A receiver
   * can when it waits for store()'s promise, or for whenRoom(), before taking more from its source
   * (pausing a socket, pulling the next messages). One whose source pushes and cannot be paused
   * (an Observable, a browser's WebSocket) returns the reason: its stream then refuses overflow
   * 'block' and defaults to 'fail'.
   */
  get cannotPause(): string | undefined {
    return undefined;
  }

  /**
   * Store one record into the current block. The promise resolves at once, unless the stream's
   * buffer is full under overflow 'block': then it resolves once the record is in, and the
   * receiver should take nothing more from its source until then (that is how a receiver blocks
   * its producer; one that goes on storing while its stores wait fails the stream once more
   * records wait than the buffer holds). It never rejects. Under the other policies a full buffer drops a record
   * or fails the stream, and the promise resolves at once.
   */
  store(record: T): Promise<void> {
    return this.attached('store').push([record]) ?? STORED;
  }

  /** Store many records at once (Spark's store(ArrayBuffer)); the promise as for store(). */
  storeAll(records: readonly T[]): Promise<void> {
    return this.attached('storeAll').push(records) ?? STORED;
  }

  /**
   * Resolves once a record stored now goes into the buffer at once: immediately, unless overflow
   * is 'block' and the buffer is full or stores wait for room. A receiver that pulls from its
   * source (a pull subscription, a queue) awaits it before pulling more.
   */
  whenRoom(): Promise<void> {
    return this.attached('whenRoom').whenRoom();
  }

  /**
   * Whether stores wait for room now (overflow 'block', the buffer full): a receiver that can
   * pause its source pauses it until whenRoom() resolves. Always false under the other policies.
   */
  isBlocked(): boolean {
    return this.attached('isBlocked').isBlocked();
  }

  /**
   * Store records and learn when they are safe: the promise resolves once the batch they went to
   * has completed (every output operation of it ran), and rejects if that batch failed or the
   * context stopped first, or the overflow policy dropped some of them (a
   * {@link ReceiverBufferFullError}). A receiver of a source that redelivers what was not
   * acknowledged (an MQTT QoS 1 session, a queue with manual acks) acknowledges only then, and is
   * at-least-once: whatever a crash loses before that, the source sends again. Spark's reliable
   * receivers call `store(ArrayBuffer)`, which blocks until the block is in the write-ahead log;
   * here the write-ahead log is written per batch, so the batch's completion is the moment to wait
   * for. Under overflow 'block' the records wait for room first: await whenRoom() before taking
   * more from the source.
   */
  storeReliably(records: readonly T[]): Promise<void> {
    return this.attached('storeReliably').pushReliably(records);
  }

  /** Report a non-fatal error to the listeners (onReceiverError); the receiver keeps running. */
  reportError(message: string, error?: unknown): void {
    this.attached('reportError').reportError(message, error);
  }

  /** Stop and start again after `delayMs` (default 2000, Spark's), e.g. after a lost connection. */
  restart(message: string, error?: unknown, delayMs = 2000): void {
    this.attached('restart').restart(message, error, delayMs);
  }

  /** Stop receiving for good (e.g. the source ended). */
  stop(message: string, error?: unknown): void {
    this.attached('stop').stopReceiver(message, error);
  }

  isStarted(): boolean {
    return this.supervisor?.state === 'started';
  }

  isStopped(): boolean {
    return this.supervisor === undefined || this.supervisor.state === 'stopped';
  }

  /** The id of the input stream this receiver feeds. */
  get streamId(): number {
    return this.attached('streamId').streamId;
  }

  private attached(what: string): ReceiverSupervisor<T> {
    if (!this.supervisor) throw new IllegalStateError(`Receiver.${what}(): this receiver is not attached to a stream; pass it to ssc.receiverStream() first.`);
    return this.supervisor;
  }
}
