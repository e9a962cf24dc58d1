import { compiled, isShipped } from '../closure/compile.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import { stableStringify, stringHash } from './keys.ts';

/**
 * Lineage as plain data: what a worker needs to rebuild the part of an RDD's lineage that one
 * task computes. Every value here survives structuredClone; user functions travel as their source
 * and (already cloned) captures, never as closures.
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
  /** The RDD class to rebuild: 'input' | 'mapPartitions' | 'shuffled' | 'cogroup' | 'union' | 'coalesce'. */
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
 * A user function on the wire: source + declared captures; shipped captures nested as descriptors.
 * Spark has no counterpart: Spark ships closures as serialized JVM objects (cleaned by
 * `ClosureCleaner`, written by the closure serializer); here a function travels as its source.
 *
 * @example
 * ```ts
 * import { type FunctionDescriptor } from 'rivulet';
 * const args = sc.parallelize([1, 2]).map((x) => x + 1).describe()?.params.args as { f: FunctionDescriptor };
 * console.log(args.f.source, args.f.hash);
 * ```
 */
export interface FunctionDescriptor {
  readonly kind: 'fn';
  /** Content hash of source + captures: a worker compiles and keeps each function once (broadcast). */
  readonly hash: string;
  readonly source: string;
  readonly captures: Readonly<Record<string, unknown>>;
  readonly operation: string;
  readonly callSite: string;
}

/** The ShippedFunction objects of an aggregator, kept so a shuffle can be described. */
export interface ShippedAggregator {
  readonly createCombiner: ShippedFunction<any>;
  readonly mergeValue: ShippedFunction<any>;
  readonly mergeCombiners: ShippedFunction<any>;
}

const described = new WeakMap<ShippedFunction<any>, FunctionDescriptor>();

/** The wire form of a shipped function, computed once per ShippedFunction object. */
export function describeFunction(f: ShippedFunction<any>): FunctionDescriptor {
  let d = described.get(f);
  if (d) return d;
  const captures: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(f.captures)) captures[name] = isShipped(value) ? describeFunction(value) : value;
  const content = f.source + '\u0000' + stableStringify(captures);
  const hash = `${stringHash(content).toString(36)}.${stringHash(content.split('').reverse().join('')).toString(36)}.${content.length}`;
  d = { kind: 'fn', hash: `${hash}@${f.operation}@${f.callSite}`, source: f.source, captures, operation: f.operation, callSite: f.callSite };
  described.set(f, d);
  return d;
}

export function isFunctionDescriptor(x: unknown): x is FunctionDescriptor {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'fn' && typeof (x as { source?: unknown }).source === 'string';
}

/** A function received from the driver, compiled the way ship() compiles it (the same callable). */
export function reviveFunction(d: FunctionDescriptor): ShippedFunction<any> {
  const captures: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(d.captures)) captures[name] = isFunctionDescriptor(value) ? reviveFunction(value) : value;
  const shipped = { kind: 'shipped' as const, source: d.source, captures, operation: d.operation, callSite: d.callSite };
  return { ...shipped, call: compiled(shipped) };
}

/** Params with every ShippedFunction replaced by its descriptor; undefined when a value cannot travel. */
export function describeParams(params: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (isShipped(v)) out[k] = describeFunction(v);
    else if (typeof v === 'function') return undefined;
    else out[k] = v;
  }
  return out;
}

/** The inverse of describeParams, on the worker: `revive` compiles (and may cache) each function. */
export function reviveParams(params: Readonly<Record<string, unknown>>, revive: (d: FunctionDescriptor) => ShippedFunction<any> = reviveFunction): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) out[k] = isFunctionDescriptor(v) ? revive(v) : v;
  return out;
}

/** An aggregator's wire form, when it was built from shipped functions (combineByKey and the ops on it). */
export function describeAggregator(agg: { shipped?: ShippedAggregator }): Record<'createCombiner' | 'mergeValue' | 'mergeCombiners', FunctionDescriptor> | undefined {
  const s = agg.shipped;
  return s && { createCombiner: describeFunction(s.createCombiner), mergeValue: describeFunction(s.mergeValue), mergeCombiners: describeFunction(s.mergeCombiners) };
}
