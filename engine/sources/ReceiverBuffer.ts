import { IllegalStateError } from '../util/errors.ts';
import type { ReceiverInputInfo } from '../streaming/listener.ts';
import { BlockGenerator } from './BlockGenerator.ts';
import { ReceiverBufferFullError } from './ReceiverBufferFullError.ts';
import type { ReceiverSettings } from './ReceiverOptions.ts';

/** A store() that found the buffer full under 'block': its records wait, in order, for room. */
interface Waiting<T> {
  records: readonly T[];
  /** The first record not yet in the buffer. */
  next: number;
  resolve: () => void;
  ticket: Ticket | undefined;
}

/**
 * A storeReliably() call: settled once every batch holding its records has completed. Records
 * enter the buffer in order, so a call's records are the sequence numbers [start, end).
 */
interface Ticket {
  start: number | undefined;
  end: number;
  /** Some of its records still wait to enter. */
  open: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

const ROOM: Promise<void> = Promise.resolve();

/**
 * A receiver's bounded buffer (see ReceiverOptions): the records it stored whose batch has not
 * completed — not yet in a batch (in the BlockGenerator) or in batches waiting or running — are at
 * most `bufferSize`; a record arriving when it is full is handled by the overflow policy. Counts
 * what it received, dropped and how long stores waited, per batch interval, for BatchInfo.
 *
 * Spark's receivers bound nothing but their rate (BlockGenerator's RateLimiter blocks the
 * receiver's thread); here the rate limit decides how many records a batch takes and the bound
 * decides what happens to the rest.
 */
export class ReceiverBuffer<T> {
  private readonly blocks: BlockGenerator<T>;
  /** Records of each batch not completed yet, with their sequence numbers [start, end). */
  private readonly inBatches = new Map<number, { count: number; start: number; end: number }>();
  private inBatchCount = 0;
  private readonly waiting: Waiting<T>[] = [];
  private waitingCount = 0;
  private roomWaiters: (() => void)[] = [];
  private tickets: Ticket[] = [];
  /** The sequence number of the next record to enter, and of the oldest one not yet in a batch. */
  private nextSeq = 0;
  private headSeq = 0;
  /** Since the last batch was cut: records stored, records dropped, ms the buffer was full under 'block'. */
  private received = 0;
  private dropped = 0;
  private blockedTime = 0;
  private blockedSince: number | undefined;
  /** isBlocked() said yes, and there has been no room since. */
  private toldBlocked = false;
  /** Records the rate limit still allows (a fraction carries over to the next batch). */
  private allowance = 0;
  private failure: ReceiverBufferFullError | undefined;
  private failureRaised = false;
  private closed = false;

  constructor(
    zeroTime: number,
    blockInterval: number,
    private readonly batchInterval: number,
    readonly settings: ReceiverSettings,
    /** For errors: the stream's id and its operation and call site. */
    private readonly streamId: number,
    private readonly name: string,
    /** Called once, when the buffer fails (overflow 'fail', or 'block' with a receiver that does not wait). */
    private readonly onFail: (error: ReceiverBufferFullError) => void,
  ) {
    this.blocks = new BlockGenerator<T>(zeroTime, blockInterval, batchInterval);
  }

  /** Records held: not yet in a batch, or in a batch not completed. At most bufferSize. */
  get held(): number {
    return this.blocks.pending + this.inBatchCount;
  }

  /** Records not yet in a batch, including those waiting to enter (overflow 'block'). */
  get pending(): number {
    return this.blocks.pending + this.waitingCount;
  }

  /**
   * Take `records` stored at `now`. Returns undefined when they were handled at once (all in, or
   * some dropped by the policy), or a promise that resolves once the last of them is in (overflow
   * 'block'). Never rejects: a store must not need a catch. `ticket`: a storeReliably() call.
   */
  offer(records: readonly T[], now: number, ticket?: Ticket): Promise<void> | undefined {
    if (ticket) this.tickets.push(ticket);
    const n = records.length;
    if (this.closed) {
      if (ticket) this.rejectTicket(ticket, new IllegalStateError(`${this.name}: the context stopped; the records were not stored.`));
      return undefined;
    }
    this.received += n;
    if (this.failure) {
      this.drop(n, ticket, this.failure);
      return undefined;
    }
    let i = 0;
    if (this.waiting.length === 0) {
      i = Math.min(n, Math.max(0, this.settings.bufferSize - this.held));
      this.enter(records, 0, i, now, ticket);
    }
    if (i === n) {
      if (ticket) this.closeTicket(ticket);
      this.updateBlocked(now);
      return undefined;
    }
    const over = n - i;
    switch (this.settings.overflow) {
      case 'drop-newest':
        this.drop(over, ticket, this.fullError('drop-newest'));
        return undefined;
      case 'drop-oldest': {
        // Records in a batch are never dropped: only those still waiting for one are older.
        const freed = this.dropPending(over);
        const droppedNew = over - freed;
        if (droppedNew > 0) this.drop(droppedNew, ticket, this.fullError('drop-oldest'));
        this.enter(records, i + droppedNew, n, now, ticket);
        if (ticket) this.closeTicket(ticket);
        return undefined;
      }
      case 'fail':
        this.fail(this.fullError('fail'));
        this.drop(over, ticket, this.failure);
        return undefined;
      case 'block': {
        this.waitingCount += over;
        if (this.waitingCount > this.settings.bufferSize) {
          // The receiver stores on without waiting for room: it cannot pause its source.
          const error = new ReceiverBufferFullError(
            this.streamId,
            this.name,
            this.settings.bufferSize,
            'block',
            `${this.name}: overflow 'block', and ${this.waitingCount} more records were stored while its buffer of ${this.settings.bufferSize} was full without waiting for room: this receiver does not pause its source. Await store() (or whenRoom()) before taking more from the source, or choose overflow 'drop-oldest', 'drop-newest' or 'fail'.`,
          );
          this.waitingCount -= over;
          this.fail(error);
          this.drop(over, ticket, error);
          return undefined;
        }
        const stored = new Promise<void>((resolve) => this.waiting.push({ records, next: i, resolve, ticket }));
        this.updateBlocked(now);
        return stored;
      }
    }
  }

