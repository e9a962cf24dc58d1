import { RivuletError, InvalidArgumentError, OutOfRangeError, InternalError } from '../util/errors.ts';
import { consoleLogger, type Logger } from '../util/logger.ts';
import type { Remote } from 'comlink';
import { loadsPipeline, prepareWorkers, spawnWorker as platformSpawn } from '#worker';
import type { ExecutorWorker, PlatformWorker } from '../platform/worker.ts';
import type { DefinitionEntry } from '../platform/executorMode.ts';
import { isFunctionDescriptor, type FunctionDescriptor } from '../rdd/descriptor.ts';
import type { FromWorker, RunTask, ToWorker, WorkerApi, WorkerMemory } from './protocol.ts';
import { FetchFailedError, TaskFailedError, type Executor, type TaskFailure, type TaskOutput, type TaskSpec } from './Executor.ts';
import { fromWireError } from './wireError.ts';

export interface WorkerPoolOptions {
  /** Number of worker threads, started on first use. */
  workers: number;
  /** A task running longer than this (ms) is taken as hung: its worker is replaced and the task retried. Default 60 s. */
  taskTimeout?: number;
  /** Attempts per task before the job fails (Spark's spark.task.maxFailures). Default 4. */
  maxTaskAttempts?: number;
  /**
   * How long (ms) a task whose blocks a busy worker holds waits for that worker before it runs on
   * another (which then fetches them): Spark's spark.locality.wait. Default 100 ms; 0: never wait.
   */
  localityWait?: number;
  /** How to start a worker; the platform's (worker_threads / Web Worker) by default. */
  spawn?: () => PlatformWorker;
  /** Node: the module each worker imports to define the pipeline (see RDDContextOptions.pipelineModule). */
  pipelineModule?: string | URL;
  /** Browsers: starts a worker from the app's worker entry, which loads the pipeline (see RDDContextOptions.createWorker). */
  createWorker?: () => ExecutorWorker;
  /**
   * The driver's pipeline definitions, complete (closure/definitions.ts): each worker must have
   * loaded the same before it runs a task. Absent: none to check (the workers load no pipeline).
   */
  definitions?: () => readonly DefinitionEntry[];
  /** Where a failure listener's throw is reported. Default: the console. */
  logger?: Logger;
}

/**
 * A worker's pipeline failed to load, or defines something other than the driver's (the first
 * differing definition and its call site are in the message): no task runs on such a worker, and
 * the batch fails with this as its cause rather than compute wrong results.
 * Spark has no counterpart: its closures travel serialized; the nearest is the
 * `InvalidClassException` an executor throws when its jar's classes differ from the driver's.
 *
 * @example
 * ```ts
 * import { PipelineMismatchError } from 'rivulet';
 * await ssc.awaitTermination().catch((e) => {
 *   if (e.cause instanceof PipelineMismatchError) console.error('workers define another pipeline:', e.cause.message);
 * });
 * ```
 */
export class PipelineMismatchError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_PIPELINE_MISMATCH';
  }
  override name = 'PipelineMismatchError';
}

/**
 * Comlink, loaded before the first worker starts: a page that never starts a pool does not load
 * it (it is a chunk of its own in a browser bundle; its module has side effects, so a static
 * import would keep it in every page that imports the engine).
 */
let comlink: typeof import('comlink') | undefined;
/** transfer.ts (and columnar.ts), loaded with Comlink: only a pool sends partitions across threads. */
let transfer: typeof import('./transfer.ts') | undefined;

/**
 * The most functions a worker is sent before it is told to forget them all (and is sent again those
 * it needs). A pipeline's functions are few; engine functions whose arguments hold data that
 * changes every batch (a foldByKey's zero value inside transform) are new every batch.
 */
export const MAX_FUNCTIONS_PER_WORKER = 10_000;

/** Lost: the worker died or was replaced while running the task. */
class WorkerLost {
  constructor(readonly reason: string) {}
}

