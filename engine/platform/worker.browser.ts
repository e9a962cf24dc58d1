import type { Endpoint } from 'comlink';
import type { PlatformWorker } from './worker.ts';

/** The worker side: a Web Worker's own scope. */
export function workerEndpoint(): Endpoint {
  return globalThis as unknown as Endpoint;
}

/**
 * Start a module Web Worker running engine/executor/worker.ts. Bundlers (Vite) recognise the
 * `new Worker(new URL(…, import.meta.url))` form and bundle the worker with the engine.
 */
export function spawnWorker(): PlatformWorker {
  const worker = new Worker(new URL('../executor/worker.ts', import.meta.url), { type: 'module' });
  let exited: ((reason: string) => void) | undefined;
  worker.addEventListener('error', (e) => exited?.(`failed: ${e.message}`));
  return {
    endpoint: worker,
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

export function defaultWorkerCount(): number {
  return Math.max(1, (globalThis.navigator?.hardwareConcurrency ?? 2) - 1);
}

/** Nothing to prepare: the bundler built the worker with the page. */
export async function prepareWorkers(): Promise<void> {}
