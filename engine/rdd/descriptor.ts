import { isShipped, type ShippedFunction } from '../closure/ship.ts';
import { stableStringify, stringHash } from './keys.ts';

/**
 * Lineage as plain data: what a worker needs to rebuild the part of an RDD's lineage that one
 * task computes. Every value here survives structuredClone; user functions travel by identity
 * (FunctionDescriptor), never as closures.
 *
 * A descriptor stops at shuffle boundaries (a shuffle's map side is another stage, described on
 * its own) and at inputs: data the driver holds (parallelize, receiver blocks, materialized or
 * cached partitions) is not part of the descriptor but sent with each task, partition by
 * partition, as `inputs`.
 *
 * Spark has no counterpart: Spark serializes the RDD objects themselves (the task binary that
 * `DAGScheduler.submitMissingTasks` broadcasts); this is the plain-data equivalent.
 *
 * @example
 * ```ts
 * const d = sc.parallelize([1, 2, 3]).map((x) => x + 1).describe();
 * if (d) console.log(d.kind, d.numPartitions, d.parents[0]?.kind); // 'mapPartitions' 2 'input'
 * ```
 */
export interface RDDDescriptor {
  /**
   * The RDD class to rebuild: 'input' | 'mapPartitions' | 'shuffled' | 'cogroup' | 'union' |
   * 'coalesce' | 'sourceRange' (a direct stream's batch, read on the worker: params `reader`, the
   * place of the stream's read among the pipeline's definitions, `ranges` and `batchTime`).
   */
  readonly kind: string;
  /** The driver's RDD id (input blocks and errors refer to it). */
  readonly id: number;
  readonly numPartitions: number;
  readonly operation: string;
  readonly callSite: string;
  readonly partitioner: PartitionerDescriptor | undefined;
  /** Persisted on the driver: the worker sends back the partitions it computes, for the driver's cache. */
  readonly persist?: boolean;
  readonly params: Readonly<Record<string, unknown>>;
  /** Narrow parents, in dependency order. A shuffle parent appears in `params` as its shuffleId. */
  readonly parents: readonly RDDDescriptor[];
}

/**
 * A partitioner as it travels to workers: hash (Spark's HashPartitioner) or range (Spark's
 * RangePartitioner, with its sampled bounds). Part of the wire format of a task.
 *
 * @example
 * ```ts
 * import { HashPartitioner } from 'rivulet';
 * new HashPartitioner(4).describe(); // { kind: 'hash', numPartitions: 4 }
 * ```
 */
export type PartitionerDescriptor =
  | { readonly kind: 'hash'; readonly numPartitions: number }
  | { readonly kind: 'range'; readonly id: number; readonly numPartitions: number; readonly ascending: boolean; readonly bounds: readonly unknown[] };

/**
 * A user function on the wire: never its code, but how the worker gets it — its place among the
 * pipeline's definitions (the worker loaded the same pipeline), an engine function by name, or,
 * for a function created at batch time that uses nothing from its surroundings, its source text.
 * Spark has no counterpart: Spark ships closures as serialized JVM objects whose classes every
 * executor loads from the application's jar; here the pipeline code is loaded the same way.
 *
 * @example
 * ```ts
 * import { type FunctionDescriptor } from 'rivulet';
 * const f = (sc.parallelize([1, 2]).map((x) => x + 1).describe()?.params.args as { f: FunctionDescriptor }).f;
 * console.log(f.operation, f.how.kind); // 'map' 'source' (or 'defined' when workers load the pipeline)
 * ```
 */
export interface FunctionDescriptor {
  readonly kind: 'fn';
  /** Identity of the function on the wire: a worker builds each function once and keeps it. */
  readonly hash: string;
  readonly how: FunctionOrigin;
  readonly operation: string;
  readonly callSite: string;
}

/** How a worker gets a function. */
export type FunctionOrigin =
  /** The function at this place in the pipeline's definitions, which the worker loaded too. */
  | { readonly kind: 'defined'; readonly index: number }
  /** An engine function by name; its arguments' functions are descriptors themselves. */
  | { readonly kind: 'engine'; readonly name: string; readonly args: Readonly<Record<string, unknown>> }
  /** A function expression's source (no free variables): compiled in the worker. */
  | { readonly kind: 'source'; readonly source: string };