class Slot {
  readonly api: Remote<WorkerApi>;
  /** Hashes of the functions this worker holds (sent in an earlier task that it answered). */
  readonly sent = new Set<string>();
  running = 0;
  /** Driver requests to this worker in flight (reads of its blocks, memory): like a task, they keep a Node process alive. */
  reading = 0;
  alive = true;
  /** Answered a ping: started and has loaded the engine (starting takes a few hundred ms). */
  ready = false;
  /** Its answer to `load` (sent before its first task): the pipeline it loaded matches the driver's. */
  loaded: Promise<FromWorker | WorkerLost | 'timedOut'> | undefined;
  /** Why it died, once it did. */
  private lostAs: WorkerLost | undefined;
  /**
   * The requests waiting on it, told when it dies. One listener per request, removed when the
   * request settles: a lifetime promise raced against every request instead would keep a reaction
   * (and through it each reply) per request for the worker's lifetime.
   */
  private readonly waiting = new Set<(lost: WorkerLost) => void>();

  constructor(
    readonly index: number,
    /** This worker incarnation's id: the executor whose block store holds what its tasks kept. */
    readonly executor: number,
    readonly worker: PlatformWorker,
    /** `idle`: it died with no task on it (a task's worker is handled by the task). */
    private readonly onDeath: (slot: Slot, reason: string, idle: boolean) => void,
  ) {
    this.api = comlink!.wrap<WorkerApi>(worker.endpoint);
    worker.onExit((reason) => this.die(`worker ${index} (thread ${worker.threadId}) ${reason}`));
    worker.unref();
    void this.api.handle({ kind: 'ping' }).then(
      () => {
        this.ready = true;
      },
      () => {},
    );
  }

  /** A message that is not a task (connect, peerLost, removeBlocks): sent at once, failures ignored (the worker is gone). */
  post(message: ToWorker, transfer: Transferable[] = []): void {
    if (this.alive) void this.api.handle(transfer.length ? comlink!.transfer(message, transfer) : message).catch(() => {});
  }

  /** A message answered by the worker: its reply, or WorkerLost as soon as the worker dies (or died already). */
  request(message: ToWorker, transfer: Transferable[] = []): Promise<FromWorker | WorkerLost> {
    return this.unlessLost<FromWorker>(this.api.handle(transfer.length ? comlink!.transfer(message, transfer) : message));
  }

  /** `reply`, or WorkerLost as soon as this worker dies; nothing of it stays on the slot once it settles. */
  unlessLost<T>(reply: Promise<T>): Promise<T | WorkerLost> {
    if (this.lostAs) {
      reply.catch(() => {});
      return Promise.resolve(this.lostAs);
    }
    return new Promise((resolve, reject) => {
      const onLost = (lost: WorkerLost) => resolve(lost);
      this.waiting.add(onLost);
      reply.then(
        (r) => {
          this.waiting.delete(onLost);
          resolve(r);
        },
        (e: unknown) => {
          this.waiting.delete(onLost);
          reject(e);
        },
      );
    });
  }

  die(reason: string, idle = this.running === 0): void {
    if (!this.alive) return;
    this.alive = false;
    this.lostAs = new WorkerLost(reason);
    for (const tell of [...this.waiting]) tell(this.lostAs);
    this.waiting.clear();
    this.onDeath(this, reason, idle);
  }
}

/**
 * Runs tasks on a pool of worker threads through Comlink, one task per worker at a time.
 * A worker that dies (a crash, process.exit() in a user function, terminate()) or runs a task past
 * the timeout is replaced and the task retried on another, up to maxTaskAttempts; an error thrown
 * by a user function is not retried (it would throw again) and fails the job at once, as in local
 * mode. A worker that dies with no task on it is replaced at once too, and reported to the failure
 * listeners as a `workerLost` without a task. Idle workers do not keep a Node process alive.
 */
