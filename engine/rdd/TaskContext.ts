import type { ShuffleDependency } from './Dependency.ts';

/**
 * What a task can see while it computes one partition. Spark: `org.apache.spark.TaskContext`
 * (stageId, partitionId, attemptNumber).
 *
 * @example
 * ```ts
 * protected compute(split: number, ctx: TaskContext, emit: Emit<string>): void {
 *   emit(`stage ${ctx.stageId}, partition ${ctx.partitionId}, attempt ${ctx.attemptNumber}`);
 * }
 * ```
 */
export interface TaskContext {
  readonly stageId: number;
  readonly partitionId: number;
  readonly attemptNumber: number;
  /** The map outputs of `dep` destined for `reducePartition`, one array per map partition. */
  shuffleBlocks(dep: ShuffleDependency<any, any, any>, reducePartition: number): readonly (readonly unknown[])[];
}

/**
 * Receives a partition's records one at a time; narrow transformations are chains of these.
 * Spark has no counterpart: Spark pulls a partition's records through an `Iterator[T]`; Emit is
 * the push form of it.
 *
 * @example
 * ```ts
 * import { type Emit } from 'rivulet';
 * const print: Emit<number> = (record) => console.log(record);
 * ```
 */
export type Emit<T> = (record: T) => void;
