import { IllegalStateError } from '../util/errors.ts';
import type { ReceiverInputInfo } from '../streaming/listener.ts';
import { BlockGenerator } from './BlockGenerator.ts';
import { ReceiverBufferFullError } from './ReceiverBufferFullError.ts';
import type { OverflowPolicy, ReceiverSettings } from './ReceiverOptions.ts';

// The helpers are functions of the module rather than methods: this code is in every page that
// imports the engine (StreamingContext makes receiver streams), and a minifier shortens their names.

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
  start?: number;
  end: number;
  /** Some of its records still wait to enter. */
  open: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** The promise of a store that needed no waiting. */
export const STORED: Promise<void> = Promise.resolve();

/**
 * A receiver's bounded buffer (see ReceiverOptions): the records it stored whose batch has not
 * completed — not yet in a batch (in the BlockGenerator) or in batches waiting or running — are at
 * most `bufferSize`; a record arriving when it is full is handled by the overflow policy. Counts
 * what it received, dropped and how long its producer was held back, per batch interval, for
 * BatchInfo.
 *
 * Spark's receivers bound nothing but their rate (BlockGenerator's RateLimiter blocks the
 * receiver's thread); here the rate limit decides how many records a batch takes and the bound
 * decides what happens to the rest.
 */
export class ReceiverBuffer<T> {
  readonly blocks: BlockGenerator<T>;
  /** Records of each batch not completed yet, as sequence numbers [start, end). */
  readonly inBatches = new Map<number, { start: number; end: number }>();
  inBatchCount = 0;
  readonly waiting: Waiting<T>[] = [];
  waitingCount = 0;
  roomWaiters: (() => void)[] = [];
  tickets: Ticket[] = [];
  /** The sequence number of the next record to enter, and of the oldest one not yet in a batch. */
  nextSeq = 0;
  headSeq = 0;
  /** Since the last batch was cut: records stored, records dropped, ms the producer was held back. */
  received = 0;
  dropped = 0;
  blockedTime = 0;
  blockedSince: number | undefined;
  /** isBlocked() said yes, and there has been no room since. */
  toldBlocked = false;
  /** Records the rate limit still allows (a fraction carries over to the next batch). */
  allowance = 0;
  failure: ReceiverBufferFullError | undefined;
  failureRaised = false;
  closed = false;

  constructor(
    zeroTime: number,
    blockInterval: number,
    readonly batchInterval: number,
    readonly settings: ReceiverSettings,
    /** For errors: the stream's id and its operation and call site. */
    readonly streamId: number,
    readonly name: string,
    /** Called once, when the buffer fails (overflow 'fail', or 'block' with a receiver that does not wait). */
    readonly onFail: (error: ReceiverBufferFullError) => void,
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
    if (this.closed) return void (ticket && rejectTicket(this, ticket, new IllegalStateError(`${this.name}: the context stopped; the records were not stored.`)));
    this.received += n;
    if (this.failure) return drop(this, n, ticket, this.failure);
    const { bufferSize, overflow } = this.settings;
    const i = this.waiting.length > 0 ? 0 : Math.min(n, Math.max(0, bufferSize - this.held));
    enter(this, records, 0, i, now, ticket);
    const over = n - i;
    if (over > 0 && overflow === 'block') {
      // One store may wait whatever its size (a socket's chunk); stores made while others wait
      // are a receiver not waiting for room, tolerated up to bufferSize records.
      if (this.waiting.length > 0 && this.waitingCount + over > bufferSize) {
        const error = fullError(
          this,
          'block',
          `${this.waitingCount + over} more were stored without waiting for room: the receiver does not pause its source. Await store() (or whenRoom()) before taking more, or choose another overflow.`,
        );
        fail(this, error);
        return drop(this, over, ticket, error);
      }
      this.waitingCount += over;
      const stored = new Promise<void>((resolve) => this.waiting.push({ records, next: i, resolve, ticket }));
      updateBlocked(this, now);
      return stored;
    }
    if (over > 0 && overflow === 'fail') fail(this, fullError(this, 'fail'));
    if (over > 0 && overflow !== 'drop-oldest') return drop(this, over, ticket, this.failure ?? fullError(this, overflow));
    if (over > 0) {
      // Records in a batch are never dropped: only those still waiting for one are older.
      const freed = dropPending(this, over);
      drop(this, over - freed, ticket, fullError(this, overflow));
      enter(this, records, n - freed, n, now, ticket);
    }
    if (ticket) ticket.open = false;
    updateBlocked(this, now);
  }

