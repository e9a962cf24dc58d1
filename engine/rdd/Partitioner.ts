import { OutOfRangeError, InternalError } from '../util/errors.ts';
import { KeyError, compareKeys, hashKey, nonNegativeMod } from './keys.ts';
import type { PartitionerDescriptor } from './descriptor.ts';

/**
 * Decides which partition of a shuffle's output a key goes to (Spark's Partitioner).
 *
 * @example
 * ```ts
 * import { type Partitioner } from 'rivulet';
 * const byParity: Partitioner = { numPartitions: 2, getPartition: (k) => Math.abs(Number(k)) % 2, equals: (o) => o === byParity };
 * const split = pairs.partitionBy(byParity);
 * ```
 */
export interface Partitioner {
  readonly numPartitions: number;
  getPartition(key: unknown): number;
  /** Two RDDs partitioned by equal partitioners can be joined without a shuffle. */
  equals(other: Partitioner | undefined): boolean;
  /** Runs before the shuffle that uses this partitioner (RangePartitioner samples its input here). */
  prepare?(): Promise<void>;
  /** Plain data a worker rebuilds this partitioner from; a partitioner without it keeps its shuffles on the driver. */
  describe?(): PartitionerDescriptor | undefined;
}

function checkCount(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new OutOfRangeError(`${what}: the number of partitions must be a positive integer, got ${n}.`);
  return n;
}

/**
 * Places a key by its hash (see keys.ts for how keys hash), as Spark's HashPartitioner does.
 *
 * @example
 * ```ts
 * import { HashPartitioner } from 'rivulet';
 * const p = new HashPartitioner(4);
 * p.getPartition('user-42'); // 0 … 3, the same in every thread
 * const byUser = pairs.partitionBy(p);
 * ```
 */
export class HashPartitioner implements Partitioner {
  readonly numPartitions: number;
  constructor(numPartitions: number) {
    this.numPartitions = checkCount(numPartitions, 'HashPartitioner');
  }
  getPartition(key: unknown): number {
    return nonNegativeMod(hashKey(key), this.numPartitions);
  }
  equals(other: Partitioner | undefined): boolean {
    return other instanceof HashPartitioner && other.numPartitions === this.numPartitions;
  }
  describe(): PartitionerDescriptor {
    return { kind: 'hash', numPartitions: this.numPartitions };
  }
}

/**
 * Places keys in sorted ranges, for sortByKey / sortBy. Bounds are computed from a sample of the
 * input, lazily, right before the shuffle runs (Spark samples eagerly at definition time; here
 * defining a transformation never runs a job).
 *
 * @example
 * ```ts
 * import { RangePartitioner } from 'rivulet';
 * const p = new RangePartitioner(3, () => pairs.keys().collect());
 * await p.prepare(); // samples the keys, computes the bounds
 * const sorted = pairs.partitionBy(p); // or simply pairs.sortByKey(true, 3)
 * ```
 */
export class RangePartitioner implements Partitioner {
  readonly numPartitions: number;
  private bounds: unknown[] | undefined;
  private static nextId = 0;
  private readonly id = RangePartitioner.nextId++;

  /** A partitioner a worker received: its bounds already computed on the driver. */
  static withBounds(numPartitions: number, bounds: readonly unknown[], ascending: boolean): RangePartitioner {
    const p = new RangePartitioner(numPartitions, async () => [], ascending);
    p.bounds = [...bounds];
    return p;
  }

  constructor(
    numPartitions: number,
    private readonly sampleKeys: () => Promise<unknown[]>,
    readonly ascending = true,
    /** The operation it partitions for (sortByKey), named by errors about its keys. */
    private readonly operation = 'RangePartitioner',
  ) {
    this.numPartitions = checkCount(numPartitions, 'RangePartitioner');
  }

  async prepare(): Promise<void> {
    if (this.bounds) return;
    const keys = await this.sampleKeys();
    const bounds: unknown[] = [];
    try {
      keys.sort(compareKeys);
      for (let i = 1; i < this.numPartitions && keys.length > 0; i++) {
        const b = keys[Math.min(keys.length - 1, Math.floor((i * keys.length) / this.numPartitions))];
        if (bounds.length === 0 || compareKeys(b, bounds[bounds.length - 1]) > 0) bounds.push(b);
      }
    } catch (e) {
      throw e instanceof KeyError ? e.withOperation(this.operation) : e;
    }
    this.bounds = bounds;
  }

  getPartition(key: unknown): number {
    if (!this.bounds) throw new InternalError('RangePartitioner used before its bounds were computed');
    let lo = 0;
    let hi = this.bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.bounds[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return this.ascending ? lo : this.numPartitions - 1 - lo;
  }

  equals(other: Partitioner | undefined): boolean {
    return other instanceof RangePartitioner && other.id === this.id;
  }

  /** Undefined until prepare() has computed the bounds. */
  describe(): PartitionerDescriptor | undefined {
    return this.bounds && { kind: 'range', id: this.id, numPartitions: this.numPartitions, ascending: this.ascending, bounds: this.bounds };
  }
}
