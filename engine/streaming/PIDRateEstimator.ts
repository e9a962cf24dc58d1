import { OutOfRangeError } from '../util/errors.ts';

/**
 * Spark's PID rate estimator (backpressure): after each completed batch, the rate (records per
 * second) the pipeline can take, from how many records the batch had, how long it took and how
 * long it waited. See SPARK-SEMANTICS.md, "Backpressure".
 *
 * Spark: `org.apache.spark.streaming.scheduler.rate.PIDRateEstimator` (defaults: proportional
 * 1.0, integral 0.2, derived 0.0, minRate 100).
 *
 * @example
 * ```ts
 * import { PIDRateEstimator } from 'rivulet';
 * const e = new PIDRateEstimator(1000);
 * e.compute(1000, 5000, 2000, 0); // undefined: the first batch only sets the rate
 * e.compute(2000, 2500, 1000, 1000); // a rate below 2500 records/s: the batches fall behind
 * ```
 */
export class PIDRateEstimator {
  private firstRun = true;
  private latestTime = -1;
  private latestRate = -1;
  private latestError = -1;

  constructor(
    readonly batchIntervalMillis: number,
    readonly proportional = 1.0,
    readonly integral = 0.2,
    readonly derivative = 0.0,
    readonly minRate = 100,
  ) {
    if (!(batchIntervalMillis > 0)) throw new OutOfRangeError(`PIDRateEstimator: the batch interval must be positive, got ${batchIntervalMillis}.`);
    if (!(minRate > 0)) throw new OutOfRangeError(`PIDRateEstimator: minRate must be positive, got ${minRate}.`);
    if (proportional < 0 || integral < 0 || derivative < 0) throw new OutOfRangeError('PIDRateEstimator: the proportional, integral and derivative gains must not be negative.');
  }

  /**
   * The new rate in records per second after the batch at `time` with `numElements` records,
   * or undefined when there is nothing to learn from (an empty batch, no processing time, an
   * older batch) or it is the first batch.
   */
  compute(time: number, numElements: number, processingDelay: number, schedulingDelay: number): number | undefined {
    if (!(time > this.latestTime && numElements > 0 && processingDelay > 0)) return undefined;
    const delaySinceUpdate = (time - this.latestTime) / 1000;
    const processingRate = (numElements / processingDelay) * 1000;
    const error = this.latestRate - processingRate;
    // The records that piled up while batches waited, as a rate over one interval.
    const historicalError = (schedulingDelay * processingRate) / this.batchIntervalMillis;
    const dError = (error - this.latestError) / delaySinceUpdate;
    const newRate = Math.max(this.latestRate - this.proportional * error - this.integral * historicalError - this.derivative * dError, this.minRate);
    this.latestTime = time;
    if (this.firstRun) {
      this.latestRate = processingRate;
      this.latestError = 0;
      this.firstRun = false;
      return undefined;
    }
    this.latestRate = newRate;
    this.latestError = error;
    return newRate;
  }
}