/** The ShippedFunction objects of an aggregator, kept so a shuffle can be described. */
export interface ShippedAggregator {
  readonly createCombiner: ShippedFunction<any>;
  readonly mergeValue: ShippedFunction<any>;
  readonly mergeCombiners: ShippedFunction<any>;
}

/** Descriptors per ShippedFunction, for workers with and without the pipeline's definitions. */
const described = [new WeakMap<ShippedFunction<any>, FunctionDescriptor | string>(), new WeakMap<ShippedFunction<any>, FunctionDescriptor | string>()];

/**
 * The wire form of a shipped function, computed once per function; a string says why it cannot
 * reach a worker. `withDefinitions`: the workers loaded the pipeline (see Definitions).
 */
export function describeFunction(f: ShippedFunction<any>, withDefinitions: boolean): FunctionDescriptor | string {
  const cache = described[withDefinitions ? 1 : 0]!;
  let d = cache.get(f);
  if (d !== undefined) return d;
  d = computeDescriptor(f, withDefinitions);
  cache.set(f, d);
  return d;
}

function computeDescriptor(f: ShippedFunction<any>, withDefinitions: boolean): FunctionDescriptor | string {
  let how: FunctionOrigin;
  if (f.engine) {
    const args: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(f.engine.args)) {
      if (!isShipped(value)) {
        args[name] = value;
        continue;
      }
      const inner = describeFunction(value, withDefinitions);
      if (typeof inner === 'string') return inner;
      args[name] = inner;
    }
    how = { kind: 'engine', name: f.engine.name, args };
  } else if (withDefinitions && f.definedAt !== undefined) {
    how = { kind: 'defined', index: f.definedAt };
  } else {
    const text = f.source();
    if ('why' in text) {
      return f.definedAt === undefined
        ? `${text.why}, and it was created after the pipeline was defined (at batch time, in transform or foreachRDD): a worker cannot build it`
        : `${text.why}, and the workers have not loaded the pipeline code (name its module with the pipelineModule option, or createWorker in a browser)`;
    }
    how = { kind: 'source', source: text.source };
  }
  const content = stableStringify(how) + '\u0000' + f.operation + '\u0000' + f.callSite;
  const hash = `${stringHash(content).toString(36)}.${stringHash(content.split('').reverse().join('')).toString(36)}.${content.length}`;
  return { kind: 'fn', hash, how, operation: f.operation, callSite: f.callSite };
}

export function isFunctionDescriptor(x: unknown): x is FunctionDescriptor {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'fn' && typeof (x as { hash?: unknown }).hash === 'string' && 'how' in x;
}

/**
 * Params with every ShippedFunction replaced by its descriptor; a string says why one cannot
 * reach a worker (a plain function, or a shipped one that cannot).
 */
export function describeParams(params: Readonly<Record<string, unknown>>, withDefinitions: boolean): Record<string, unknown> | string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (isShipped(v)) {
      const d = describeFunction(v, withDefinitions);
      if (typeof d === 'string') return d;
      out[k] = d;
    } else if (typeof v === 'function') return 'an engine step that only runs on the driver';
    else out[k] = v;
  }
  return out;
}

/** The inverse of describeParams, on the worker: `revive` builds (and may cache) each function. */
export function reviveParams(params: Readonly<Record<string, unknown>>, revive: (d: FunctionDescriptor) => ShippedFunction<any>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) out[k] = isFunctionDescriptor(v) ? revive(v) : v;
  return out;
}

/** An aggregator's wire form (combineByKey and the ops on it), or why it cannot travel. */
export function describeAggregator(agg: { shipped?: ShippedAggregator }, withDefinitions: boolean): Record<'createCombiner' | 'mergeValue' | 'mergeCombiners', FunctionDescriptor> | string {
  const s = agg.shipped;
  if (!s) return 'a shuffle with an aggregator built on the driver';
  const out = {
    createCombiner: describeFunction(s.createCombiner, withDefinitions),
    mergeValue: describeFunction(s.mergeValue, withDefinitions),
    mergeCombiners: describeFunction(s.mergeCombiners, withDefinitions),
  };
  for (const d of Object.values(out)) if (typeof d === 'string') return d;
  return out as Record<'createCombiner' | 'mergeValue' | 'mergeCombiners', FunctionDescriptor>;
}
