import { Worker, parentPort, threadId } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Endpoint } from 'comlink';
import type { PlatformWorker } from './worker.ts';

/** The worker side: the port to the thread that started this one. */
export function workerEndpoint(): Endpoint {
  if (!parentPort) throw new Error('workerEndpoint() called outside a worker thread');
  (globalThis as { rivuletThreadId?: number }).rivuletThreadId = threadId;
  return nodeEndpoint(parentPort);
}

/** Start a worker_threads worker running engine/executor/worker.ts (through worker.node.mjs). */
export function spawnWorker(): PlatformWorker {
  const worker = new Worker(new URL('../executor/worker.node.mjs', import.meta.url));
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
