import type { Endpoint } from 'comlink';
import type { ExecutorData, ExecutorWorker, PlatformWorker, SpawnOptions } from './worker.ts';

/** The worker side: a Web Worker's own scope. */
export function workerEndpoint(): Endpoint {
  return globalThis as unknown as Endpoint;
}

/**
 * Start a module Web Worker: the app's own worker entry when it gives `createWorker` (its bundler
 * bundles the pipeline into it), else the engine's, engine/executor/worker.ts, which bundlers
 * (Vite) recognise by the `new Worker(new URL(…, import.meta.url))` form and bundle with the page.
 */
export function spawnWorker(options: SpawnOptions = {}): PlatformWorker {
  const worker: ExecutorWorker = options.createWorker ? options.createWorker() : new Worker(new URL('../executor/worker.ts', import.meta.url), { type: 'module' });
  let exited: ((reason: string) => void) | undefined;
  worker.addEventListener('error', (e: { message?: string }) => exited?.(`failed: ${e.message ?? 'the worker could not start (see the console)'}`));
  return {
    endpoint: worker as unknown as Endpoint,
    threadId: 0,
    onExit(listener) {
      exited = listener;
    },
    async terminate() {
      worker.terminate();
      exited?.('was terminated');
    },
    ref: () => {},
    unref: () => {},
  };
}

/** Whether workers load the pipeline: only from the app's worker entry (createWorker). */
export function loadsPipeline(options: SpawnOptions): boolean {
  return options.createWorker !== undefined;
}

export function defaultWorkerCount(): number {
  return Math.max(1, (globalThis.navigator?.hardwareConcurrency ?? 2) - 1);
}

/** In a browser the app names its worker entry (createWorker); there is no default. */
export function defaultPipelineModule(): undefined {
  return undefined;
}

/** The executor's pipeline in this thread: none here (a browser worker entry calls loadPipeline() instead). */
export function pipelineOfThisThread(): ExecutorData | undefined {
  return undefined;
}

/** Nothing to prepare: the bundler built the worker with the page. */
export async function prepareWorkers(): Promise<void> {}
