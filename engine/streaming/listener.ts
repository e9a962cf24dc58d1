import { consoleLogger, type Logger } from '../util/logger.ts';
import { Subject, type Observable } from 'rxjs';
import type { StageDecision } from '../rdd/StagePlacement.ts';
import type { OverflowPolicy } from '../sources/ReceiverOptions.ts';

/**
 * One output operation's run within a batch (Spark's OutputOperationInfo).
 *
 * Spark: `org.apache.spark.streaming.scheduler.OutputOperationInfo`.
 *
 * @example
 * ```ts
 * ssc.addStreamingListener({
 *   onOutputOperationCompleted: ({ outputOperationInfo: o }) => console.log(o.name, o.duration, o.failureReason),
 * });
 * ```
 */
export interface OutputOperationInfo {
  batchTime: number;
  id: number;
  /** `print at wordcount.ts:20:7` */
  name: string;
  startTime?: number;
  endTime?: number;
  duration?: number;
  failureReason?: string;
}

/**
 * One input stream's part of a batch (Spark's StreamInputInfo): its records and, for a receiver,
 * what its buffer did during the batch's interval.
 *
 * Spark: `org.apache.spark.streaming.scheduler.StreamInputInfo`.
 *
 * @example
 * ```ts
 * ssc.addStreamingListener({
 *   onBatchCompleted: ({ batchInfo: b }) => {
 *     for (const i of Object.values(b.streamIdToInputInfo)) if (i.receiver?.numDropped) console.warn(`stream ${i.inputStreamId} dropped ${i.receiver.numDropped}`);
 *   },
 * });
 * ```
 */
export interface StreamInputInfo {
  inputStreamId: number;
  /** Records of this stream in the batch. */
  numRecords: number;
  /** Receivers only. */
  receiver?: ReceiverInputInfo;
}

/**
 * A receiver's buffer over one batch interval (see ReceiverOptions): what came in, what its
 * overflow policy dropped, how long its producer was blocked, and what it holds now. Spark shows
 * only the records per batch; the rest is Rivulet's.
 *
 * @example
 * ```ts
 * ssc.addStreamingListener({
 *   onBatchCompleted: ({ batchInfo: b }) => {
 *     const r = b.streamIdToInputInfo[0]?.receiver;
 *     if (r) console.log(`received ${r.numReceived}, dropped ${r.numDropped}, blocked ${r.blockedTime} ms, buffered ${r.numBuffered}/${r.bufferSize}`);
 *   },
 * });
 * ```
 */
export interface ReceiverInputInfo {
  /** Records the receiver stored during the interval, whatever became of them (dropped, waiting for room, or in the buffer). */
  numReceived: number;
  /** Records dropped by the overflow policy during the interval (or after the stream failed). */
  numDropped: number;
  /** Milliseconds of the interval during which the producer was held back under overflow 'block': a store waited for room, or the receiver paused its source (whenRoom(), isBlocked()). */
  blockedTime: number;
  /** Records held once this batch was cut: waiting for a later batch, or in batches not completed (this one included). At most bufferSize. */
  numBuffered: number;
  /** Records of stores waiting for room (overflow 'block'), not yet in the buffer. */
  numWaiting: number;
  bufferSize: number;
  overflow: OverflowPolicy;
  /** The rate limit this batch was cut with (receiverMaxRate, or backpressure's estimate), records per second; absent without one. */
  rateLimit?: number;
}

/**
 * A batch's progress and delays (Spark's BatchInfo). All times come from the context's scheduler.
 *
 * Spark: `org.apache.spark.streaming.scheduler.BatchInfo`.
 *
 * @example
 * ```ts
 * ssc.addStreamingListener({
 *   onBatchCompleted: ({ batchInfo: b }) => console.log(b.batchTime, b.numRecords, b.schedulingDelay, b.processingDelay),
 * });
 * ```
 */
