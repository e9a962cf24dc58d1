import { InternalError } from '../util/errors.ts';
import { MapPartitionsRDD, type Pipe, type RDD } from '../rdd/index.ts';
import { narrowOpNamed } from '../rdd/narrowOps.ts';
import type { StepParams } from './mapWithStateOps.ts';

/**
 * A partition of mapWithState's state when it is kept in the workers: one record per partition,
 * with what the function returned in its batch. In the worker that computed it the record holds
 * the live state map (under a symbol key, see {@link Live}); where it crosses a thread it is plain
 * data: `entries` are `[key, state, updatedAt]`, least recently updated first (with a timeout; else
 * every time is the batch's). `entries` is undefined, and `unavailable` says why, when the state
 * itself is not there (a batch restored from a checkpoint that kept only what was mapped, a state
 * taken over by a later batch).
 */
export interface PlainStateRecord<K, S, M> {
  entries: [K, S, number][] | undefined;
  mapped: M[];
  unavailable?: string;
}

/** mapWithState's operations in the workers, loaded on the driver when first needed (mapWithStateOps.ts). */
export const loadMapWithStateOps = (): Promise<unknown> => import('./mapWithStateOps.ts');

/** A registered narrow operation's pipe, looked up when a partition is computed (its module loads lazily). */
const registered =
  (name: string, params: Record<string, unknown>): Pipe<any, any> =>
  (emit, partition) => {
    const op = narrowOpNamed(name);
    if (!op) throw new InternalError(`internal: ${name} computed before mapWithStateOps.ts was loaded`);
    return op(params)(emit, partition);
  };

/** The state step as an RDD that workers can rebuild (see mapWithStateOps.ts); keeps the partitioner. */
export function stateStepRDD<K, S, M>(union: RDD<unknown>, params: StepParams): RDD<PlainStateRecord<K, S, M>> {
  const rdd = new MapPartitionsRDD(union, registered('mapWithStateStep', { ...params }), true, 'mapWithState', undefined, { name: 'mapWithStateStep', params: { ...params } }) as RDD<
    PlainStateRecord<K, S, M>
  >;
  // Read anywhere else, a partition would be copied whole (the driver's copy every checkpoint interval is the one exception).
  rdd.keptInWorkers = 'mapWithState keeps its state in the workers (stateInWorkers: true)';
  return rdd;
}

/** What the function returned, from each partition's record. */
export function mappedRDD<K, S, M>(records: RDD<PlainStateRecord<K, S, M>>): RDD<M> {
  return new MapPartitionsRDD(records, registered('mapWithStateMapped', {}), false, 'mapWithState', undefined, { name: 'mapWithStateMapped', params: {} });
}

/** `[key, state]` for every key, from each partition's record. */
export function snapshotRDD<K, S, M>(records: RDD<PlainStateRecord<K, S, M>>): RDD<[K, S]> {
  return new MapPartitionsRDD(records, registered('mapWithStateSnapshot', {}), true, 'stateSnapshots', undefined, { name: 'mapWithStateSnapshot', params: {} });
}
