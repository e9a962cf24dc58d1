import { OutOfRangeError } from '../util/errors.ts';
import { RDD } from './RDD.ts';
import type { RDDContext } from './RDDContext.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import type { RDDDescriptor } from './descriptor.ts';

/**
 * An RDD over data the driver already holds, sliced into partitions (Spark's parallelize). Input
 * streams build their batch RDDs as these, one partition per received block.
 *
 * @example
 * ```ts
 * import { ParallelCollectionRDD } from 'rivulet';
 * const rdd = sc.parallelize([1, 2, 3, 4, 5], 2); // a ParallelCollectionRDD
 * ParallelCollectionRDD.slice([1, 2, 3, 4, 5], 2); // [[1, 2], [3, 4, 5]]
 * const same = new ParallelCollectionRDD(sc, [[1, 2], [3, 4, 5]]);
 * ```
 */
export class ParallelCollectionRDD<T> extends RDD<T> {
  readonly dependencies = [] as const;
  readonly numPartitions: number;

  constructor(
    context: RDDContext,
    readonly slices: readonly (readonly T[])[],
    operation = 'parallelize',
    callSite?: string,
  ) {
    super(context, operation, callSite);
    this.numPartitions = slices.length;
  }

  /** Cut `data` into `numSlices` contiguous slices of near-equal size, as Spark does. */
  static slice<T>(data: readonly T[], numSlices: number): T[][] {
    if (!Number.isInteger(numSlices) || numSlices < 1) {
      throw new OutOfRangeError(`parallelize: numSlices must be a positive integer, got ${numSlices}.`);
    }
    const out: T[][] = [];
    for (let i = 0; i < numSlices; i++) {
      out.push(data.slice(Math.floor((i * data.length) / numSlices), Math.floor(((i + 1) * data.length) / numSlices)));
    }
    return out;
  }

  /** Data the driver holds: sent with each task, partition by partition. */
  protected override describeLineage(): RDDDescriptor {
    return this.descriptor('input', {}, []);
  }

  protected compute(split: number, _ctx: TaskContext, emit: Emit<T>): void {
    const slice = this.slices[split]!;
    for (let i = 0; i < slice.length; i++) emit(slice[i]!);
  }
}
