import { RecoveryError } from '../checkpoint/RecoveryError.ts';
import { InvalidArgumentError } from '../util/errors.ts';
import { InputDStream } from './InputDStream.ts';
import type { RDD } from '../rdd/index.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { Receiver } from '../sources/Receiver.ts';
import { ReceiverSupervisor } from '../sources/ReceiverSupervisor.ts';

/**
 * An input stream fed by a Receiver. At each batch time the blocks received since the previous
 * batch are allocated to it (even when no output reads this stream) and become the partitions of
 * that batch's RDD.
 *
 * Checkpoints: a receiver cannot be asked for its data again, so with ssc.checkpoint(store) each
 * batch's blocks go to the write-ahead log before the batch runs (logBatch), and on recovery the
 * logged batches are made again from them. Records received but not yet allocated to a batch
 * when the process dies are lost: the log is written per batch, not per record.
 *
 * Spark: `org.apache.spark.streaming.dstream.ReceiverInputDStream`.
 *
 * @example
 * ```ts
 * const lines = ssc.socketTextStream('localhost', 9999); // a ReceiverInputDStream<string>
 * const custom = ssc.receiverStream(new MyReceiver()); // any Receiver subclass
 * lines.union(custom).print();
 * ```
 */
export class ReceiverInputDStream<T> extends InputDStream<T> {
  readonly supervisor: ReceiverSupervisor<T>;
  private readonly allocated = new Map<number, T[][]>();
  /** Blocks allocated and not yet logged, while checkpointing. */
  private readonly unlogged = new Map<number, T[][]>();

  constructor(ssc: StreamingContext, receiver: Receiver<T>, operation = 'receiverStream', callSite?: string) {
    super(ssc, operation, callSite);
    if (!receiver || typeof (receiver as Receiver<T>).onStart !== 'function') {
      throw new InvalidArgumentError(`${operation} expects a Receiver (a class with onStart/onStop), got ${typeof receiver}.`);
    }
    this.supervisor = new ReceiverSupervisor(receiver, this.inputId, ssc, this.creationSite);
  }

  override start(): Promise<void> {
    return this.supervisor.start(this.ssc.zeroTime!);
  }

  override stop(): Promise<void> {
    return this.supervisor.stopReceiver('StreamingContext stopped');
  }

  /** Take the blocks that arrived before `time` for the batch at `time`. */
  allocateBlocks(time: number): void {
    const logged = this.loggedBlocks(time);
    const blocks = logged ?? this.supervisor.allocate(time);
    this.allocated.set(time, blocks);
    if (!logged && this.ssc.isCheckpointing) this.unlogged.set(time, blocks);
    this.reportRecords(
      time,
      blocks.reduce((n, b) => n + b.length, 0),
    );
  }

  private loggedBlocks(time: number): T[][] | undefined {
    const logged = this.recovery?.logged.get(time) as { blocks?: unknown } | undefined;
    if (logged === undefined) return undefined;
    if (!Array.isArray(logged.blocks) || !logged.blocks.every(Array.isArray)) {
      throw new RecoveryError(`${this.creationSite}: the write-ahead log record of the batch at ${time} ms holds no blocks of records (${JSON.stringify(logged).slice(0, 80)}).`);
    }
    return logged.blocks as T[][];
  }

  /** `{ blocks }`: the records this batch received, block by block. */
  override logBatch(time: number): { blocks: T[][] } | undefined {
    const blocks = this.unlogged.get(time);
    this.unlogged.delete(time);
    return blocks && { blocks };
  }

  get pendingRecords(): number {
    return this.supervisor.pending;
  }

  protected compute(validTime: number): RDD<T> {
    // A batch before the checkpoint (a window reaching back) is made from its logged blocks.
    const blocks = this.allocated.get(validTime) ?? (this.isDoneAndUnlogged(validTime) ? [] : this.loggedBlocks(validTime)) ?? [];
    this.allocated.delete(validTime);
    return this.ssc.sparkContext.fromPartitions(blocks, this.operation);
  }

  override clearMetadata(time: number): void {
    super.clearMetadata(time);
    for (const t of [...this.allocated.keys()]) if (t <= time) this.allocated.delete(t);
    for (const t of [...this.unlogged.keys()]) if (t <= time) this.unlogged.delete(t);
  }
}
