import { RDD, checkPair } from './RDD.ts';
import { NarrowDependency, ShuffleDependency, type Dependency } from './Dependency.ts';
import type { Partitioner } from './Partitioner.ts';
import type { Emit, TaskContext } from './TaskContext.ts';
import { KeyedMap } from './keys.ts';
import type { RDDDescriptor } from './descriptor.ts';

/**
 * Groups several pair RDDs by key: `[k, [values of rdd 0, values of rdd 1, …]]`. A parent already
 * partitioned by an equal partitioner is read in place; the others are shuffled. Joins are built
 * on this, as in Spark. Spark: `org.apache.spark.rdd.CoGroupedRDD` (behind `PairRDDFunctions.cogroup`).
 *
 * @example
 * ```ts
 * const clicks = sc.parallelize([['u1', 'home'], ['u2', 'cart']] as [string, string][]);
 * const views = sc.parallelize([['u1', 3]] as [string, number][]);
 * const grouped = await clicks.cogroup(views).collect(); // [['u1', [['home'], [3]]], ['u2', [['cart'], []]]]
 * ```
 */
export class CoGroupedRDD<K> extends RDD<[K, unknown[][]]> {
  readonly numPartitions: number;
  readonly dependencies: readonly Dependency[];

  /** `narrow` (set when a worker rebuilds this RDD) says which parents are read in place. */
  constructor(
    readonly rdds: readonly RDD<[K, unknown]>[],
    partitioner: Partitioner,
    callSite?: string,
    operation = 'cogroup',
    narrow?: readonly boolean[],
  ) {
    super(rdds[0]!.context, operation, callSite);
    this.partitioner = partitioner;
    this.numPartitions = partitioner.numPartitions;
    this.dependencies = rdds.map((r, i) =>
      (narrow ? narrow[i] : partitioner.equals(r.partitioner)) ? NarrowDependency.oneToOne(r) : new ShuffleDependency(r, partitioner, undefined, false, operation),
    );
  }

  /** Parents read in place are described; a shuffled parent is a placeholder naming its shuffle. */
  protected override describeLineage(): RDDDescriptor | undefined {
    const parents: RDDDescriptor[] = [];
    for (const dep of this.dependencies) {
      if (dep.kind === 'shuffle') {
        parents.push({
          kind: 'shuffleRead',
          id: dep.rdd.id,
          numPartitions: dep.rdd.numPartitions,
          operation: dep.rdd.operation,
          callSite: '',
          partitioner: undefined,
          params: { shuffleId: dep.shuffleId },
          parents: [],
        });
        continue;
      }
      const d = dep.rdd.describe();
      if (!d) return undefined;
      parents.push(d);
    }
    return this.descriptor('cogroup', { narrow: this.dependencies.map((d) => d.kind === 'narrow') }, parents);
  }

  protected compute(split: number, ctx: TaskContext, emit: Emit<[K, unknown[][]]>): void {
    const n = this.rdds.length;
    const groups = new KeyedMap<K, unknown[][]>();
    this.dependencies.forEach((dep, i) => {
      const add = (kv: [K, unknown]) => {
        if (!Array.isArray(kv) || kv.length !== 2) checkPair(kv, this.operation);
        let e = groups.get(kv[0]);
        if (!e) {
          groups.set(
            kv[0],
            Array.from({ length: n }, () => []),
          );
          e = groups.get(kv[0])!;
        }
        e[1][i]!.push(kv[1]);
      };
      if (dep.kind === 'narrow') dep.rdd.iterator(split, ctx, add);
      else for (const block of ctx.shuffleBlocks(dep, split)) for (const kv of block) add(kv as [K, unknown]);
    });
    for (const e of groups.values()) emit(e);
  }
}
