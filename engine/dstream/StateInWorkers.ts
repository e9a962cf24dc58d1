import type { RDD } from '../rdd/index.ts';
import type { DStream } from './DStream.ts';
import { MaterializedRDD } from './MaterializedRDD.ts';
import { defaultCheckpointInterval } from '../streaming/Checkpointer.ts';

/** stateInWorkers 'auto': a state of more records than this is kept in the workers. */
export const STATE_IN_WORKERS_ABOVE_RECORDS = 10_000;

/**
 * The most batches a state kept in the workers goes without being brought to the driver, whatever
 * its checkpoint interval: its lineage (one step per batch since the last copy) is walked
 * recursively — described for every task, rebuilt in the worker, recomputed after a lost worker —
 * so at a short batch interval (20 ms: 500 batches to the default 10 s) it would overflow the stack
 * and slow every batch down. Spark cuts lineage by time only (its checkpoint interval).
 */
export const MAX_STATE_LINEAGE_BATCHES = 100;

/**
 * Where a state stream (updateStateByKey, reduceByKeyAndWindow with an inverse) keeps each batch's
 * RDD when there are workers (and `stateInWorkers` says so: always, or 'auto' once the previous
 * batch's state held more than STATE_IN_WORKERS_ABOVE_RECORDS records): in the workers. The RDD is persisted and computed there (its
 * functions run on the workers), each partition kept in the block store of the worker that
 * computed it, where the next batch reads it. Every checkpoint interval (`checkpoint(interval)`,
 * else Spark's default: the smallest multiple of the slide of at least 10 s), and at the latest
 * every MAX_STATE_LINEAGE_BATCHES batches, it is also brought to
 * the driver as a MaterializedRDD, which cuts the lineage there: a partition lost with its worker
 * is recomputed from that lineage — from the latest state on the driver (or a later one a live
 * worker still holds) through the batches since — so those batches' functions run again for it.
 * Without workers: materialized on the driver every batch, as before.
 */
export class StateInWorkers<T> {
  /** RDDs held in workers since the state was last brought to the driver, oldest first. */
  private chain: RDD<T>[] = [];
  /** Records in the state of the last batch (0 before the first). */
  private lastSize = 0;
  /**
   * The last RDD brought to the driver: its blocks stay in the workers until the next batch, as the
   * streams computed from it in its own batch (mapWithState's mapped values) still read them there,
   * and so does the next batch (the driver's copy says where they are: a worker reads its own
   * partition of the state rather than be sent it back).
   */
  private copied: { original: RDD<T>; copy: RDD<T> } | undefined;

  constructor(private readonly stream: DStream<T>) {}

  async materialize(time: number, rdd: RDD<T>): Promise<RDD<T>> {
    // The previous copy's original is dropped once this batch's state is computed (from it).
    const previous = this.copied;
    this.copied = undefined;
    const s = this.stream;
    const where = s.ssc.stateInWorkers;
    const inWorkers = s.ssc.sparkContext.executor?.isLive && (where === true || (where === 'auto' && (this.chain.length > 0 || this.lastSize > STATE_IN_WORKERS_ABOVE_RECORDS)));
    try {
      if (!inWorkers) {
        const held = await MaterializedRDD.of(rdd);
        this.lastSize = held.partitions.reduce((n, p) => n + p.length, 0);
        release(previous);
        return held;
      }
      this.lastSize = await rdd.persist().count();
      release(previous);
    } catch (e) {
      this.copied = previous; // the batch failed: the next one starts from the same state
      throw e;
    }
    const interval = s.checkpointDuration ?? defaultCheckpointInterval(s.slideDuration);
    if ((time - s.zeroTime!) % interval !== 0 && this.chain.length + 1 < MAX_STATE_LINEAGE_BATCHES) {
      this.chain.push(rdd);
      return rdd;
    }
    const held = await MaterializedRDD.of(rdd); // fetched from the workers, not computed again
    // Nothing reads the chain before this state any more, except a batch still remembered (a window over this stream).
    const remembered = new Set<RDD<T>>(s.generatedRDDs.values());
    for (const old of this.chain) if (!remembered.has(old)) old.unpersist();
    this.chain = [];
    this.copied = { original: rdd, copy: held };
    held.heldInWorkersAs = rdd;
    return held;
  }
}

/**
 * The next batch's state is computed from the last copy: its original's blocks are dropped from
 * the workers, and the copy no longer names it (a copy that kept naming it would keep its lineage,
 * down to the copy before, and so on: every state since the start).
 */
function release<T>(copied: { original: RDD<T>; copy: RDD<T> } | undefined): void {
  if (!copied) return;
  copied.copy.heldInWorkersAs = undefined;
  copied.original.unpersist();
}