export class WorkerPool implements Executor {
  readonly size: number;
  readonly taskTimeout: number;
  readonly maxTaskAttempts: number;
  readonly localityWait: number;
  /** The workers load the pipeline's code, and hold its functions by place. */
  readonly loadsPipeline: boolean;
  private readonly spawn: () => PlatformWorker;
  private readonly definitions: (() => readonly DefinitionEntry[]) | undefined;
  private readonly logger: Logger;
  /** Set when a worker refused the pipeline: every task fails with it, none is retried. */
  private refused: Error | undefined;
  private readonly slots: (Slot | undefined)[];
  private nextTaskId = 0;
  private nextExecutor = 0;
  private closed = false;
  /** @internal MAX_FUNCTIONS_PER_WORKER; a test lowers it. */
  maxFunctionsPerWorker = MAX_FUNCTIONS_PER_WORKER;
  /** Workers replaced after dying or hanging, for tests and metrics. */
  replacedWorkers = 0;
  private readonly failureListeners: ((failure: TaskFailure) => void)[] = [];
  /**
   * @internal A test hook: called as a task is sent to a worker and as its result comes back, with
   * that worker (so a fault test can kill workers at chosen points of a job).
   */
  onTaskEvent: ((event: 'sent' | 'completed', worker: PlatformWorker) => void) | undefined;

  constructor(options: WorkerPoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new OutOfRangeError(`workers must be a positive integer or 'auto', got ${options.workers}.`);
    this.size = options.workers;
    this.taskTimeout = options.taskTimeout ?? 60_000;
    this.maxTaskAttempts = options.maxTaskAttempts ?? 4;
    this.localityWait = options.localityWait ?? 100;
    const spawnOptions = { pipelineModule: options.pipelineModule, createWorker: options.createWorker };
    this.spawn = options.spawn ?? (() => platformSpawn(spawnOptions));
    this.usesPlatformSpawn = options.spawn === undefined;
    this.loadsPipeline = loadsPipeline(spawnOptions);
    this.definitions = options.definitions;
    this.logger = options.logger ?? consoleLogger;
    this.slots = new Array(this.size).fill(undefined);
  }

  /** The live workers' threads (started ones only). A test may terminate one to simulate a crash. */
  get workers(): PlatformWorker[] {
    return this.slots.filter((s): s is Slot => s !== undefined && s.alive).map((s) => s.worker);
  }

  /** The executor ids of the live workers, in the order of `workers`. */
  get executors(): number[] {
    return this.slots.filter((s): s is Slot => s !== undefined && s.alive).map((s) => s.executor);
  }

  /** Start every worker now rather than on the first task. */
  async start(): Promise<void> {
    await this.prepare();
    for (let i = 0; i < this.size; i++) this.slot(i);
  }

