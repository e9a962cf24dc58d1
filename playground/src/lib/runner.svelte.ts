/**
 * The page's side of a run: owns the pipeline worker, turns its messages into reactive state at
 * most once per animation frame, and keeps memory bounded (the last MAX_BATCHES batch rows, the
 * records of MAX_DETAILS batches — those with input records first, see keepDetails — and the last
 * MAX_CONSOLE console lines).
 */
import PipelineWorker from '../worker/pipelineWorker.ts?worker';
import type { BatchReport, ReceiverEvent, ClockMode, FromWorker, RunOptions, RunState, Speed, StreamGraph, ToWorker, UserCodeError } from '../protocol.ts';

export const MAX_BATCHES = 2000;
export const MAX_DETAILS = 60;
export const MAX_CONSOLE = 5000;

export interface BatchRow {
  batchTime: number;
  numRecords: number;
  schedulingDelay: number;
  processingDelay: number;
  totalDelay: number;
  wallProcessingMs: number;
  failed: boolean;
  /** Its records are still kept (the batch view can show them). */
  kept: boolean;
}

export interface ConsoleLine {
  seq: number;
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  text: string;
}

export type RunnerState = RunState | 'idle';

/** A receiver as the Spark UI's receivers table shows it, with its buffer's counters (summed over the batches reported). */
export interface ReceiverRow {
  streamId: number;
  name: string;
  status: 'active' | 'restarting' | 'stopped';
  errors: number;
  lastError?: string;
  lastErrorTime?: number;
  /** Set once a batch has reported on this receiver's buffer. */
  buffer?: { received: number; dropped: number; blockedMs: number; buffered: number; bufferSize: number; overflow: string };
}

export class Runner {
  state = $state<RunnerState>('idle');
  mode = $state<ClockMode>('virtual');
  speed = $state<Speed>(10);
  maxRecordsPerPartition = $state(1000);
  graph = $state.raw<StreamGraph | undefined>(undefined);
  batchInterval = $state(0);
  /** The context's zero time: batch times are shown relative to it. */
  zeroTime = $state(0);
  batches = $state.raw<BatchRow[]>([]);
  /** Bumped whenever `details` changes (the map itself is not reactive, to keep big reports out of Svelte's proxies). */
  detailsVersion = $state(0);
  readonly details = new Map<number, BatchReport>();
  /** The batch shown below the timeline; undefined follows the latest. */
  selectedBatch = $state<number | undefined>(undefined);
  selectedStream = $state<number | undefined>(undefined);
  consoleLines = $state.raw<ConsoleLine[]>([]);
  receivers = $state.raw<ReceiverRow[]>([]);
  /** The batch processing now (the Spark UI's active batch), and since when (page clock, ms). */
  activeBatch = $state.raw<{ batchTime: number; since: number } | undefined>(undefined);
  /** Batches submitted and waiting behind the active one (Spark's queued batches). */
  queuedBatches = $state.raw<number[]>([]);
  /** When the script's top level (state `defining`) began running, page clock. */
  definingSince = $state(0);
  /** The page's clock, ticking while something is running, for elapsed times. */
  clock = $state(performance.now());
  private ticker: ReturnType<typeof setInterval> | undefined;
  errors = $state.raw<UserCodeError[]>([]);
  /** Batch reports received and drawn over the last few seconds: the page says when it samples. */
  sampling = $state({ received: 0, drawn: 0 });
  private samplingWindow = { start: 0, received: 0, drawn: 0 };
  now = $state(0);

  private worker: Worker | undefined;
  private inbox: FromWorker[] = [];
  private flushScheduled = false;
  private consoleSeq = 0;
  private requestId = 0;
  private partitionRequests = new Map<number, (m: Extract<FromWorker, { type: 'partition' }>) => void>();

  get running(): boolean {
    return this.state === 'running' || this.state === 'paused' || this.state === 'compiling' || this.state === 'defining';
  }

  /** The report shown: the selected batch, or the latest one with details. */
  get shownReport(): BatchReport | undefined {
    void this.detailsVersion;
    if (this.selectedBatch !== undefined) return this.details.get(this.selectedBatch);
    let latest: BatchReport | undefined;
    for (const r of this.details.values()) if (!latest || r.info.batchTime > latest.info.batchTime) latest = r;
    return latest;
  }

  /** Start a run paused and run its first batch: the first batch can be looked at before the second exists. */
  stepFromStart(code: string, options: { checkpointStore?: string } = {}): void {
    this.run(code, { ...options, paused: true });
    this.step();
  }

