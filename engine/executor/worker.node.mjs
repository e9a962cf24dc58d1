// The entry of a worker_threads worker. The engine is TypeScript source, and a worker thread
// starts without the loader of the thread that created it when that loader is not a Node hook
// (vitest transforms modules itself); tsx's register() gives this thread a loader of its own.
// Registering again under the tsx CLI (whose hooks workers inherit) is harmless.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
