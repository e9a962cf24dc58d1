import { IllegalStateError } from '../util/errors.ts';
/**
 * Stable ids: how a checkpoint names input streams and stateful operators, so that a pipeline
 * whose code changed can still find its state (DESIGN.md: Spark identifies them by serialized
 * classes and cannot resume after any code change; Flink uses a uid per operator).
 *
 * The rule:
 * - A stream named with `.name('id')` has that id.
 * - An unnamed input stream is `<operation>#<n>`: `queueStream#0`, `fromObservable#1`, where n
 *   counts the unnamed inputs of that operation in the order they were defined.
 * - An unnamed stateful operator (updateStateByKey, mapWithState, reduceByKeyAndWindow with an
 *   inverse function, and countByWindow, reduceByWindow and countByValueAndWindow built on it) is
 *   `<upstream>/<operation>#<n>`, e.g. `queueStream#0/updateStateByKey#0`. `<upstream>` is the id
 *   of the nearest input or stateful operator it reads from, through any number of stateless
 *   operations; when it reads from several, their ids sorted and joined with `+`, in parentheses:
 *   `(clicks+views)/mapWithState#0`. n counts the unnamed stateful operators with the same
 *   upstream and operation, in the order they were defined.
 * - Stateless operations (map, filter, join, window, transform, …) and names given to them are
 *   not part of any id: adding, removing, renaming or changing them anywhere keeps every stateful
 *   operator's id. Only stateful operators that some output depends on are counted.
 *
 * So an id changes when a stateful operator is added before another one of the same kind on the
 * same upstream, or when an upstream input or stateful operator changes; naming stateful
 * operators (and inputs) keeps ids fixed whatever changes around them.
 */
import type { DStream } from '../dstream/DStream.ts';
import type { InputDStream } from '../dstream/InputDStream.ts';
import { isStateful, type StatefulDStream } from '../dstream/checkpointing.ts';
import type { DStreamGraph } from './DStreamGraph.ts';

/**
 * The ids a checkpoint knows a graph's inputs and stateful operators by, derived from the order in
 * which they were defined, so a restarted program that defines the same pipeline finds its state.
 * Spark relies on Java serialization of the whole DStream graph instead; see {@link stableIds}.
 *
 * @example
 * ```ts
 * import { stableIds, type StableIds } from 'rivulet';
 * const ids: StableIds = stableIds(ssc.graph);
 * console.log([...ids.inputs.values()], [...ids.operators.values()]);
 * ```
 */
export interface StableIds {
  /** Every input stream of the graph, by id order of definition. */
  readonly inputs: ReadonlyMap<InputDStream<unknown>, string>;
  /** Every stateful stream some output depends on, in definition order. */
  readonly operators: ReadonlyMap<DStream<unknown> & StatefulDStream, string>;
}

/**
 * The ids of `graph`'s inputs and stateful operators. Throws when two of either kind share one.
 *
 * Spark has no counterpart: Spark recovers by deserializing the whole DStream graph, so it never
 * needs ids that survive code changes.
 *
 * @example
 * ```ts
 * import { stableIds } from 'rivulet';
 * for (const id of stableIds(ssc.graph).operators.values()) console.log(id); // e.g. queueStream#0/updateStateByKey#0
 * ```
 */
export function stableIds(graph: DStreamGraph): StableIds {
  const inputs = new Map<InputDStream<unknown>, string>();
  const counts = new Map<string, number>();
  const next = (key: string) => {
    const n = counts.get(key) ?? 0;
    counts.set(key, n + 1);
    return n;
  };
  for (const input of graph.inputStreams) inputs.set(input, input.userName ?? `${input.operation}#${next(`input ${input.operation}`)}`);
  requireUnique(inputs, 'input streams');

  const stateful = graph
    .reachableStreams()
    .filter(isStateful)
    .sort((a, b) => a.id - b.id);
  const operators = new Map<DStream<unknown> & StatefulDStream, string>();
  const upstreamOf = new Map<DStream<unknown>, string[]>();
  // The ids of the nearest inputs and stateful operators `s` reads from (each stateful ancestor
  // has a smaller stream id, so it is named before its descendants).
  const anchors = (s: DStream<unknown>): string[] => {
    const known = upstreamOf.get(s);
    if (known) return known;
    const ids = new Set<string>();
    for (const d of s.dependencies as DStream<unknown>[]) {
      const own = inputs.get(d as InputDStream<unknown>) ?? operators.get(d as DStream<unknown> & StatefulDStream);
      if (own !== undefined) ids.add(own);
      else for (const id of anchors(d)) ids.add(id);
    }
    const sorted = [...ids].sort();
    upstreamOf.set(s, sorted);
    return sorted;
  };
  for (const s of stateful) {
    if (s.userName !== undefined) {
      operators.set(s, s.userName);
      continue;
    }
    const up = anchors(s);
    const upstream = up.length === 1 ? up[0]! : `(${up.join('+')})`;
    operators.set(s, `${upstream}/${s.operation}#${next(`operator ${upstream}/${s.operation}`)}`);
  }
  requireUnique(operators, 'stateful operators');
  return { inputs, operators };
}

function requireUnique(ids: ReadonlyMap<DStream<unknown>, string>, what: string): void {
  const byId = new Map<string, DStream<unknown>[]>();
  for (const [s, id] of ids) byId.set(id, [...(byId.get(id) ?? []), s]);
  for (const [id, streams] of byId) {
    if (streams.length > 1) {
      throw new IllegalStateError(
        `Two ${what} have the same checkpoint id ${JSON.stringify(id)}: ${streams.map((s) => s.creationSite).join(' and ')}. ` +
          "Checkpoints tell them apart by id: give each its own name with .name('...').",
      );
    }
  }
}