export interface BatchInfo {
  batchTime: number;
  /** Records per input stream id. */
  streamIdToNumRecords: Record<number, number>;
  /** Per input stream id: its records in this batch and, for a receiver, its buffer's counters over the interval. */
  streamIdToInputInfo: Record<number, StreamInputInfo>;
  numRecords: number;
  submissionTime: number;
  processingStartTime?: number;
  processingEndTime?: number;
  /** processingStartTime - submissionTime */
  schedulingDelay?: number;
  /** processingEndTime - processingStartTime */
  processingDelay?: number;
  /** schedulingDelay + processingDelay */
  totalDelay?: number;
  outputOperationInfos: OutputOperationInfo[];
  failureReason?: string;
  /**
   * Where the batch's tasks ran, set when it completes: 'workers' (all on the worker pool),
   * 'local' (all in the driver's thread: local mode, or nothing that could be shipped), 'mixed'.
   * A batch that ran no task is 'local'.
   */
  executedOn?: 'workers' | 'local' | 'mixed';
  /** Tasks of this batch run on workers (retries not counted again). */
  numRemoteTasks?: number;
  /** Tasks of this batch run in the driver's thread. */
  numLocalTasks?: number;
  /**
   * With workers: where each stage that could run on them ran in this batch, and why (by cost,
   * see docs/workers.md), in the order they ran.
   */
  stageDecisions?: StageDecision[];
  /**
   * With workers: why some of this batch's stages ran on the driver although they could run on
   * workers (`reduceByKey at wc.ts:4:10 (the map side of reduceByKey): shipping costs more than it
   * saves: estimated 2.1 ms here vs 6.3 ms on workers`); unset when none did.
   */
  localReason?: string;
}

/**
 * A worker lost, or a task whose worker was lost sent again to another worker (see
 * docs/workers.md, "What happens when a worker dies"). `time` is when the driver learned of it;
 * `batchTime` the batch that was running (undefined between batches).
 *
 * A worker lost under a task (`workerLost`), and every `taskRetried`, names the task: `stage`,
 * `partition`, `operation`, `attempt`. A worker that died with no task on it (terminated between
 * batches, or crashing from a timer) is reported too, as a `workerLost` where those four are
 * undefined (test `e.stage === undefined`); its `executor` says whose blocks were lost (map
 * outputs and cached partitions, recomputed from lineage when a later batch reads them).
 *
 * Spark has no streaming counterpart; the closest are Spark Core's `SparkListenerExecutorRemoved`
 * and `SparkListenerTaskEnd` with an `ExecutorLostFailure` reason.
 *
 * @example
 * ```ts
 * ssc.addStreamingListener({
 *   onWorkerLost: (e) => console.warn(`worker ${e.worker} lost ${e.operation === undefined ? 'while idle' : `in ${e.operation}`}: ${e.reason}`),
 *   onTaskRetried: (e) => console.warn(`retrying partition ${e.partition}, attempt ${e.attempt}`),
 * });
 * ```
 */
export type TaskFailureInfo =
  | {
      /** A worker lost under a task, or that task sent again. */
      type: 'workerLost' | 'taskRetried';
      time: number;
      batchTime?: number;
      stage: number;
      partition: number;
      /** The task's last step and call site: `map at wordcount.ts:12:8`. */
      operation: string;
      /** workerLost: the attempt that was lost (0 = the first); taskRetried: the attempt now starting. */
      attempt: number;
      /** The worker's slot in the pool; its replacement takes the same slot. */
      worker: number;
      /** The lost worker's executor id (as in `onStageResubmitted`); a replacement is a new executor. */
      executor?: number;
      reason: string;
    }
  | {
      /** A worker that died with no task on it: no task to name. */
      type: 'workerLost';
      time: number;
      batchTime?: number;
      stage?: undefined;
      partition?: undefined;
      operation?: undefined;
      attempt?: undefined;
      /** The worker's slot in the pool; its replacement takes the same slot. */
      worker: number;
      /** The lost worker's executor id (as in `onStageResubmitted`); a replacement is a new executor. */
      executor: number;
      /** `worker 1 (thread 3) exited with code 1` */
      reason: string;
    };

/**
 * Map outputs of one of a batch's shuffles were lost with the workers that held them (see
 * docs/workers.md): the map stage runs again for those map partitions (recomputed from lineage).
 *
 * Spark has no streaming counterpart; the closest is Spark Core's `DAGScheduler` resubmitting a
 * map stage after a `FetchFailed` (a new attempt in `SparkListenerStageSubmitted`).
 *
 * @example
 * ```ts
 * ssc.addStreamingListener({
 *   onStageResubmitted: (e) => console.warn(`${e.operation}: recomputing partitions ${e.partitions.join(', ')}`),
 * });
 * ```
 */
