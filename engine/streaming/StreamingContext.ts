import { checkLogger, consoleLogger, type Logger } from '../util/logger.ts';
import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import { RDDContext, type RDD, type RDDContextOptions } from '../rdd/index.ts';
import { checkTaskTimeout } from '../rdd/RDDContext.ts';
import '../dstream/index.ts';
import { DStream, describeValue, kinds } from '../dstream/DStream.ts';
import { QueueInputDStream, type QueueStreamOptions } from '../dstream/QueueInputDStream.ts';
import { ReceiverInputDStream } from '../dstream/ReceiverInputDStream.ts';
import { InputDStream } from '../dstream/InputDStream.ts';
import type { Receiver } from '../sources/Receiver.ts';
import { ObservableReceiver } from '../sources/ObservableReceiver.ts';
import type { SocketTextStreamOptions } from '../sources/socketTextStream.ts';
import type { ReceiverOptions } from '../sources/ReceiverOptions.ts';
import type { TextFileStreamOptions } from '../sources/textFileStream.ts';
import { socketTextStream, textFileStream } from '#node-sources';
import { webSocketStream, type WebSocketStreamOptions } from '../sources/webSocketStream.ts';
import { DStreamGraph } from './DStreamGraph.ts';
import { JobScheduler } from './JobScheduler.ts';
import { JobGenerator } from './JobGenerator.ts';
import { InputInfoTracker } from './InputInfoTracker.ts';
import { StreamingListenerBus, type StreamingListener, type StreamingListenerEvent } from './listener.ts';
import type { ManualClock } from './ManualClock.ts';
import { isManualClock } from './isManualClock.ts';
import { checkDuration, type Duration } from '../util/duration.ts';
import { IllegalStateError, type BatchFailedError, InvalidArgumentError } from '../util/errors.ts';
import { userCallSite } from '../util/callSite.ts';
import type { CheckpointLock, CheckpointStore } from '../checkpoint/CheckpointStore.ts';
import { openCheckpointStore } from '../checkpoint/open.ts';
import { Checkpointer } from './Checkpointer.ts';
import type { RecoveryPlan } from './recovery.ts';
import { stableIds } from './stableIds.ts';
import { releaseCheckpointLock, takeCheckpointLock } from './checkpointLock.ts';
import type { Deadline } from './stopContext.ts';
import { applicationIdentity } from './application.ts';
import { isExecutor } from '../platform/executorMode.ts';
import type { Definitions } from '../closure/definitions.ts';

/**
 * The fewest records in each extra slice of a queue batch cut finer than defaultParallelism for
 * the workers (StreamingContext.queueSlices): below about a hundred records a slice costs more to
 * send to a worker, as its own task, than it saves (transfer.ts's MIN_COLUMNAR_RECORDS is the same
 * order for the same reason).
 */
const MIN_SLICE_RECORDS = 100;

/**
 * How a {@link StreamingContext} runs: the batch interval, the clock, parallelism, workers. Spark
 * passes these as a SparkConf plus the batchDuration constructor argument.
 *
 * @example
 * ```typescript
 * const ssc = new StreamingContext({ batchInterval: Seconds(1), workers: 2, scheduler: new ManualClock() });
 * ```
 */
