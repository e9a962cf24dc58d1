/// <reference lib="webworker" />
/**
 * The pipeline worker: compiles the user's TypeScript, runs it against the real engine (bundled
 * into this worker), drives the clock, and reports every batch to the page. The page ends a run
 * by terminating this worker, which is also what stops a pipeline stuck in an infinite loop (and
 * the executor workers it started, which are its children).
 *
 * This worker is the pipeline's driver. With `workers: N`, the engine runs tasks on executor
 * workers (executorWorker.ts) that evaluate the same compiled code, as a Node script's workers
 * import the same module: the contexts the user creates get a `createWorker` that starts one.
 */
import * as rivulet from 'rivulet';
import { markEngineEnd } from '../../../engine/util/callSite.ts';
import * as rxjs from 'rxjs';
import type { DStream, RDD } from 'rivulet';
import { compilePipeline } from './compile.ts';
import { evaluatePipeline, moduleResolver, type RequireModule } from './modules.ts';
import { toUserError } from './errors.ts';
import { interceptConsole } from './console.ts';
import { describeGraph, snapshotRdd, streamsOf } from './inspect.ts';
import { formatRecord } from './format.ts';
import type { FromExecutor, FromWorker, RunOptions, RunState, Speed, ToExecutor, ToWorker, UserCodeError } from '../protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker) => scope.postMessage(m);

interceptConsole((lines, dropped) => post({ type: 'console', lines, dropped }));

/** Batches whose RDDs are kept for fetchPartition (the page asks for the whole of a big partition). */
const RECENT_BATCHES = 20;

class Session {
  options!: RunOptions;
  /** The user's code, compiled: what every executor worker evaluates too. */
  compiled = '';
  /** Executor workers started so far (their console lines are labelled by number). */
  executors = 0;
  clock: rivulet.ManualClock | undefined;
  readonly contexts: rivulet.StreamingContext[] = [];
  /** Contexts built with a scheduler of the user's own: the user drives those. */
  readonly ownClock = new Set<rivulet.StreamingContext>();
  /** Contexts whose start() was called (it may still be opening checkpoints). */
  readonly startRequested = new Set<rivulet.StreamingContext>();
  /** Streams the playground adds (the pause gate), left out of the graph shown. */
  readonly hidden = new Set<DStream<any>>();
  paused = false;
  steps = 0;
  private wake: (() => void) | undefined;
  private gateWaiters: (() => void)[] = [];
  readonly pending = new Set<Promise<void>>();
  readonly recent = new Map<number, Map<number, RDD<unknown>>>();
  private wallStart = new Map<number, number>();
  /** Output operations' wall-clock start and duration, by `batchTime/id`. */
  private outputStart = new Map<string, number>();
  private outputWall = new Map<string, number>();
  failed = false;

  scheduler(): rxjs.SchedulerLike {
    if (this.options.mode === 'realtime') return rxjs.asyncScheduler;
    return (this.clock ??= new rivulet.ManualClock(this.options.startTime ?? 0));
  }

  state(state: RunState): void {
    const now = this.contexts[0]?.now() ?? 0;
    post({ type: 'state', state, now, mode: this.options.mode });
  }

  error(e: unknown, phase: UserCodeError['phase']): void {
    post({ type: 'error', error: toUserError(e, phase) });
  }

