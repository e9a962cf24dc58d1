import { DStream } from './DStream.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { Duration } from '../util/duration.ts';

/**
 * A stream fed from outside: one RDD per batch interval. Subclasses create the RDD in compute()
 * and report how many records it holds (BatchInfo.numRecords).
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

  /** An input stream produces a batch at every interval, including the first after zeroTime. */
  protected reportRecords(time: number, numRecords: number): void {
    this.ssc.inputInfoTracker.report(time, this.inputId, numRecords);
  }
}
