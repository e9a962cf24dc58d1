import { InputDStream } from './InputDStream.ts';
import type { RDD } from '../rdd/index.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { Receiver } from '../sources/Receiver.ts';
import { ReceiverSupervisor } from '../sources/ReceiverSupervisor.ts';

/**
 * An input stream fed by a Receiver. At each batch time the blocks received since the previous
 * batch are allocated to it (even when no output reads this stream) and become the partitions of
 * that batch's RDD.
 */
export class ReceiverInputDStream<T> extends InputDStream<T> {
  readonly supervisor: ReceiverSupervisor<T>;
  private readonly allocated = new Map<number, T[][]>();

  constructor(ssc: StreamingContext, receiver: Receiver<T>, operation = 'receiverStream', callSite?: string) {
    super(ssc, operation, callSite);
    if (!receiver || typeof (receiver as Receiver<T>).onStart !== 'function') {
      throw new TypeError(`${operation} expects a Receiver (a class with onStart/onStop), got ${typeof receiver}.`);
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
    const blocks = this.supervisor.allocate(time);
    this.allocated.set(time, blocks);
    this.reportRecords(time, blocks.reduce((n, b) => n + b.length, 0));
  }

  get pendingRecords(): number {
    return this.supervisor.pending;
  }

  protected compute(validTime: number): RDD<T> {
    const blocks = this.allocated.get(validTime) ?? [];
    this.allocated.delete(validTime);
    return this.ssc.sparkContext.fromPartitions(blocks, this.operation);
  }

  override clearMetadata(time: number): void {
    super.clearMetadata(time);
    for (const t of [...this.allocated.keys()]) if (t <= time) this.allocated.delete(t);
  }
}
