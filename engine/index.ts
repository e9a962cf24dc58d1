/**
 * Rivulet: Spark Streaming's model in TypeScript. The same import works in Node and in a browser
 * bundle; Node-only parts (TCP sockets, files) are reached through the same API and chosen by
 * package export conditions.
 */
export * from './rdd/index.ts';
export * from './dstream/index.ts';
export { StreamingContext, type StreamingContextOptions, type StreamingContextState, type StopOptions, type GetOrCreateOptions, type AwaitTerminationOptions } from './streaming/StreamingContext.ts';
export * from './checkpoint/index.ts';
export { CheckpointMismatchError } from './streaming/CheckpointMismatchError.ts';
export { ApplicationMismatchError } from './streaming/ApplicationMismatchError.ts';
export type { ApplicationIdentity } from './streaming/application.ts';
export { CHECKPOINTS_KEPT, defaultCheckpointInterval, type CheckpointMetadata } from './streaming/Checkpointer.ts';
export { stableIds, type StableIds } from './streaming/stableIds.ts';
export { ManualClock } from './streaming/ManualClock.ts';
export type {
  AbandonedWork,
  BatchInfo,
  OutputOperationInfo,
  ReceiverInputInfo,
  StageResubmittedInfo,
  StreamInputInfo,
  StreamingListener,
  StreamingListenerEvent,
  StreamingStoppedInfo,
  TaskFailureInfo,
} from './streaming/listener.ts';
export { Receiver } from './sources/Receiver.ts';
export { DEFAULT_RECEIVER_BUFFER_SIZE, type OverflowPolicy, type ReceiverOptions } from './sources/ReceiverOptions.ts';
export { ReceiverBufferFullError } from './sources/ReceiverBufferFullError.ts';
export * from './connectors/index.ts';
export { createKafkaDirectStream, saveToKafka } from '#kafka';
export type { ConsumerRecord, KafkaDirectStreamOptions, KafkaParams, KafkaSinkOptions, KafkaSubscription, ProducerRecord } from './connectors/kafka/index.ts';
export { PIDRateEstimator } from './streaming/PIDRateEstimator.ts';
export type { ShippedFunction, UserFn } from './closure/ship.ts';
export { isDriver, isExecutor } from './platform/executorMode.ts';
export { PipelineMismatchError } from './executor/WorkerPool.ts';
export { Milliseconds, Seconds, Minutes, type Duration } from './util/duration.ts';
export {
  RivuletError,
  UserFunctionError,
  BatchFailedError,
  IllegalStateError,
  InvalidArgumentError,
  OutOfRangeError,
  InternalError,
  UnsupportedOperationError,
  NoSuchElementError,
  InputReadError,
  OutputWriteError,
  ConnectionError,
  MissingDependencyError,
  PlatformUnsupportedError,
  WorkerStartError,
} from './util/errors.ts';
export { TaskFailedError, FetchFailedError } from './executor/Executor.ts';
export { KeyError } from './rdd/keys.ts';
export { CheckpointStoreError } from './checkpoint/errors.ts';
export { RecoveryError } from './checkpoint/RecoveryError.ts';
export { consoleLogger, type Logger } from './util/logger.ts';
export { NodeOnlyError } from './platform/Platform.ts';
export type { SocketTextStreamOptions } from './sources/socketTextStream.ts';
export type { TextFileStreamOptions } from './sources/textFileStream.ts';
export type { WebSocketStreamOptions } from './sources/webSocketStream.ts';

import { markEngineEnd } from './util/callSite.ts';
// Last in the engine's entry: in an application's bundle, the engine's code ends here (see util/callSite.ts).
markEngineEnd(() => new Error());
