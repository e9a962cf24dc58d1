import { DStream, checkWindow } from './DStream.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import type { Partitioner, RDD } from '../rdd/index.ts';
import type { Duration } from '../util/duration.ts';

/**
 * reduceByKeyAndWindow with an inverse function. The window at t is computed from the window at
 * t - slide: per key, `f(invF(previous, reduce(batches that left)), reduce(batches that entered))`,
 * then filterFunc keeps or drops each pair. Without filterFunc a key whose batches all left stays
 * with its "zero" (e.g. count 0), as in Spark.
 *
 *   |  previous window   _________|___________________
 *   |___________________|       current window        |
 *   |_ old batches _|   |_____________________________|
 *                                       |_ new batches _|
 */
export class ReducedWindowedDStream<K, V> extends DStream<[K, V]> {
  readonly dependencies: readonly DStream<[K, V]>[];
  private readonly reducedStream: DStream<[K, V]>;

  constructor(
    readonly parent: DStream<[K, V]>,
    private readonly reduceFunc: ShippedFunction<(a: V, b: V) => V>,
    private readonly invReduceFunc: ShippedFunction<(a: V, b: V) => V>,
    private readonly filterFunc: ShippedFunction<(kv: [K, V]) => boolean> | undefined,
    readonly windowDuration: Duration,
    readonly slideDuration: Duration,
    readonly partitioner: Partitioner,
  ) {
    super(parent.ssc, 'reduceByKeyAndWindow');
    checkWindow(parent, windowDuration, slideDuration, 'reduceByKeyAndWindow');
    this.reducedStream = parent.reduceByKey(reduceFunc, partitioner).persist();
    this.dependencies = [this.reducedStream];
    this.mustMaterialize = true;
  }

  protected override get parentRememberDuration(): Duration {
    return this.rememberDuration! + this.windowDuration;
  }

  protected compute(validTime: number): RDD<[K, V]> {
    const parentSlide = this.parent.slideDuration;
    const currentBegin = validTime - this.windowDuration + parentSlide;
    const previousEnd = validTime - this.slideDuration;
    const previousBegin = currentBegin - this.slideDuration;

    // Batches that left: in the previous window, not in this one. Batches that entered: the
    // reverse. When the slide exceeds the window the two do not overlap and the batches between
    // them belong to neither.
    const oldRDDs = this.reducedStream.slice(previousBegin, Math.min(previousEnd, currentBegin - parentSlide));
    const newRDDs = this.reducedStream.slice(Math.max(previousEnd + parentSlide, currentBegin), validTime);
    const previousWindow = this.getOrCompute(previousEnd) ?? this.ssc.sparkContext.emptyRDD<[K, V]>();

    const numOld = oldRDDs.length;
    const f = this.reduceFunc.call;
    const invF = this.invReduceFunc.call;
    const keep = this.filterFunc?.call;
    const cogrouped = (previousWindow.cogroup as unknown as (...a: unknown[]) => RDD<[K, V[][]]>).call(
      previousWindow, ...oldRDDs, ...newRDDs, this.partitioner,
    );
    return cogrouped.mapPartitions((groups) => {
      const out: [K, V][] = [];
      for (const [key, values] of groups) {
        let value: V | undefined;
        let has = false;
        if (values[0]!.length > 0) {
          value = values[0]![0];
          has = true;
          let left: V | undefined;
          let anyLeft = false;
          for (let i = 1; i <= numOld; i++) {
            const vs = values[i]!;
            if (vs.length > 0) { left = anyLeft ? f(left as V, vs[0]!) : vs[0]!; anyLeft = true; }
          }
          if (anyLeft) value = invF(value as V, left as V);
        }
        for (let i = numOld + 1; i < values.length; i++) {
          const vs = values[i]!;
          if (vs.length > 0) { value = has ? f(value as V, vs[0]!) : vs[0]!; has = true; }
        }
        // A key only in batches that left, absent from the previous window (dropped by filterFunc): nothing to emit.
        if (!has) continue;
        const kv: [K, V] = [key, value as V];
        if (keep === undefined || keep(kv)) out.push(kv);
      }
      return out;
    }, { f: this.reduceFunc, invF: this.invReduceFunc, keep: this.filterFunc, numOld }, true);
  }
}
