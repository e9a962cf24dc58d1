import { RecoveryError } from '../checkpoint/RecoveryError.ts';
import { InvalidArgumentError } from '../util/errors.ts';
import { InputDStream } from './InputDStream.ts';
import type { RDD } from '../rdd/index.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { Receiver } from '../sources/Receiver.ts';
import { ReceiverSupervisor } from '../sources/ReceiverSupervisor.ts';
import { receiverSettings, type ReceiverOptions, type ReceiverSettings } from '../sources/ReceiverOptions.ts';
import { RateController } from '../streaming/RateController.ts';

/**
 * An input stream fed by a Receiver. At each batch time the blocks received since the previous
 * batch are allocated to it (even when no output reads this stream) and become the partitions of
 * that batch's RDD.
 *
 * The receiver's buffer is bounded (ReceiverOptions: bufferSize and an overflow policy), and how
 * many records a batch takes may be limited (receiverMaxRate, backpressure); each batch's
 * BatchInfo tells what the buffer did (streamIdToInputInfo[id].receiver).
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
 * const custom = ssc.receiverStream(new MyReceiver(), { bufferSize: 10_000, overflow: 'drop-oldest' }); // any Receiver subclass
 * lines.union(custom).print();
 * ```
 */
export class ReceiverInputDStream<T> extends InputDStream<T> {
  readonly supervisor: ReceiverSupervisor<T>;
  /** The buffer's size and policy and the rate limits, as checked from the options. */
  readonly settings: ReceiverSettings;
  private readonly rateController: RateController | undefined;
  private readonly allocated = new Map<number, T[][]>();
  /** Blocks allocated and not yet logged, while checkpointing. */
  private readonly unlogged = new Map<number, T[][]>();

  constructor(ssc: StreamingContext, receiver: Receiver<T>, operation = 'receiverStream', callSite?: string, options?: ReceiverOptions) {
    super(ssc, operation, callSite);
    if (!receiver || typeof (receiver as Receiver<T>).onStart !== 'function') {
      throw new InvalidArgumentError(`${operation} expects a Receiver (a class with onStart/onStop), got ${typeof receiver}.`);
    }
    const cannotPause = receiver.cannotPause;
    this.settings = receiverSettings(options, operation, cannotPause === undefined, cannotPause);
    if (this.settings.backpressure) this.rateController = new RateController(ssc, this.inputId, this.settings.initialRate, this.settings.minRate);
    this.supervisor = new ReceiverSupervisor(receiver, this.inputId, ssc, this.creationSite, this.settings);
  }

  /**
   * Records per second the next batch may take from the buffer: receiverMaxRate, or backpressure's
   * estimate if lower; undefined when neither limits it.
   */
  get rateLimit(): number | undefined {
    const max = this.settings.receiverMaxRate;
    const estimated = this.rateController?.latestRate;
    if (estimated === undefined) return max;
    return max === undefined ? estimated : Math.min(max, estimated);
  }

  /** Records the receiver holds now: not yet in a batch, or in batches not completed (at most bufferSize). */
  get bufferedRecords(): number {
    return this.supervisor.buffered;
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
    if (logged) {
      this.allocated.set(time, logged);
      this.reportRecords(time, countRecords(logged));
      return;
    }
    const { blocks, info } = this.supervisor.allocate(time, this.rateLimit);
    this.allocated.set(time, blocks);
    if (this.ssc.isCheckpointing) this.unlogged.set(time, blocks);
    this.ssc.inputInfoTracker.report(time, this.inputId, countRecords(blocks), info);
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

  /** Records received and not yet in a batch (including those waiting for room under overflow 'block'). */
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

function countRecords(blocks: readonly (readonly unknown[])[]): number {
  let n = 0;
  for (const b of blocks) n += b.length;
  return n;
}
