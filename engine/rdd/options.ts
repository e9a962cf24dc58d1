import type { Partitioner } from './Partitioner.ts';
import { InvalidArgumentError } from '../util/errors.ts';

/**
 * Where a shuffle's output goes, as an options object: `reduceByKey(f, { numPartitions: 4 })`.
 * Every operation that takes Spark's positional `numPartitions` or `partitioner` takes this in
 * its place too. Give one of the two, not both. Spark: the positional `numPartitions: Int` or
 * `partitioner: Partitioner` of PairRDDFunctions and PairDStreamFunctions (Scala has named
 * arguments instead).
 *
 * @example
 * ```ts
 * import type { PartitionOptions } from 'rivulet';
 * const four: PartitionOptions = { numPartitions: 4 };
 * const counts = pairs.reduceByKey((a, b) => a + b, four); // the same as reduceByKey(f, 4)
 * ```
 */
export interface PartitionOptions {
  /** Hash-partition into this many partitions. */
  numPartitions?: number;
  /** Place keys with this partitioner. */
  partitioner?: Partitioner;
}

/** True for a Partitioner (anything with a getPartition function), false for an options object. */
export function isPartitioner(x: unknown): x is Partitioner {
  return typeof x === 'object' && x !== null && typeof (x as Partitioner).getPartition === 'function';
}

/**
 * An operation's options object, checked: a plain object whose keys are all among `allowed`. A
 * misspelt key (`numPartition`) is an error naming the operation and the keys it knows, rather
 * than an option silently left at its default.
 */
export function readOptions<O extends object>(value: unknown, operation: string, allowed: readonly (keyof O & string)[]): O {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${operation}: expected an options object { ${allowed.join(', ')} }, got ${describe(value)}.`);
  }
  const unknown = Object.keys(value).filter((k) => !(allowed as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`${operation}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; the options are ${allowed.join(', ')}.`);
  }
  return value as O;
}

/**
 * Spark's positional `numPartitions` or `partitioner`, or {@link PartitionOptions} in their
 * place: the number or partitioner given, undefined when neither is.
 */
export function partitioning(arg: number | Partitioner | PartitionOptions | undefined, operation: string): number | Partitioner | undefined {
  if (arg === undefined || typeof arg === 'number' || isPartitioner(arg)) return arg;
  const o = readOptions<PartitionOptions>(arg, operation, ['numPartitions', 'partitioner']);
  if (o.numPartitions !== undefined && o.partitioner !== undefined) {
    throw new InvalidArgumentError(`${operation}: give numPartitions or partitioner, not both (the partitioner decides the number of partitions).`);
  }
  if (o.partitioner !== undefined && !isPartitioner(o.partitioner)) {
    throw new InvalidArgumentError(`${operation}: the partitioner option must be a Partitioner (with getPartition), got ${describe(o.partitioner)}.`);
  }
  return o.partitioner ?? o.numPartitions;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'function') return 'a function';
  if (typeof x === 'object') return `an object (${x.constructor?.name ?? 'no prototype'})`;
  return `${typeof x} ${String(x)}`;
}
