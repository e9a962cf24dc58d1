import type { SchedulerLike } from 'rxjs';
import { RecurringTimer } from './RecurringTimer.ts';
import type { DStreamGraph } from './DStreamGraph.ts';
import type { JobScheduler } from './JobScheduler.ts';
import type { InputInfoTracker } from './InputInfoTracker.ts';
import { ReceiverInputDStream } from '../dstream/ReceiverInputDStream.ts';

/**
 * At every batch boundary: allocate received blocks to the batch, build the batch's jobs from the
 * graph, and submit them (Spark's JobGenerator). Building a batch only creates lazy RDDs; the
 * records are processed when the JobScheduler runs it.
 */
export class JobGenerator {
  private readonly timer: RecurringTimer;
  lastGeneratedTime: number | undefined;
  private generatedWaiters: { time: number; resolve: () => void }[] = [];

  constructor(
    scheduler: SchedulerLike,
    batchInterval: number,
    private readonly graph: DStreamGraph,
    private readonly jobScheduler: JobScheduler,
    private readonly inputInfo: InputInfoTracker,
    private readonly now: () => number,
  ) {
    this.timer = new RecurringTimer(scheduler, batchInterval, (time) => this.generateJobs(time));
  }

  /**
   * Called once a batch is generated, before it is submitted: the batch runs only after the
   * returned promise resolves, and fails if it rejects (the write-ahead log).
   */
  beforeSubmit: ((time: number) => Promise<void> | undefined) | undefined;

  /** Generate batches at `firstBatchTime` and every interval after it (at once for those already due). */
  start(firstBatchTime: number): void {
    this.timer.start(firstBatchTime);
  }

  stop(): void {
    this.timer.stop();
  }

  /** The time of the next batch boundary. */
  get nextBatchTime(): number {
    return this.timer.next;
  }

  /** Resolves once the batch at `time` (or later) has been generated. */
  whenGenerated(time: number): Promise<void> {
    if (this.lastGeneratedTime !== undefined && this.lastGeneratedTime >= time) return Promise.resolve();
    return new Promise((resolve) => this.generatedWaiters.push({ time, resolve }));
  }

  generateJobs(time: number): void {
    this.lastGeneratedTime = time;
    for (const input of this.graph.inputStreams) if (input instanceof ReceiverInputDStream) input.allocateBlocks(time);
    let generated: ReturnType<DStreamGraph['generateJobs']> = { materialize: [], jobs: [] };
    let generationError: unknown;
    try {
      generated = this.graph.generateJobs(time);
    } catch (e) {
      generationError = e;
    }
    let beforeRun: Promise<void> | undefined;
    try {
      beforeRun = this.beforeSubmit?.(time);
    } catch (e) {
      beforeRun = Promise.reject(e);
    }
    // A batch dropped by stop() never awaits it; its failure must not be an unhandled rejection.
    beforeRun?.catch(() => {});
    const streamIdToNumRecords = this.inputInfo.getInfo(time);
    const numRecords = Object.values(streamIdToNumRecords).reduce((a, b) => a + b, 0);
    this.jobScheduler.submit({
      time,
      ...generated,
      generationError,
      beforeRun,
      batchInfo: { batchTime: time, streamIdToNumRecords, numRecords, submissionTime: this.now(), outputOperationInfos: [] },
    });
    const ready = this.generatedWaiters.filter((w) => w.time <= time);
    this.generatedWaiters = this.generatedWaiters.filter((w) => w.time > time);
    for (const w of ready) w.resolve();
  }
}
