/**
 * One batch of a stream, collected to the driver: what {@link DStream.asObservable} emits and
 * {@link DStream.batches} yields.
 *
 * Spark: the `(rdd, time)` pair a `foreachRDD` function receives, with `rdd.collect()` done.
 *
 * @example
 * ```ts
 * import type { CollectedBatch } from 'rivulet';
 * const line = ({ time, records }: CollectedBatch<string>) => `${time} ms: ${records.join(' ')}`;
 * ```
 */
export interface CollectedBatch<T> {
  /** The batch time, in ms on the context's clock. */
  readonly time: number;
  /** The batch's records, in partition order. */
  readonly records: T[];
}

/** A foreachRDD function and what the output operation gives the user. */
export interface CollectedOutput<T, O> {
  readonly foreachFunc: (rdd: { collect(): Promise<T[]> }, time: number) => Promise<void>;
  readonly output: O;
}
