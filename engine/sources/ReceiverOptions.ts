import { InvalidArgumentError, OutOfRangeError } from '../util/errors.ts';

/**
 * What a receiver's buffer does when a record arrives and it is full (see {@link ReceiverOptions}):
 *
 * - `'block'`: the producer waits — `store()` returns a promise that resolves once the record is
 *   in, and a receiver that can pause its source (a TCP socket, an MQTT connection, a pull
 *   subscription) stops reading until then. Nothing is lost; the source holds what waits.
 * - `'drop-oldest'`: the oldest record not yet in a batch is dropped to make room (records already
 *   in a batch are never dropped); when every buffered record is in a batch, the new one is.
 * - `'drop-newest'`: the new record is dropped.
 * - `'fail'`: the stream fails with a {@link ReceiverBufferFullError} naming the receiver and the
 *   limit: the batches holding what it had received run, the next batch fails.
 *
 * Spark has no counterpart: its receivers only block, in their rate limiter.
 *
 * @example
 * ```ts
 * import type { OverflowPolicy } from 'rivulet';
 * const overflow: OverflowPolicy = 'drop-oldest'; // a dashboard wants the freshest values
 * const clicks = ssc.fromObservable(clicks$, { bufferSize: 1_000, overflow });
 * ```
 */
export type OverflowPolicy = 'block' | 'drop-oldest' | 'drop-newest' | 'fail';

/**
 * How much a receiver may hold and how fast its records go into batches; every receiver stream
 * takes these (`receiverStream(receiver, options)`, `fromObservable`, `socketTextStream`,
 * `webSocketStream`, `MQTTUtils.createStream`). The buffer holds the records a receiver stored and
 * whose batch has not completed yet — those not yet in a batch and those in batches waiting or
 * running — so it bounds both the memory and the work waiting, hence the scheduling delay.
 *
 * Spark: `spark.streaming.receiver.maxRate` and `spark.streaming.backpressure.*` (application-wide
 * settings there, per stream here); Spark's receivers have no bound on what they hold.
 *
 * @example
 * ```ts
 * import type { ReceiverOptions } from 'rivulet';
 * const options: ReceiverOptions = { bufferSize: 10_000, overflow: 'drop-oldest', receiverMaxRate: 5_000 };
 * const clicks = ssc.fromObservable(clicks$, options);
 * ```
 */
export interface ReceiverOptions {
  /**
   * At most this many records held: stored and not yet processed (their batch has not
   * completed). Default 100,000 ({@link DEFAULT_RECEIVER_BUFFER_SIZE}).
   */
  bufferSize?: number;
  /**
   * What happens to a record that arrives when the buffer is full. Default: `'block'` for a
   * receiver that can pause its source (`receiverStream`, `socketTextStream`, `MQTTUtils`), `'fail'`
   * for one that cannot (`fromObservable`, `webSocketStream`), which refuse `'block'`.
   */
  overflow?: OverflowPolicy;
  /**
   * At most this many records per second go into batches (Spark's
   * spark.streaming.receiver.maxRate); what arrives faster waits in the buffer for later batches,
   * and once the buffer is full `overflow` applies. Default: no limit.
   */
  receiverMaxRate?: number;
  /**
   * Spark's spark.streaming.backpressure.enabled: after every batch a PID rate estimator sets how
   * many records per second the next batches take from this receiver (never more than
   * `receiverMaxRate`), so the batches stay as large as the pipeline processes in an interval.
   * Default false.
   */
  backpressure?: boolean;
  /** Spark's spark.streaming.backpressure.initialRate: records per second before the estimator has learnt a rate. Default: no limit. */
  initialRate?: number;
  /** Spark's spark.streaming.backpressure.pid.minRate: the estimator never goes below it. Default 100. */
  minRate?: number;
}

/**
 * The default {@link ReceiverOptions.bufferSize}: records a receiver holds before its overflow
 * policy applies. Spark has no counterpart (its receivers hold without bound).
 *
 * @example
 * ```ts
 * import { DEFAULT_RECEIVER_BUFFER_SIZE } from 'rivulet';
 * const lines = ssc.socketTextStream('localhost', 9999, { bufferSize: 4 * DEFAULT_RECEIVER_BUFFER_SIZE });
 * ```
 */
export const DEFAULT_RECEIVER_BUFFER_SIZE = 100_000;

const POLICIES: readonly OverflowPolicy[] = ['block', 'drop-oldest', 'drop-newest', 'fail'];

/** @internal What a receiver stream runs with, after its options are checked. */
export interface ReceiverSettings {
  bufferSize: number;
  overflow: OverflowPolicy;
  receiverMaxRate: number | undefined;
  backpressure: boolean;
  initialRate: number | undefined;
  minRate: number;
}

/**
 * @internal Check `options` for the stream `operation`. `canBlock`: whether its receiver pauses its
 * source while a store waits; one that cannot refuses `'block'` and defaults to `'fail'`, and
 * `cannotBlockBecause` says why.
 */
export function receiverSettings(options: ReceiverOptions | undefined, operation: string, canBlock: boolean, cannotBlockBecause = ''): ReceiverSettings {
  const o = options ?? {};
  if (typeof o !== 'object') throw new InvalidArgumentError(`${operation}: options must be an object ({ bufferSize, overflow, receiverMaxRate, backpressure }), got ${typeof o}.`);
  const bufferSize = o.bufferSize ?? DEFAULT_RECEIVER_BUFFER_SIZE;
  if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new OutOfRangeError(`${operation}: bufferSize must be a positive whole number of records, got ${String(bufferSize)}.`);
  const overflow = o.overflow ?? (canBlock ? 'block' : 'fail');
  if (!POLICIES.includes(overflow)) throw new InvalidArgumentError(`${operation}: overflow must be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, got ${JSON.stringify(overflow)}.`);
  if (overflow === 'block' && !canBlock) {
    throw new InvalidArgumentError(
      `${operation}: overflow 'block' needs a receiver that can pause its source, and ${cannotBlockBecause || 'this one cannot'}; choose 'drop-oldest', 'drop-newest' or 'fail'.`,
    );
  }
  for (const [name, v] of [
    ['receiverMaxRate', o.receiverMaxRate],
    ['initialRate', o.initialRate],
    ['minRate', o.minRate],
  ] as const) {
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v)))
      throw new OutOfRangeError(`${operation}: ${name} must be a positive number of records per second, got ${String(v)}.`);
  }
  if (o.backpressure !== undefined && typeof o.backpressure !== 'boolean') throw new InvalidArgumentError(`${operation}: backpressure must be true or false, got ${JSON.stringify(o.backpressure)}.`);
  return { bufferSize, overflow, receiverMaxRate: o.receiverMaxRate, backpressure: o.backpressure ?? false, initialRate: o.initialRate, minRate: o.minRate ?? 100 };
}
