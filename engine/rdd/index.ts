import { RDD, kinds } from './RDD.ts';
import { MapPartitionsRDD } from './MapPartitionsRDD.ts';
import { ShuffledRDD } from './ShuffledRDD.ts';
import { UnionRDD } from './UnionRDD.ts';
import { CoalescedRDD } from './CoalescedRDD.ts';
import { CoGroupedRDD } from './CoGroupedRDD.ts';

Object.assign(kinds, { MapPartitionsRDD, ShuffledRDD, UnionRDD, CoalescedRDD, CoGroupedRDD });

export { RDD, MapPartitionsRDD, ShuffledRDD, UnionRDD, CoalescedRDD, CoGroupedRDD };
export type { CombineOptions, SortOptions, PreservesPartitioning } from './RDD.ts';
export type { PartitionOptions } from './options.ts';
export type { AnyRecord, Widen } from './recordTypes.ts';
export { ParallelCollectionRDD } from './ParallelCollectionRDD.ts';
export { RDDContext, type RDDContextOptions } from './RDDContext.ts';
export { HashPartitioner, RangePartitioner, type Partitioner } from './Partitioner.ts';
export { NarrowDependency, ShuffleDependency, type Dependency, type Aggregator } from './Dependency.ts';
export type { TaskContext, Emit } from './TaskContext.ts';
export type { PartitionIterator } from './DAGScheduler.ts';
export type { PlacementMode, StageDecision, StageEstimate, StagePlacementOptions, StageRun } from './StagePlacement.ts';
export type { Pipe, PipeSink } from './MapPartitionsRDD.ts';
export type { RDDDescriptor, PartitionerDescriptor, FunctionDescriptor } from './descriptor.ts';
export { KeyedMap, canonicalKey, hashKey, compareKeys } from './keys.ts';