  run(code: string, options: { paused?: boolean; checkpointStore?: string; resume?: boolean; startTime?: number } = {}): void {
    this.stopWorker();
    this.graph = undefined;
    this.zeroTime = 0;
    this.batches = [];
    this.details.clear();
    this.detailsVersion++;
    this.selectedBatch = undefined;
    this.selectedStream = undefined;
    this.consoleLines = [];
    this.receivers = [];
    this.activeBatch = undefined;
    this.queuedBatches = [];
    this.samplingWindow = { start: 0, received: 0, drawn: 0 };
    this.errors = [];
    this.sampling = { received: 0, drawn: 0 };
    this.state = 'compiling';
    this.ticker ??= setInterval(() => {
      this.clock = performance.now();
      if (!this.running) {
        clearInterval(this.ticker);
        this.ticker = undefined;
      }
    }, 200);
    const worker = new PipelineWorker();
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.errors = [...this.errors, { phase: 'runtime', name: 'Error', message: e.message || 'the pipeline worker failed' }];
      this.state = 'failed';
    };
    this.worker = worker;
    const runOptions: RunOptions = {
      mode: this.mode,
      speed: this.speed,
      paused: options.paused ?? false,
      maxRecordsPerPartition: this.maxRecordsPerPartition,
      checkpointStore: options.checkpointStore,
      resume: options.resume,
      startTime: options.startTime,
    };
    this.send({ type: 'run', code, options: runOptions });
  }

  /** Terminate the worker: ends any pipeline at once, even one stuck in an infinite loop. */
  stop(): void {
    if (!this.worker) return;
    this.stopWorker();
    this.flush();
    this.state = 'stopped';
    this.activeBatch = undefined;
    this.queuedBatches = [];
    this.appendConsole([{ level: 'info', text: '■ Stopped (the pipeline worker was terminated).' }]);
  }

  pause(): void {
    this.send({ type: 'pause' });
  }
  resume(): void {
    this.send({ type: 'resume' });
  }
  step(): void {
    this.send({ type: 'step' });
  }
  setSpeed(speed: Speed): void {
    this.speed = speed;
    this.send({ type: 'speed', speed });
  }

  /** All records of one partition (up to `limit`), for a partition bigger than what each batch report carries. */
  fetchPartition(batchTime: number, streamId: number, partition: number, limit = 100_000): Promise<Extract<FromWorker, { type: 'partition' }>> {
    const requestId = ++this.requestId;
    return new Promise((resolve) => {
      if (!this.worker) return resolve({ type: 'partition', requestId, records: [], count: 0, missing: 'the pipeline is not running' });
      this.partitionRequests.set(requestId, resolve);
      this.send({ type: 'fetchPartition', requestId, batchTime, streamId, partition, limit });
    });
  }

  private send(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  private stopWorker(): void {
    this.worker?.terminate();
    this.worker = undefined;
    this.inbox = [];
    for (const resolve of this.partitionRequests.values()) resolve({ type: 'partition', requestId: 0, records: [], count: 0, missing: 'the pipeline stopped' });
    this.partitionRequests.clear();
  }

  private receive(m: FromWorker): void {
    if (m.type === 'partition') {
      this.partitionRequests.get(m.requestId)?.(m);
      this.partitionRequests.delete(m.requestId);
      return;
    }
    this.inbox.push(m);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One update per frame whatever the message rate; the timeout covers hidden tabs, where
    // animation frames stop but the inbox must not grow without bound.
    let done = false;
    const go = () => {
      if (done) return;
      done = true;
      this.flush();
    };
    requestAnimationFrame(go);
    setTimeout(go, 250);
  }

  private flush(): void {
    this.flushScheduled = false;
    const inbox = this.inbox;
    this.inbox = [];
    const reports: BatchReport[] = [];
    for (const m of inbox) {
      switch (m.type) {
        case 'state':
          if (m.state === 'defining' && this.state !== 'defining') this.definingSince = performance.now();
          this.state = m.state;
          this.now = m.now;
          if (m.state === 'stopped' || m.state === 'failed') {
            this.activeBatch = undefined;
            this.queuedBatches = [];
          }
          break;
        case 'batchEvent':
          if (m.kind === 'submitted') this.queuedBatches = [...this.queuedBatches, m.batchTime];
          else {
            this.queuedBatches = this.queuedBatches.filter((t) => t !== m.batchTime);
            this.activeBatch = { batchTime: m.batchTime, since: performance.now() };
          }
          break;
        case 'graph':
          this.graph = m.graph;
          this.batchInterval = m.batchInterval;
          this.zeroTime = m.zeroTime;
          break;
        case 'batch':
          reports.push(m.report);
          break;
        case 'console':
          this.appendConsole(m.lines, m.dropped);
          break;
        case 'error':
          this.errors = [...this.errors, m.error];
          this.appendConsole([{ level: 'error', text: `${m.error.name}: ${m.error.message}${m.error.line ? ` (pipeline.ts:${m.error.line})` : ''}` }]);
          break;
        case 'checkpoint':
          this.appendConsole([{ level: 'info', text: m.message }]);
          break;
        case 'receiver':
          this.receivers = updateReceivers(this.receivers, m.event);
          break;
      }
    }
    if (reports.length > 0) this.addReports(reports);
  }

  private addReports(reports: BatchReport[]): void {
    const done = new Set(reports.map((r) => r.info.batchTime));
    if (this.activeBatch && done.has(this.activeBatch.batchTime)) this.activeBatch = undefined;
    if (this.queuedBatches.some((t) => done.has(t))) this.queuedBatches = this.queuedBatches.filter((t) => !done.has(t));
    const rows = reports.map((r) => ({
      batchTime: r.info.batchTime,
      numRecords: r.info.numRecords,
      schedulingDelay: r.info.schedulingDelay ?? 0,
      processingDelay: r.info.processingDelay ?? 0,
      totalDelay: r.info.totalDelay ?? 0,
      wallProcessingMs: r.wallProcessingMs,
      failed: r.info.failureReason !== undefined,
      kept: true,
    }));
    if (this.receivers.length > 0) this.receivers = updateReceiverBuffers(this.receivers, reports);
    const batches = this.batches.concat(rows);
    this.batches = batches.length > MAX_BATCHES ? batches.slice(-MAX_BATCHES) : batches;
    // Details (records) are kept for MAX_DETAILS batches; within one frame only the newest of
    // several reports is drawn — the rest are kept, and the page says it is sampling.
    for (const r of reports) this.details.set(r.info.batchTime, r);
    const dropped = keepDetails(this.details, MAX_DETAILS, this.selectedBatch);
    if (dropped.size > 0) this.batches = this.batches.map((b) => (b.kept && dropped.has(b.batchTime) ? { ...b, kept: false } : b));
    this.detailsVersion++;
    this.now = Math.max(this.now, reports[reports.length - 1]!.info.batchTime);
    // Measured over windows of 3 s, so the note goes away once the rate drops.
    const now = performance.now();
    const w = this.samplingWindow;
    if (now - w.start > 3000) {
      this.sampling = { received: w.received, drawn: w.drawn };
      this.samplingWindow = { start: now, received: reports.length, drawn: 1 };
    } else {
      w.received += reports.length;
      w.drawn += 1;
      if (w.received > w.drawn) this.sampling = { received: w.received, drawn: w.drawn };
    }
  }

  private appendConsole(lines: { level: ConsoleLine['level']; text: string }[], dropped = 0): void {
    const added: ConsoleLine[] = [];
    if (dropped > 0) added.push({ seq: ++this.consoleSeq, level: 'warn', text: `… ${dropped} lines dropped (output faster than the page can show)` });
    for (const l of lines) added.push({ seq: ++this.consoleSeq, level: l.level, text: l.text });
    const all = this.consoleLines.concat(added);
    this.consoleLines = all.length > MAX_CONSOLE ? all.slice(-MAX_CONSOLE) : all;
  }
}

