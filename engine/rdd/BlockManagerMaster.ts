import type { RDD } from './RDD.ts';

/**
 * The driver's map of which executor holds which partition of a persisted RDD (Spark's
 * BlockManagerMaster, for RDD blocks; shuffle outputs are in the MapOutputTracker). A location
 * whose executor died is no location: that partition is computed again from lineage.
 */
export class BlockManagerMaster {
  private readonly locations = new WeakMap<RDD<any>, ({ readonly executor: number; readonly epoch: number } | undefined)[]>();
  /** RDDs with blocks in workers, dropped from the workers' stores once the RDD is gone. */
  private readonly cleaner: FinalizationRegistry<number> | undefined;

  constructor(
    /** Whether blocks an executor kept at `epoch` can still be read (it is alive, and no fetch from it failed since). */
    private readonly isValid: (executor: number, epoch: number) => boolean,
    private readonly epoch: () => number,
    private readonly removeRdd?: (rddId: number) => void,
  ) {
    this.cleaner = removeRdd && new FinalizationRegistry(removeRdd);
  }

  register(rdd: RDD<any>, partition: number, executor: number): void {
    let locs = this.locations.get(rdd);
    if (!locs) {
      this.locations.set(rdd, (locs = new Array(rdd.numPartitions).fill(undefined)));
      this.cleaner?.register(rdd, rdd.id, rdd);
    }
    locs[partition] = { executor, epoch: this.epoch() };
  }

  /** The live executor holding partition `p` of `rdd`, if any. */
  location(rdd: RDD<any>, p: number): number | undefined {
    const l = this.locations.get(rdd)?.[p];
    return l !== undefined && this.isValid(l.executor, l.epoch) ? l.executor : undefined;
  }

  /** Every partition is held by a live executor: nothing below `rdd` needs computing. */
  allLive(rdd: RDD<any>): boolean {
    if (!this.locations.has(rdd)) return false;
    for (let p = 0; p < rdd.numPartitions; p++) if (this.location(rdd, p) === undefined) return false;
    return true;
  }

  /** rdd.unpersist(): forget its blocks, and drop them from the workers. */
  remove(rdd: RDD<any>): void {
    if (!this.locations.delete(rdd)) return;
    this.cleaner?.unregister(rdd);
    this.removeRdd?.(rdd.id);
  }
}
