import { OutOfRangeError } from '../util/errors.ts';
import { ship, type ShippedFunction, type UserFn } from '../closure/ship.ts';
import type { State } from './State.ts';
import type { Partitioner, RDD } from '../rdd/index.ts';
import { checkDuration, type Duration } from '../util/duration.ts';

/**
 * The function given to {@link StateSpec.function} for mapWithState (Spark's mapping function
 * `(key, Option[value], State[S]) => mapped`): called for each key with a new value in the batch,
 * and with `value` undefined when the key's state times out.
 *
 * @example
 * ```typescript
 * const count: MappingFunction<string, number, number, [string, number]> = (word, one, state) => {
 *   const sum = (state.getOption() ?? 0) + (one ?? 0);
 *   if (!state.isTimingOut()) state.update(sum);
 *   return [word, sum];
 * };
 * ```
 */
export type MappingFunction<K, V, S, M> = (key: K, value: V | undefined, state: State<S>) => M;

/**
 * Everything mapWithState needs (Spark's StateSpec):
 * `StateSpec.function((key, value, state) => mapped).timeout(Minutes(30)).numPartitions(4)`.
 *
 * Spark: `org.apache.spark.streaming.StateSpec`.
 *
 * @example
 * ```ts
 * import { StateSpec, Minutes } from 'rivulet';
 * const spec = StateSpec.function(countWords).timeout(Minutes(30)).numPartitions(4);
 * pairs.mapWithState(spec).print();
 * ```
 */
export class StateSpec<K, V, S, M> {
  timeoutDuration: Duration | undefined;
  partitionCount: number | undefined;
  partitionerValue: Partitioner | undefined;
  initialStateValue: Iterable<[K, S]> | RDD<[K, S]> | undefined;

  private constructor(readonly mappingFunction: ShippedFunction<MappingFunction<K, V, S, M>>) {}

  /** The function called for each key with data in a batch, and once more for a key timing out (value undefined). */
  static function<K, V, S, M>(f: UserFn<MappingFunction<K, V, S, M>>): StateSpec<K, V, S, M> {
    // Its place among the pipeline's definitions is given by mapWithState(), which knows the context.
    return new StateSpec(ship(f, 'mapWithState'));
  }

  /** Remove keys that received no update for `idle` ms; the function sees them once with isTimingOut(). */
  timeout(idle: Duration): this {
    this.timeoutDuration = checkDuration(idle, 'StateSpec.timeout');
    return this;
  }

  numPartitions(n: number): this {
    if (!Number.isInteger(n) || n < 1) throw new OutOfRangeError(`StateSpec.numPartitions: must be a positive integer, got ${n}.`);
    this.partitionCount = n;
    return this;
  }

  partitioner(p: Partitioner): this {
    this.partitionerValue = p;
    return this;
  }

  /** State to start from: `[key, state]` pairs (or an RDD of them). */
  initialState(pairs: Iterable<[K, S]> | RDD<[K, S]>): this {
    this.initialStateValue = pairs;
    return this;
  }
}