  /** Before start(): keep every RDD a batch computes (so the page sees what the outputs saw), and put the pause gate first. */
  beforeStart(ssc: rivulet.StreamingContext): void {
    for (const s of streamsOf(ssc, this.hidden)) if (!(s instanceof rivulet.ForEachDStream)) s.persist();
    // The user's pipeline ends here: the gate below is the playground's, and the executors, which
    // run the user's code without it, must find the same definitions (start() would close them
    // after the gate).
    ssc.definitions.close();
    const input = ssc.graph.inputStreams[0];
    if (this.options.mode === 'realtime' && input) {
      // Wall time cannot be paused; batches can. The gate is the first output operation of every
      // batch: while paused it holds the batch, later ones queue (their scheduling delay grows,
      // as it would behind a slow batch), and Step lets one through.
      const before = new Set(ssc.graph.outputStreams);
      input.foreachRDD(() => this.gate());
      const gate = ssc.graph.outputStreams.find((o) => !before.has(o))!;
      this.hidden.add(gate);
      ssc.graph.outputStreams.splice(ssc.graph.outputStreams.indexOf(gate), 1);
      ssc.graph.outputStreams.unshift(gate);
    }
    ssc.addStreamingListener({
      onBatchSubmitted: (e) => post({ type: 'batchEvent', kind: 'submitted', batchTime: e.batchInfo.batchTime }),
      onBatchStarted: (e) => {
        this.wallStart.set(e.batchInfo.batchTime, performance.now());
        post({ type: 'batchEvent', kind: 'started', batchTime: e.batchInfo.batchTime });
      },
      onOutputOperationStarted: (e) => void this.outputStart.set(`${e.outputOperationInfo.batchTime}/${e.outputOperationInfo.id}`, performance.now()),
      onOutputOperationCompleted: (e) => {
        const key = `${e.outputOperationInfo.batchTime}/${e.outputOperationInfo.id}`;
        const started = this.outputStart.get(key);
        this.outputStart.delete(key);
        if (started !== undefined) this.outputWall.set(key, performance.now() - started);
      },
      onBatchCompleted: (e) => this.onBatchCompleted(ssc, e.batchInfo),
      onReceiverStarted: (e) => post({ type: 'receiver', event: { kind: 'started', streamId: e.streamId, name: e.name, time: e.time } }),
      onReceiverStopped: (e) => post({ type: 'receiver', event: { kind: 'stopped', streamId: e.streamId, name: e.name, time: e.time, message: e.message } }),
      onReceiverError: (e) => post({ type: 'receiver', event: { kind: 'error', streamId: e.streamId, name: e.name, time: e.time, message: e.message } }),
    });
  }

  afterStart(ssc: rivulet.StreamingContext): void {
    post({ type: 'graph', graph: describeGraph(ssc, this.hidden), batchInterval: ssc.batchInterval, zeroTime: ssc.zeroTime ?? 0 });
    ssc.awaitTermination().then(
      () => this.state(this.failed ? 'failed' : 'stopped'),
      (e) => {
        this.failed = true;
        this.error(e, 'batch');
        this.state('failed');
      },
    );
    if (this.options.mode === 'virtual' && !this.ownClock.has(ssc)) void this.drive(ssc);
    else this.state(this.paused ? 'paused' : 'running');
  }

  private onBatchCompleted(ssc: rivulet.StreamingContext, info: rivulet.BatchInfo): void {
    const time = info.batchTime;
    const started = this.wallStart.get(time);
    this.wallStart.delete(time);
    const wallProcessingMs = started === undefined ? 0 : performance.now() - started;
    // Taken now: once this event returns, the engine forgets RDDs older than their remember duration.
    const rdds = new Map<number, RDD<unknown>>();
    for (const s of streamsOf(ssc, this.hidden)) {
      const rdd = s.generatedRDDs.get(time);
      if (rdd) rdds.set(s.id, rdd);
    }
    this.recent.set(time, rdds);
    for (const t of this.recent.keys()) if (this.recent.size > RECENT_BATCHES) this.recent.delete(t);
    const gateNames = new Set([...this.hidden].map((h) => h.creationSite));
    const shown = { ...info, outputOperationInfos: info.outputOperationInfos.filter((o) => !gateNames.has(o.name)) };
    const outputWallMs: Record<number, number> = {};
    for (const o of info.outputOperationInfos) {
      const key = `${time}/${o.id}`;
      const ms = this.outputWall.get(key);
      this.outputWall.delete(key);
      if (ms !== undefined) outputWallMs[o.id] = ms;
    }
    const snapshot = (async () => {
      const snapshots = [];
      for (const [id, rdd] of rdds) snapshots.push(await snapshotRdd(id, rdd, this.options.maxRecordsPerPartition));
      post({ type: 'batch', report: { info: shown, wallProcessingMs, rdds: snapshots, outputWallMs } });
    })();
    this.pending.add(snapshot);
    void snapshot.finally(() => this.pending.delete(snapshot));
  }

