import type { DStream } from '../dstream/DStream.ts';
import type { Job } from '../dstream/ForEachDStream.ts';
import { BatchFailedError } from '../util/errors.ts';
import type { TaskFailure } from '../executor/Executor.ts';
import type { StageDecision } from '../rdd/StagePlacement.ts';
import type { StageResubmitted } from '../rdd/DAGScheduler.ts';
import type { AbandonedWork, BatchInfo, OutputOperationInfo, StreamingListenerBus } from './listener.ts';

/** Everything one batch time has to run. */
export interface JobSet {
  time: number;
  materialize: DStream<unknown>[];
  jobs: Job[];
  batchInfo: BatchInfo;
  /** Set when building the batch itself failed (e.g. a transform function threw). */
  generationError?: unknown;
  /** What must be done before the batch runs (its write-ahead log record); a rejection fails the batch. */
  beforeRun?: Promise<void>;
}

export interface JobSchedulerHost {
  now(): number;
  readonly listenerBus: StreamingListenerBus;
  /** A batch finished (successfully or not); clear old metadata. */
  onBatchCompleted(time: number): void;
  /** A batch failed; decide whether the context goes on. */
  onBatchFailed(time: number, error: BatchFailedError): void;
  /**
   * After a successful batch's outputs, before it completes (its checkpoint); a rejection fails
   * the batch.
   */
  afterBatch?(time: number): Promise<void>;
  /** Tasks run so far on workers and in this thread (the DAGScheduler's counters), for BatchInfo.executedOn. */
  taskCounts?(): { readonly remoteTasks: number; readonly localTasks: number };
}

/**
 * Runs batches one at a time, in order (Spark's default of one concurrent job). A batch submitted
 * while another runs waits in the queue; the wait is its scheduling delay. No batch is dropped
 * unless the context stops without grace.
 */