/**
 * Which batches' records stay when there are more than `max`: the newest batch and `pinned` (the
 * batch on screen) always, then the batches that had input records (what people come to look at:
 * a queue's few data batches must not be pushed out by the empty ones after them), newest first,
 * then the newest empty ones. Removes the others from `details`; returns their times.
 */
export function keepDetails(details: Map<number, BatchReport>, max: number, pinned: number | undefined): Set<number> {
  const dropped = new Set<number>();
  if (details.size <= max) return dropped;
  const newest = Math.max(...details.keys());
  const always = new Set([newest, ...(pinned !== undefined && details.has(pinned) ? [pinned] : [])]);
  const byPreference = [...details.values()].sort((a, b) => {
    const data = Number(b.info.numRecords > 0) - Number(a.info.numRecords > 0);
    return data !== 0 ? data : b.info.batchTime - a.info.batchTime;
  });
  let room = max - always.size;
  for (const r of byPreference) {
    const t = r.info.batchTime;
    if (always.has(t)) continue;
    if (room > 0) room--;
    else dropped.add(t);
  }
  for (const t of dropped) details.delete(t);
  return dropped;
}

/** The receivers table with the buffer counters of newly reported batches added. */
export function updateReceiverBuffers(rows: ReceiverRow[], reports: readonly BatchReport[]): ReceiverRow[] {
  let changed = false;
  const next = rows.map((row) => {
    let buffer = row.buffer;
    for (const report of reports) {
      const r = report.info.streamIdToInputInfo?.[row.streamId]?.receiver;
      if (!r) continue;
      const before = buffer ?? { received: 0, dropped: 0, blockedMs: 0 };
      buffer = {
        received: before.received + r.numReceived,
        dropped: before.dropped + r.numDropped,
        blockedMs: before.blockedMs + r.blockedTime,
        buffered: r.numBuffered,
        bufferSize: r.bufferSize,
        overflow: r.overflow,
      };
    }
    if (buffer === row.buffer) return row;
    changed = true;
    return { ...row, buffer };
  });
  return changed ? next : rows;
}

/** The receivers table after one of their events. */
export function updateReceivers(rows: ReceiverRow[], e: ReceiverEvent): ReceiverRow[] {
  const old = rows.find((r) => r.streamId === e.streamId) ?? { streamId: e.streamId, name: e.name, status: 'active' as const, errors: 0 };
  let row: ReceiverRow;
  if (e.kind === 'started') row = { ...old, status: 'active' };
  else if (e.kind === 'stopped') row = { ...old, status: 'stopped' };
  else row = { ...old, status: /^Restarting receiver/.test(e.message ?? '') ? 'restarting' : old.status, errors: old.errors + 1, lastError: e.message, lastErrorTime: e.time };
  const next = rows.filter((r) => r.streamId !== e.streamId).concat(row);
  return next.sort((a, b) => a.streamId - b.streamId);
}
