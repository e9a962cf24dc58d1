/**
 * Running pipeline.ts as a child process, killing it, and reading what it wrote — for
 * kill.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const PIPELINE = fileURLToPath(new URL('./pipeline.ts', import.meta.url));

/**
 * pipeline.ts and the engine bundled into one ES module for Node (vite's SSR build, everything
 * inlined), so that each restart costs a Node start (~0.2 s) rather than tsx compiling the engine
 * (~0.7 s): the kill test restarts the pipeline 20+ times. The code is the same, unminified.
 * RIVULET_KILL_TSX=1 runs pipeline.ts through tsx instead (no bundle).
 */
export async function bundlePipeline(outDir: string): Promise<string | undefined> {
  if (process.env.RIVULET_KILL_TSX === '1') return undefined;
  const { build } = await import('vite');
  await build({
    root: ROOT,
    configFile: false,
    logLevel: 'warn',
    ssr: { noExternal: true, target: 'node' },
    build: {
      ssr: PIPELINE,
      outDir,
      emptyOutDir: true,
      minify: false,
      target: 'node20',
      rolldownOptions: { output: { entryFileNames: 'pipeline.mjs', codeSplitting: false } },
    },
  });
  return path.join(outDir, 'pipeline.mjs');
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running pipeline.ts: its stdout lines as they arrive, its stderr, and its exit. */
export class Child {
  readonly process: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  readonly startedAt = Date.now();
  endedAt: number | undefined;
  private partial = '';
  private waiters: { match: (line: string) => boolean; resolve: (line: string | undefined) => void }[] = [];

  /** `bundle`: bundlePipeline()'s file, run with node; undefined: pipeline.ts through tsx. */
  constructor(bundle: string | undefined, args: string[]) {
    const command = bundle === undefined ? ['--import', 'tsx', PIPELINE] : [bundle];
    this.process = spawn(process.execPath, [...command, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout!.setEncoding('utf8');
    this.process.stdout!.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop()!;
      for (const line of parts) this.onLine(line);
    });
    this.process.stderr!.setEncoding('utf8');
    this.process.stderr!.on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      this.process.on('close', (code, signal) => {
        this.exit = { code, signal };
        this.endedAt = Date.now();
        for (const w of this.waiters) w.resolve(undefined);
        this.waiters = [];
        resolve(this.exit);
      });
    });
  }

  private onLine(line: string): void {
    this.lines.push(line);
    // A waiter is called synchronously from the 'data' event: the kill goes out before any later line is read.
    const ready = this.waiters.filter((w) => w.match(line));
    this.waiters = this.waiters.filter((w) => !w.match(line));
    for (const w of ready) w.resolve(line);
  }

  /** The next line matching `match`, or undefined if the process exits first. */
  next(match: (line: string) => boolean): Promise<string | undefined> {
    if (this.exit) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Call `f` synchronously when the next line matching `match` arrives (no await in between). */
  onNext(match: (line: string) => boolean, f: (line: string | undefined) => void): void {
    if (this.exit) return f(undefined);
    this.waiters.push({ match, resolve: f });
  }

  kill(): void {
    if (!this.exit) this.process.kill('SIGKILL');
  }

  /**
   * What was in progress when the child stopped, from the phase lines it printed: 'startup' (not
   * started yet: loading, reading the checkpoint, restoring), or any of 'batch' (a batch had
   * started and not completed), 'checkpoint write', 'log write' (a write had begun and not
   * resolved), or 'idle' when none of them.
   */
  inProgress(): string[] {
    if (!this.lines.some((l) => l.startsWith('ready '))) return ['startup'];
    const open = (begin: string, end: string) => this.lines.findLast((l) => l.startsWith(begin) || l.startsWith(end))?.startsWith(begin) ?? false;
    const phases = [];
    if (open('batch-start ', 'batch-done ')) phases.push('batch');
    if (open('ckpt-write ', 'ckpt-done ')) phases.push('checkpoint write');
    if (open('wal-write ', 'wal-done ')) phases.push('log write');
    return phases.length > 0 ? phases : ['idle'];
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One output file of pipeline.ts. */
export interface BatchOutput {
  time: number;
  zeroTime: number;
  k: number;
  records: unknown[];
}

export interface Outputs {
  /** stream → batch index k → what was written for it. */
  streams: Map<string, Map<number, BatchOutput>>;
  /** k → the saveAsTextFiles directory's files (name → content). */
  text: Map<number, Map<string, string>>;
  /** Every write, in order: a batch that ran twice appears twice. */
  log: { stream: string; k: number; hash: string; pid: number }[];
}

export function readOutputs(outDir: string, interval: number): Outputs {
  const streams = new Map<string, Map<number, BatchOutput>>();
  let zeroTime: number | undefined;
  for (const stream of ['input', 'totals', 'recent', 'streaks']) {
    const byK = new Map<number, BatchOutput>();
    const dir = path.join(outDir, stream);
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (!/^\d+\.json$/.test(name)) continue;
      const out = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as BatchOutput;
      byK.set(out.k, out);
      zeroTime ??= out.zeroTime;
    }
    streams.set(stream, byK);
  }
  const text = new Map<number, Map<string, string>>();
  const textDir = path.join(outDir, 'text');
  for (const name of fs.existsSync(textDir) ? fs.readdirSync(textDir) : []) {
    const m = /^totals-(\d+)$/.exec(name);
    if (!m || zeroTime === undefined) continue;
    const files = new Map<string, string>();
    for (const f of fs.readdirSync(path.join(textDir, name)).sort()) files.set(f, fs.readFileSync(path.join(textDir, name, f), 'utf8'));
    text.set((Number(m[1]) - zeroTime) / interval, files);
  }
  const logFile = path.join(outDir, 'log.jsonl');
  const log = (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '')
    .split('\n')
    .flatMap((line) => {
      // A kill in the middle of an append leaves a partial last line.
      try {
        return line ? [JSON.parse(line)] : [];
      } catch {
        return [];
      }
    });
  return { streams, text, log };
}

/** Deterministic pseudo-random numbers (the kill schedule): the engine's mulberry32. */
export { mulberry32 as seededRandom } from '../../../engine/rdd/RDD.ts';

/** The checkpoint files in `dir`, newest first. */
export function checkpointFiles(dir: string): string[] {
  return (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
    .map((name) => /^checkpoint-(\d+)\.rvck$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]))
    .map((m) => path.join(dir, m[0]));
}