  /** Virtual time: advance the clock one batch at a time, paced by `speed`, pausing and stepping on request. */
  private async drive(ssc: rivulet.StreamingContext): Promise<void> {
    const clock = this.clock!;
    let base = { wall: performance.now(), virtual: clock.now() };
    this.state(this.paused ? 'paused' : 'running');
    while (ssc.state === 'active') {
      if (this.paused && this.steps === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        base = { wall: performance.now(), virtual: clock.now() };
        if (!this.paused) this.state('running');
        continue;
      }
      const stepping = this.paused;
      if (stepping) this.steps--;
      await clock.advance(ssc.batchInterval);
      await Promise.all(this.pending);
      if (stepping) {
        this.state('paused');
        continue;
      }
      const speed = this.options.speed;
      const due = speed === 'max' ? 0 : base.wall + (clock.now() - base.virtual) / speed - performance.now();
      // Always give the event loop a turn, so Pause and Step messages are read between batches.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due)));
      if (due < -1000) base = { wall: performance.now(), virtual: clock.now() };
    }
  }

  private gate(): Promise<void> | void {
    if (!this.paused) return;
    return new Promise<void>((resolve) => {
      if (this.steps > 0) {
        this.steps--;
        resolve();
      } else {
        this.gateWaiters.push(resolve);
      }
    });
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.state('paused');
  }

  resume(): void {
    this.paused = false;
    this.steps = 0;
    for (const w of this.gateWaiters.splice(0)) w();
    this.wake?.();
    this.wake = undefined;
    this.state('running');
  }

  step(): void {
    if (!this.paused) this.pause();
    const waiter = this.gateWaiters.shift();
    if (waiter) return waiter();
    this.steps++;
    this.wake?.();
    this.wake = undefined;
  }

  setSpeed(speed: Speed): void {
    this.options.speed = speed;
  }

  async fetchPartition(m: Extract<ToWorker, { type: 'fetchPartition' }>): Promise<void> {
    const rdd = this.recent.get(m.batchTime)?.get(m.streamId);
    if (!rdd) {
      post({ type: 'partition', requestId: m.requestId, records: [], count: 0, missing: `batch ${m.batchTime} ms is no longer kept (the last ${RECENT_BATCHES} batches are)` });
      return;
    }
    const parts = await rdd.glom().collect();
    const records = parts[m.partition] ?? [];
    post({ type: 'partition', requestId: m.requestId, records: records.slice(0, m.limit).map((r) => formatRecord(r)), count: records.length });
  }
}

const session = new Session();

/**
 * The engine's `createWorker` for the user's contexts: an executor worker, sent the compiled
 * pipeline as its first message (before any of the engine's). Its console output (the user's
 * functions running in its tasks) goes to the Console panel, labelled with the executor.
 */
function startExecutor(): Worker {
  const n = ++session.executors;
  const worker = new Worker(new URL('./executorWorker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('message', (e: MessageEvent<FromExecutor | undefined>) => {
    if (e.data?.type !== 'playground:console') return;
    post({ type: 'console', lines: e.data.lines.map((l) => ({ level: l.level, text: `[executor ${n}] ${l.text}` })), dropped: e.data.dropped });
  });
  // An executor that fails to start: the engine hears it too (it replaces the executor and runs
  // the task elsewhere, or fails the batch saying why); unprevented, it would also fail this
  // worker as if the user's code had thrown here.
  worker.addEventListener('error', (e) => e.preventDefault());
  worker.postMessage({ type: 'playground:pipeline', code: session.compiled } satisfies ToExecutor);
  return worker;
}

