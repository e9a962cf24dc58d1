import type { RDD } from '../rdd/RDD.ts';
import type { DStream } from './DStream.ts';
import { MaterializedRDD } from './MaterializedRDD.ts';
import type { InPlaceStateRDD, StateRecord } from './InPlaceStateRDD.ts';
import type { StateInWorkers } from './StateInWorkers.ts';

/**
 * What a stream whose states are made in place (updateStateByKey; reduceByKeyAndWindow with an
 * inverse) keeps in local mode: the in-place steps' code (inPlaceSteps.ts, loaded when the context
 * starts), each state's records (one per partition: its map) by time while remembered, and the
 * steps of batches not completed yet, whose changes a failed batch undoes.
 */
export class InPlaceStates<K, S, Step extends InPlaceStateRDD<K, S>> {
  /** The in-place steps' code; undefined before it loaded (a state made then has lineage) and with workers. */
  code: typeof import('./inPlaceSteps.ts') | undefined;
  readonly records = new Map<number, RDD<StateRecord<K, S>>>();
  readonly uncommitted = new Map<number, Step>();

  constructor(
    private readonly stream: DStream<[K, S]>,
    private readonly inWorkers: StateInWorkers<[K, S]>,
  ) {}

  /** DStream.loadBatchCode: starts loading the steps' code in local mode. */
  load(): Promise<void> | undefined {
    if (this.stream.ssc.sparkContext.executor !== undefined || this.code) return undefined;
    return import('./inPlaceSteps.ts').then((m) => void (this.code = m));
  }

  /** `step` is the state at `time`: remembered, and undone if its batch fails. Returns its pairs. */
  made(time: number, step: Step): RDD<[K, S]> {
    this.records.set(time, step);
    this.uncommitted.set(time, step);
    return this.pairsOf(step);
  }

  /**
   * The maps are brought up to date (no copy of the state: the records hold the maps), and the
   * step forgets the batches it read. A state not made in place goes to StateInWorkers.
   */
  async materialize(time: number, rdd: RDD<[K, S]>): Promise<RDD<[K, S]>> {
    const step = this.uncommitted.get(time);
    if (step === undefined || this.records.get(time) !== step) return this.inWorkers.materialize(time, rdd);
    const kept = await MaterializedRDD.of(step); // one record per partition: cuts the lineage
    step.forgetParents();
    this.records.set(time, kept);
    return this.pairsOf(kept);
  }

  pairsOf(records: RDD<StateRecord<K, S>>): RDD<[K, S]> {
    return new this.code!.StatePairsRDD(records, this.stream.operation, this.stream.creationSite.replace(/^\S+ at /, ''));
  }

  /** DStream.clearMetadata: the steps of batches up to `time` are final; records no longer remembered are dropped. */
  clearMetadata(time: number): void {
    for (const [t, step] of this.uncommitted) {
      if (t > time) continue;
      step.commit();
      this.uncommitted.delete(t);
    }
    for (const t of [...this.records.keys()]) if (!this.stream.generatedRDDs.has(t)) this.records.delete(t);
  }
}
