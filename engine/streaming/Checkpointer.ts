import { IllegalStateError } from '../util/errors.ts';
/**
 * Writes a context's checkpoints and its write-ahead log (Spark's JobGenerator.doCheckpoint,
 * CheckpointWriter and the receiver and batch-allocation write-ahead logs, in one place).
 *
 * What is written, and when:
 * - At start(), before the first batch: a checkpoint at the zero time with no state (every
 *   stateful operator starts from its initial state), so the batch grid and the inputs' start
 *   positions are durable before anything runs. (Not when resuming: the grid is the checkpoint's.
 *   A fresh run refuses a store that holds checkpoints or log records at or after its zero time.)
 * - Every batch, once generated and before it runs (the batch waits for it): a log record at the
 *   batch time, `{ time, metadata: { zeroTime, batchInterval }, data: { [inputId]: what the input
 *   took } }` — a queue's entry range, a file stream's files, a receiver's blocks of records.
 *   Records are written one after the other, so the log is always a gap-free prefix of the
 *   batches generated. This is the per-batch metadata: it says which batches were generated and
 *   makes each of them again exactly.
 * - At the end of a batch (after its outputs) whose time is due for any stream's checkpoint
 *   interval, and at stop(): a checkpoint at the batch time, `{ metadata, data }` — see
 *   checkpointMetadata() and each stateful stream's saveState(). The batch completes once it is
 *   durable. Then checkpoints beyond the newest CHECKPOINTS_KEPT are deleted, and log records
 *   that no kept checkpoint can need.
 *
 * Recovery (recovery.ts) restores the newest good checkpoint and makes the logged batches after it
 * again, so a batch is never lost; it may run twice (outputs are keyed by batch time).
 */
import { isVirtualTime } from './isManualClock.ts';
import type { Checkpoint, CheckpointStore } from '../checkpoint/CheckpointStore.ts';
import { isStateful } from '../dstream/checkpointing.ts';
import type { DStreamGraph } from './DStreamGraph.ts';
import type { StableIds } from './stableIds.ts';
import type { SchedulerLike } from 'rxjs';
import type { Duration } from '../util/duration.ts';
import type { ApplicationIdentity } from './application.ts';

/**
 * Checkpoints kept after each write (Spark keeps 10; the older ones only cost space).
 *
 * @example
 * ```ts
 * import { CHECKPOINTS_KEPT } from 'rivulet';
 * console.log(`the newest ${CHECKPOINTS_KEPT} checkpoints are kept`);
 * ```
 */
export const CHECKPOINTS_KEPT = 3;

/** Version of the checkpoint's metadata layout (the file format's version is the codec's). */
export const CHECKPOINT_LAYOUT = 1;

/**
 * Spark's default checkpoint interval: the smallest multiple of the slide that is at least 10 s
 * (updateStateByKey, windows with an inverse function; mapWithState's is 10 × its slide).
 *
 * @example
 * ```ts
 * import { defaultCheckpointInterval, Seconds } from 'rivulet';
 * defaultCheckpointInterval(Seconds(3)); // 12000: a stateful stream on a 3 s slide checkpoints every 12 s
 * ```
 */
export function defaultCheckpointInterval(slideDuration: Duration): Duration {
  return slideDuration * Math.ceil(10_000 / slideDuration);
}

/**
 * The metadata of every checkpoint this engine writes.
 *
 * Spark: the fields of `org.apache.spark.streaming.Checkpoint` (`checkpointTime`, `pendingTimes`,
 * `batchDuration`, the serialized `graph`).
 *
 * @example
 * ```ts
 * import type { CheckpointMetadata } from 'rivulet';
 * const describe = (m: CheckpointMetadata) =>
 *   `batch ${m.lastCompletedBatchTime ?? 'none'}, ${m.pendingBatches.length} pending, operators: ${Object.keys(m.operators).join(', ')}`;
 * ```
 */
export interface CheckpointMetadata {
  layout: number;
  /**
   * The application that wrote it: recovery refuses a checkpoint of another one
   * (ApplicationMismatchError). Absent from the checkpoints of Rivulet before it.
   */
  application?: ApplicationIdentity;
  zeroTime: number;
  batchInterval: number;
  /** True for the checkpoint written at start(): no batch has completed, every state is initial. */
  initial: boolean;
  /** The checkpoint's batch time, or null for the initial checkpoint. */
  lastCompletedBatchTime: number | null;
  /** Batches generated (and logged) but not completed when it was taken: recovery runs them again. */
  pendingBatches: number[];
  /** Each input stream's position after the batch, by stable id. */
  inputs: Record<string, { operation: string; creationSite: string; position: unknown }>;
  /**
   * Each stateful operator by stable id: its kind, what must not change (stateParameters), and
   * the time of the state saved under its id in `data` (the latest time on its slide; null
   * when it has none yet). `earlier`: times up to it that a window over the operator still
   * reads, with what it reads beyond the state saved in `data` under `<id>@<time>` (see
   * StatefulDStream.saveEarlier).
   */
  operators: Record<string, { operation: string; creationSite: string; time: number | null; parameters: Record<string, number>; earlier?: number[] }>;
}