export interface StreamingContextOptions {
  /** Length of each batch, in ms (use Seconds(1) etc.). */
  batchInterval: Duration;
  /**
   * Partitions for shuffles without an explicit count, and for queue batches. Default 2 — except
   * that with workers and no defaultParallelism given, a queue batch of a few hundred records or
   * more is cut into up to twice as many slices as there are workers (StreamingContext.queueSlices).
   */
  defaultParallelism?: number;
  /** The clock: any RxJS scheduler. Default asyncScheduler (wall time); a ManualClock for virtual time. */
  scheduler?: SchedulerLike;
  /** Receivers cut their data into blocks of this length; each block is a partition. Default 200 ms (Spark's). */
  blockInterval?: Duration;
  /**
   * What a failed batch does. false (default, Spark's): the context stops and awaitTermination()
   * rejects with the error. true: the failure is reported to listeners and the next batch runs;
   * state streams keep their state from before the failed batch.
   */
  skipFailedBatches?: boolean;
  /**
   * Run each batch's tasks on this many worker threads (worker_threads in Node, Web Workers in a
   * browser); 'auto' = available cores minus one. Default: in this thread (local mode).
   */
  workers?: RDDContextOptions['workers'];
  /** With workers: a task running longer than this (ms) is retried on a new worker. Default 60 s. */
  taskTimeout?: number;
  /**
   * With workers: 'auto' (default) runs a stage on the driver when shipping it costs more than it
   * saves, as measured on the stream's previous batches (see BatchInfo.stageDecisions); 'workers'
   * always ships what can be shipped.
   */
  placement?: RDDContextOptions['placement'];
  /** With workers: how shuffle data reaches reduce tasks (see RDDContextOptions.shuffleTransfer). Default 'auto'. */
  shuffleTransfer?: RDDContextOptions['shuffleTransfer'];
  /**
   * With workers: where updateStateByKey and reduceByKeyAndWindow (with an inverse) keep each
   * batch's state. true: in the workers that compute it (brought to the driver every checkpoint
   * interval); false: on the driver every batch. 'auto' (default): in the workers once the state
   * holds more than 10,000 records, on the driver while it is smaller (a small state costs less
   * on the driver than the extra tasks that keep it in workers; see docs/workers.md).
   */
  stateInWorkers?: boolean | 'auto';
  /**
   * Node, with workers: the module every worker imports to define this same pipeline, as every
   * Spark executor loads the application's jar. Default: the main script, when this context is
   * created by its code (`node app.js`, `tsx app.ts`); a service whose pipeline lives in another
   * module names it here: `pipelineModule: new URL('./pipeline.ts', import.meta.url)`. See
   * docs/workers.md.
   */
  pipelineModule?: RDDContextOptions['pipelineModule'];
  /**
   * Browsers, with workers: starts one worker from the app's worker entry, which loads the same
   * pipeline module (`loadPipeline(() => import('./pipeline'))` from 'rivulet/worker'):
   * `createWorker: () => new Worker(new URL('./rivulet.worker.ts', import.meta.url), { type: 'module' })`.
   */
  createWorker?: RDDContextOptions['createWorker'];
  /**
   * How long `stop({ stopGracefully: true })` waits for the receivers to stop and for everything
   * they received to be processed before it abandons what is left (see StopOptions.timeout).
   * Default 10 × batchInterval (Spark's spark.streaming.gracefulStopTimeout).
   */
  gracefulStopTimeout?: Duration;
  /**
   * The application's name (Spark's spark.app.name), recorded in its checkpoints: recovery
   * refuses a checkpoint written under another name (ApplicationMismatchError). Without it, a
   * Node application is known by its main module (`<package>:<path>`); set it in a browser, or
   * when the main script may move. See docs/checkpoints.md.
   */
  appName?: string;
  /**
   * Stops the context when aborted, as `stop()` does (without grace): the way Node's servers and
   * fetch() take an AbortSignal. `new StreamingContext({ batchInterval, signal: AbortSignal.timeout(60_000) })`
   * runs for a minute; a controller's abort() stops it from anywhere. awaitTermination() then
   * resolves, as after stop(). With a signal already aborted, start() stops the context instead
   * of starting it (no batch runs). For a graceful stop, call `stop({ stopGracefully: true })` from your own abort
   * listener instead.
   */
  signal?: AbortSignal;
  /**
   * Where the context reports what it cannot throw to you: a listener that threw, an input that
   * failed to start or stop, a checkpoint it could not write at stop, work a stop abandoned, a
   * failed batch while nobody awaits termination, what recovery skipped. Console-shaped
   * (`{ debug, info, warn, error }`: `console` itself, pino, winston…); see {@link Logger}.
   * Default: the console. (print() is an output, not a log: it writes to console.log.)
   */
  logger?: Logger;
}

function isAbortSignal(x: unknown): x is AbortSignal {
  return typeof x === 'object' && x !== null && typeof (x as AbortSignal).aborted === 'boolean' && typeof (x as AbortSignal).addEventListener === 'function';
}

/** How long a stop without grace waits for the running batch and the receivers' onStop() (Spark waits 2 s for running jobs). */
export const STOP_GRACE_PERIOD = 2000;

/**
 * Where a context is in its life (Spark's StreamingContextState: INITIALIZED, ACTIVE, STOPPED):
 * streams and outputs are defined while 'initialized', batches run while 'active', and a
 * 'stopped' context cannot be started again.
 *
 * Spark: `org.apache.spark.streaming.StreamingContextState`.
 *
 * @example
 * ```ts
 * if (ssc.getState() === 'active') await ssc.stop();
 * ```
 */
export type StreamingContextState = 'initialized' | 'active' | 'stopped';

/**
 * Options of {@link StreamingContext.getOrCreate} (Spark's `StreamingContext.getOrCreate(checkpointPath,
 * creatingFunc)`): how recovery from a checkpoint reports what it could not restore.
 *
 * Spark: the extra parameters of `StreamingContext.getOrCreate` (`hadoopConf`, `createOnError`);
 * Spark has no warning callback and logs through log4j instead.
 *
 * @example
 * ```ts
 * const ssc = await StreamingContext.getOrCreate('ckpt', createContext, {
 *   onWarning: (message) => logger.warn(message),
 * });
 * ```
 */
export interface GetOrCreateOptions {
  /**
   * Told what recovery skipped or could not restore: a corrupt checkpoint it fell back from, an
   * operator or input that is new. Default: the context's logger (`warn`); what is found before
   * createContext has returned it is told once it has (to the console if it throws).
   */
  onWarning?: (message: string) => void;
  /**
   * Restore a checkpoint that another application wrote (another appName, or, without names,
   * another main module) instead of refusing it with ApplicationMismatchError: for an application
   * renamed or moved. Default false.
   */
  allowOtherApplication?: boolean;
}