  /**
   * Resolves once a record stored now would go in at once: immediately unless overflow is
   * 'block' and the buffer is full or stores wait. A receiver that pulls from its source (a
   * pull subscription, a queue) awaits it before pulling more.
   */
  whenRoom(now: number): Promise<void> {
    if (!isFull(this)) return STORED;
    const room = new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    updateBlocked(this, now);
    return room;
  }

  /** Whether stores wait for room now (overflow 'block'); a receiver told so holds its source back until there is room. */
  isBlocked(now: number): boolean {
    if (!isFull(this)) return false;
    this.toldBlocked = true;
    updateBlocked(this, now);
    return true;
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
      // A fraction carries over, up to one batch's worth (at least one record) saved up.
      this.allowance = Math.min(this.allowance + perBatch, Math.max(1, perBatch));
      max = Math.floor(this.allowance);
    }
    const blocks = this.blocks.allocate(batchTime, max);
    let count = 0;
    for (const b of blocks) count += b.length;
    if (rate !== undefined) this.allowance -= count;
    if (count > 0) {
      this.inBatches.set(batchTime, { start: this.headSeq, end: (this.headSeq += count) });
      this.inBatchCount += count;
    }
    if (this.blockedSince !== undefined) {
      this.blockedTime += Math.max(0, now - this.blockedSince);
      this.blockedSince = undefined;
      updateBlocked(this, now); // still blocked: counted from now on, for the next batch
    }
    const { bufferSize, overflow } = this.settings;
    const info: ReceiverInputInfo = {
      numReceived: this.received,
      numDropped: this.dropped,
      blockedTime: this.blockedTime,
      numBuffered: this.held,
      numWaiting: this.waitingCount,
      bufferSize,
      overflow,
    };
    if (rate !== undefined) info.rateLimit = rate;
    this.received = this.dropped = this.blockedTime = 0;
    return { blocks, info };
  }

  /** The batch at `batchTime` completed (or failed): its records leave the buffer, and stores waiting for room go in. */
  batchCompleted(batchTime: number, failureReason: string | undefined, now: number): void {
    const batch = this.inBatches.get(batchTime);
    if (batch) {
      this.inBatches.delete(batchTime);
      this.inBatchCount -= batch.end - batch.start;
      // storeReliably() calls whose last record was in this batch are safe; any with a record in it failed.
      this.tickets = this.tickets.filter((t) => {
        if (t.start === undefined || t.start >= batch.end) return true;
        if (failureReason !== undefined && t.end > batch.start) t.reject(new IllegalStateError(`${this.name}: the batch at ${batchTime} ms did not complete (${failureReason})`));
        else if (!t.open && t.end <= batch.end) t.resolve();
        else return true;
        return false;
      });
    }
    // Stores waiting for room go in, in order, as far as there is room.
    while (this.waiting.length > 0) {
      const w = this.waiting[0]!;
      const k = Math.min(this.settings.bufferSize - this.held, w.records.length - w.next);
      if (k <= 0) break;
      enter(this, w.records, w.next, (w.next += k), now, w.ticket);
      this.waitingCount -= k;
      if (w.next < w.records.length) break;
      this.waiting.shift();
      if (w.ticket) w.ticket.open = false;
      w.resolve();
    }
    if (hasRoom(this)) letGo(this);
    updateBlocked(this, now);
  }

  /**
   * The context stopped: stores waiting for room are let go (their records are dropped, as what
   * no batch took is), and nothing more is taken.
   */
  close(): void {
    this.closed = true;
    letGo(this);
  }

  /** Reject every storeReliably() call not settled yet. */
  rejectAll(error: Error): void {
    for (const t of this.tickets.splice(0)) t.reject(error);
  }

  /** @internal A ticket as storeReliably() makes one. */
  static ticket(resolve: () => void, reject: (e: Error) => void): Ticket {
    return { end: 0, open: true, resolve, reject };
  }
}

