import { PIDRateEstimator } from './PIDRateEstimator.ts';
import type { StreamingContext } from './StreamingContext.ts';

/**
 * Backpressure for one input stream (Spark's RateController): after every completed batch, the
 * PID estimator's new rate from the stream's records in it and the batch's delays. A direct
 * stream limits the offset ranges it plans with it; a receiver stream, the records a batch takes
 * from its buffer (Spark's ReceiverRateController sends it to the receiver's rate limiter).
 *
 * Spark: `org.apache.spark.streaming.scheduler.RateController`.
 */
export class RateController {
  private readonly estimator: PIDRateEstimator;
  private rate: number | undefined;

  constructor(ssc: StreamingContext, inputId: number, initialRate: number | undefined, minRate = 100) {
    this.estimator = new PIDRateEstimator(ssc.batchInterval, 1.0, 0.2, 0.0, minRate);
    this.rate = initialRate;
    ssc.addStreamingListener({
      onBatchCompleted: ({ batchInfo: b }) => {
        if (b.failureReason !== undefined || b.processingDelay === undefined || b.schedulingDelay === undefined) return;
        const rate = this.estimator.compute(b.batchTime, b.streamIdToNumRecords[inputId] ?? 0, b.processingDelay, b.schedulingDelay);
        if (rate !== undefined) this.rate = rate;
      },
    });
  }

  /** Records per second the next batches may take; undefined before the estimator has learnt a rate (and without an initial one). */
  get latestRate(): number | undefined {
    return this.rate;
  }
}
