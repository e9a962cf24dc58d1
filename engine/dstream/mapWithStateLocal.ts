import { InternalError } from '../util/errors.ts';
import { NarrowDependency, RDD, type Emit, type Partitioner, type TaskContext } from '../rdd/index.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import type { Duration } from '../util/duration.ts';
import { StateMap, mapKey } from './StateMap.ts';
import type { MappingFunction } from './StateSpec.ts';
import { applyBatch } from './applyBatch.ts';
import type { MapWithStateRecord } from './MapWithStateDStream.ts';

// mapWithState's state step on the driver: loaded when a context with a mapWithState starts
// (DStream.loadBatchCode), so that a page without one does not load it.

/**
 * Applies a batch's data to the previous batch's state maps, partition by partition. The map is
 * taken over rather than copied, which keeps the cost per batch proportional to the keys
 * touched; the map logs what each change replaced, so a failed batch changes nothing. The log is
 * kept until the batch completes, as a failure after this RDD was computed (another partition,
 * an output) must also leave the state as it was.
 */
export class MapWithStateRDD<K, V, S, M> extends RDD<MapWithStateRecord<K, S, M>> {
  readonly numPartitions: number;
  readonly dependencies: readonly NarrowDependency[];
  /** Per computed partition: the map taken over, its previous owner and where its undo log stood before this batch. */
  private readonly applied = new Map<number, { map: StateMap<K, S>; prev: MapWithStateRecord<K, S, M> | undefined; mark: number }>();

  constructor(
    private readonly prevStateRDD: RDD<MapWithStateRecord<K, S, M>>,
    private readonly partitionedData: RDD<[K, V]>,
    private readonly mappingFunction: ShippedFunction<MappingFunction<K, V, S, M>>,
    private readonly batchTime: number,
    private readonly timeout: Duration | undefined,
    partitioner: Partitioner,
  ) {
    super(prevStateRDD.context, 'mapWithState');
    this.partitioner = partitioner;
    this.numPartitions = partitioner.numPartitions;
    this.dependencies = [NarrowDependency.oneToOne(prevStateRDD), NarrowDependency.oneToOne(partitionedData)];
  }

  protected compute(split: number, ctx: TaskContext, emit: Emit<MapWithStateRecord<K, S, M>>): void {
    let prev: MapWithStateRecord<K, S, M> | undefined;
    this.prevStateRDD.iterator(split, ctx, (r) => {
      prev = r;
    });
    const map = prev?.stateMap ?? new StateMap<K, S>(this.timeout !== undefined);
    if (map.supersededBy !== undefined) throw new InternalError(`internal: mapWithState state for partition ${split} already advanced to ${map.supersededBy} ms`);
    const mark = map.logLength;
    const states = map.states;
    let mapped: M[];
    try {
      // The batch's keys are probed first, as the records arrive, with nothing else in between: on
      // a table bigger than the CPU caches their cache misses then overlap, where between calls of
      // the function they would come one after another.
      this.partitionedData.iterator(split, ctx, (kv) => {
        const mk = mapKey(kv[0]);
        map.addToBatch(kv, mk, states.find(mk));
      });
      mapped = applyBatch(map, this.mappingFunction, this.batchTime, this.timeout);
    } catch (e) {
      map.rollback(mark);
      throw e;
    } finally {
      map.clearBatch();
    }
    const time = this.batchTime;
    map.supersededBy = undefined;
    const next: MapWithStateRecord<K, S, M> = { stateMap: map, mapped };
    if (prev) {
      // The previous record gives its map away; a later reader of it gets a clear error.
      prev.stateMap = Object.assign(new StateMap<K, S>(false), { supersededBy: time });
    }
    this.applied.set(split, { map, prev, mark });
    emit(next);
  }

  /** The batch failed: give every computed partition's map back to the previous batch, as it was. */
  undo(): void {
    for (const { map, prev, mark } of this.applied.values()) {
      map.rollback(mark);
      if (prev) prev.stateMap = map;
    }
    this.applied.clear();
  }

  /** The batch completed: its changes are final. */
  commit(): void {
    for (const { map } of this.applied.values()) map.commit();
    this.applied.clear();
  }
}
