// The entry of a worker_threads worker when esbuild is not available (see prepareWorkers in
// engine/platform/worker.node.ts; normally workers start from a bundle). The engine is
// TypeScript source, and a worker thread does not get the loader of the thread that created it
// when that loader is not a Node hook (vitest transforms modules itself): tsx's register() gives
// this thread a loader of its own. Registering again under the tsx CLI (whose hooks workers
// inherit) is harmless.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
