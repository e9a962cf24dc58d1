import {
  CoalescedRDD,
  CoGroupedRDD,
  HashPartitioner,
  MapPartitionsRDD,
  ParallelCollectionRDD,
  RangePartitioner,
  RDDContext,
  ShuffleDependency,
  ShuffledRDD,
  UnionRDD,
  type Partitioner,
  RDD,
  type TaskContext,
} from '../rdd/index.ts';
import { STOP, mulberry32 } from '../rdd/RDD.ts';
import { narrowOpNamed } from '../rdd/narrowOps.ts';
// Registers mapWithState's state step (a narrow operation of the dstream layer) on this worker.
import '../dstream/mapWithStateOps.ts';
import { isFunctionDescriptor, type FunctionDescriptor, type PartitionerDescriptor, type RDDDescriptor } from '../rdd/descriptor.ts';
import { writeShuffleMapOutput } from '../rdd/shuffle.ts';
import { aggregatorOf } from '../rdd/Dependency.ts';
import { engineFunction, type ShippedFunction } from '../closure/ship.ts';
import { attributed, attributeUserError } from '../closure/attribution.ts';
import { compileSource } from '../closure/compile.ts';
import { engineFactory } from '../closure/engineFunctions.ts';
import { Definitions, matchDefinitions, mismatchMessage } from '../closure/definitions.ts';
import { executorState, type DefinedContext, type DefinitionEntry } from '../platform/executorMode.ts';
import { pipelineOfThisThread } from '#worker';
import { UserFunctionError, InvalidArgumentError, InternalError, RivuletError } from '../util/errors.ts';
import type { BlockLocation, FromWorker, MapStatus, RunTask, StoredBlock, ToWorker, WireError, WireFunction, WorkerMemory } from './protocol.ts';
import { uncloneableRecord } from './cloneable.ts';
import { toWire } from '../rdd/wireForm.ts';
import { BlockManager } from './BlockManager.ts';
import { rddBlockId, shuffleBlockId } from './blockIds.ts';
import { FetchFailedError } from './Executor.ts';
export { fromWireError } from './wireError.ts';

/**
 * The worker's side of the protocol: rebuild a stage's RDDs from their descriptor with the same
 * classes and narrowOps the driver uses, compute one partition, and answer with its result. The
 * functions it was sent are built once and kept by content hash until the driver says to forget
 * them (RunTask.forgetFunctions, past WorkerPool's bound).
 */
export class TaskRunner {
  private readonly functions = new Map<string, ShippedFunction<any>>();
  /** The pipeline's definitions this executor loaded, matched against the driver's (`load`). */
  private definitions: DefinedContext | undefined;
  /** The engine's own context for rebuilding RDDs: not one of the pipeline's, so it defines nothing. */
  private readonly context = new RDDContext({}, new Definitions(false));
  /** This worker's blocks: shuffle map outputs and cached partitions, and its ports to the other workers. */
  readonly blocks = new BlockManager();

  async handle(message: ToWorker): Promise<FromWorker> {
    switch (message.kind) {
      case 'ping':
        return { kind: 'pong', threadId: threadId() };
      case 'load':
        return this.load(message.definitions);
      case 'connect':
        this.blocks.connect(message.executor, message.peers);
        return { kind: 'ok' };
      case 'peerLost':
        this.blocks.peerLost(message.executor);
        return { kind: 'ok' };
      case 'removeBlocks':
        this.blocks.remove(message.prefixes);
        return { kind: 'ok' };
      case 'getBlocks':
        return { kind: 'blocks', blocks: message.blockIds.map((id) => this.blocks.getForTransfer(id) ?? null) };
      case 'memory':
        return { kind: 'memory', memory: this.memory() };
      case 'runTask':
        break;
    }
    try {
      const persisted: [number, RDD<unknown>][] = [];
      const read = new Set<readonly unknown[]>();
      const value = await this.run(message, persisted, read);
      const stored: StoredBlock[] = [];
      for (const [rddId, rdd] of persisted) {
        for (const [partition, records] of rdd.cachedPartitions()) {
          const id = rddBlockId(rddId, partition);
          // Read from a store (this one or a peer's), not computed: nothing new to keep. A block
          // computed again replaces this store's (the driver took the old one as lost; a state
          // step may have taken its state back from it). A block that could not cross intact stays
          // unread by other workers and the driver: not kept.
          if (read.has(records) || this.blocks.get(id) === records || uncloneableRecord(records)) continue;
          this.blocks.put(id, records);
          stored.push({ rddId, partition });
        }
      }
      return { kind: 'taskResult', taskId: message.taskId, value, stored };
    } catch (e) {
      // Also when it surfaced through a user function that was iterating its input.
      const fetchFailed = e instanceof FetchFailedError ? e : (e as { cause?: unknown })?.cause instanceof FetchFailedError ? (e as { cause: FetchFailedError }).cause : undefined;
      if (fetchFailed) {
        return { kind: 'taskFailed', taskId: message.taskId, error: { ...toWireError(fetchFailed), fetchFailed: { executor: fetchFailed.executor, blockId: fetchFailed.blockId } } };
      }
      return { kind: 'taskFailed', taskId: message.taskId, error: toWireError(attributeUserError(e, { operation: message.rdd.operation, callSite: message.rdd.callSite })) };
    }
  }