  /**
   * Resolves once a record stored now would go in at once: immediately unless overflow is
   * 'block' and the buffer is full or stores wait. A receiver that pulls from its source (a
   * pull subscription, a queue) awaits it before pulling more.
   */
  whenRoom(now: number): Promise<void> {
    if (!this.isFull()) return ROOM;
    const room = new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    this.updateBlocked(now);
    return room;
  }

  /** Whether stores wait for room now (overflow 'block'); a receiver told so holds its source back until there is room. */
  isBlocked(now: number): boolean {
    if (!this.isFull()) return false;
    this.toldBlocked = true;
    this.updateBlocked(now);
    return true;
  }

  private isFull(): boolean {
    return this.settings.overflow === 'block' && !this.hasRoom();
  }

  private hasRoom(): boolean {
    return this.closed || this.failure !== undefined || (this.waiting.length === 0 && this.held < this.settings.bufferSize);
  }

  /**
   * Cut the batch at `batchTime`: the records that arrived before it, at most what `rate` (records
   * per second, undefined: no limit) allows, with the counters of the interval that ends now.
   * Throws the buffer's failure at the first batch after the last one holding its records.
   */
  allocate(batchTime: number, now: number, rate: number | undefined): { blocks: T[][]; info: ReceiverInputInfo } {
    if (this.failure && !this.failureRaised && this.blocks.pending === 0) {
      this.failureRaised = true;
      throw this.failure;
    }
    let max = Number.POSITIVE_INFINITY;
    if (rate !== undefined) {
      const perBatch = (rate * this.batchInterval) / 1000;
      // At least one record per batch; no more than one batch's worth saved up.
      this.allowance = Math.min(this.allowance + perBatch, Math.max(1, perBatch));
      max = Math.floor(this.allowance);
    }
    const blocks = this.blocks.allocate(batchTime, max);
    let count = 0;
    for (const b of blocks) count += b.length;
    if (rate !== undefined) this.allowance -= count;
    if (count > 0) {
      this.inBatches.set(batchTime, { count, start: this.headSeq, end: this.headSeq + count });
      this.inBatchCount += count;
      this.headSeq += count;
    }
    let blockedTime = this.blockedTime;
    if (this.blockedSince !== undefined) {
      blockedTime += Math.max(0, now - this.blockedSince);
      this.blockedSince = undefined;
      this.updateBlocked(now); // still blocked: counted from now on, for the next batch
    }
    const info: ReceiverInputInfo = {
      numReceived: this.received,
      numDropped: this.dropped,
      blockedTime,
      numBuffered: this.held,
      numWaiting: this.waitingCount,
      bufferSize: this.settings.bufferSize,
      overflow: this.settings.overflow,
      ...(rate === undefined ? {} : { rateLimit: rate }),
    };
    this.received = 0;
    this.dropped = 0;
    this.blockedTime = 0;
    return { blocks, info };
  }

  /** The batch at `batchTime` completed (or failed): its records leave the buffer, and stores waiting for room go in. */
  batchCompleted(batchTime: number, failureReason: string | undefined, now: number): void {
    const batch = this.inBatches.get(batchTime);
    if (batch) {
      this.inBatches.delete(batchTime);
      this.inBatchCount -= batch.count;
      this.settleTickets(batchTime, batch, failureReason);
    }
    this.admitWaiting(now);
  }

  /**
   * The context stopped: stores waiting for room are let go (their records are dropped, as what
   * no batch took is), and nothing more is taken.
   */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.resolve();
    this.waitingCount = 0;
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }

  /** All of a storeReliably() call's records were handled (entered, or dropped). */
  private closeTicket(ticket: Ticket): void {
    ticket.open = false;
  }

