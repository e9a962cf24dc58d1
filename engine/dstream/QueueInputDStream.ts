import { RecoveryError } from '../checkpoint/RecoveryError.ts';
import { InvalidArgumentError } from '../util/errors.ts';
import { InputDStream } from './InputDStream.ts';
import { RDD } from '../rdd/index.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { InputRecovery } from './checkpointing.ts';

/**
 * Options of `ssc.queueStream(queue, options)` (Spark's queueStream(queue, oneAtATime,
 * defaultRDD)), the input used for tests and examples.
 *
 * Spark: the `oneAtATime` and `defaultRDD` parameters of `StreamingContext.queueStream`.
 *
 * @example
 * ```ts
 * const s = ssc.queueStream([[1, 2], [3]], { oneAtATime: false, defaultRDD: ssc.sparkContext.parallelize([0]) });
 * ```
 */
export interface QueueStreamOptions<T> {
  /** Take one queue entry per batch (default) or everything queued. */
  oneAtATime?: boolean;
  /** The batch's RDD when the queue is empty; default: an empty RDD (as Spark 2.x and later do). */
  defaultRDD?: RDD<T>;
}

type Entry<T> = readonly T[] | RDD<T>;

/** The entries a batch took: `[from, to)` in the count of entries ever taken from the queue. */
interface QueueBatch {
  from: number;
  to: number;
}

/**
 * Batches from a queue the caller fills (Spark's queueStream): each entry is an array or an RDD,
 * and the queue may grow after start(). Meant for tests and demos.
 *
 * Checkpoints: its position is the number of entries taken so far, and each batch logs which
 * entries it took. On recovery the caller fills the queue again from its first entry, as the
 * checkpointed run had it (createContext does it); the stream takes off the entries already
 * consumed, making the batches after the checkpoint again from the ones they took. Spark cannot
 * checkpoint a queueStream at all.
 *
 * Spark: `org.apache.spark.streaming.dstream.QueueInputDStream`.
 *
 * @example
 * ```ts
 * const queue: number[][] = [[1, 2, 3]];
 * const numbers = ssc.queueStream(queue); // one entry per batch
 * numbers.count().print();
 * queue.push([4, 5]); // taken by a later batch
 * ```
 */
export class QueueInputDStream<T> extends InputDStream<T> {
  private readonly oneAtATime: boolean;
  private readonly defaultRDD: RDD<T> | undefined;
  /** Entries removed from the queue so far: the index of queue[0] in the count of all entries. */
  private consumed = 0;
  /** What each batch took, while its RDD is remembered. */
  private readonly taken = new Map<number, QueueBatch>();
  /** On recovery: the position at the checkpoint, where fresh batches start, and the entries logged batches need, by index. */
  private resumeAtCheckpoint = 0;
  private resumeAt = 0;
  private needed: QueueBatch[] = [];
  private readonly kept = new Map<number, Entry<T>>();

  constructor(
    ssc: StreamingContext,
    readonly queue: Entry<T>[],
    options: QueueStreamOptions<T> = {},
  ) {
    super(ssc, 'queueStream');
    if (!Array.isArray(queue)) throw new InvalidArgumentError(`queueStream expects an array used as a queue (entries: arrays or RDDs), got ${typeof queue}.`);
    this.oneAtATime = options.oneAtATime ?? true;
    this.defaultRDD = options.defaultRDD;
  }

  protected compute(validTime: number): RDD<T> {
    const logged = this.recovery?.logged.get(validTime) as QueueBatch | undefined;
    if (logged) return this.batchOf(validTime, this.replay(logged, validTime), logged);
    if (this.isDoneAndUnlogged(validTime)) return this.ssc.sparkContext.emptyRDD<T>();
    if (this.consumed < this.resumeAt) this.removeUpTo(this.resumeAt, validTime, 'resume after the batches it logged');
    const taken = this.oneAtATime ? this.queue.splice(0, 1) : this.queue.splice(0, this.queue.length);
    const batch = { from: this.consumed, to: this.consumed + taken.length };
    this.consumed = batch.to;
    return this.batchOf(validTime, taken, batch);
  }