/**
 * Options of {@link StreamingContext.awaitTermination}.
 *
 * Spark: none (`awaitTermination()` blocks a thread until the context stops; a Java caller
 * interrupts the thread).
 *
 * @example
 * ```ts no-run
 * // Wait at most a minute; the context goes on running if it has not stopped by then.
 * await ssc.awaitTermination({ signal: AbortSignal.timeout(60_000) }).catch((e) => {
 *   if (e.name !== 'TimeoutError') throw e;
 * });
 * ```
 */
export interface AwaitTerminationOptions {
  /**
   * Stop waiting when aborted: the promise rejects with the signal's reason (an AbortError
   * DOMException from `controller.abort()`, a TimeoutError from `AbortSignal.timeout()`), as
   * fetch() and Node's `events.once()` do. Aborting does not stop the context (give the signal to
   * the context's `signal` option for that).
   */
  signal?: AbortSignal;
}

/**
 * Options of `ssc.stop()` (Spark's `stop(stopSparkContext, stopGracefully)`).
 *
 * @example
 * ```typescript
 * process.once('SIGTERM', () => void ssc.stop({ stopGracefully: true }));
 * ```
 */
export interface StopOptions {
  /** Finish processing all data received so far before stopping (Spark's stopGracefully). */
  stopGracefully?: boolean;
  /**
   * How long to wait, in ms of the context's clock, before abandoning what has not finished: the
   * running batch (its output operation), receivers whose onStop() has not returned and, with
   * stopGracefully, batches and received records not yet processed. Each is reported to
   * listeners (onStreamingStopped, and the batch's onBatchCompleted with a failureReason) and in
   * a warning to the logger. Default: gracefulStopTimeout for a graceful stop, 2 s otherwise.
   */
  timeout?: Duration;
}

/**
 * The entry point (Spark's StreamingContext): owns the batch clock, the graph of streams, the
 * job scheduler and the listener bus.
 *
 * ```ts
 * const ssc = new StreamingContext({ batchInterval: Seconds(1) });
 * ssc.socketTextStream('localhost', 9999)
 *   .flatMap(line => line.split(' '))
 *   .map(word => [word, 1])
 *   .reduceByKey((a, b) => a + b)
 *   .print();
 * ssc.start();
 * await ssc.awaitTermination();
 * ```
 */
