import { RecoveryError } from '../checkpoint/RecoveryError.ts';
/**
 * What checkpoints need from streams; streaming/Checkpointer.ts and streaming/recovery.ts use it.
 *
 * Stateful streams (updateStateByKey, mapWithState, reduceByKeyAndWindow with an inverse) save
 * their state at a completed batch and put it back as their RDD at that time (Spark's
 * DStreamCheckpointData: the state RDD is checkpointed and, on recovery, becomes the stream's
 * generated RDD at the checkpoint time). Input streams say what each batch took, for the
 * write-ahead log, and where they are after a batch, for a checkpoint, and resume from both.
 */
import type { DStream } from './DStream.ts';
import type { Partitioner } from '../rdd/index.ts';

/** A stream whose state a checkpoint keeps. */
export interface StatefulDStream {
  /**
   * What must be the same for a checkpointed state to be restored into this stream, besides its
   * operation: e.g. a window's durations. Compared value by value on recovery.
   */
  stateParameters(): Record<string, number>;
  /** The state after the batch at `time` (completed), as checkpoint data (see each kind for the shape). */
  saveState(time: number): Promise<unknown>;
  /**
   * Make `value` (saveState's) this stream's RDD at `time`; before start(). `source` names the
   * checkpoint in errors. Undefined: the stream is new to the checkpoint and starts at `time` from
   * its initial state (a window: empty, with no batches before it). Afterwards the stream cannot
   * compute a time at or before `time` that it was not given: that would need the state before
   * the checkpoint.
   */
  restoreState(time: number, value: unknown, source: string): void;
  /**
   * What streams downstream read of this one at a time still remembered, up to the state's time
   * (a window over it), beyond what saveState keeps: saved beside the state so that those times
   * need not be recomputed after recovery, which would need the state before the checkpoint.
   * Undefined: nothing beyond the state (e.g. at the state's own time).
   */
  saveEarlier?(time: number, stateTime: number): Promise<unknown>;
  /** Put back saveEarlier's value at `time`; called after restoreState. */
  restoreEarlier?(time: number, value: unknown, source: string): void;
}

export function isStateful(stream: DStream<any>): stream is DStream<any> & StatefulDStream {
  return typeof (stream as Partial<StatefulDStream>).saveState === 'function';
}

/** What an input stream resumes from (InputDStream.restore). */
export interface InputRecovery {
  /** The batch time of the checkpoint recovered from: batches up to it are done. */
  readonly checkpointTime: number;
  /** The input's checkpointPosition() at that time; undefined when the checkpoint does not know this input. */
  readonly position: unknown;
  /**
   * The input's logBatch() values by batch time, from the write-ahead log: those after the
   * checkpoint are replayed as they were; those at or before it rebuild batches that windows
   * still read.
   */
  readonly logged: ReadonlyMap<number, unknown>;
  /** Tell the user something they should know (getOrCreate's onWarning). */
  warn(message: string): void;
}

/** The error for a stateful stream asked for a time it cannot compute after a restore. */
export function beforeCheckpointError(stream: DStream<any>, time: number, restoredAt: number): Error {
  return new RecoveryError(
    `${stream.creationSite}: the state at ${time} ms is not in the checkpoint this stream was restored from (at ${restoredAt} ms), ` +
      'so it cannot be computed: only the state at the checkpoint time is saved. Something reads this stream at earlier times ' +
      '(a window or slice over a stateful stream), which a recovered context cannot rebuild; window its input instead.',
  );
}

/** A checkpointed state that is not the shape this kind of stream saves. */
export function malformedState(stream: DStream<any>, source: string, expected: string): Error {
  return new RecoveryError(`The checkpoint ${source} holds a state for ${stream.creationSite} that is not ${expected}; it was not written by this kind of operator.`);
}

/** `value` as an array of arrays of at least `width` elements (pairs, triples), or throws malformedState. */
export function tuplesOf(value: unknown, width: number, stream: DStream<any>, source: string, expected: string): unknown[][] {
  if (!Array.isArray(value) || !value.every((x) => Array.isArray(x) && x.length >= width)) throw malformedState(stream, source, expected);
  return value as unknown[][];
}

/**
 * Records spread over the partitioner's partitions, by key, keeping their order within each
 * partition: with the partitioner of the run that saved them, every partition is as it was.
 */
export function distribute<R>(records: readonly R[], partitioner: Partitioner, keyOf: (r: R) => unknown): R[][] {
  const partitions: R[][] = Array.from({ length: partitioner.numPartitions }, () => []);
  for (const r of records) partitions[partitioner.getPartition(keyOf(r))]!.push(r);
  return partitions;
}
