import { Worker, parentPort, threadId } from 'node:worker_threads';
import { availableParallelism, tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Endpoint } from 'comlink';
import type { PlatformWorker } from './worker.ts';

/** The worker side: the port to the thread that started this one. */
export function workerEndpoint(): Endpoint {
  if (!parentPort) throw new Error('workerEndpoint() called outside a worker thread');
  (globalThis as { rivuletThreadId?: number }).rivuletThreadId = threadId;
  return nodeEndpoint(parentPort);
}

/** The worker's code as one ES module file, once built (see prepareWorkers). */
let bundle: string | undefined;

/**
 * How a worker thread gets the engine. From the built package: the worker file built next to the
 * engine (dist/node/rivulet-worker.js). From the TypeScript sources: the driver bundles
 * engine/executor/worker.ts with esbuild into one .mjs in the OS temp directory (named by its
 * content hash, written once), so a worker starts in tens of milliseconds. Without esbuild, a
 * worker starts from worker.node.mjs, which registers tsx's loader and imports the sources
 * (about a second per worker, compiling every module in each thread). Either way, vitest, tsx
 * and `node --import tsx` need no set-up.
 */
export async function prepareWorkers(): Promise<void> {
  if (bundle) return;
  // The published package (engine/build/library.ts) ships its worker next to this module's
  // bundle: plain node, tsx and any bundler-free script start workers from it, with no esbuild.
  const built = new URL('./rivulet-worker.js', import.meta.url);
  if (built.protocol === 'file:' && existsSync(built)) {
    bundle = fileURLToPath(built);
    return;
  }
  try {
    const esbuild = await import('esbuild');
    const entry = fileURLToPath(new URL('../executor/worker.ts', import.meta.url));
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

/** Start a worker_threads worker running engine/executor/worker.ts: from the bundle when built, else from `entry`. */
export function spawnWorker(entry: string | URL = bundle ?? sourceEntry): PlatformWorker {
  const worker = new Worker(entry);
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