type Buffer = ReceiverBuffer<any>;

function hasRoom(b: Buffer): boolean {
  return b.closed || b.failure !== undefined || (b.waiting.length === 0 && b.held < b.settings.bufferSize);
}

function isFull(b: Buffer): boolean {
  return b.settings.overflow === 'block' && !hasRoom(b);
}

/** Resolve every store and whenRoom() that waits; what the stores held is dropped. */
function letGo(b: Buffer): void {
  for (const w of b.waiting.splice(0)) {
    b.dropped += w.records.length - w.next;
    w.resolve();
  }
  b.waitingCount = 0;
  for (const resolve of b.roomWaiters.splice(0)) resolve();
}

function enter<T>(b: ReceiverBuffer<T>, records: readonly T[], from: number, to: number, now: number, ticket: Ticket | undefined): void {
  if (to <= from) return;
  b.blocks.addAll(records, now, from, to);
  if (ticket) ticket.start ??= b.nextSeq;
  b.nextSeq += to - from;
  if (ticket) ticket.end = b.nextSeq;
}

/** `n` records dropped before they entered; the storeReliably() call they belong to rejects with `reason`. */
function drop(b: Buffer, n: number, ticket: Ticket | undefined, reason: Error): undefined {
  b.dropped += n;
  if (ticket && n > 0) rejectTicket(b, ticket, reason);
  return undefined;
}

/** Drop up to `n` of the oldest records not yet in a batch; returns how many. */
function dropPending(b: Buffer, n: number): number {
  const dropped = b.blocks.dropOldest(n);
  const from = b.headSeq;
  b.headSeq += dropped;
  b.dropped += dropped;
  for (const t of [...b.tickets]) {
    if (t.start === undefined || t.start >= b.headSeq) break;
    if (t.end > from) rejectTicket(b, t, fullError(b, 'drop-oldest'));
  }
  return dropped;
}

/**
 * The producer is held back while stores wait for room, a whenRoom() waits, or the receiver was
 * told isBlocked() and there is no room yet: that time is blockedTime.
 */
function updateBlocked(b: Buffer, now: number): void {
  if (!isFull(b)) b.toldBlocked = false;
  if (b.waiting.length > 0 || b.roomWaiters.length > 0 || b.toldBlocked) {
    b.blockedSince ??= now;
  } else if (b.blockedSince !== undefined) {
    b.blockedTime += Math.max(0, now - b.blockedSince);
    b.blockedSince = undefined;
  }
}

function rejectTicket(b: Buffer, ticket: Ticket, error: Error): void {
  const i = b.tickets.indexOf(ticket);
  if (i < 0) return;
  b.tickets.splice(i, 1);
  ticket.reject(error);
}

function fullError(b: Buffer, overflow: OverflowPolicy, what = overflow === 'fail' ? FAIL_ADVICE : `overflow '${overflow}' dropped records.`): ReceiverBufferFullError {
  const { bufferSize } = b.settings;
  return new ReceiverBufferFullError(b.streamId, b.name, bufferSize, overflow, `${b.name}: its buffer of ${bufferSize} records (stored, not yet processed) was full; ${what}`);
}

const FAIL_ADVICE = "the stream fails (overflow 'fail'). Processing is slower than the data arrives: make it faster, lengthen the batch interval, raise bufferSize, or choose another overflow.";

/** The buffer fails: stores waiting for room are let go (their records dropped), nothing more is taken, and the supervisor is told. */
function fail(b: Buffer, error: ReceiverBufferFullError): void {
  if (b.failure) return;
  b.failure = error;
  for (const w of b.waiting) if (w.ticket) rejectTicket(b, w.ticket, error);
  letGo(b);
  b.toldBlocked = false;
  b.onFail(error);
}
