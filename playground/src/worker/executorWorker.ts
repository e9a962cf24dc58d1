/// <reference lib="webworker" />
/**
 * An executor worker: the engine runs a pipeline's tasks here when the user's StreamingContext has
 * `workers: N` (the pipeline worker, the driver, starts it through `createWorker`). Like any app's
 * worker entry it calls loadPipeline() from `rivulet/worker`, and its load evaluates the same
 * compiled pipeline as the driver, in executor mode: the user's code runs unchanged and its
 * contexts only record what they define, so tasks find the user's functions by their place.
 *
 * The compiled code arrives as this worker's first message (ToExecutor), before the engine's
 * first: loadPipeline() is called now, while this module evaluates, and its load waits for it.
 */
import * as rivulet from 'rivulet';
import { markEngineEnd } from '../../../engine/util/callSite.ts';
import { loadPipeline } from 'rivulet/worker';
import { evaluatePipeline, moduleResolver } from './modules.ts';
import { interceptConsole } from './console.ts';
import type { FromExecutor, ToExecutor } from '../protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** True while the user's code defines the pipeline here: what it prints then, the driver's copy printed already. */
let defining = true;
interceptConsole(
  (lines, dropped) => scope.postMessage({ type: 'playground:console', lines, dropped } satisfies FromExecutor),
  () => !defining,
);

// An exception the user's code throws outside a task here (a timer it set while defining, run
// again in this copy) is not this executor failing: it is shown, labelled, and the executor
// goes on serving tasks. (Unhandled, the engine would take the executor for dead.)
scope.addEventListener('error', (e) => {
  e.preventDefault();
  console.error(`Uncaught ${e.error instanceof Error ? (e.error.stack ?? e.error.message) : e.message}`);
});

const code = new Promise<string>((resolve) => {
  const onMessage = (e: MessageEvent<ToExecutor | undefined>) => {
    if (e.data?.type !== 'playground:pipeline') return;
    scope.removeEventListener('message', onMessage);
    resolve(e.data.code);
  };
  scope.addEventListener('message', onMessage);
});

/** The contexts the user's code created here. */
const contexts: rivulet.StreamingContext[] = [];

/** The `rivulet` the user's code imports here: the engine, noting the contexts created. */
class StreamingContext extends rivulet.StreamingContext {
  constructor(options: rivulet.StreamingContextOptions) {
    super(options);
    contexts.push(this);
  }
}

loadPipeline(async () => {
  const compiled = await code;
  const script = evaluatePipeline(compiled)(await moduleResolver({ ...rivulet, StreamingContext }, compiled));
  try {
    // As the pipeline worker does: a context with outputs that the code did not start is started
    // once the script has run (or is awaiting something). Here start() only closes its definitions.
    await Promise.race([script, new Promise((resolve) => setTimeout(resolve, 0))]);
    for (const ssc of contexts) if (ssc.state === 'initialized' && ssc.graph.outputStreams.length > 0) ssc.start();
  } finally {
    defining = false;
  }
  return script;
});

// Last in this worker's bundle: the engine's call-site detection takes everything up to here (the
// engine and this wrapper) as the engine's own code, and names the line in the user's pipeline.
markEngineEnd(() => new Error());
