/**
 * Crash-and-recover runs on the ManualClock, compared batch by batch with an uninterrupted run
 * (Spark's CheckpointSuite does the same with its ManualClock: run, stop, restart from the
 * checkpoint, compare every batch's output).
 *
 * A pipeline is a `build(ssc, sink)` that defines streams on a fresh context and sends outputs to
 * the sink with `record(sink, name, stream)`. The sink plays an external system keyed by batch
 * time: a batch run again overwrites its earlier output, and every write is kept so a test can
 * check that a batch run twice wrote the same thing.
 */
import { expect } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSystemCheckpointStore, ManualClock, StreamingContext, type CheckpointStore, type DStream, type StreamingContextOptions } from '../../engine/index.ts';
import { sortCanonically } from '../support/TestSuiteBase.ts';

export interface Write {
  name: string;
  time: number;
  records: unknown[];
}

export class Sink {
  readonly writes: Write[] = [];

  /** The last output of every batch, per output: `{ counts: { 1000: [...], 2000: [...] } }`. */
  final(): Record<string, Record<number, unknown[]>> {
    const out: Record<string, Record<number, unknown[]>> = {};
    for (const w of this.writes) (out[w.name] ??= {})[w.time] = w.records;
    return out;
  }

  /** Batch times written more than once, per output. */
  rewritten(): Record<string, number[]> {
    const seen = new Map<string, number>();
    const out: Record<string, number[]> = {};
    for (const w of this.writes) {
      const key = `${w.name}@${w.time}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      if (seen.get(key) === 2) (out[w.name] ??= []).push(w.time);
    }
    return out;
  }
}

/** Send every batch of `stream` to the sink under `name`, records in a canonical order. */
export function record<T>(sink: Sink, name: string, stream: DStream<T>): void {
  stream.foreachRDD(async (rdd, time) => {
    sink.writes.push({ name, time, records: sortCanonically(await rdd.collect()) });
  });
}

export type Build = (ssc: StreamingContext, sink: Sink) => void;

export interface RunOptions {
  /** Default 1000. */
  batchInterval?: number;
  /** The clock's start; default 0. */
  clockStart?: number;
  defaultParallelism?: number;
  /** More options of every context the run makes (workers, pipelineModule…). */
  context?: Omit<StreamingContextOptions, 'batchInterval' | 'scheduler'>;
}

const directories: string[] = [];
export function tempDirectory(prefix = 'rivulet-recovery-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  directories.push(dir);
  return dir;
}
export function removeTempDirectories(): void {
  for (const dir of directories.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

function context(clock: ManualClock, options: RunOptions): StreamingContext {
  return new StreamingContext({ ...options.context, batchInterval: options.batchInterval ?? 1000, scheduler: clock, defaultParallelism: options.defaultParallelism ?? 2 });
}

/** Every batch up to `until` (clock time), without checkpoints. */
export async function runUninterrupted(build: Build, until: number, options: RunOptions = {}): Promise<Sink> {
  const sink = new Sink();
  const clock = new ManualClock(options.clockStart ?? 0);
  const ssc = context(clock, options);
  build(ssc, sink);
  ssc.start();
  await clock.advanceTo(until);
  await ssc.stop();
  return sink;
}

export interface CrashRun {
  sink: Sink;
  /** The recovered context, stopped. */
  recovered: StreamingContext;
  warnings: string[];
}

/**
 * Run `first` with checkpoints in `store` until `crashAt` and abandon the context there (no
 * stop: as if the process died), then getOrCreate a context built by `second` (default: the same
 * pipeline) on a clock started at `resumeAt`, and run it until `until`. Both runs write to one sink.
 */
export async function runWithCrash(options: RunOptions & {
  store: string | (() => CheckpointStore);
  first: Build;
  second?: Build;
  crashAt: number;
  resumeAt: number;
  until: number;
  /** Called after the crash, before the recovery (e.g. to damage a checkpoint). */
  betweenRuns?: () => void;
  /** Called with the first context before it starts (e.g. to feed a receiver on its clock). */
  beforeFirstStart?: (ssc: StreamingContext, clock: ManualClock) => void;
  beforeSecondStart?: (ssc: StreamingContext, clock: ManualClock) => void;
}): Promise<CrashRun> {
  const sink = new Sink();
  const warnings: string[] = [];
  const storeOf = () => (typeof options.store === 'string' ? options.store : options.store());

  await runUntilCrash({ ...options, sink, store: storeOf() });
  options.betweenRuns?.();

  const clock2 = new ManualClock(options.resumeAt);
  const recovered = await StreamingContext.getOrCreate(
    storeOf(),
    () => {
      const ssc = context(clock2, options);
      (options.second ?? options.first)(ssc, sink);
      return ssc;
    },
    { onWarning: (m) => void warnings.push(m) },
  );
  options.beforeSecondStart?.(recovered, clock2);
  recovered.start();
  await clock2.advanceTo(options.until);
  await recovered.stop();
  return { sink, recovered, warnings };
}

/**
 * Run `first` with checkpoints in `store` until `crashAt`, and abandon the context there (no
 * stop: as if the process died mid-stream). It is never touched again.
 */
export async function runUntilCrash(options: RunOptions & {
  store: string | CheckpointStore;
  first: Build;
  crashAt: number;
  sink?: Sink;
  beforeFirstStart?: (ssc: StreamingContext, clock: ManualClock) => void;
}): Promise<Sink> {
  const sink = options.sink ?? new Sink();
  const clock = new ManualClock(options.clockStart ?? 0);
  // The stores the first context writes to, closed at the crash: writes already made complete
  // (as a write the process finished before dying), and the abandoned context writes nothing after.
  const store = typeof options.store === 'string' ? new FileSystemCheckpointStore(options.store) : options.store;
  const log = writesTracked(store.writeAheadLog!());
  const tracked = new Proxy(store, {
    get(target, property) {
      if (property === 'writeAheadLog') return () => log;
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const first = await StreamingContext.getOrCreate(tracked, () => {
    const ssc = context(clock, options);
    options.first(ssc, sink);
    return ssc;
  });
  options.beforeFirstStart?.(first, clock);
  first.start();
  await clock.advanceTo(options.crashAt);
  // Log records are written one after the other: let those queued finish too.
  await log.whenQuiet();
  await Promise.all([log.close(), store.close()]);
  return sink;
}

/** `store` with whenQuiet(): resolves once no write has been in progress for a turn of the event loop. */
function writesTracked(store: CheckpointStore): CheckpointStore & { whenQuiet(): Promise<void> } {
  const pending = new Set<Promise<unknown>>();
  let started = 0;
  return new Proxy(store, {
    get(target, property) {
      if (property === 'whenQuiet') {
        return async () => {
          for (;;) {
            const before = started;
            await Promise.allSettled([...pending]);
            await new Promise((resolve) => setTimeout(resolve, 5));
            if (started === before && pending.size === 0) return;
          }
        };
      }
      const value = Reflect.get(target, property);
      if (property !== 'write') return typeof value === 'function' ? value.bind(target) : value;
      return (checkpoint: unknown) => {
        started++;
        const done = (value as (c: unknown) => Promise<void>).call(target, checkpoint);
        pending.add(done);
        const forget = () => void pending.delete(done);
        done.then(forget, forget);
        return done;
      };
    },
  }) as CheckpointStore & { whenQuiet(): Promise<void> };
}

/** Every output of every batch equals the reference run's; a batch run twice wrote the same thing both times. */
export function expectSameOutputs(actual: Sink, reference: Sink): void {
  expect(actual.final()).toStrictEqual(reference.final());
  const firstWrite = new Map<string, unknown[]>();
  for (const w of actual.writes) {
    const key = `${w.name}@${w.time}`;
    if (!firstWrite.has(key)) firstWrite.set(key, w.records);
    else expect(w.records, `${w.name} at ${w.time} ms written again differently`).toStrictEqual(firstWrite.get(key));
  }
}
