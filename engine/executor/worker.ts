import * as Comlink from 'comlink';
import { workerEndpoint } from '#worker';
import { TaskRunner } from './runTask.ts';
import type { WorkerApi } from './protocol.ts';

/** A worker's entry point (worker_threads or a Web Worker): one TaskRunner, exposed through Comlink. */
const runner = new TaskRunner();
const api: WorkerApi = { handle: (message) => runner.handle(message) };
Comlink.expose(api, workerEndpoint());
