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

  start(zeroTime: number, batchInterval: number): void {
    this.timer.start(zeroTime + batchInterval);
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
    const streamIdToNumRecords = this.inputInfo.getInfo(time);
    const numRecords = Object.values(streamIdToNumRecords).reduce((a, b) => a + b, 0);
    this.jobScheduler.submit({
      time,
      ...generated,
      generationError,
      batchInfo: { batchTime: time, streamIdToNumRecords, numRecords, submissionTime: this.now(), outputOperationInfos: [] },
    });
    const ready = this.generatedWaiters.filter((w) => w.time <= time);
    this.generatedWaiters = this.generatedWaiters.filter((w) => w.time > time);
    for (const w of ready) w.resolve();
  }
}