  /** What this worker holds, after a full GC when the runtime exposes one. */
  private memory(): WorkerMemory {
    const g = globalThis as { gc?: () => void; process?: { memoryUsage?: () => { heapUsed: number } }; performance?: { memory?: { usedJSHeapSize: number } } };
    g.gc?.();
    const heapUsed = g.process?.memoryUsage?.().heapUsed ?? g.performance?.memory?.usedJSHeapSize;
    return { executor: this.blocks.executor, heapUsed, afterGC: typeof g.gc === 'function', blocks: this.blocks.size, functions: this.functions.size };
  }

  private fn(w: WireFunction): ShippedFunction<any> {
    if (isFunctionDescriptor(w)) return this.learn(w);
    const f = this.functions.get(w.hash);
    if (!f) throw new InternalError(`internal: this worker was never sent function ${w.hash}`);
    return f;
  }

  private learn(d: FunctionDescriptor): ShippedFunction<any> {
    let f = this.functions.get(d.hash);
    if (!f) this.functions.set(d.hash, (f = this.revive(d)));
    return f;
  }

  /** The function a descriptor names: from the pipeline's definitions, the engine's, or its source. */
  private revive(d: FunctionDescriptor): ShippedFunction<any> {
    const how = d.how;
    switch (how.kind) {
      case 'defined': {
        const raw = this.definitions?.functionAt(how.index);
        if (!raw) throw new InternalError(`internal: this worker has no function defined at place ${how.index} (${d.operation} at ${d.callSite}); it was not loaded with the pipeline`);
        return shipped(raw, d);
      }
      case 'source':
        return shipped(compileSource(how.source, d.operation, d.callSite), d);
      case 'engine': {
        const factory = engineFactory(how.name);
        if (!factory) throw new InternalError(`internal: no engine function named ${how.name} on this worker`);
        const args: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(how.args)) args[k] = isFunctionDescriptor(v) ? this.learn(v) : v;
        return engineFunction(how.name, args, factory(args), d.operation, d.callSite);
      }
    }
  }

  /**
   * The driver's definitions against the pipeline this worker loaded: wait until the pipeline
   * code defined a context with the same definitions (it may still be loading), and refuse when it
   * failed to load or defined something else. A worker that loads no pipeline holds no defined
   * functions (the driver then sends none by place).
   */
  private async load(driver: readonly DefinitionEntry[]): Promise<FromWorker> {
    const state = executorState();
    if (!state) return { kind: 'loaded', pipeline: false };
    for (;;) {
      const { found, closest } = matchDefinitions(state.contexts, driver, state.settled);
      if (found) {
        this.definitions = found;
        return { kind: 'loaded', pipeline: true };
      }
      if (state.settled && state.loading) {
        const failure = await state.loading.then(
          () => undefined,
          (e: unknown) => e,
        );
        if (failure !== undefined) {
          const [message, stack] = failure instanceof Error ? [failure.message, failure.stack ?? `${failure.name}: ${failure.message}`] : [String(failure), String(failure)];
          // Only its message and stack cross: the driver makes it a PipelineMismatchError.
          return { kind: 'loadFailed', error: { name: 'PipelineLoadError', message: `The pipeline failed to load in a worker: ${message}`, stack } };
        }
      }
      // No more definitions to wait for: the code finished loading, or defined a context and then
      // nothing for a while (it awaits its own termination, which never comes in an executor).
      const defined = state.contexts.some((c) => c.closed);
      if (state.settled || (defined && (await quietFor(state, QUIET_MS)))) {
        const message = mismatchMessage(driver, closest?.entries, pipelineOfThisThread()?.pipeline ?? 'the pipeline module');
        return { kind: 'loadFailed', error: { name: 'PipelineMismatchError', message, stack: undefined } };
      }
      if (!defined) await new Promise<void>((resolve) => state.waiters.push(resolve));
    }
  }

  /** Runs a task; `read` receives the blocks it read from a store (this worker's or a peer's). */
  private async run(task: RunTask, persisted: [number, RDD<unknown>][], read: Set<readonly unknown[]>): Promise<unknown> {
    if (task.forgetFunctions) this.functions.clear();
    for (const d of task.functions) this.learn(d);
    const shuffles = new Map<string, readonly (readonly unknown[])[]>();
    for (const s of task.shuffleInputs) shuffles.set(`${s.shuffleId}:${s.partition ?? task.partition}`, await this.shuffleBlocks(s.blocks));
    const cached = await this.cachedPartitions(task);
    for (const block of cached.values()) read.add(block);
    // Sent by the driver (a direct stream's range it read): not read here, so not kept here.
    for (const b of task.inputs) read.add(b.records);
    const sourced = await this.readSources(task);
    const depIds = new WeakMap<ShuffleDependency<any, any, any>, number>();
    const rdd = this.rebuild(task.rdd, task, depIds, new Map(), persisted, cached, sourced);
    const ctx: TaskContext = {
      stageId: task.stageId,
      partitionId: task.partition,
      attemptNumber: task.attempt,
      shuffleBlocks(dep, reducePartition) {
        const blocks = shuffles.get(`${depIds.get(dep) ?? -1}:${reducePartition}`);
        if (!blocks) throwIfLostBlock(cached);
        if (!blocks) throw new InternalError(`internal: task for partition ${task.partition} was not sent shuffle ${depIds.get(dep)} for partition ${reducePartition}`);
        return blocks;
      },
    };
    const p = task.partition;
    const iterate = (emit: (x: any) => void) => rdd.iterator(p, ctx, emit);
    const r = task.result;
    const where = `${task.rdd.operation} at ${task.rdd.callSite}`;
    switch (r.kind) {
      case 'collect': {
        const out: unknown[] = [];
        iterate((x) => out.push(x));
        return checked(out, where);
      }
      case 'count': {
        let n = 0;
        iterate(() => n++);
        return n;
      }
      case 'take': {
        const got: unknown[] = [];
        try {
          if (r.limit > 0)
            iterate((x) => {
              got.push(x);
              if (got.length >= r.limit) throw STOP;
            });
        } catch (e) {
          if (e !== STOP) throw e;
        }
        return checked(got, where);
      }
      case 'reduce': {
        const g = this.fn(r.f).call;
        let acc: unknown;
        let any = false;
        iterate((x) => {
          acc = any ? g(acc, x) : x;
          any = true;
        });
        return checked(any ? [acc] : [], where);
      }
      case 'fold': {
        const g = this.fn(r.f).call;
        let acc = structuredClone(r.zero);
        iterate((x) => {
          acc = g(acc, x);
        });
        return checked([acc], where)[0];
      }
      case 'foreach': {
        const g = this.fn(r.f).call;
        const promises: unknown[] = [];
        iterate((x) => {
          const v = g(x);
          if (v && typeof (v as Promise<unknown>).then === 'function') promises.push(v);
        });
        await settle(promises);
        return undefined;
      }
      case 'foreachPartition': {
        const records: unknown[] = [];
        iterate((x) => records.push(x));
        await settle([this.fn(r.f).call(records)]);
        return undefined;
      }
      case 'sampleKeys': {
        const keys: unknown[] = [];
        let seen = 0;
        const rand = mulberry32(17);
        iterate((kv: [unknown, unknown]) => {
          seen++;
          if (keys.length < r.perPartition) keys.push(kv[0]);
          else {
            const j = Math.floor(rand() * seen);
            if (j < r.perPartition) keys[j] = kv[0];
          }
        });
        return keys;
      }
      case 'shuffleMap': {
        const a = r.aggregator;
        const aggregator = a && aggregatorOf({ createCombiner: this.fn(a.createCombiner), mergeValue: this.fn(a.mergeValue), mergeCombiners: this.fn(a.mergeCombiners) });
        const dep = new ShuffleDependency(rdd as RDD<[unknown, unknown]>, revivePartitioner(r.partitioner, new Map())!, aggregator, r.mapSideCombine, r.operation);
        const buckets = writeShuffleMapOutput(dep, p, ctx);
        for (const b of buckets) checked(b, `${r.operation} (the map side of its shuffle, reading ${where})`);
        let records = 0;
        for (const b of buckets) records += b.length;
        if (records <= r.keepAbove) return buckets;
        buckets.forEach((b, reduceId) => {
          if (b.length > 0) this.blocks.put(shuffleBlockId(r.shuffleId, p, reduceId), b);
        });
        return { sizes: buckets.map((b) => b.length) } satisfies MapStatus;
      }
    }
  }

  /** A shuffle input's blocks as records: relayed ones as they came, the others fetched (or read here). */
  private async shuffleBlocks(blocks: readonly (readonly unknown[] | BlockLocation)[]): Promise<(readonly unknown[])[]> {
    const locations: BlockLocation[] = [];
    for (const b of blocks) if (!Array.isArray(b)) locations.push(b as BlockLocation);
    if (locations.length === 0) return blocks as (readonly unknown[])[];
    const fetched = await this.blocks.fetch(locations);
    let next = 0;
    return blocks.map((b) => (Array.isArray(b) ? b : fetched[next++]!));
  }

  /**
   * The partitions of persisted RDDs this task reads that some worker holds, by block id: read
   * here or fetched. A cached partition that cannot be fetched is computed from lineage instead,
   * unless the task was not given that lineage's shuffle inputs (then it fails as FetchFailed and
   * the driver recomputes what was lost).
   */
  private async cachedPartitions(task: RunTask): Promise<Map<string, readonly unknown[]>> {
    const out = new Map<string, readonly unknown[]>();
    await Promise.all(
      task.cachedInputs.map(async (c) => {
        const blockId = rddBlockId(c.rddId, c.partition);
        try {
          const [records] = await this.blocks.fetch([{ executor: c.executor, blockId }]);
          out.set(blockId, records!);
        } catch (e) {
          if (!(e instanceof FetchFailedError)) throw e;
          out.set(blockId, new LostBlock(e) as never);
        }
      }),
    );
    return out;
  }

  /**
   * The ranges of direct streams' batches this task reads from their sources (`sourceReads`), by
   * block id, read in parallel with this worker's copies of the sources: each stream's read is at
   * its place among the pipeline's definitions (DirectInputDStream.readChecked, which checks the
   * records against the range and fails with an InputReadError naming the range and batch).
   */
  private async readSources(task: RunTask): Promise<Map<string, readonly unknown[]>> {
    const out = new Map<string, readonly unknown[]>();
    if (task.sourceReads.length === 0) return out;
    const batches = new Map<number, RDDDescriptor>();
    const visit = (d: RDDDescriptor): void => {
      if (d.kind === 'sourceRange') batches.set(d.id, d);
      d.parents.forEach(visit);
    };
    visit(task.rdd);
    await Promise.all(
      task.sourceReads.map(async (s) => {
        const d = batches.get(s.rddId);
        if (!d) throw new InternalError(`internal: a task was told to read partition ${s.partition} of RDD ${s.rddId}, which is no direct stream's batch in its lineage`);
        const read = this.definitions?.functionAt(d.params.reader as number);
        if (!read) throw new InternalError(`internal: this worker has no read defined at place ${String(d.params.reader)} (${d.operation} at ${d.callSite}); it was not loaded with the pipeline`);
        out.set(rddBlockId(s.rddId, s.partition), (await read((d.params.ranges as unknown[])[s.partition], d.params.batchTime)) as readonly unknown[]);
      }),
    );
    return out;
  }

  /** The RDD a descriptor describes, built with the driver's own classes. */
  private rebuild(
    d: RDDDescriptor,
    task: RunTask,
    depIds: WeakMap<ShuffleDependency<any, any, any>, number>,
    ranges: Map<number, RangePartitioner>,
    persisted: [number, RDD<unknown>][],
    cached: Map<string, readonly unknown[]>,
    sourced: ReadonlyMap<string, readonly unknown[]>,
  ): RDD<any> {
    const sc = this.context;
    const partitioner = revivePartitioner(d.partitioner, ranges);
    const parents = () => d.parents.map((p) => this.rebuild(p, task, depIds, ranges, persisted, cached, sourced));
    let rdd: RDD<any>;
    switch (d.kind) {
      case 'input':
      case 'shuffleRead': {
        const slices: unknown[][] = new Array(d.numPartitions);
        for (const b of task.inputs) {
          if (b.rddId !== d.id) continue;
          // Sent as where it is (a worker's copy of it): read here or fetched, unless lost (then computing it fails as FetchFailed).
          const held = b.heldAs === undefined ? b.records : (cached.get(rddBlockId(b.heldAs, b.partition)) ?? this.blocks.get(rddBlockId(b.heldAs, b.partition)));
          if (held !== undefined && !(held instanceof LostBlock)) slices[b.partition] = held as unknown[];
        }
        rdd = new TaskInputRDD(sc, slices, d, cached);
        break;
      }
      case 'mapPartitions': {
        const op = d.params.op as string;
        const narrowOp = narrowOpNamed(op);
        if (!narrowOp) throw new InternalError(`internal: no narrow operation named ${op} on this worker`);
        const args: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(d.params.args as Record<string, unknown>)) args[k] = isWire(v) ? this.fn(v) : v;
        const pipe = narrowOp(args);
        rdd = new MapPartitionsRDD(parents()[0]!, pipe, d.params.preservesPartitioning as boolean, d.operation, d.callSite, { name: op, params: args });
        break;
      }
      case 'shuffled': {
        const a = d.params.aggregator as Record<'createCombiner' | 'mergeValue' | 'mergeCombiners', WireFunction> | undefined;
        const aggregator = a && aggregatorOf({ createCombiner: this.fn(a.createCombiner), mergeValue: this.fn(a.mergeValue), mergeCombiners: this.fn(a.mergeCombiners) });
        const placeholder = new ParallelCollectionRDD<[unknown, unknown]>(sc, [], 'shuffle map side');
        const shuffled = new ShuffledRDD(placeholder, partitioner ?? new HashPartitioner(Math.max(1, d.numPartitions)), aggregator, d.params.mapSideCombine as boolean, d.operation, d.callSite);
        depIds.set(shuffled.dep, d.params.shuffleId as number);
        rdd = shuffled;
        break;
      }
      case 'cogroup': {
        const cogrouped = new CoGroupedRDD(parents(), partitioner ?? new HashPartitioner(Math.max(1, d.numPartitions)), d.callSite, d.operation, d.params.narrow as boolean[]);
        cogrouped.dependencies.forEach((dep, i) => {
          if (dep.kind === 'shuffle') depIds.set(dep, d.parents[i]!.params.shuffleId as number);
        });
        rdd = cogrouped;
        break;
      }
      case 'union':
        rdd = new UnionRDD(sc, parents(), d.operation, d.callSite, d.params.aware as boolean);
        break;
      case 'sourceRange': {
        // Persisted (below): what was read here is kept in this worker's store; what the driver sent, or a store held, is not.
        rdd = new TaskSourceRDD(sc, d, cached).persist();
        for (const b of task.inputs) if (b.rddId === d.id) rdd.putCachedPartition(b.partition, b.records as unknown[]);
        for (let q = 0; q < d.numPartitions; q++) {
          const records = sourced.get(rddBlockId(d.id, q));
          if (records) rdd.putCachedPartition(q, records as unknown[]);
        }
        break;
      }
      case 'coalesce':
        rdd = new CoalescedRDD(parents()[0]!, d.params.maxPartitions as number, d.callSite);
        break;
      default:
        throw new InternalError(`internal: a worker cannot rebuild an RDD of kind ${d.kind}`);
    }
    if (partitioner) rdd.partitioner = partitioner;
    if (d.persist && d.kind !== 'input') {
      persisted.push([d.id, rdd.persist()]);
      // Partitions this worker holds or was told where to fetch: read, not computed again.
      for (let q = 0; q < d.numPartitions; q++) {
        const id = rddBlockId(d.id, q);
        const block = cached.get(id) ?? this.blocks.get(id);
        if (block && !(block instanceof LostBlock)) rdd.putCachedPartition(q, block as unknown[]);
      }
    }
    return rdd;
  }
}