export interface StageResubmittedInfo {
  time: number;
  batchTime?: number;
  stage: number;
  /** The shuffle's operation and call site: `reduceByKey at wordcount.ts:12:8`. */
  operation: string;
  /** The map partitions computed again. */
  partitions: readonly number[];
  /** The lost workers' executor ids. */
  executors: readonly number[];
}

/**
 * Work that `ssc.stop()` gave up waiting for once its time was up (see {@link StreamingStoppedInfo}).
 * JavaScript cannot interrupt a running function as Spark interrupts its job threads: an
 * abandoned output or `onStop()` may still finish in the background, and nothing waits for it or
 * reports it then (work on workers ends with them).
 *
 * Spark logs the same cases as warnings ("Timed out while stopping the job generator", "Not all
 * of the receivers have deregistered") and interrupts what still runs.
 *
 * @example
 * ```ts
 * ssc.addStreamingListener({
 *   onStreamingStopped: ({ abandoned }) => {
 *     for (const a of abandoned) if (a.kind === 'batch') console.warn(`batch ${a.batchTime}: ${a.message}`);
 *   },
 * });
 * ```
 */
export type AbandonedWork =
  | {
      /** A batch that was running (`step` set: what it was doing) or, after a graceful stop's timeout, queued and never run. */
      kind: 'batch';
      batchTime: number;
      /** The output operation (`print at app.ts:12:3`) or other step (`the checkpoint`) the running batch was in; undefined for a batch never run. */
      step: string | undefined;
      message: string;
    }
  | {
      /** An input whose stop (a receiver's `onStop()`) had not returned. */
      kind: 'input';
      streamId: number;
      name: string;
      message: string;
    }
  | {
      /** After a graceful stop's timeout: records a receiver had stored that no batch took. */
      kind: 'records';
      streamId: number;
      name: string;
      numRecords: number;
      message: string;
    };

/**
 * How a context stopped: posted once, when `ssc.stop()` (or a failure) has stopped it, as the last
 * event. `abandoned` lists what the stop gave up waiting for (empty when everything finished in
 * time); `timeout` is the time it allowed (StopOptions.timeout, else gracefulStopTimeout for a
 * graceful stop, 2 s otherwise).
 *
 * Spark has no counterpart event (it has onStreamingStarted only); it logs what it abandons.
 *
 * @example
 * ```ts
 * ssc.addStreamingListener({ onStreamingStopped: (e) => console.log(`stopped at ${e.time}, ${e.abandoned.length} abandoned`) });
 * ```
 */
export interface StreamingStoppedInfo {
  time: number;
  graceful: boolean;
  timeout: number;
  abandoned: AbandonedWork[];
}

/**
 * One event of a running context, as delivered to a {@link StreamingListener} and on `ssc.events$`:
 * the union of Spark's StreamingListener callbacks (onBatchSubmitted, onBatchCompleted,
 * onOutputOperationCompleted, onReceiverError…), told apart by `type`.
 *
 * @example
 * ```typescript
 * ssc.events$.subscribe((e) => {
 *   if (e.type === 'batchCompleted') console.log(e.batchInfo.batchTime, e.batchInfo.processingDelay);
 * });
 * ```
 */
export type StreamingListenerEvent =
  | { type: 'streamingStarted'; time: number }
  | { type: 'batchSubmitted'; batchInfo: BatchInfo }
  | { type: 'batchStarted'; batchInfo: BatchInfo }
  | { type: 'batchCompleted'; batchInfo: BatchInfo }
  | { type: 'outputOperationStarted'; outputOperationInfo: OutputOperationInfo }
  | { type: 'outputOperationCompleted'; outputOperationInfo: OutputOperationInfo }
  | { type: 'receiverStarted'; time: number; streamId: number; name: string }
  | { type: 'receiverStopped'; time: number; streamId: number; name: string; message: string }
  | { type: 'receiverError'; time: number; streamId: number; name: string; message: string; error: unknown }
  | ({ type: 'workerLost' } & TaskFailureInfo)
  | ({ type: 'taskRetried' } & TaskFailureInfo)
  | ({ type: 'stageResubmitted' } & StageResubmittedInfo)
  | ({ type: 'streamingStopped' } & StreamingStoppedInfo);

