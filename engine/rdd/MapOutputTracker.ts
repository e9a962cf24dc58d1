import { InternalError } from '../util/errors.ts';
import type { ShuffleDependency } from './Dependency.ts';

/**
 * Where one map task's output is: on the driver (the buckets themselves: the map side ran here, or
 * its output was relayed or fetched here), or in a worker's block store (Spark's MapStatus: the
 * executor and the number of records in each bucket).
 */
export type MapOutput =
  | { readonly executor: undefined; readonly buckets: readonly (readonly unknown[])[] }
  | { readonly executor: number; readonly sizes: readonly number[] /** When it was registered (see DAGScheduler's failure epochs). */; readonly epoch: number };

/**
 * The driver's record of every shuffle's map outputs (Spark's MapOutputTracker), per
 * ShuffleDependency in a WeakMap, so it lives exactly as long as some RDD can still read it and a
 * second action on the same RDD reuses it. An output held by an executor that died is missing:
 * the map stage runs again for those map partitions only.
 */
export class MapOutputTracker {
  private readonly outputs = new WeakMap<ShuffleDependency<any, any, any>, (MapOutput | undefined)[]>();
  /** Shuffles with outputs in workers, dropped from the workers' stores once no RDD can read them (Spark's ContextCleaner). */
  private readonly cleaner: FinalizationRegistry<number> | undefined;
  private readonly inWorkers = new WeakSet<ShuffleDependency<any, any, any>>();

  constructor(
    /** Whether blocks an executor kept at `epoch` can still be read (it is alive, and no fetch from it failed since). */
    private readonly isValid: (executor: number, epoch: number) => boolean,
    removeShuffle?: (shuffleId: number) => void,
  ) {
    this.cleaner = removeShuffle && new FinalizationRegistry(removeShuffle);
  }

  register(dep: ShuffleDependency<any, any, any>, mapId: number, output: MapOutput): void {
    let outputs = this.outputs.get(dep);
    if (!outputs) this.outputs.set(dep, (outputs = new Array(dep.rdd.numPartitions).fill(undefined)));
    if (output.executor !== undefined && !this.inWorkers.has(dep)) {
      this.inWorkers.add(dep);
      this.cleaner?.register(dep, dep.shuffleId);
    }
    outputs[mapId] = output;
  }

  /** The map partitions whose output is missing (never computed, or held by a lost executor). */
  missing(dep: ShuffleDependency<any, any, any>): number[] {
    const outputs = this.outputs.get(dep);
    const out: number[] = [];
    for (let p = 0; p < dep.rdd.numPartitions; p++) {
      const o = outputs?.[p];
      if (!o || (o.executor !== undefined && !this.isValid(o.executor, o.epoch))) out.push(p);
    }
    return out;
  }

  /** The executors whose outputs of `dep` were lost (the map stage ran before, and they died or lost them). */
  lostExecutors(dep: ShuffleDependency<any, any, any>): number[] {
    const lost = new Set<number>();
    for (const o of this.outputs.get(dep) ?? []) if (o?.executor !== undefined && !this.isValid(o.executor, o.epoch)) lost.add(o.executor);
    return [...lost];
  }

  isAvailable(dep: ShuffleDependency<any, any, any>): boolean {
    return this.missing(dep).length === 0;
  }

  /** Every map output, in map partition order; throws when one is missing. */
  get(dep: ShuffleDependency<any, any, any>): readonly MapOutput[] {
    if (dep.rdd.numPartitions === 0) return [];
    const outputs = this.outputs.get(dep);
    if (!outputs || outputs.some((o) => !o)) throw new InternalError(`internal: shuffle ${dep.shuffleId} read before its map stage ran`);
    return outputs as MapOutput[];
  }
}