/** How long a pipeline that defined a context, but not the driver's, may go on defining before it is refused. */
const QUIET_MS = 2000;

/** True when no context closed its definitions within `ms` (false as soon as one does). */
function quietFor(state: NonNullable<ReturnType<typeof executorState>>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    state.waiters.push(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** A revived function as the narrow operations take it. */
function shipped(raw: (...args: any[]) => any, d: FunctionDescriptor): ShippedFunction<any> {
  const call = attributed(raw, d.operation, d.callSite);
  return { kind: 'shipped', call, raw, operation: d.operation, callSite: d.callSite, definedAt: undefined, source: () => ({ why: 'revived in a worker' }) };
}

/** A cached partition whose worker was lost: computed from lineage when the task has it. */
class LostBlock {
  constructor(readonly error: FetchFailedError) {}
}

/**
 * The driver sends no input below a cached partition it thought alive; when that partition could
 * not be fetched, computing it reaches for input the task does not have: fail as FetchFailed, so
 * the driver recomputes what was lost and sends the task again.
 */
function throwIfLostBlock(cached: ReadonlyMap<string, unknown>): void {
  for (const c of cached.values()) if (c instanceof LostBlock) throw c.error;
}

/** The driver-held partitions a task was sent (the others are not this task's to read). */
class TaskInputRDD<T> extends ParallelCollectionRDD<T> {
  constructor(
    sc: RDDContext,
    slices: readonly (readonly T[])[],
    private readonly d: RDDDescriptor,
    private readonly cached: ReadonlyMap<string, unknown>,
  ) {
    super(sc, slices, d.operation, d.callSite);
  }

  protected override compute(split: number, ctx: TaskContext, emit: (x: T) => void): void {
    if (this.slices[split] === undefined) {
      throwIfLostBlock(this.cached);
      throw new InternalError(`internal: a task was not sent partition ${split} of ${this.d.operation} at ${this.d.callSite}`);
    }
    super.compute(split, ctx, emit);
  }
}

/**
 * A direct stream's batch on a worker: the partitions this task read from the source, was sent, or
 * found in a store. Another partition is one the task was not told to read: if a store that held
 * it was lost meanwhile, the task fails as FetchFailed and the driver has the range read again.
 */
class TaskSourceRDD extends RDD<unknown> {
  readonly dependencies = [] as const;
  readonly numPartitions: number;

  constructor(
    sc: RDDContext,
    private readonly d: RDDDescriptor,
    private readonly cached: ReadonlyMap<string, unknown>,
  ) {
    super(sc, d.operation, d.callSite);
    this.numPartitions = d.numPartitions;
  }

  protected compute(split: number): void {
    throwIfLostBlock(this.cached);
    throw new InternalError(`internal: a task was not told to read partition ${split} of ${this.d.operation} at ${this.d.callSite} (the batch at ${String(this.d.params.batchTime)} ms)`);
  }
}

function isWire(v: unknown): v is WireFunction {
  return isFunctionDescriptor(v) || (typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'fnref');
}

function revivePartitioner(d: PartitionerDescriptor | undefined, ranges: Map<number, RangePartitioner>): Partitioner | undefined {
  if (!d) return undefined;
  if (d.kind === 'hash') return new HashPartitioner(d.numPartitions);
  let p = ranges.get(d.id);
  if (!p) ranges.set(d.id, (p = RangePartitioner.withBounds(d.numPartitions, d.bounds, d.ascending)));
  return p;
}

/** Records about to cross back to the driver: refuse what a structured clone would break. */
function checked<T extends readonly unknown[]>(given: T, where: string): T {
  const records = toWire(given) as T;
  const bad = uncloneableRecord(records);
  if (bad) {
    throw new InvalidArgumentError(
      `The records of ${where} cannot be sent from a worker to the driver: ${bad}. ` +
        `Records that cross threads must be plain data (objects, arrays, Map, Set, Date, typed arrays); convert them before this step, or run with workers: 0.`,
    );
  }
  return records;
}

async function settle(values: unknown[]): Promise<void> {
  const results = await Promise.allSettled(values);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw attributeUserError(failed.reason);
}

/** An error as plain data; a UserFunctionError keeps its operation, call site and the user's error. */
export function toWireError(e: unknown): WireError {
  if (e instanceof UserFunctionError) {
    return { name: e.name, message: e.message, stack: e.stack, operation: e.operation, callSite: e.callSite, cause: toWireError(e.cause) };
  }
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, stack: e.stack, ...(e instanceof RivuletError && typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(e), stack: undefined, thrownValue: String(e) };
}

function threadId(): number {
  return (globalThis as { rivuletThreadId?: number }).rivuletThreadId ?? 0;
}
