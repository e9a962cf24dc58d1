import { IllegalStateError } from '../util/errors.ts';
import * as Comlink from 'comlink';
import { pipelineOfThisThread, workerEndpoint } from '#worker';
import { TaskRunner } from './runTask.ts';
import type { WorkerApi } from './protocol.ts';
import { packBlocks, packReply, unpackTask } from './transfer.ts';
import { enterExecutorMode, definitionPoint, executorState } from '../platform/executorMode.ts';
import { markEngineEnd } from '../util/callSite.ts';

/**
 * An executor's entry point (a worker_threads worker or a Web Worker): one TaskRunner, exposed
 * through Comlink. The executor loads the same pipeline code as the driver — in Node the module
 * the pool names in its workerData, in a browser whatever the app's worker entry passes to
 * loadPipeline() — and runs tasks that name its functions by their place in it.
 *
 * Also the module `rivulet/worker`, which a browser app's worker entry imports for loadPipeline().
 */
const RUNTIME = Symbol.for('rivulet.executorRuntime');
const g = globalThis as Record<symbol, unknown>;

/**
 * In an app's worker entry (browsers; any bundler that bundles `new Worker(new URL(…,
 * import.meta.url), { type: 'module' })`): load the pipeline in this worker, which then serves
 * the driver's tasks. `load` imports the module that defines the pipeline (and calls whatever
 * function defines it, if it does not at import): the same StreamingContext code as the page, run
 * here in executor mode, where it only records what it defines.
 * Spark: an executor loading the application's jar.
 *
 * @example
 * ```ts
 * // rivulet.worker.ts, started by the page's createWorker option
 * import { loadPipeline } from 'rivulet/worker';
 * loadPipeline(() => import('./pipeline.ts'));
 * ```
 */
export function loadPipeline(load: () => unknown): void {
  const state = enterExecutorMode();
  if (state.loading) throw new IllegalStateError('loadPipeline(): this worker already loads a pipeline; call it once, in the worker entry.');
  state.loading = settleLoading(Promise.resolve().then(load));
}

/** Loading settles: whoever waits for the pipeline's definitions looks again. */
function settleLoading(loading: Promise<unknown>): Promise<unknown> {
  const done = () => {
    const state = executorState();
    if (state) state.settled = true;
    definitionPoint(state);
  };
  loading.then(done, done);
  return loading;
}

// Node: the pool said which pipeline module to load (workerData). Entered before anything else
// runs, so that the module's contexts are created in executor mode.
const data = pipelineOfThisThread();
if (data?.pipeline) {
  const state = enterExecutorMode();
  state.loading ??= settleLoading(
    (async () => {
      if (data.tsx) ((await import(/* @vite-ignore */ data.tsx)) as { register(): void }).register();
      return import(/* @vite-ignore */ data.pipeline!);
    })(),
  );
}

// One runtime per thread, also when a pipeline loads a second copy of the engine.
if (!g[RUNTIME]) {
  g[RUNTIME] = true;
  const runner = new TaskRunner();
  const api: WorkerApi = {
    async handle(message) {
      if (message.kind === 'getBlocks') {
        const reply = await runner.handle(message);
        if (reply.kind !== 'blocks') return reply;
        const [blocks, transfer] = packBlocks(reply.blocks);
        return Comlink.transfer({ kind: 'blocks', blocks }, transfer);
      }
      if (message.kind !== 'runTask') return runner.handle(message);
      // Partitions cross here and in WorkerPool (transfer.ts).
      const [reply, transfer] = packReply(await runner.handle(unpackTask(message)), message.result);
      return Comlink.transfer(reply, transfer);
    },
  };
  Comlink.expose(api, workerEndpoint());
}

// Last in the worker's entry: in an application's worker bundle, the engine's code ends here (see util/callSite.ts).
markEngineEnd(() => new Error());