  async runTask(task: TaskSpec): Promise<TaskOutput> {
    const taskId = this.nextTaskId++;
    const failures: string[] = [];
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new TaskFailedError(`${task.description}: the worker pool was closed.`);
      const slot = await this.acquire(task.preferredExecutors);
      const load = await this.loadPipeline(slot);
      if (load) {
        this.release(slot);
        if (load instanceof WorkerLost) {
          failures.push(load.reason);
          this.replace(slot);
          if (attempt + 1 >= this.maxTaskAttempts) throw new TaskFailedError(`${task.description}: no worker could load the pipeline; the last ${load.reason}.`);
          continue;
        }
        throw load;
      }
      const functions: FunctionDescriptor[] = [];
      // Functions are built from their descriptors once per worker; past the bound both sides forget them all.
      const forgetFunctions = slot.sent.size >= this.maxFunctionsPerWorker;
      if (forgetFunctions) slot.sent.clear();
      const { description: _description, preferredExecutors: _preferred, ...spec } = task;
      const message: RunTask = {
        kind: 'runTask',
        taskId,
        attempt,
        functions,
        ...(forgetFunctions ? { forgetFunctions } : {}),
        ...spec,
        rdd: byReference(spec.rdd, slot.sent, functions),
        result: byReference(spec.result, slot.sent, functions),
      };
      // Marked as held at once: the worker handles messages in order, so a task sent after this
      // one finds the functions already compiled.
      for (const f of functions) slot.sent.add(f.hash);
      let outcome: FromWorker | WorkerLost;
      try {
        this.onTaskEvent?.('sent', slot.worker);
        outcome = await this.send(slot, message);
        if (!(outcome instanceof WorkerLost)) this.onTaskEvent?.('completed', slot.worker);
      } catch (e) {
        for (const f of functions) slot.sent.delete(f.hash);
        throw e;
      }
      if (outcome instanceof WorkerLost) {
        failures.push(outcome.reason);
        this.replace(slot);
        const failure = { stage: task.stageId, partition: task.partition, operation: task.description, worker: slot.index, executor: slot.executor, reason: outcome.reason };
        this.report({ type: 'workerLost', attempt, ...failure });
        if (attempt + 1 < this.maxTaskAttempts) this.report({ type: 'taskRetried', attempt: attempt + 1, ...failure });
        else {
          throw new TaskFailedError(
            `${task.description} (stage ${task.stageId}, partition ${task.partition}) failed ${attempt + 1} times; the last time its ${outcome.reason}.\n` +
              `Attempts: ${failures.map((f, i) => `${i + 1}. ${f}`).join('; ')}`,
          );
        }
        continue;
      }
      if (outcome.kind === 'taskFailed') throw fromWireError(outcome.error);
      if (outcome.kind !== 'taskResult') throw new InternalError(`internal: unexpected reply ${outcome.kind} to a task`);
      return { value: outcome.value, executor: slot.executor, stored: outcome.stored };
    }
  }

  isLive(executor: number): boolean {
    return this.slots.some((s) => s?.alive && s.executor === executor);
  }

  async fetchBlocks(executor: number, blockIds: readonly string[]): Promise<unknown[][]> {
    const slot = this.slots.find((s) => s?.alive && s.executor === executor);
    if (!slot) throw new FetchFailedError(executor, blockIds[0] ?? '');
    const reply = await this.ask(slot, { kind: 'getBlocks', blockIds });
    if (reply instanceof WorkerLost || reply.kind !== 'blocks') throw new FetchFailedError(executor, blockIds[0] ?? '');
    return transfer!.unpackBlocks(reply.blocks).map((b, i) => {
      if (!b) throw new FetchFailedError(executor, blockIds[i]!, `block ${blockIds[i]} is not in the store of executor ${executor}`);
      return b as unknown[];
    });
  }

  /**
   * What each live worker holds: its heap (after a full GC when the runtime exposes one, as
   * `node --expose-gc` does in every thread), the blocks in its store and the functions it keeps.
   * For tests and monitoring; a worker busy with a task answers when the task is done.
   */
  async memory(): Promise<WorkerMemory[]> {
    const live = this.slots.filter((s): s is Slot => s !== undefined && s.alive);
    const replies = await Promise.all(live.map((s) => this.ask(s, { kind: 'memory' })));
    return replies.flatMap((r) => (r instanceof WorkerLost || r.kind !== 'memory' ? [] : [r.memory]));
  }

  /** A request that is not a task (a driver read of blocks, memory): like a task, it keeps a Node process alive until answered. */
  private async ask(slot: Slot, message: ToWorker): Promise<FromWorker | WorkerLost> {
    slot.reading++;
    slot.worker.ref();
    try {
      return await slot.request(message);
    } finally {
      slot.reading--;
      if (slot.running === 0 && slot.reading === 0 && slot.alive) slot.worker.unref();
    }
  }

  removeBlocks(prefixes: readonly string[]): void {
    for (const s of this.slots) s?.post({ kind: 'removeBlocks', prefixes });
  }

  addFailureListener(listener: (failure: TaskFailure) => void): void {
    this.failureListeners.push(listener);
  }

  private report(failure: TaskFailure): void {
    if (this.closed) return; // workers stopped with the pool are not failures
    for (const listener of this.failureListeners) {
      try {
        listener(failure);
      } catch (e) {
        this.logger.error('WorkerPool: a failure listener threw (the task goes on):', e);
      }
    }
  }

  /** A slot acquired with acquire(): runs the message, then frees the slot. */
  private async send(slot: Slot, message: RunTask): Promise<FromWorker | WorkerLost> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<WorkerLost>((resolve) => {
      timer = setTimeout(() => resolve(new WorkerLost(`worker ${slot.index} ran the task past the task timeout of ${this.taskTimeout} ms and was replaced`)), this.taskTimeout);
    });
    try {
      // Partitions cross here (transfer.ts): columnar where cheaper, their buffers moved, not copied.
      const [wire, buffers] = transfer!.packTask(message);
      const reply = slot.api.handle(comlink!.transfer(wire, buffers)).then((r) => transfer!.unpackReply(r, message.result));
      return await slot.unlessLost(Promise.race([reply, timedOut]));
    } catch (e) {
      if ((e as Error)?.name === 'DataCloneError') {
        throw new InvalidArgumentError(`The task for ${message.rdd.operation} at ${message.rdd.callSite} cannot be sent to a worker: ${(e as Error).message}`);
      }
      throw e;
    } finally {
      clearTimeout(timer);
      slot.running--;
      if (slot.running === 0 && slot.reading === 0 && slot.alive) slot.worker.unref();
      this.wakeWaiters();
    }
  }

  /**
   * Before a worker's first task: it must have loaded the same pipeline as the driver. Undefined
   * when it did (or loads none); the error when it refused; WorkerLost when it died meanwhile.
   */
  private async loadPipeline(slot: Slot): Promise<Error | WorkerLost | undefined> {
    if (this.refused) return this.refused;
    if (!this.definitions || !this.loadsPipeline) return undefined;
    // Bounded like a task: a pipeline module that waits at its top level for something that never
    // comes (before it defines the context) would otherwise hold the job for ever.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timedOut'>((resolve) => (timer = setTimeout(() => resolve('timedOut'), this.taskTimeout)));
    slot.loaded ??= slot.unlessLost(Promise.race([slot.api.handle({ kind: 'load', definitions: this.definitions() }), timedOut]));
    const reply = await slot.loaded.finally(() => clearTimeout(timer));
    if (reply instanceof WorkerLost) return reply;
    if (reply === 'timedOut') {
      this.refused ??= new PipelineMismatchError(
        `Worker ${slot.index} did not finish loading the pipeline within the task timeout (${this.taskTimeout} ms): its copy of the pipeline code never defined the driver's context. ` +
          'Does the module wait at its top level (for a connection, a file, user input) before it defines the streams? Define the pipeline first, or guard the wait with isDriver().',
      );
      return this.refused;
    }
    if (reply.kind === 'loaded') return undefined;
    if (reply.kind !== 'loadFailed') return new InternalError(`internal: unexpected reply ${reply.kind} to load`);
    // The worker's message says it all; when the pipeline's code threw while loading, its stack is kept.
    const refused = new PipelineMismatchError(reply.error.message);
    if (reply.error.name === 'PipelineLoadError' && reply.error.stack) refused.stack = `PipelineMismatchError: ${reply.error.message}\nCaused in the worker by: ${reply.error.stack}`;
    this.refused ??= refused;
    return this.refused;
  }

  /** A slot acquired for a task that is not sent after all. */
  private release(slot: Slot): void {
    slot.running--;
    if (slot.running === 0 && slot.reading === 0 && slot.alive) slot.worker.unref();
    this.wakeWaiters();
  }

  /** Slot i's worker, started (again, when it died) if need be. */
  private slot(i: number): Slot {
    const s = this.slots[i];
    if (s?.alive) return s;
    if (s) {
      this.replacedWorkers++;
      void s.worker.terminate().catch(() => {});
    }
    const slot = new Slot(i, this.nextExecutor++, this.spawn(), (dead, reason, idle) => this.executorLost(dead, reason, idle));
    // A MessageChannel to every other live worker, for fetching blocks from each other directly.
    const peers: { executor: number; port: MessagePort }[] = [];
    for (const other of this.slots) {
      if (!other?.alive) continue;
      const channel = new MessageChannel();
      peers.push({ executor: other.executor, port: channel.port1 });
      other.post({ kind: 'connect', executor: other.executor, peers: [{ executor: slot.executor, port: channel.port2 }] }, [channel.port2]);
    }
    slot.post(
      { kind: 'connect', executor: slot.executor, peers },
      peers.map((p) => p.port),
    );
    return (this.slots[i] = slot);
  }

  /**
   * Its blocks are gone: the other workers stop waiting for fetches from it. A worker that died
   * with no task on it (a task's is replaced and reported by runTask) is reported here, without a
   * task, and replaced at once if it had started: one that dies while starting is started again by
   * the next task, whose attempts are bounded, rather than restarted here forever.
   */
  private executorLost(dead: Slot, reason: string, idle: boolean): void {
    for (const s of this.slots) if (s !== dead) s?.post({ kind: 'peerLost', executor: dead.executor });
    if (!idle || this.slots[dead.index] !== dead) return; // replaced already, or stopped with the pool (close() empties the slots)
    if (dead.ready) this.slot(dead.index);
    this.report({ type: 'workerLost', worker: dead.index, executor: dead.executor, reason });
  }

  /**
   * Wait for a worker with no task, preferring started ones (a retry should not wait for a
   * replacement to start), and reserve it. One task per worker at a time: tasks queue here, not
   * in a worker, so a worker that dies loses only the task it was running.
   */
  private async acquire(preferred: readonly number[] = []): Promise<Slot> {
    await this.prepare();
    // Started workers first, then (among those) one that holds blocks the task reads.
    const rank = (s: Slot) => (s.ready ? 2 : 0) + (preferred.includes(s.executor) ? 1 : 0);
    // Spark's delay scheduling: while a live worker holding the task's blocks is busy, wait for it
    // up to localityWait rather than run the task elsewhere and copy the blocks over.
    let waitedForLocality = preferred.length === 0 || this.localityWait <= 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      for (;;) {
        if (this.closed) throw new TaskFailedError('The worker pool was closed while a task waited for a worker.');
        let best: Slot | undefined;
        let holderBusy = false;
        for (let i = 0; i < this.size; i++) {
          const s = this.slot(i);
          if (s.running === 0 && (!best || rank(s) > rank(best))) best = s;
          if (s.running > 0 && preferred.includes(s.executor)) holderBusy = true;
        }
        if (best && (waitedForLocality || !holderBusy || preferred.includes(best.executor))) {
          best.running++;
          best.worker.ref();
          return best;
        }
        if (!waitedForLocality && !timer) {
          timer = setTimeout(() => {
            waitedForLocality = true;
            this.wakeWaiters();
          }, this.localityWait);
        }
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private readonly waiters: (() => void)[] = [];
  private prepared: Promise<void> | undefined;
  private readonly usesPlatformSpawn: boolean;

  /** Before the first worker starts: load Comlink and let the platform prepare (Node bundles the worker). */
  private prepare(): Promise<void> {
    return (this.prepared ??= Promise.all([
      import('comlink').then((m) => void (comlink = m)),
      import('./transfer.ts').then((m) => void (transfer = m)),
      this.usesPlatformSpawn ? prepareWorkers() : undefined,
    ]).then(() => {}));
  }

  private wakeWaiters(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Kill a dead or hung worker for good; the next task on its slot starts a new one. */
  private replace(slot: Slot): void {
    slot.die('was replaced', false);
    // The replacement starts now, not when the next task needs it (unless already replaced).
    if (!this.closed && this.slots[slot.index] === slot) this.slot(slot.index);
    else void slot.worker.terminate().catch(() => {});
    this.wakeWaiters();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeWaiters();
    const live = this.slots.filter((s): s is Slot => s !== undefined);
    this.slots.fill(undefined);
    await Promise.all(
      live.map(async (s) => {
        s.die('was stopped with the pool');
        await s.worker.terminate().catch(() => {});
      }),
    );
  }
}

/** `value` with every function descriptor the worker already holds replaced by a reference; new ones go to `fresh`. */
function byReference<T>(value: T, sent: ReadonlySet<string>, fresh: FunctionDescriptor[]): T {
  const walk = (v: unknown): unknown => {
    if (isFunctionDescriptor(v)) {
      if (sent.has(v.hash)) return { kind: 'fnref', hash: v.hash };
      if (!fresh.some((f) => f.hash === v.hash)) fresh.push(v);
      return { kind: 'fnref', hash: v.hash };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
