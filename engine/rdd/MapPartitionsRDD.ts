import { RDD } from './RDD.ts';
import { NarrowDependency } from './Dependency.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import { describeParams, type RDDDescriptor } from './descriptor.ts';

/**
 * A stage of a narrow transformation: receives the parent's records, pushes its own to emit.
 * Spark has no counterpart: Spark's narrow transformations pull records through an `Iterator[T]`;
 * a sink is the push form of that iterator (closest: the iterator a MapPartitionsRDD function returns).
 *
 * @example
 * ```ts
 * import { type PipeSink } from 'rivulet';
 * let sum = 0;
 * const sink: PipeSink<number> = { next: (x) => { sum += x; }, done: () => console.log(sum) };
 * ```
 */
export interface PipeSink<T> {
  next: (record: T) => void;
  /** Called after the partition's last record (mapPartitions, glom, sorting within a partition). */
  done?: () => void;
}
/**
 * A per-partition transformation in push form: given where to emit and the partition index, it
 * returns the sink that receives the parent's records. It is what a {@link MapPartitionsRDD}
 * runs, the counterpart of the `(context, partitionIndex, iterator) => iterator` function of
 * Spark's MapPartitionsRDD; consecutive pipes fuse into one pass over the partition.
 *
 * @example
 * ```ts
 * import { type Pipe } from 'rivulet';
 * const evens: Pipe<number, number> = (emit) => ({ next: (x) => { if (x % 2 === 0) emit(x); } });
 * ```
 */
export type Pipe<T, U> = (emit: Emit<U>, partitionIndex: number) => PipeSink<T>;

/**
 * Spark's MapPartitionsRDD: map, flatMap, filter, mapPartitions… Each partition is computed by
 * pushing the parent's records through `pipe`, so a chain of narrow transformations is one pass.
 *
 * @example
 * ```ts
 * import { MapPartitionsRDD } from 'rivulet';
 * const doubled = sc.parallelize([1, 2, 3]).map((x) => x * 2).filter((x) => x > 2);
 * doubled instanceof MapPartitionsRDD; // true
 * ```
 */
export class MapPartitionsRDD<T, U> extends RDD<U> {
  readonly numPartitions: number;
  readonly dependencies: readonly NarrowDependency[];

  constructor(
    readonly prev: RDD<T>,
    private readonly pipeFn: Pipe<T, U>,
    preservesPartitioning: boolean,
    operation: string,
    callSite?: string,
    /** Set when built from the narrowOps registry: what a worker needs to rebuild the same pipe. */
    readonly op?: { readonly name: string; readonly params: Readonly<Record<string, unknown>> },
  ) {
    super(prev.context, operation, callSite);
    this.numPartitions = prev.numPartitions;
    this.dependencies = [NarrowDependency.oneToOne(prev)];
    if (preservesPartitioning) this.partitioner = prev.partitioner;
  }

  protected override describeLineage(): RDDDescriptor | undefined {
    if (!this.op) return undefined;
    const parent = this.prev.describe();
    const params = describeParams(this.op.params, this.context.pipelineInWorkers);
    if (typeof params === 'string') this.notDescribable = params;
    if (!parent || typeof params === 'string') return undefined;
    return this.descriptor('mapPartitions', { op: this.op.name, args: params, preservesPartitioning: this.partitioner !== undefined }, [parent]);
  }

  protected compute(split: number, ctx: TaskContext, emit: Emit<U>): void {
    const sink = this.pipeFn(emit, split);
    this.prev.iterator(split, ctx, sink.next);
    sink.done?.();
  }
}