/** The `rivulet` the user's code imports: the engine, with a StreamingContext that runs on the playground's clock. */
class StreamingContext extends rivulet.StreamingContext {
  constructor(options: rivulet.StreamingContextOptions) {
    super({ ...options, scheduler: options?.scheduler ?? session.scheduler(), createWorker: options?.createWorker ?? startExecutor });
    session.contexts.push(this);
    if (options?.scheduler !== undefined) session.ownClock.add(this);
  }
  override start(): void {
    session.startRequested.add(this);
    const store = session.options.checkpointStore;
    if (this.state !== 'initialized' || store === undefined || this.isCheckpointing) return this.startNow();
    // The checkpoint switch: the whole pipeline is defined by now, so this context is what
    // getOrCreate's createContext returns. Opening the store is asynchronous; the run starts
    // once it is open (ssc.state reads 'initialized' until then).
    void withCheckpoints(this, store, session.options.resume ?? false).then(
      () => this.startNow(),
      (e) => {
        session.failed = true;
        session.error(e, 'define');
        session.state('failed');
      },
    );
  }
  private startNow(): void {
    const starting = this.state === 'initialized';
    if (starting) session.beforeStart(this);
    super.start();
    if (starting && this.isActive) session.afterStart(this);
  }
}

/** Checkpoints to IndexedDB: resume from them (getOrCreate), or clear them and start afresh. */
async function withCheckpoints(ssc: StreamingContext, name: string, resume: boolean): Promise<void> {
  const store = new rivulet.IndexedDBCheckpointStore(name);
  if (resume) {
    const times = await store.list();
    await rivulet.StreamingContext.getOrCreate(store, () => ssc, { onWarning: (message) => console.warn(message) });
    post({ type: 'checkpoint', message: times.length > 0 ? `↻ Resumed from the checkpoint of batch ${times[0]} ms (IndexedDB "${name}").` : `No checkpoint in IndexedDB "${name}"; started afresh.` });
    return;
  }
  // A fresh run: a store holding another run's checkpoints would be refused.
  for (const s of [store, store.writeAheadLog()]) for (const t of await s.list()) await s.delete(t);
  ssc.checkpoint(store);
  post({ type: 'checkpoint', message: `Checkpoints go to IndexedDB "${name}".` });
}

async function run(code: string, options: RunOptions): Promise<void> {
  session.options = options;
  session.paused = options.paused;
  session.state('compiling');
  let pipeline: (req: RequireModule) => Promise<void>;
  try {
    session.compiled = compilePipeline(code);
    pipeline = evaluatePipeline(session.compiled);
  } catch (e) {
    session.error(e, 'compile');
    session.state('failed');
    return;
  }
  let requireModule: RequireModule;
  try {
    requireModule = await moduleResolver({ ...rivulet, StreamingContext }, session.compiled);
  } catch (e) {
    session.error(e, 'define');
    session.state('failed');
    return;
  }
  // The script's top level runs now: a loop there keeps it (and the page says so) from going on.
  session.state('defining');
  let settled = false;
  const script = pipeline(requireModule).then(
    () => void (settled = true),
    (e) => {
      settled = true;
      session.failed = true;
      session.error(e, session.contexts.some((c) => c.state !== 'initialized') ? 'runtime' : 'define');
      session.state('failed');
    },
  );
  // A script that defines a pipeline but does not call start(): start it once the script has run
  // (or is awaiting something), as a notebook would.
  await Promise.race([script, new Promise((resolve) => setTimeout(resolve, 0))]);
  if (session.failed) return;
  const fresh = session.contexts.filter((c) => !session.startRequested.has(c) && c.graph.outputStreams.length > 0);
  for (const ssc of fresh) {
    console.info('(the playground called ssc.start(), which your code did not)');
    try {
      ssc.start();
    } catch (e) {
      session.error(e, 'define');
      session.state('failed');
      return;
    }
  }
  if (session.contexts.length === 0) {
    await script;
    if (!session.failed) {
      console.info('(no StreamingContext was created; nothing to run)');
      session.state('stopped');
    }
  } else if (settled && session.contexts.every((c) => c.state === 'stopped') && !session.failed) {
    session.state('stopped');
  }
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'run':
      void run(m.code, m.options);
      break;
    case 'pause':
      session.pause();
      break;
    case 'resume':
      session.resume();
      break;
    case 'step':
      session.step();
      break;
    case 'speed':
      session.setSpeed(m.speed);
      break;
    case 'fetchPartition':
      void session.fetchPartition(m);
      break;
  }
};

post({ type: 'ready' });

// Last in this worker's bundle: the engine's call-site detection takes everything up to here (the
// engine and this wrapper) as the engine's own code, and names the line in the user's pipeline.
markEngineEnd(() => new Error());
