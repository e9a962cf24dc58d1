import type { RDD } from '../../engine/rdd/index.ts';
import type { DStream } from '../../engine/dstream/DStream.ts';

/**
 * The longest chain of RDDs reachable from `rdd` through its dependencies (narrow and shuffle) and
 * the copies the driver holds of state kept in the workers (`heldInWorkersAs`): what a recursive
 * walk of the lineage (describe(), toDebugString(), iterator chains) would go through, and what
 * the driver keeps alive through `rdd`. Measured without recursion, so a deep lineage is measured
 * rather than overflowing the stack. `rdd` alone is 1.
 */
export function lineageDepth(rdd: RDD<any>): number {
  const depth = new Map<RDD<any>, number>();
  const next = (r: RDD<any>) => [...r.dependencies.map((d) => d.rdd as RDD<any>), ...(r.heldInWorkersAs ? [r.heldInWorkersAs] : [])];
  const stack: [RDD<any>, boolean][] = [[rdd, false]];
  while (stack.length > 0) {
    const [r, expanded] = stack.pop()!;
    if (depth.has(r)) continue;
    const parents = next(r);
    if (expanded) {
      depth.set(r, 1 + Math.max(0, ...parents.map((p) => depth.get(p) ?? 0)));
      continue;
    }
    stack.push([r, true]);
    for (const p of parents) if (!depth.has(p)) stack.push([p, false]);
  }
  return depth.get(rdd)!;
}

/** The lineage depth of the latest RDD a stream generated (0 before its first batch). */
export function stateLineageDepth(stream: DStream<any>): number {
  const times = [...stream.generatedRDDs.keys()];
  if (times.length === 0) return 0;
  return lineageDepth(stream.generatedRDDs.get(Math.max(...times))!);
}
