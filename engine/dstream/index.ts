import { DStream, kinds } from './DStream.ts';
import { TransformedDStream } from './TransformedDStream.ts';
import { ForEachDStream } from './ForEachDStream.ts';
import { WindowedDStream } from './WindowedDStream.ts';
import { ReducedWindowedDStream } from './ReducedWindowedDStream.ts';
import { StateDStream } from './StateDStream.ts';
import { MapWithStateDStream } from './MapWithStateDStream.ts';

Object.assign(kinds, { TransformedDStream, ForEachDStream, WindowedDStream, ReducedWindowedDStream, StateDStream, MapWithStateDStream });

export { DStream, TransformedDStream, ForEachDStream, WindowedDStream, ReducedWindowedDStream, StateDStream, MapWithStateDStream };
export { InputDStream } from './InputDStream.ts';
export { QueueInputDStream, type QueueStreamOptions } from './QueueInputDStream.ts';
export { ReceiverInputDStream } from './ReceiverInputDStream.ts';
export { MaterializedRDD } from './MaterializedRDD.ts';
export { State } from './State.ts';
export { StateSpec, type MappingFunction } from './StateSpec.ts';
export type { Job } from './ForEachDStream.ts';
export type { WindowOptions, ReduceByKeyAndWindowOptions, UpdateStateOptions } from './DStream.ts';
export type { CollectedBatch } from './CollectedBatch.ts';