export interface CheckpointerOptions {
  store: CheckpointStore;
  log: CheckpointStore;
  graph: DStreamGraph;
  ids: StableIds;
  zeroTime: number;
  batchInterval: Duration;
  scheduler: SchedulerLike;
  /** The latest batch time generated so far. */
  lastGeneratedTime: () => number | undefined;
  /** When recovering: batches up to this time are in the log already and are not logged again. */
  loggedUpTo?: number;
  /** The checkpoint recovered from: the next checkpoint due is after it. */
  recoveredFrom?: number;
  /** The application writing the checkpoints, recorded in each one. */
  application: ApplicationIdentity;
}

export class Checkpointer {
  private readonly intervals: Duration[];
  /** Retention of log records before the oldest kept checkpoint: the longest any input remembers. */
  private readonly logRetention: Duration;
  private logChain: Promise<void> = Promise.resolve();
  /** The initial checkpoint: every log record waits for it, and fails when it failed. */
  private initialWrite: Promise<void> = Promise.resolve();
  private lastCheckpointTime: number | undefined;

  constructor(private readonly o: CheckpointerOptions) {
    const intervals = new Set<Duration>();
    for (const s of o.graph.reachableStreams()) {
      const d = s.checkpointDuration ?? (isStateful(s) ? defaultCheckpointInterval(s.slideDuration) : undefined);
      if (d !== undefined) intervals.add(d);
    }
    if (intervals.size === 0) intervals.add(defaultCheckpointInterval(o.batchInterval));
    this.intervals = [...intervals].sort((a, b) => a - b);
    this.logRetention = Math.max(o.batchInterval, ...o.graph.inputStreams.map((i) => i.rememberDuration ?? 0));
    this.lastCheckpointTime = o.recoveredFrom;
  }

  /** The checkpoint intervals in use, shortest first. */
  get checkpointIntervals(): readonly Duration[] {
    return this.intervals;
  }

  /**
   * The checkpoint at the zero time, written before the first log record. Refused (failing every
   * batch) when the store already holds checkpoints or log records at or after this run's zero
   * time: they belong to another run on an overlapping batch grid, and recovering this run would
   * pick them up. Nothing is read or written before `ready` (the location's lock) resolves; when
   * it rejects, so does every log record.
   */
  writeInitial(ready: Promise<unknown> = Promise.resolve()): void {
    const { zeroTime, store, log } = this.o;
    const checkpoint = this.checkpointAt(zeroTime, true, {});
    this.initialWrite = (async () => {
      await ready;
      const newer = (await store.list()).filter((t) => t >= zeroTime);
      const newerLog = (await log.list()).filter((t) => t > zeroTime);
      if (newer.length > 0 || newerLog.length > 0) {
        const what = [
          newer.length ? `checkpoints at ${newer.sort((a, b) => a - b).join(', ')} ms` : '',
          newerLog.length ? `write-ahead log records of ${newerLog.length} batches up to ${Math.max(...newerLog)} ms` : '',
        ]
          .filter(Boolean)
          .join(' and ');
        throw new IllegalStateError(
          `${store.location} holds ${what}, at or after this run's zero time (${zeroTime} ms): they are another run's, and a recovery of this run would resume from them. ` +
            'To resume that run, create the context with StreamingContext.getOrCreate; to start afresh, use an empty location or delete them.',
        );
      }
      await store.write(checkpoint);
    })();
    this.initialWrite.catch(() => {});
    this.logChain = this.initialWrite;
    this.lastCheckpointTime = zeroTime;
  }

  /**
   * Log what every input took for the batch at `time`; the batch must wait for the returned
   * promise. Undefined for a batch made again from the log.
   */
  logBatch(time: number): Promise<void> | undefined {
    if (this.o.loggedUpTo !== undefined && time <= this.o.loggedUpTo) return undefined;
    const data: Record<string, unknown> = {};
    for (const [input, id] of this.o.ids.inputs) {
      const taken = input.logBatch(time);
      if (taken !== undefined) data[id] = taken;
    }
    const record: Checkpoint = { time, metadata: { zeroTime: this.o.zeroTime, batchInterval: this.o.batchInterval }, data };
    const { log } = this.o;
    const initial = this.initialWrite;
    const write = this.logChain
      .catch(() => {})
      .then(async () => {
        await initial;
        await log.write(record);
      });
    this.logChain = write;
    return write;
  }

  /** Whether a checkpoint is due after the batch at `time`. */
  isDue(time: number): boolean {
    const since = time - this.o.zeroTime;
    return this.intervals.some((d) => since % d === 0);
  }