export class StreamingContext {
  readonly batchInterval: Duration;
  readonly blockInterval: Duration;
  readonly scheduler: SchedulerLike;
  readonly sparkContext: RDDContext;
  readonly graph = new DStreamGraph();
  /** @internal What the pipeline defines, by place: functions, streams, the settings that shape them (shared with sparkContext). */
  get definitions(): Definitions {
    return this.sparkContext.definitions;
  }
  /** See StreamingContextOptions.logger. */
  readonly logger: Logger;
  readonly listenerBus: StreamingListenerBus;
  readonly inputInfoTracker = new InputInfoTracker();
  readonly skipFailedBatches: boolean;
  /** See StreamingContextOptions.stateInWorkers. */
  readonly stateInWorkers: boolean | 'auto';
  /** See StreamingContextOptions.gracefulStopTimeout. */
  readonly gracefulStopTimeout: Duration;
  /** See StreamingContextOptions.appName. */
  readonly appName: string | undefined;
  /** With workers and no defaultParallelism given: queue batches may be cut into up to this many slices (see queueSlices). */
  private readonly maxQueueSlices: number;
  private readonly jobScheduler: JobScheduler;
  private readonly jobGenerator: JobGenerator;
  private currentState: StreamingContextState = 'initialized';
  private termination: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void };
  private terminationAwaited = false;
  private stopping: Promise<void> | undefined;
  /**
   * Set by checkpoint(): where checkpoints go, whether this context opened the store (a path), and
   * the location's lock once getOrCreate or start() takes it.
   */
  private checkpointSetting: { store: CheckpointStore; log: CheckpointStore; owned: boolean; lock?: Promise<CheckpointLock | undefined> } | undefined;
  private checkpointer: Checkpointer | undefined;
  /** Set by getOrCreate() when a checkpoint was found: what start() resumes from. */
  private recovery: RecoveryPlan | undefined;
  /** The last batch that completed without failing. */
  private lastCompletedTime: number | undefined;
  /** The batch failure that stops the context (skipFailedBatches false). */
  private failure: BatchFailedError | undefined;
  private lastBatchFailed = false;
  /** The context's `signal` option and the listener that stops the context when it aborts (removed at stop). */
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = () => void this.stop();

  constructor(options: StreamingContextOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('new StreamingContext({ batchInterval }) needs an options object, e.g. { batchInterval: Seconds(1) }.');
    }
    this.logger = checkLogger(options.logger, 'StreamingContext');
    this.listenerBus = new StreamingListenerBus(this.logger);
    this.batchInterval = checkDuration(options.batchInterval, 'StreamingContext: batchInterval');
    this.blockInterval = checkDuration(options.blockInterval ?? 200, 'StreamingContext: blockInterval');
    this.scheduler = options.scheduler ?? asyncScheduler;
    if (typeof this.scheduler.schedule !== 'function' || typeof this.scheduler.now !== 'function') {
      throw new InvalidArgumentError('StreamingContext: scheduler must be an RxJS SchedulerLike (asyncScheduler, a ManualClock, a VirtualTimeScheduler…).');
    }
    this.skipFailedBatches = options.skipFailedBatches ?? false;
    this.gracefulStopTimeout = checkDuration(options.gracefulStopTimeout ?? 10 * this.batchInterval, 'StreamingContext: gracefulStopTimeout');
    const stateInWorkers = options.stateInWorkers ?? 'auto';
    if (stateInWorkers !== true && stateInWorkers !== false && stateInWorkers !== 'auto')
      throw new InvalidArgumentError(`StreamingContext: stateInWorkers must be true, false or 'auto', got ${String(stateInWorkers)}.`);
    this.stateInWorkers = stateInWorkers;
    checkTaskTimeout(options.taskTimeout, 'StreamingContext: taskTimeout');
    if (options.appName !== undefined && (typeof options.appName !== 'string' || options.appName === '')) {
      throw new InvalidArgumentError(`StreamingContext: appName must be a non-empty string, got ${JSON.stringify(options.appName) ?? String(options.appName)}.`);
    }
    this.appName = options.appName;
    this.sparkContext = new RDDContext({
      defaultParallelism: options.defaultParallelism,
      workers: options.workers,
      taskTimeout: options.taskTimeout,
      shuffleTransfer: options.shuffleTransfer,
      placement: options.placement,
      pipelineModule: options.pipelineModule,
      createWorker: options.createWorker,
      logger: this.logger,
    });
    const workers = this.sparkContext.executor?.size ?? 0;
    this.maxQueueSlices = options.defaultParallelism === undefined ? 2 * workers : 0;
    this.jobScheduler = new JobScheduler({
      now: () => this.now(),
      listenerBus: this.listenerBus,
      onBatchCompleted: (time) => {
        this.graph.clearMetadata(time);
        this.inputInfoTracker.cleanup(time);
      },
      onBatchFailed: (time, error) => this.onBatchFailed(time, error),
      afterBatch: async (time) => {
        await this.checkpointer?.afterBatch(time);
        this.lastCompletedTime = time;
        this.lastBatchFailed = false;
        for (const input of this.graph.inputStreams) input.batchSucceeded(time);
      },
      taskCounts: () => this.sparkContext.scheduler.metrics,
    });
    this.sparkContext.executor?.addFailureListener?.((failure) => this.jobScheduler.taskFailed(failure));
    this.sparkContext.scheduler.addStageListener((decision) => this.jobScheduler.stageDecided(decision));
    this.sparkContext.scheduler.addStageResubmittedListener((e) => this.jobScheduler.stageResubmitted(e));
    this.jobGenerator = new JobGenerator(this.scheduler, this.batchInterval, this.graph, this.jobScheduler, this.inputInfoTracker, () => this.now());
    this.jobGenerator.beforeSubmit = (time) => this.checkpointer?.logBatch(time);
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // an error nobody awaits must not crash the process; it is logged in onBatchFailed
    this.termination = { promise, resolve, reject };
    if (isManualClock(this.scheduler)) this.scheduler.attach(this);
    if (options.signal !== undefined) {
      if (!isAbortSignal(options.signal)) throw new InvalidArgumentError(`StreamingContext: signal must be an AbortSignal, got ${describeValue(options.signal)}.`);
      this.signal = options.signal;
      // An already aborted signal is seen by start(): the pipeline can still be defined.
      if (!this.signal.aborted) this.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** The current time on this context's clock. Nothing in the engine reads Date.now() directly. */
  now(): number {
    return this.scheduler.now();
  }

  get state(): StreamingContextState {
    return this.currentState;
  }
  /** Spark's getState(). */
  getState(): StreamingContextState {
    return this.currentState;
  }
  get isActive(): boolean {
    return this.currentState === 'active';
  }
  get zeroTime(): number | undefined {
    return this.graph.zeroTime;
  }
  /** Spark users know it as ssc.sparkContext; `sc` for short. */
  get sc(): RDDContext {
    return this.sparkContext;
  }

  /** @internal Streams and outputs can only be added before start(). */
  assertCanDefine(operation: string): void {
    if (this.currentState === 'active') {
      throw new IllegalStateError(`${operation}: adding new inputs, transformations and output operations after starting a context is not supported. Define the whole pipeline, then call start().`);
    }
    if (this.currentState === 'stopped') {
      throw new IllegalStateError(`${operation}: this StreamingContext has been stopped; create a new one.`);
    }
  }

  // ---- checkpoints ----------------------------------------------------------------------------

  /**
   * Keep checkpoints and the write-ahead log in `storeOrDirectory` (Spark's checkpoint(dir)): a
   * directory path (Node) or a CheckpointStore such as new IndexedDBCheckpointStore(name). Before
   * start(). To resume from them after a crash, create the context with
   * StreamingContext.getOrCreate(storeOrDirectory, createContext). A store passed as an object
   * stays open after stop(); one opened from a path is closed.
   */
  checkpoint(storeOrDirectory: string | CheckpointStore): void {
    this.assertCanDefine('checkpoint');
    // An executor's copy of the pipeline never checkpoints: the driver does.
    if (isExecutor()) return;
    this.checkpointSetting = StreamingContext.openStore(storeOrDirectory);
  }

  /** Whether checkpoints are kept (checkpoint() was called). */
  get isCheckpointing(): boolean {
    return this.checkpointSetting !== undefined;
  }

  /** Where checkpoints are kept, if anywhere. */
  get checkpointStore(): CheckpointStore | undefined {
    return this.checkpointSetting?.store;
  }

  private static openStore(storeOrDirectory: string | CheckpointStore): NonNullable<StreamingContext['checkpointSetting']> {
    const store = openCheckpointStore(storeOrDirectory);
    if (typeof store.writeAheadLog !== 'function') {
      throw new InvalidArgumentError(
        `checkpoint: the store for ${store.location} has no writeAheadLog() method, which a StreamingContext needs to make the batches after a checkpoint again exactly. ` +
          'Implement it by returning a second store of the same kind for the log (FileSystemCheckpointStore and IndexedDBCheckpointStore have it).',
      );
    }
    return { store, log: store.writeAheadLog(), owned: typeof storeOrDirectory === 'string' };
  }

  /**
   * Resume from the checkpoints in `storeOrDirectory`, or start afresh (Spark's getOrCreate).
   * `createContext` builds the context and its whole pipeline; it is called in both cases. With
   * no checkpoint there, its context is returned with checkpoints going to `storeOrDirectory`.
   * With one, the pipeline it built is checked against the newest good checkpoint (a corrupt one
   * is skipped, with a warning), which must hold the same stateful operators and inputs (by stable
   * id: see .name()); their state and positions are restored. Then call start(): the batches
   * after the checkpoint run again at their original times, the batches of the down time follow,
   * and the clock goes on.
   *
   * Rejects when no checkpoint can be read, or when the pipeline does not match
   * (CheckpointMismatchError, naming each operator) — never resuming from a wrong state.
   */
  static async getOrCreate(storeOrDirectory: string | CheckpointStore, createContext: () => StreamingContext, options: GetOrCreateOptions = {}): Promise<StreamingContext> {
    if (typeof createContext !== 'function') throw new InvalidArgumentError(`getOrCreate: createContext must be a function that returns a new StreamingContext, got ${typeof createContext}.`);
    // An executor only needs the pipeline's definitions: the driver reads the checkpoint.
    if (isExecutor()) return createContext();
    // Without onWarning, warnings go to the logger of the context createContext makes: those found before it exists wait for it.
    let context: StreamingContext | undefined;
    const early: string[] = [];
    const warn = options.onWarning ?? ((message: string) => (context ? context.logger.warn(message) : early.push(message)));
    const flushEarly = (logger: Logger) => {
      for (const message of early.splice(0)) logger.warn(message);
    };
    const setting = StreamingContext.openStore(storeOrDirectory);
    try {
      // Before reading: another process running on the location would change what is read.
      setting.lock = takeCheckpointLock(setting.store);
      await setting.lock;
      // Loaded here: a page that never resumes from a checkpoint does not load recovery.
      const { findRecoveryPoint, prepareRecovery } = await import('./recovery.ts');
      const point = await findRecoveryPoint(setting.store, setting.log, warn);
      let ssc: StreamingContext;
      try {
        ssc = createContext();
        if (ssc instanceof StreamingContext) context = ssc;
      } finally {
        flushEarly(context?.logger ?? consoleLogger);
      }
      if (!(ssc instanceof StreamingContext)) throw new InvalidArgumentError(`getOrCreate: createContext must return a StreamingContext, got ${ssc === null ? 'null' : typeof ssc}.`);
      if (ssc.state !== 'initialized') throw new IllegalStateError(`getOrCreate: createContext returned a context that is ${ssc.state}; it must return a new one, not started.`);
      const own = ssc.checkpointSetting;
      if (own && own.store !== setting.store && own.store.location !== setting.store.location) {
        throw new IllegalStateError(`getOrCreate: createContext set checkpoints to ${own.store.location}, but getOrCreate reads them from ${setting.store.location}; use the same location.`);
      }
      ssc.checkpointSetting = setting;
      if (point) {
        const application = { identity: applicationIdentity(ssc.appName), allowOther: options.allowOtherApplication === true };
        ssc.recovery = await prepareRecovery(stableIds(ssc.graph), ssc.batchInterval, point, setting.store, setting.log, warn, application);
      }
      return ssc;
    } catch (e) {
      // Release what was opened to read (an IndexedDB connection) and the lock; the caller's own store stays open.
      await Promise.allSettled([releaseCheckpointLock(setting.lock), setting.log.close(), setting.owned ? setting.store.close() : undefined]);
      throw e;
    }
  }

  /** Keep every stream's RDDs for at least `duration` (e.g. to query old batches with slice()). */
  remember(duration: Duration): void {
    this.assertCanDefine('remember');
    this.graph.rememberDuration = checkDuration(duration, 'remember: duration');
  }

  // ---- inputs ---------------------------------------------------------------------------------

  /**
   * @internal How many slices `queueStream` cuts an array batch of `records` into:
   * `defaultParallelism`, except with workers when no defaultParallelism was given, where a batch
   * large enough is cut into up to twice as many slices as workers, each of at least
   * MIN_SLICE_RECORDS records: a worker that finishes its slice early takes another instead of
   * idling while the other finishes (Spark's advice: 2–3 tasks per core). A small batch keeps
   * `defaultParallelism` slices, as in local mode (a slice of a few records costs more to send than
   * to compute). Shuffles keep `defaultParallelism` partitions, so keyed results come out in local
   * mode's order: slices are contiguous, and a reduce task reads the map outputs in slice order.
   */
  queueSlices(records: number): number {
    const slices = this.sparkContext.defaultParallelism;
    return Math.max(slices, Math.min(this.maxQueueSlices, Math.floor(records / MIN_SLICE_RECORDS)));
  }

  /** Batches from a queue you fill: each entry (an array or an RDD) is one batch, or all at once. */
  queueStream<T>(queue: (readonly T[] | RDD<T>)[], options: QueueStreamOptions<T> = {}): InputDStream<T> {
    return new QueueInputDStream<T>(this, queue, options);
  }

  /**
   * A stream fed by a custom Receiver. `options`: its buffer (bufferSize, default 100,000 records;
   * overflow, default 'block': a receiver that awaits store() waits while the buffer is full) and
   * rate limits (receiverMaxRate, backpressure); see ReceiverOptions.
   */
  receiverStream<T>(receiver: Receiver<T>, options?: ReceiverOptions): ReceiverInputDStream<T> {
    return new ReceiverInputDStream<T>(this, receiver, 'receiverStream', userCallSite(), options);
  }

  /**
   * Anything RxJS: the values emitted during a batch interval form that batch. The observable is
   * subscribed at start() and unsubscribed at stop(); its error is reported to listeners
   * (onReceiverError) and ends the input, as does its completion. An Observable cannot be paused:
   * when more values wait than `options.bufferSize` (default 100,000), the stream fails (overflow
   * 'fail', the default) or drops ('drop-oldest', 'drop-newest'); see ReceiverOptions.
   */
  fromObservable<T>(source: Observable<T>, options?: ReceiverOptions): ReceiverInputDStream<T> {
    if (!source || typeof (source as Observable<T>).subscribe !== 'function') {
      throw new InvalidArgumentError(`fromObservable expects an RxJS Observable, got ${source === null ? 'null' : typeof source}.`);
    }
    return new ReceiverInputDStream<T>(this, new ObservableReceiver(source), 'fromObservable', userCallSite(), options);
  }

  /** Lines of text from a TCP server (Node only; in a browser use webSocketStream). */
  socketTextStream(host: string, port: number, options?: SocketTextStreamOptions): ReceiverInputDStream<string> {
    return socketTextStream(this, host, port, options);
  }

  /** Lines of the files that appear in a directory (Node only). */
  textFileStream(directory: string, options?: TextFileStreamOptions): InputDStream<string> {
    return textFileStream(this, directory, options);
  }

  /** Messages from a WebSocket server, in Node and in the browser. */
  webSocketStream<T = string>(url: string, options?: WebSocketStreamOptions<T>): ReceiverInputDStream<T> {
    return webSocketStream<T>(this, url, options);
  }

  /** Union of streams with the same slide duration. */
  union<T>(streams: DStream<T>[]): DStream<T> {
    if (!Array.isArray(streams) || streams.length === 0) throw new InvalidArgumentError('union expects a non-empty array of DStreams.');
    streams.forEach((s, i) => {
      if (!(s instanceof DStream)) throw new InvalidArgumentError(`union expects an array of DStreams (of the same slide duration); element ${i} is ${describeValue(s)}.`);
    });
    return new kinds.TransformedDStream<T>(this, streams, (rdds) => this.sparkContext.union(rdds as RDD<T>[]), 'union', undefined, undefined, true);
  }

  // ---- listeners ------------------------------------------------------------------------------

  addStreamingListener(listener: StreamingListener): void {
    this.listenerBus.add(listener);
  }
  removeStreamingListener(listener: StreamingListener): void {
    this.listenerBus.remove(listener);
  }
  /** Every listener event as an RxJS Observable (for UIs); completes when the context stops. */
  get events$(): Observable<StreamingListenerEvent> {
    return this.listenerBus.events$;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** Start receiving and processing. Batches run at every multiple of batchInterval from now. */
  start(): void {
    if (this.currentState === 'active') {
      this.logger.warn('StreamingContext.start(): already started; ignoring.');
      return;
    }
    if (this.currentState === 'initialized' && this.signal?.aborted) {
      void this.stop();
      return;
    }
    if (this.currentState === 'stopped') {
      const why = this.signal?.aborted ? ' (its signal was aborted)' : '';
      throw new IllegalStateError(`StreamingContext.start(): this context has been stopped${why}; a stopped context cannot be started again. Create a new one.`);
    }
    try {
      this.doStart();
    } catch (e) {
      this.startFailed(e);
      throw e;
    }
  }

  /**
   * A start() that threw leaves the context stopped, as Spark's does ("Error starting the context,
   * marking it as stopped"): it cannot be started again, what it opened is released, and
   * awaitTermination() rejects with the error.
   */
  private startFailed(error: unknown): void {
    if (this.currentState === 'active') {
      // Inputs may have started: stop as a failed batch does.
      this.stopping ??= this.doStop(false, error);
      return;
    }
    this.currentState = 'stopped';
    this.jobGenerator.stop();
    const setting = this.checkpointSetting;
    this.stopping = Promise.allSettled([
      this.sparkContext.close(),
      this.checkpointer ? this.checkpointer.close(setting!.owned) : setting && Promise.all([setting.log.close(), setting.owned ? setting.store.close() : undefined]),
      setting && releaseCheckpointLock(setting.lock),
    ]).then(() => undefined);
    this.finish(error);
  }

  private doStart(): void {
    // In an executor, a pipeline without outputs is the driver's to refuse: here it is a mismatch, reported as one.
    if (this.graph.outputStreams.length === 0 && !isExecutor()) {
      throw new IllegalStateError('StreamingContext.start(): no output operations registered, so nothing would run. Add one, e.g. stream.print() or stream.foreachRDD(...).');
    }
    // The pipeline is defined: what workers load must match this list from now on.
    this.definitions.close();
    if (isExecutor()) {
      // An executor's copy of the pipeline only defines: nothing is received or run here.
      this.currentState = 'active';
      return;
    }
    const now = this.now();
    const recovery = this.recovery;
    // A recovered context stays on its checkpoint's batch grid.
    const zeroTime = recovery ? recovery.zeroTime : Math.floor(now / this.batchInterval) * this.batchInterval;
    const ids = this.checkpointSetting ? stableIds(this.graph) : undefined;
    if (recovery && ids) {
      const added = [...ids.operators].filter(([, id]) => !recovery.operatorIds.has(id));
      if (added.length > 0) {
        throw new IllegalStateError(
          `StreamingContext.start(): ${added.map(([op, id]) => `${op.creationSite} (${JSON.stringify(id)})`).join(', ')} was defined after getOrCreate() restored the checkpoint ${recovery.description}, so it has no restored state. ` +
            'Define the whole pipeline in createContext.',
        );
      }
    }
    this.graph.start(zeroTime);
    if (this.checkpointSetting) {
      // A context given checkpoint() without getOrCreate takes the location's lock now (see checkpointLock.ts).
      this.checkpointSetting.lock ??= takeCheckpointLock(this.checkpointSetting.store);
      this.checkpointer = new Checkpointer({
        store: this.checkpointSetting.store,
        log: this.checkpointSetting.log,
        graph: this.graph,
        ids: ids!,
        zeroTime,
        batchInterval: this.batchInterval,
        scheduler: this.scheduler,
        lastGeneratedTime: () => this.jobGenerator.lastGeneratedTime,
        loggedUpTo: recovery?.loggedUpTo,
        recoveredFrom: recovery?.checkpointTime,
        application: applicationIdentity(this.appName),
      });
    }
    this.currentState = 'active';
    this.listenerBus.post({ type: 'streamingStarted', time: now });
    for (const input of this.graph.inputStreams) {
      Promise.resolve(input.start()).catch((e) => this.logger.error(`${input.creationSite}: failed to start:`, e));
    }
    // After the inputs started: a file stream's position includes its start time.
    if (this.checkpointer && !recovery) {
      const locked = this.checkpointSetting!.lock!;
      this.checkpointer.writeInitial(locked);
      // Refused: stop before any batch runs, with the error that says who holds the location.
      locked.catch((e: unknown) => {
        if (!this.terminationAwaited) this.logger.error("StreamingContext: could not take the checkpoint location's lock; stopping:", e);
        this.stopping ??= this.doStop(false, e);
      });
    }
    this.jobGenerator.start((recovery ? recovery.checkpointTime : zeroTime) + this.batchInterval);
  }

  /**
   * Stop. With `stopGracefully`, receivers stop first (records they store until their onStop()
   * returns are kept) and every record received is processed; without it, the running batch
   * finishes and queued ones are dropped. Either way the stop is bounded (Spark's
   * gracefulStopTimeout): what has not finished in time is abandoned and reported (see
   * StopOptions.timeout). The worker pool, if any, is closed. Resolves when stopped; on a
   * ManualClock the time allowed passes as the clock is advanced.
   */
  stop(options: StopOptions | boolean = {}): Promise<void> {
    if (isExecutor()) return Promise.resolve();
    const graceful = typeof options === 'boolean' ? options : (options.stopGracefully ?? false);
    const timeout = typeof options === 'boolean' || options.timeout === undefined ? undefined : checkDuration(options.timeout, 'stop: timeout');
    if (this.currentState === 'initialized') {
      this.currentState = 'stopped';
      this.finish();
      // getOrCreate may have opened the stores to read them.
      const setting = this.checkpointSetting;
      const workers = this.sparkContext.close(); // jobs may have run on ssc.sparkContext
      if (!setting) return workers;
      return Promise.all([workers, setting.log.close(), setting.owned ? setting.store.close() : undefined, releaseCheckpointLock(setting.lock)]).then(() => undefined);
    }
    this.stopping ??= this.doStop(graceful, undefined, timeout);
    return this.stopping;
  }

  /**
   * Stops the running context (see stop()). What must happen at once happens here: the deadline
   * starts on the context's clock (a ManualClock advanced right after stop() counts), and a stop
   * without grace generates no more batches. The rest is loaded on first use (stopContext.ts),
   * as a page that never stops its context need not carry it.
   */
  private doStop(graceful: boolean, error?: unknown, timeout?: Duration): Promise<void> {
    const limit = timeout ?? (graceful ? this.gracefulStopTimeout : STOP_GRACE_PERIOD);
    const deadline = this.deadline(limit);
    if (!graceful) this.jobGenerator.stop();
    const checkpoint = this.checkpointer && { checkpointer: this.checkpointer, owned: this.checkpointSetting!.owned, lock: this.checkpointSetting!.lock };
    return import('./stopContext.ts').then(({ stopContext }) =>
      stopContext(
        {
          inputs: this.graph.inputStreams,
          scheduler: this.scheduler,
          jobGenerator: this.jobGenerator,
          jobScheduler: this.jobScheduler,
          checkpoint,
          sparkContext: this.sparkContext,
          logger: this.logger,
          failure: () => this.failure,
          lastBatchFailed: () => this.lastBatchFailed,
          lastCompletedTime: () => this.lastCompletedTime,
          stopped: (event) => {
            this.currentState = 'stopped';
            this.listenerBus.post({ type: 'streamingStopped', time: this.now(), ...event });
          },
          finish: (e) => this.finish(e),
        },
        { graceful, limit, deadline, error },
      ),
    );
  }

  /**
   * Expires after `ms` on this context's clock (on a ManualClock: once advanced that far; a job
   * blocked in clock.sleep() lets it advance, one that never settles blocks advance() itself);
   * race() tells whether a promise settled first.
   */
  private deadline(ms: number): Deadline {
    let resolve!: () => void;
    const expired = new Promise<void>((r) => (resolve = r));
    const subscription = this.scheduler.schedule(() => resolve(), ms);
    const cancel = () => subscription.unsubscribe();
    return {
      race: (p) => Promise.race([p.then(() => true), expired.then(() => false)]),
      cancel,
    };
  }

  private finish(error?: unknown): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (isManualClock(this.scheduler)) this.scheduler.detach(this);
    this.listenerBus.complete();
    if (error === undefined) this.termination.resolve();
    else this.termination.reject(error);
  }

  private onBatchFailed(time: number, error: BatchFailedError): void {
    this.lastBatchFailed = true;
    if (this.skipFailedBatches) {
      this.graph.batchFailed(time);
      return;
    }
    if (!this.terminationAwaited) this.logger.error('StreamingContext: a batch failed; stopping (awaitTermination() rejects with the error):', error);
    // Spark's default: the error stops the context; awaitTermination() rethrows it (also when a
    // stop was under way).
    this.failure ??= error;
    this.jobGenerator.stop();
    this.jobScheduler.dropQueued();
    this.stopping ??= this.doStop(false, error);
  }

  /**
   * Resolves when the context stops; rejects with the error that stopped it. With a `signal`, the
   * wait (not the context) ends when it aborts: the promise rejects with the signal's reason.
   */
  awaitTermination(options: AwaitTerminationOptions = {}): Promise<void> {
    // In an executor the pipeline code stops here: what follows is the driver's.
    if (isExecutor()) return new Promise<void>(() => {});
    const { signal } = options;
    if (signal !== undefined && !isAbortSignal(signal)) throw new InvalidArgumentError(`awaitTermination: signal must be an AbortSignal, got ${describeValue(signal)}.`);
    this.terminationAwaited = true;
    if (signal === undefined) return this.termination.promise;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      // Settled either way: the listener goes, so a long-lived signal holds nothing of this context.
      this.termination.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** @internal Settles when the context stops (rejects with the error that stopped it), without counting as awaited. */
  get terminated(): Promise<void> {
    return this.termination.promise;
  }

  /** Whether the context stopped within `ms` (on this context's clock); rejects with the error that stopped it. */
  awaitTerminationOrTimeout(ms: number): Promise<boolean> {
    if (isExecutor()) return new Promise<boolean>(() => {});
    this.terminationAwaited = true;
    return new Promise<boolean>((resolve, reject) => {
      const timer = this.scheduler.schedule(() => resolve(false), ms);
      this.termination.promise.then(
        () => {
          timer.unsubscribe();
          resolve(true);
        },
        (e) => {
          timer.unsubscribe();
          reject(e);
        },
      );
    });
  }

  /** Resolves when no batch is preparing, running or queued (used by ManualClock between steps). */
  async whenIdle(): Promise<void> {
    await this.jobGenerator.whenSettled();
    await this.jobScheduler.whenIdle();
  }
}
