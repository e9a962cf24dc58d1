import type { DStream } from '../dstream/DStream.ts';
import type { InputDStream } from '../dstream/InputDStream.ts';
import type { ForEachDStream, Job } from '../dstream/ForEachDStream.ts';
import type { Duration } from '../util/duration.ts';

/** The input streams and output operations of a context, and the work they make at each batch time. */
export class DStreamGraph {
  readonly inputStreams: InputDStream<unknown>[] = [];
  readonly outputStreams: ForEachDStream<unknown>[] = [];
  rememberDuration: Duration | undefined;
  zeroTime: number | undefined;
  private streamIds = 0;

  nextStreamId(): number {
    return this.streamIds++;
  }

  addInputStream(s: InputDStream<any>): number {
    this.inputStreams.push(s);
    return this.inputStreams.length - 1;
  }

  addOutputStream(s: ForEachDStream<any>): number {
    this.outputStreams.push(s);
    return this.outputStreams.length - 1;
  }

  /** The streams' batch-time code still loading (DStream.loadBatchCode): the next batch waits for it. */
  loading: Promise<unknown> | undefined;

  start(zeroTime: number): void {
    this.zeroTime = zeroTime;
    for (const o of this.outputStreams) o.initialize(zeroTime);
    for (const o of this.outputStreams) o.remember(Math.max(this.rememberDuration ?? 0, o.rememberDuration ?? 0));
    // Inputs not read by any output still need a zero time, so their data can be allocated and dropped.
    for (const i of this.inputStreams) i.initialize(zeroTime);
    const loads = this.reachableStreams().map((s) => s.loadBatchCode());
    if (loads.some((l) => l !== undefined)) {
      const loading: Promise<unknown> = Promise.all(loads).then(() => {
        if (this.loading === loading) this.loading = undefined;
      });
      this.loading = loading;
    }
  }

  /** Every stream an output depends on, parents before children. */
  reachableStreams(): DStream<unknown>[] {
    const seen = new Set<DStream<any>>();
    const order: DStream<unknown>[] = [];
    const visit = (s: DStream<any>) => {
      if (seen.has(s)) return;
      seen.add(s);
      for (const d of s.dependencies) visit(d);
      order.push(s);
    };
    for (const o of this.outputStreams) visit(o);
    return order;
  }

  /**
   * Build the batch at `time`: the state streams to materialize (parents first, computed even
   * when no output reads them at this time, so no batch of state is skipped) and one job per
   * output operation that has an RDD at this time.
   */
  generateJobs(time: number): { materialize: DStream<unknown>[]; jobs: Job[] } {
    // Every input makes its batch at every interval, read or not: a queue entry belongs to the
    // batch whose time it was due at, even when only a hopping window reads later batches.
    for (const input of this.inputStreams) input.getOrCompute(time);
    const materialize = this.reachableStreams().filter((s) => s.mustMaterialize && s.getOrCompute(time) !== undefined);
    const jobs: Job[] = [];
    for (const o of this.outputStreams) {
      const job = o.generateJob(time);
      if (job) jobs.push(job);
    }
    return { materialize, jobs };
  }

  clearMetadata(time: number): void {
    for (const o of this.outputStreams) o.clearMetadata(time);
    for (const i of this.inputStreams) i.clearMetadata(time);
  }

  batchFailed(time: number): void {
    for (const s of this.reachableStreams()) s.onBatchFailed(time);
  }
}
