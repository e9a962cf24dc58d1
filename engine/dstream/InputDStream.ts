import { DStream } from './DStream.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { Duration } from '../util/duration.ts';
import type { InputRecovery } from './checkpointing.ts';

/**
 * A stream fed from outside: one RDD per batch interval. Subclasses create the RDD in compute()
 * and report how many records it holds (BatchInfo.numRecords).
 *
 * Spark: `org.apache.spark.streaming.dstream.InputDStream`.
 *
 * @example
 * ```ts
 * import type { InputDStream } from 'rivulet';
 * const input: InputDStream<number> = ssc.queueStream([[1, 2], [3]]);
 * input.map((x) => x * 2).print();
 * ```
 */
export abstract class InputDStream<T> extends DStream<T> {
  readonly dependencies = [] as const;
  readonly slideDuration: Duration;
  readonly inputId: number;

  constructor(ssc: StreamingContext, operation: string, callSite?: string) {
    super(ssc, operation, callSite);
    this.slideDuration = ssc.batchInterval;
    this.inputId = ssc.graph.addInputStream(this);
  }

  /** Called by start(); begin receiving. */
  start(): void | Promise<void> {}
  /** Called by stop(); release sources. */
  stop(): void | Promise<void> {}

  /**
   * @internal Called at the batch time `time`, before the batch is generated: an input that must
   * ask something first (a replayable source's latest offsets) returns a promise, and the batch
   * is generated once it resolves (batches stay in order). A rejection fails the batch.
   */
  prepareBatch(_time: number): Promise<void> | undefined {
    return undefined;
  }

  /** @internal Called after the batch at `time` completed with every output done (and its checkpoint, when due). */
  batchSucceeded(_time: number): void {}

  // ---- checkpoints (see checkpointing.ts) ----------------------------------------------------

  /** Set by restore(): what to replay, and up to which time batches are done. */
  protected recovery: InputRecovery | undefined;

  /**
   * @internal What this input took for the batch at `time`, as data, for the write-ahead log:
   * enough to make the same batch again after a crash. Undefined: nothing to log.
   */
  logBatch(_time: number): unknown {
    return undefined;
  }

  /** @internal Where this input is after the batch at `time`, for a checkpoint. */
  checkpointPosition(_time: number): unknown {
    return undefined;
  }

  /**
   * @internal Resume from a checkpoint, before start(): batches logged after it are made again
   * as they were; batches at or before it that were not logged are empty (they are done).
   */
  restore(recovery: InputRecovery): void {
    this.recovery = recovery;
  }

  /**
   * Once every logged batch is made and no window reads back to one, let go of what replaying
   * needed (receivers' logged blocks, queue entries).
   */
  override clearMetadata(time: number): void {
    super.clearMetadata(time);
    const r = this.recovery;
    if (!r || r.logged.size === 0) return;
    for (const t of r.logged.keys()) if (t > time - this.rememberDuration!) return;
    this.recovery = { ...r, logged: new Map() };
    this.onReplayDone();
  }

  protected onReplayDone(): void {}

  /** Whether the batch at `time` was done before the checkpoint recovered from and is not in the log. */
  protected isDoneAndUnlogged(time: number): boolean {
    const r = this.recovery;
    if (!r || time > r.checkpointTime || r.logged.has(time)) return false;
    if (!this.warnedUnlogged) {
      this.warnedUnlogged = true;
      r.warn(`${this.creationSite}: the batch at ${time} ms (before the checkpoint at ${r.checkpointTime} ms) is not in the write-ahead log, so a window reaching back to it sees it empty.`);
    }
    return true;
  }
  private warnedUnlogged = false;

  /** An input stream produces a batch at every interval, including the first after zeroTime. */
  protected reportRecords(time: number, numRecords: number): void {
    this.ssc.inputInfoTracker.report(time, this.inputId, numRecords);
  }
}