  /** Reject every storeReliably() call not settled yet. */
  rejectAll(error: Error): void {
    for (const t of this.tickets.splice(0)) t.reject(error);
  }

  private enter(records: readonly T[], from: number, to: number, now: number, ticket: Ticket | undefined): void {
    if (to <= from) return;
    this.blocks.addAll(records, now, from, to);
    if (ticket) ticket.start ??= this.nextSeq;
    this.nextSeq += to - from;
    if (ticket) ticket.end = this.nextSeq;
  }

  /** Records dropped before they entered (the policy, or after a failure). */
  private drop(n: number, ticket: Ticket | undefined, reason: Error | undefined): void {
    this.dropped += n;
    if (ticket && n > 0) this.rejectTicket(ticket, reason ?? new IllegalStateError(`${this.name}: the context stopped; the records were not stored.`));
  }

  /** Drop up to `n` of the oldest records not yet in a batch; returns how many. */
  private dropPending(n: number): number {
    const dropped = this.blocks.dropOldest(n);
    if (dropped === 0) return 0;
    const from = this.headSeq;
    this.headSeq += dropped;
    this.dropped += dropped;
    const error = this.fullError('drop-oldest');
    for (const t of [...this.tickets]) {
      if (t.start === undefined || t.start >= this.headSeq) break;
      if (t.end > from) this.rejectTicket(t, error);
    }
    return dropped;
  }

  private admitWaiting(now: number): void {
    while (this.waiting.length > 0) {
      const room = this.settings.bufferSize - this.held;
      if (room <= 0) break;
      const w = this.waiting[0]!;
      const k = Math.min(room, w.records.length - w.next);
      this.enter(w.records, w.next, w.next + k, now, w.ticket);
      w.next += k;
      this.waitingCount -= k;
      if (w.next < w.records.length) break;
      this.waiting.shift();
      if (w.ticket) this.closeTicket(w.ticket);
      w.resolve();
    }
    if (this.hasRoom()) for (const resolve of this.roomWaiters.splice(0)) resolve();
    this.updateBlocked(now);
  }

  /**
   * The producer is blocked while stores wait for room, a whenRoom() waits, or the receiver was
   * told isBlocked() and there is no room yet: that time is blockedTime.
   */
  private updateBlocked(now: number): void {
    if (!this.isFull()) this.toldBlocked = false;
    if (this.waiting.length > 0 || this.roomWaiters.length > 0 || this.toldBlocked) {
      this.blockedSince ??= now;
    } else if (this.blockedSince !== undefined) {
      this.blockedTime += Math.max(0, now - this.blockedSince);
      this.blockedSince = undefined;
    }
  }

  private settleTickets(batchTime: number, batch: { start: number; end: number }, failureReason: string | undefined): void {
    const kept: Ticket[] = [];
    for (const t of this.tickets) {
      if (t.start === undefined || t.start >= batch.end) {
        kept.push(t);
      } else if (failureReason !== undefined && t.end > batch.start) {
        t.reject(new IllegalStateError(`${this.name}: the batch at ${batchTime} ms did not complete (${failureReason})`));
      } else if (!t.open && t.end <= batch.end) {
        t.resolve();
      } else {
        kept.push(t);
      }
    }
    this.tickets = kept;
  }

  private rejectTicket(ticket: Ticket, error: Error): void {
    const i = this.tickets.indexOf(ticket);
    if (i < 0) return;
    this.tickets.splice(i, 1);
    ticket.reject(error);
  }

  private fullError(overflow: 'drop-oldest' | 'drop-newest' | 'fail'): ReceiverBufferFullError {
    const { bufferSize } = this.settings;
    const what =
      overflow === 'fail'
        ? `the stream fails (overflow 'fail'). Processing is slower than the data arrives: make it faster, lengthen the batch interval, raise bufferSize, or choose overflow 'block', 'drop-oldest' or 'drop-newest'.`
        : `overflow '${overflow}' dropped records.`;
    return new ReceiverBufferFullError(this.streamId, this.name, bufferSize, overflow, `${this.name}: its buffer of ${bufferSize} records (stored, and not yet processed) was full; ${what}`);
  }

  private fail(error: ReceiverBufferFullError): void {
    if (this.failure) return;
    this.failure = error;
    // Stores waiting for room are let go; their records are dropped.
    for (const w of this.waiting.splice(0)) {
      this.drop(w.records.length - w.next, w.ticket, error);
      w.resolve();
    }
    this.waitingCount = 0;
    for (const resolve of this.roomWaiters.splice(0)) resolve();
    this.toldBlocked = false;
    this.onFail(error);
  }

  /** @internal For tests: a ticket as storeReliably() makes one. */
  static ticket(resolve: () => void, reject: (e: Error) => void): Ticket {
    return { start: undefined, end: 0, open: true, resolve, reject };
  }
}