  private batchOf(validTime: number, taken: readonly Entry<T>[], batch: QueueBatch): RDD<T> {
    this.taken.set(validTime, batch);
    const rdds = taken.map((entry, i) => {
      if (entry instanceof RDD) return entry;
      if (!Array.isArray(entry)) {
        throw new InvalidArgumentError(`queueStream: queue entry ${i} at batch ${validTime} ms is ${typeof entry}; entries must be arrays or RDDs.`);
      }
      return this.ssc.sparkContext.parallelize(entry, this.ssc.queueSlices(entry.length));
    });
    this.reportRecords(
      validTime,
      taken.reduce((n, e) => n + (Array.isArray(e) ? e.length : 0), 0),
    );
    if (rdds.length === 0) return this.defaultRDD ?? this.ssc.sparkContext.emptyRDD<T>();
    return rdds.length === 1 ? rdds[0]! : this.ssc.sparkContext.union(rdds);
  }

  /** The entries a logged batch took, from the queue the caller filled again. */
  private replay(batch: QueueBatch, validTime: number): Entry<T>[] {
    this.removeUpTo(batch.to, validTime, `make the batch at ${validTime} ms again from entries #${batch.from} to #${batch.to - 1}`);
    const out: Entry<T>[] = [];
    for (let i = batch.from; i < batch.to; i++) out.push(this.kept.get(i)!);
    return out;
  }

  /** Take entries off the queue up to index `to`, keeping those a logged batch needs. */
  private removeUpTo(to: number, validTime: number, why: string): void {
    if (to <= this.consumed) return;
    if (this.consumed + this.queue.length < to) {
      throw new RecoveryError(
        `${this.creationSite}: resuming from the checkpoint, the batch at ${validTime} ms needs queue entries up to #${to - 1} (to ${why}), ` +
          `but ${this.consumed === 0 ? 'the queue holds' : `after the ${this.consumed} already taken, the queue holds`} only ${this.queue.length}. ` +
          'On recovery, createContext must fill the queue again with the same entries, in the same order, from the first one.',
      );
    }
    const removed = this.queue.splice(0, to - this.consumed);
    for (let i = 0; i < removed.length; i++) {
      const index = this.consumed + i;
      if (this.needed.some((b) => index >= b.from && index < b.to)) this.kept.set(index, removed[i]!);
    }
    this.consumed = to;
  }

  /** `{ from, to }`: the entries this batch took. */
  override logBatch(time: number): QueueBatch | undefined {
    return this.taken.get(time);
  }

  /** `{ consumed }`: entries taken by the batches up to `time`. */
  override checkpointPosition(time: number): { consumed: number } {
    let consumed = this.recovery ? this.resumeAtCheckpoint : 0;
    let latest = Number.NEGATIVE_INFINITY;
    for (const [t, b] of this.taken) {
      if (t <= time && t > latest) {
        latest = t;
        consumed = b.to;
      }
    }
    return { consumed };
  }
  override restore(recovery: InputRecovery): void {
    super.restore(recovery);
    const position = recovery.position as { consumed?: unknown } | undefined;
    const atCheckpoint = typeof position?.consumed === 'number' ? position.consumed : 0;
    this.resumeAtCheckpoint = atCheckpoint;
    this.needed = [];
    this.resumeAt = atCheckpoint;
    for (const [time, value] of recovery.logged) {
      const b = value as Partial<QueueBatch> | undefined;
      if (typeof b?.from !== 'number' || typeof b.to !== 'number' || b.from > b.to) {
        throw new RecoveryError(`${this.creationSite}: the write-ahead log record of the batch at ${time} ms does not say which queue entries it took (${JSON.stringify(value)}).`);
      }
      this.needed.push({ from: b.from, to: b.to });
      if (time > recovery.checkpointTime) this.resumeAt = Math.max(this.resumeAt, b.to);
    }
  }

  override clearMetadata(time: number): void {
    super.clearMetadata(time);
    for (const t of [...this.taken.keys()]) if (t <= time && !this.generatedRDDs.has(t)) this.taken.delete(t);
  }

  protected override onReplayDone(): void {
    this.kept.clear();
    this.needed = [];
  }
}