  /** After a batch's outputs: write a checkpoint when one is due. */
  async afterBatch(time: number): Promise<void> {
    if (this.isDue(time)) await this.checkpoint(time);
  }

  /** At stop: a checkpoint after the last completed batch, unless there is one already. */
  async checkpointOnStop(lastCompletedTime: number | undefined): Promise<void> {
    if (lastCompletedTime === undefined || lastCompletedTime === this.lastCheckpointTime) return;
    await this.checkpoint(lastCompletedTime);
  }

  /** Save every stateful operator's state after the batch at `time`, then prune. */
  async checkpoint(time: number): Promise<void> {
    const data: Record<string, unknown> = {};
    const stateTimes = new Map<string, number | null>();
    const earlierTimes = new Map<string, number[]>();
    for (const [op, id] of this.o.ids.operators) {
      // A stream that slides by more than a batch has its latest state at the last time on its slide.
      const since = time - this.o.zeroTime;
      const stateTime = time - (since % op.slideDuration);
      if (stateTime <= this.o.zeroTime) {
        stateTimes.set(id, null);
        continue;
      }
      stateTimes.set(id, stateTime);
      data[id] = await op.saveState(stateTime);
      // What a window over this stream still reads, beyond the state, under `<id>@<time>`.
      const earlier: number[] = [];
      if (op.saveEarlier && op.rememberDuration! > op.slideDuration) {
        for (const t of [...op.generatedRDDs.keys()].sort((a, b) => a - b)) {
          if (t > stateTime || t <= stateTime - op.rememberDuration! || t <= this.o.zeroTime) continue;
          const value = await op.saveEarlier(t, stateTime);
          if (value === undefined) continue;
          data[`${id}@${t}`] = value;
          earlier.push(t);
        }
      }
      earlierTimes.set(id, earlier);
    }
    // The store encodes the checkpoint before write() returns: the next batch may change the state.
    await this.o.store.write(this.checkpointAt(time, false, data, stateTimes, earlierTimes));
    this.lastCheckpointTime = time;
    await this.prune();
  }

  private checkpointAt(time: number, initial: boolean, data: Record<string, unknown>, stateTimes = new Map<string, number | null>(), earlierTimes = new Map<string, number[]>()): Checkpoint {
    const checkpoint: Checkpoint = { time, metadata: this.metadata(time, initial, stateTimes, earlierTimes) as unknown as Record<string, unknown>, data };
    // Wall-clock time only: under virtual time the clock's time means nothing outside the test.
    if (!isVirtualTime(this.o.scheduler)) checkpoint.createdAt = this.o.scheduler.now();
    return checkpoint;
  }

  private metadata(time: number, initial: boolean, stateTimes: Map<string, number | null>, earlierTimes: Map<string, number[]>): CheckpointMetadata {
    const { zeroTime, batchInterval, ids } = this.o;
    const pendingBatches: number[] = [];
    const last = this.o.lastGeneratedTime();
    if (!initial && last !== undefined) for (let t = time + batchInterval; t <= last; t += batchInterval) pendingBatches.push(t);
    const inputs: CheckpointMetadata['inputs'] = {};
    for (const [input, id] of ids.inputs) {
      inputs[id] = { operation: input.operation, creationSite: input.creationSite, position: input.checkpointPosition(time) };
    }
    const operators: CheckpointMetadata['operators'] = {};
    for (const [op, id] of ids.operators) {
      operators[id] = { operation: op.operation, creationSite: op.creationSite, time: stateTimes.get(id) ?? null, parameters: op.stateParameters() };
      const earlier = earlierTimes.get(id);
      if (earlier?.length) operators[id].earlier = earlier;
    }
    return { layout: CHECKPOINT_LAYOUT, application: this.o.application, zeroTime, batchInterval, initial, lastCompletedBatchTime: initial ? null : time, pendingBatches, inputs, operators };
  }

  /**
   * Keep the newest CHECKPOINTS_KEPT checkpoints, and the log records that the oldest of them can
   * still need: those after it (to replay) and those an input remembers before it (for windows).
   */
  private async prune(): Promise<void> {
    const { store, log } = this.o;
    await store.prune(CHECKPOINTS_KEPT);
    const kept = await store.list();
    const oldest = kept[kept.length - 1];
    if (oldest === undefined) return;
    for (const t of await log.list()) if (t <= oldest - this.logRetention) await log.delete(t);
    // Also removes what a crash mid-write left behind (temporary files).
    await log.prune(Number.MAX_SAFE_INTEGER);
  }

  /** Wait for log writes in progress (a stopped context's queued batches are replayed from them). */
  async close(closeStore: boolean): Promise<void> {
    await this.logChain.catch(() => {});
    await this.o.log.close();
    if (closeStore) await this.o.store.close();
  }
}
