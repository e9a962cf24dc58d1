import { IllegalStateError, MissingDependencyError, WorkerStartError } from '../util/errors.ts';
import { Worker, isMainThread, parentPort, threadId, workerData } from 'node:worker_threads';
import { availableParallelism, tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { existsSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Endpoint } from 'comlink';
import type { ExecutorData, PlatformWorker, SpawnOptions } from './worker.ts';
import { enterExecutorMode } from './executorMode.ts';

const DATA_KEY = 'rivuletExecutor';

/** In a worker the pool started: what it loads. Undefined on the driver. */
export function pipelineOfThisThread(): ExecutorData | undefined {
  if (isMainThread) return undefined;
  return (workerData as Record<string, ExecutorData> | null)?.[DATA_KEY];
}

// A worker started from the pipeline's own file: the code that follows (the pipeline) runs in
// executor mode, and this engine serves the tasks once it is loaded.
if (pipelineOfThisThread()?.self) {
  enterExecutorMode();
  void import('../executor/worker.ts');
}

/** The worker side: the port to the thread that started this one. */
export function workerEndpoint(): Endpoint {
  if (!parentPort) throw new IllegalStateError('workerEndpoint() called outside a worker thread');
  (globalThis as { rivuletThreadId?: number }).rivuletThreadId = threadId;
  return nodeEndpoint(parentPort);
}

const ESBUILD = 'esbuild';

/** The worker's code as one ES module file, once built (see prepareWorkers). */
let bundle: string | undefined;

/**
 * How a worker thread gets the engine. From the built package: the executor's entry built with
 * the engine (dist/esm/executor/worker.js, rivulet/worker). From the TypeScript sources: the driver bundles
 * engine/executor/worker.ts with esbuild into one .mjs in the OS temp directory (named by its
 * content hash, written once), so a worker starts in tens of milliseconds. Without esbuild, a
 * worker starts from worker.node.mjs, which registers tsx's loader and imports the sources
 * (about a second per worker, compiling every module in each thread). Either way, vitest, tsx
 * and `node --import tsx` need no set-up.
 */
export async function prepareWorkers(): Promise<void> {
  if (bundle) return;
  // The published package (engine/build/library.ts) ships the executor's entry, compiled, where
  // the sources have worker.ts: plain node, tsx and any bundler-free script start workers from it,
  // with no esbuild. (From the sources there is no worker.js.)
  const built = new URL('../executor/worker.js', import.meta.url);
  if (built.protocol === 'file:' && existsSync(built)) {
    bundle = fileURLToPath(built);
    return;
  }
  // No TypeScript sources beside this module: the engine is part of a bundle (a service bundled
  // into one file), whose workers start from the bundle itself (spawnWorker).
  const entry = fileURLToPath(new URL('../executor/worker.ts', import.meta.url));
  if (!existsSync(entry)) return;
  try {
    // Named through a variable, so that a bundler bundling a service with the published engine
    // (dist/esm keeps this import) does not put esbuild itself in the service.
    const esbuild = (await import(/* @vite-ignore */ ESBUILD)) as typeof import('esbuild');
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      conditions: ['node'],
      logLevel: 'silent',
      // The driver's tools, never used in a worker.
      external: ['esbuild', 'tsx', 'tsx/*'],
      // Not minified: shipped functions are compiled from source in the worker, and names in
      // stacks should read as the engine's.
      minify: false,
    });
    const code = result.outputFiles[0]!.text;
    const file = join(tmpdir(), `rivulet-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      const temp = `${file}.${process.pid}.${threadId}.tmp`;
      writeFileSync(temp, code);
      renameSync(temp, file);
    }
    bundle = file;
  } catch {
    bundle = undefined; // no esbuild: workers start through tsx (worker.node.mjs)
  }
}

/** The entry that starts a worker from the TypeScript sources through tsx (no bundle). */
export const sourceEntry = new URL('../executor/worker.node.mjs', import.meta.url);

/**
 * Start a worker_threads worker running engine/executor/worker.ts — from the bundle when built,
 * else from the sources through tsx — which imports the pipeline module, if any, so that the
 * worker defines the same pipeline. A service bundled into one file has neither: its workers
 * start from the pipeline's own file (Node's cluster does the same with the main script).
 */
export function spawnWorker(options: SpawnOptions = {}, entry?: string | URL): PlatformWorker {
  const pipeline = options.pipelineModule === undefined ? undefined : moduleURL(options.pipelineModule);
  const runtime = entry ?? bundle ?? (existsSync(sourceEntry) ? sourceEntry : undefined);
  let worker: Worker;
  if (runtime) {
    const data: ExecutorData = { pipeline, tsx: pipeline && isTypeScript(pipeline) ? tsxRegisterAPI(pipeline) : undefined };
    worker = new Worker(runtime, { workerData: { [DATA_KEY]: data } });
  } else if (pipeline) {
    worker = new Worker(new URL(pipeline), { workerData: { [DATA_KEY]: { self: true } satisfies ExecutorData } });
  } else {
    throw new WorkerStartError(
      'Cannot start workers: this copy of Rivulet has no worker file beside it (a service bundled into one file?) and no pipeline module to start them from. ' +
        'Name the module that defines the pipeline with the pipelineModule option (new URL(import.meta.url) in the bundle), or import the worker entry rivulet/worker.',
    );
  }
  return {
    endpoint: nodeEndpoint(worker),
    threadId: worker.threadId,
    onExit(listener) {
      worker.once('exit', (code) => listener(`exited with code ${code}`));
      worker.once('error', (e) => listener(`failed: ${e instanceof Error ? e.message : String(e)}`));
    },
    async terminate() {
      await worker.terminate();
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Whether workers load the pipeline: when there is a pipeline module. */
export function loadsPipeline(options: SpawnOptions): boolean {
  return options.pipelineModule !== undefined;
}

/**
 * The main script, when the code creating the context is in it (`node script.js`, `tsx
 * script.ts`, a service bundled into one file): workers re-import it, as Node's cluster re-runs it.
 * Otherwise (a test runner, a service whose pipeline lives in another module) none.
 */
export function defaultPipelineModule(): string | undefined {
  const main = process.argv[1];
  if (!main || isMainThread === false) return undefined;
  const caller = callerFile(new Error().stack);
  if (!caller) return undefined;
  try {
    if (realpathSync(caller) !== realpathSync(resolve(main))) return undefined;
    return pathToFileURL(realpathSync(caller)).href;
  } catch {
    return undefined;
  }
}

/** The file of the first frame of `stack` outside the engine (and node_modules, node:internal). */
function callerFile(stack: string | undefined): string | undefined {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    if (/[\\/](engine|node_modules)[\\/]|node:internal|\(native\)/.test(line)) continue;
    const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    return m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
  }
  return undefined;
}

/** A module given as a path or URL, as a URL string. */
function moduleURL(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return new URL(module).href;
  return pathToFileURL(resolve(module)).href;
}

function isTypeScript(url: string): boolean {
  return /\.(m|c)?tsx?$/.test(new URL(url).pathname);
}

/**
 * tsx's register API, for a worker importing a TypeScript pipeline module: the tsx this process
 * runs under (a worker thread does not inherit its loader), else one installed beside the engine.
 */
function tsxRegisterAPI(pipeline: string): string {
  for (const arg of process.execArgv) {
    const m = /^(?:file:\/\/)?(.*[\\/]tsx[\\/]dist[\\/])(?:loader|preflight)\.(?:mjs|cjs)$/.exec(arg);
    if (m) {
      const api = pathToFileURL(join(m[1]!, 'esm', 'api', 'index.mjs'));
      if (existsSync(api)) return api.href;
    }
  }
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    throw new MissingDependencyError(
      `The pipeline module ${pipeline} is TypeScript: workers import it through tsx, which is not installed here. Install it (npm install --save-dev tsx) or build the pipeline to JavaScript.`,
    );
  }
}
