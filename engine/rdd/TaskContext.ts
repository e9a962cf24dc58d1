import type { ShuffleDependency } from './Dependency.ts';

/** What a task can see while it computes one partition. */
export interface TaskContext {
  readonly stageId: number;
  readonly partitionId: number;
  readonly attemptNumber: number;
  /** The map outputs of `dep` destined for `reducePartition`, one array per map partition. */
  shuffleBlocks(dep: ShuffleDependency<any, any, any>, reducePartition: number): readonly (readonly unknown[])[];
}

/** Receives a partition's records one at a time; narrow transformations are chains of these. */
export type Emit<T> = (record: T) => void;
