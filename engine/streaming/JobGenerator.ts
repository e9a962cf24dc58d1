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

  /** Preparations (replayable sources planning their offset ranges) not yet followed by their batch's generation, in batch order. */
  private pending: Promise<void> | undefined;
  private discarded = false;

  /**
   * At a batch boundary. Inputs that must ask something before their batch can be cut (a
   * replayable source's latest offsets, see InputDStream.prepareBatch) do so first; batches are
   * still generated one at a time, in order. Without such inputs the batch is generated at once.
   */
  generateJobs(time: number): void {
    if (this.pending === undefined) {
      let preparing: Promise<unknown> | undefined;
      try {
        preparing = this.prepare(time);
      } catch (e) {
        preparing = Promise.reject(e);
      }
      if (preparing === undefined) return this.generate(time, undefined);
      this.follow(
        preparing
          .then(
            () => undefined,
            (e: unknown) => ({ error: e }),
          )
          .then((failed) => this.generate(time, failed)),
      );
      return;
    }
    this.follow(
      this.pending
        .then(() => this.prepare(time))
        .then(
          () => undefined,
          (e: unknown) => ({ error: e }),
        )
        .then((failed) => this.generate(time, failed)),
    );
  }

  private prepare(time: number): Promise<unknown> | undefined {
    const preparing: Promise<unknown>[] = [];
    if (this.graph.loading) preparing.push(this.graph.loading);
    for (const input of this.graph.inputStreams) {
      const p = input.prepareBatch(time);
      if (p) preparing.push(p);
    }
    return preparing.length === 0 ? undefined : Promise.all(preparing);
  }

  private follow(next: Promise<void>): void {
    const chained: Promise<void> = next.finally(() => {
      if (this.pending === chained) this.pending = undefined;
    });
    this.pending = chained;
  }

  /** Resolves once every batch whose time came has been generated (or discarded). */
  whenSettled(): Promise<void> {
    return this.pending ?? Promise.resolve();
  }

  /** A stop without grace: batches still preparing are never generated (their inputs did not move on). */
  discardPending(): void {
    this.discarded = true;
  }

  private generate(time: number, failedPreparation: { error: unknown } | undefined): void {
    if (this.discarded) return;
    this.lastGeneratedTime = time;
    let generationError: unknown = failedPreparation?.error;
    for (const input of this.graph.inputStreams) {
      if (!(input instanceof ReceiverInputDStream)) continue;
      try {
        input.allocateBlocks(time);
      } catch (e) {
        // A receiver whose buffer failed (overflow 'fail'): this batch fails with its error.
        generationError ??= e;
      }
    }
    let generated: ReturnType<DStreamGraph['generateJobs']> = { materialize: [], jobs: [] };
    if (generationError === undefined) {
      try {
        generated = this.graph.generateJobs(time);
      } catch (e) {
        generationError = e;
      }
    }
    let beforeRun: Promise<void> | undefined;
    try {
      beforeRun = this.beforeSubmit?.(time);
    } catch (e) {
      beforeRun = Promise.reject(e);
    }
    // A batch dropped by stop() never awaits it; its failure must not be an unhandled rejection.
    beforeRun?.catch(() => {});
    const streamIdToInputInfo = this.inputInfo.getInputInfos(time);
    const streamIdToNumRecords: Record<number, number> = {};
    let numRecords = 0;
    for (const info of Object.values(streamIdToInputInfo)) numRecords += streamIdToNumRecords[info.inputStreamId] = info.numRecords;
    this.jobScheduler.submit({
      time,
      ...generated,
      generationError,
      beforeRun,
      batchInfo: { batchTime: time, streamIdToNumRecords, streamIdToInputInfo, numRecords, submissionTime: this.now(), outputOperationInfos: [] },
    });
    const ready = this.generatedWaiters.filter((w) => w.time <= time);
    this.generatedWaiters = this.generatedWaiters.filter((w) => w.time > time);
    for (const w of ready) w.resolve();
  }
}