export class JobScheduler {
  private readonly queue: JobSet[] = [];
  private running: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];
  /** The batch running now (batches run one at a time), for failures reported by the executor. */
  private runningBatchTime: number | undefined;
  /** The running batch, and what it is doing (an output operation, materializing a state, the checkpoint). */
  private runningJobSet: JobSet | undefined;
  private runningStep: string | undefined;
  private runningOp: OutputOperationInfo | undefined;
  /** stop() gave up on the running batch: whatever it does from now on is not reported, nothing runs after it. */
  private abandonedJobSet: JobSet | undefined;

  constructor(private readonly host: JobSchedulerHost) {}

  /** The running batch's record of where its stages ran (see stageDecided). */
  private runningInfo: BatchInfo | undefined;

  /** A stage of the running batch was placed on workers or here: kept in its BatchInfo. */
  stageDecided(decision: StageDecision): void {
    const info = this.runningInfo;
    if (!info) return;
    const decisions = (info.stageDecisions ??= []);
    // A batch with many jobs keeps the first decisions; the counts of tasks stay exact.
    if (decisions.length < MAX_STAGE_DECISIONS) decisions.push(decision);
    if (decision.executedOn === 'local' && !info.localReason?.includes(decision.stage)) {
      const line = `${decision.stage}: ${decision.reason}`;
      info.localReason = info.localReason ? `${info.localReason}; ${line}` : line;
    }
  }

  /** Post an executor's task failure to listeners, with the batch it belongs to. */
  taskFailed(failure: TaskFailure): void {
    this.host.listenerBus.post({ ...failure, time: this.host.now(), batchTime: this.runningBatchTime });
  }

  stageResubmitted(e: StageResubmitted): void {
    this.host.listenerBus.post({ type: 'stageResubmitted', ...e, time: this.host.now(), batchTime: this.runningBatchTime });
  }

  submit(jobSet: JobSet): void {
    this.queue.push(jobSet);
    this.host.listenerBus.post({ type: 'batchSubmitted', batchInfo: snapshot(jobSet.batchInfo) });
    this.running ??= this.drain();
  }

  get queuedBatches(): number {
    return this.queue.length;
  }

  /** Drop batches not started yet (a stop without grace); returns their times. */
  dropQueued(): number[] {
    return this.queue.splice(0, this.queue.length).map((j) => j.time);
  }

  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Whether a batch is running now. */
  get isRunning(): boolean {
    return this.runningJobSet !== undefined;
  }

  /**
   * Stop waiting for the running batch (stop() ran out of time): it is reported to listeners as
   * completed with `reason` as its failure (and its running output operation too), and the
   * scheduler is idle from now on and runs nothing more. The batch's code may still finish in the
   * background (JavaScript cannot interrupt it); nothing it does then is reported or acted on.
   */
  abandonRunning(reason: string): AbandonedWork | undefined {
    const jobSet = this.runningJobSet;
    if (!jobSet) return undefined;
    const { host } = this;
    const step = this.runningStep;
    this.abandonedJobSet = jobSet;
    this.queue.length = 0;
    const now = host.now();
    const op = this.runningOp;
    if (op) {
      op.failureReason = `abandoned: ${reason}`;
      op.endTime = now;
      op.duration = op.endTime - op.startTime!;
      host.listenerBus.post({ type: 'outputOperationCompleted', outputOperationInfo: { ...op } });
    }
    const info = jobSet.batchInfo;
    info.processingStartTime ??= now;
    info.schedulingDelay ??= info.processingStartTime - info.submissionTime;
    info.processingEndTime = now;
    info.processingDelay = info.processingEndTime - info.processingStartTime;
    info.totalDelay = info.schedulingDelay + info.processingDelay;
    info.failureReason = `abandoned${step === undefined ? '' : ` in ${step}`}: ${reason}`;
    host.listenerBus.post({ type: 'batchCompleted', batchInfo: snapshot(info) });
    this.clearRunning();
    this.running = undefined;
    for (const w of this.idleWaiters.splice(0)) w();
    return {
      kind: 'batch',
      batchTime: jobSet.time,
      step,
      message: `the batch at ${jobSet.time} ms, still running${step === undefined ? '' : ` in ${step}`} (it may finish in the background, unobserved)`,
    };
  }

  private clearRunning(): void {
    this.runningBatchTime = undefined;
    this.runningInfo = undefined;
    this.runningJobSet = undefined;
    this.runningStep = undefined;
    this.runningOp = undefined;
  }

  private async drain(): Promise<void> {
    // Start on a fresh microtask so submit() never runs user code synchronously.
    await Promise.resolve();
    for (let jobSet = this.queue.shift(); jobSet; jobSet = this.queue.shift()) {
      await this.run(jobSet);
      // Abandoned by stop(): it already declared this scheduler idle.
      if (this.abandonedJobSet === jobSet) return;
      // Batches queued behind a slow one would otherwise run back to back in microtasks, starving
      // timers, I/O (receivers) and, in a page, rendering until the backlog is gone.
      if (this.queue.length > 0) await yieldToEventLoop();
    }
    this.running = undefined;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async run(jobSet: JobSet): Promise<void> {
    const { host } = this;
    const info = jobSet.batchInfo;
    this.runningBatchTime = jobSet.time;
    this.runningInfo = info;
    this.runningJobSet = jobSet;
    const abandoned = () => this.abandonedJobSet === jobSet;
    const tasksBefore = host.taskCounts && { ...host.taskCounts() };
    let failure: BatchFailedError | undefined;
    // The batch starts once its write-ahead log record is durable: waiting for it is scheduling
    // delay, and a batch whose log failed is never reported as started and then run.
    if (jobSet.generationError === undefined && jobSet.beforeRun) {
      this.runningStep = 'its write-ahead log record';
      try {
        await jobSet.beforeRun;
      } catch (e) {
        failure = new BatchFailedError(jobSet.time, 'the write-ahead log', e);
      }
      if (abandoned()) return;
    }
    info.processingStartTime = host.now();
    info.schedulingDelay = info.processingStartTime - info.submissionTime;
    host.listenerBus.post({ type: 'batchStarted', batchInfo: snapshot(info) });
    if (jobSet.generationError !== undefined) {
      failure = new BatchFailedError(jobSet.time, 'job generation', jobSet.generationError);
    } else {
      for (const stream of jobSet.materialize) {
        if (failure) break;
        this.runningStep = `${stream.creationSite} (its state)`;
        try {
          const rdd = stream.generatedRDDs.get(jobSet.time)!;
          const materialized = await stream.materialize(jobSet.time, rdd);
          if (abandoned()) return;
          stream.replaceRDD(jobSet.time, materialized);
        } catch (e) {
          if (abandoned()) return;
          failure = new BatchFailedError(jobSet.time, stream.creationSite, e);
          break;
        }
      }
      // Outputs must not see a half-applied state; a failed output does not stop the others (Spark runs each job).
      const stateFailed = failure;
      for (const job of jobSet.jobs) {
        const op: OutputOperationInfo = { batchTime: jobSet.time, id: job.outputOpId, name: job.name, startTime: host.now() };
        info.outputOperationInfos.push(op);
        host.listenerBus.post({ type: 'outputOperationStarted', outputOperationInfo: { ...op } });
        if (stateFailed) {
          op.failureReason = `not run: ${stateFailed.message}`;
        } else {
          this.runningStep = job.name;
          this.runningOp = op;
          try {
            await job.run();
          } catch (e) {
            if (abandoned()) return;
            const err = new BatchFailedError(jobSet.time, job.name, e);
            failure ??= err;
            op.failureReason = err.message;
          }
          if (abandoned()) return;
          this.runningOp = undefined;
        }
        op.endTime = host.now();
        op.duration = op.endTime - op.startTime!;
        host.listenerBus.post({ type: 'outputOperationCompleted', outputOperationInfo: { ...op } });
      }
    }
    if (!failure && host.afterBatch) {
      this.runningStep = 'its checkpoint';
      try {
        await host.afterBatch(jobSet.time);
      } catch (e) {
        failure = new BatchFailedError(jobSet.time, 'the checkpoint', e);
      }
      if (abandoned()) return;
    }
    info.processingEndTime = host.now();
    info.processingDelay = info.processingEndTime - info.processingStartTime;
    info.totalDelay = info.schedulingDelay + info.processingDelay;
    if (failure) info.failureReason = failure.message;
    if (tasksBefore) {
      const after = host.taskCounts!();
      info.numRemoteTasks = after.remoteTasks - tasksBefore.remoteTasks;
      info.numLocalTasks = after.localTasks - tasksBefore.localTasks;
      info.executedOn = info.numRemoteTasks === 0 ? 'local' : info.numLocalTasks === 0 ? 'workers' : 'mixed';
    }
    this.clearRunning();
    host.listenerBus.post({ type: 'batchCompleted', batchInfo: snapshot(info) });
    if (failure) host.onBatchFailed(jobSet.time, failure);
    host.onBatchCompleted(jobSet.time);
  }
}

const MAX_STAGE_DECISIONS = 64;

/** An event's copy of the batch's progress: later progress must not change an event already posted. */
function snapshot(info: BatchInfo): BatchInfo {
  const copy = {
    ...info,
    streamIdToNumRecords: { ...info.streamIdToNumRecords },
    streamIdToInputInfo: { ...info.streamIdToInputInfo },
    outputOperationInfos: info.outputOperationInfos.map((o) => ({ ...o })),
  };
  if (info.stageDecisions) copy.stageDecisions = [...info.stageDecisions];
  return copy;
}

/** Let the event loop run one turn (macrotasks: timers, I/O, rendering) before going on. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}