type EventOf<K extends StreamingListenerEvent['type']> = Extract<StreamingListenerEvent, { type: K }>;

/**
 * Spark's StreamingListener: implement the callbacks you need.
 *
 * Spark: `org.apache.spark.streaming.scheduler.StreamingListener`.
 *
 * @example
 * ```ts
 * ssc.addStreamingListener({
 *   onBatchCompleted: (e) => console.log('batch', e.batchInfo.batchTime, 'took', e.batchInfo.processingDelay),
 *   onReceiverError: (e) => console.error(e.name, e.message),
 * });
 * ```
 */
export interface StreamingListener {
  onStreamingStarted?(event: EventOf<'streamingStarted'>): void;
  onBatchSubmitted?(event: EventOf<'batchSubmitted'>): void;
  onBatchStarted?(event: EventOf<'batchStarted'>): void;
  onBatchCompleted?(event: EventOf<'batchCompleted'>): void;
  onOutputOperationStarted?(event: EventOf<'outputOperationStarted'>): void;
  onOutputOperationCompleted?(event: EventOf<'outputOperationCompleted'>): void;
  onReceiverStarted?(event: EventOf<'receiverStarted'>): void;
  onReceiverStopped?(event: EventOf<'receiverStopped'>): void;
  onReceiverError?(event: EventOf<'receiverError'>): void;
  /**
   * A worker died, was terminated or hung past the task timeout while running a task, or died with
   * no task on it (then the event names no task: see TaskFailureInfo); it is replaced.
   */
  onWorkerLost?(event: EventOf<'workerLost'>): void;
  /** A task whose worker was lost is sent to another worker (up to maxTaskAttempts). */
  onTaskRetried?(event: EventOf<'taskRetried'>): void;
  /** A map stage runs again because the workers holding some of its outputs were lost. */
  onStageResubmitted?(event: EventOf<'stageResubmitted'>): void;
  /** The context has stopped: the last event, with what the stop abandoned. */
  onStreamingStopped?(event: EventOf<'streamingStopped'>): void;
}

const CALLBACK: { [K in StreamingListenerEvent['type']]: keyof StreamingListener } = {
  streamingStarted: 'onStreamingStarted',
  batchSubmitted: 'onBatchSubmitted',
  batchStarted: 'onBatchStarted',
  batchCompleted: 'onBatchCompleted',
  outputOperationStarted: 'onOutputOperationStarted',
  outputOperationCompleted: 'onOutputOperationCompleted',
  receiverStarted: 'onReceiverStarted',
  receiverStopped: 'onReceiverStopped',
  receiverError: 'onReceiverError',
  workerLost: 'onWorkerLost',
  taskRetried: 'onTaskRetried',
  stageResubmitted: 'onStageResubmitted',
  streamingStopped: 'onStreamingStopped',
};

/**
 * Delivers events to listeners, in order, on the driver, and as an RxJS Observable for UIs. A
 * listener that throws is reported on the console and does not affect the stream. Once the
 * context has stopped (complete()), events are dropped, as Spark's bus drops them once stopped:
 * work that finishes late (an output or a receiver that stop() gave up waiting for) tells no one.
 */
export class StreamingListenerBus {
  private readonly listeners = new Set<StreamingListener>();
  private readonly subject = new Subject<StreamingListenerEvent>();
  private stopped = false;
  constructor(private readonly logger: Logger = consoleLogger) {}
  readonly events$: Observable<StreamingListenerEvent> = this.subject.asObservable();

  add(listener: StreamingListener): void {
    this.listeners.add(listener);
  }

  remove(listener: StreamingListener): void {
    this.listeners.delete(listener);
  }

  post(event: StreamingListenerEvent): void {
    if (this.stopped) return;
    const name = CALLBACK[event.type];
    for (const l of this.listeners) {
      const cb = l[name] as ((e: StreamingListenerEvent) => void) | undefined;
      if (!cb) continue;
      try {
        cb.call(l, event);
      } catch (e) {
        this.logger.error(`StreamingListener.${name} threw (the stream goes on):`, e);
      }
    }
    this.subject.next(event);
  }

  complete(): void {
    this.stopped = true;
    this.subject.complete();
  }
}
