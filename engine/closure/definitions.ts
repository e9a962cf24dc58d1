import { definitionPoint, executorState, type DefinedContext, type DefinitionEntry } from '../platform/executorMode.ts';

/**
 * What a context's pipeline code defines, in order: every function given to an operation (its
 * stable identity is its index here) and the streams and settings that shape the graph. The
 * driver and every executor run the same pipeline code, so they build the same list; an executor
 * checks its list against the driver's when it connects and refuses to run tasks when they
 * differ (a pipeline built from Math.random(), or from data only one thread has), rather than
 * compute wrong results.
 *
 * The list is closed when the code stops defining: at `start()` of a StreamingContext, at the
 * first job of a standalone RDDContext (an executor's copy of the code stops there too, since
 * actions never settle in an executor). Functions created after that (inside `transform` or
 * `foreachRDD`, at batch time) have no place in it.
 *
 * Spark has no counterpart: its executors load the application's classes from the jar and receive
 * each closure serialized; here the code is loaded the same way and closures are named by place.
 */
export class Definitions implements DefinedContext {
  readonly entries: DefinitionEntry[] = [];
  private readonly functions: ((...args: any[]) => any)[] = [];
  private isClosed = false;

  /** `ofPipeline`: false for the engine's own context in an executor (not the pipeline's). */
  constructor(ofPipeline = true) {
    // In an executor, the runtime finds this context among those its pipeline code created.
    if (ofPipeline) executorState()?.contexts.push(this);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** A function given to an operation: its place, or undefined once definitions are closed. */
  addFunction(fn: (...args: any[]) => any, operation: string, callSite: string): number | undefined {
    if (this.isClosed) return undefined;
    this.entries.push({ what: `function ${operation}`, callSite });
    return this.functions.push(fn) - 1;
  }

  /**
   * The read of an input stream whose partitions a task reads from outside (a direct stream's
   * offset ranges, read with the source object each thread's copy of the pipeline made): its
   * place, or undefined once definitions are closed. A task names it by place, as a function.
   */
  addReader(read: (...args: any[]) => Promise<unknown>, operation: string, callSite: string): number | undefined {
    if (this.isClosed) return undefined;
    this.entries.push({ what: `reader ${operation}`, callSite });
    return this.functions.push(read) - 1;
  }

  /** A stream or setting that shapes the graph: compared between threads, not needed to run tasks. */
  note(what: string, callSite: string): void {
    if (!this.isClosed) this.entries.push({ what, callSite });
  }

  functionAt(index: number): ((...args: any[]) => any) | undefined {
    return this.functions[index];
  }

  /** The code stopped defining (start(), a first job). */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    definitionPoint();
  }
}

/** Where two definition lists first differ (by `what`; call sites differ between bundles), or -1. */
export function firstDifference(a: readonly DefinitionEntry[], b: readonly DefinitionEntry[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i]!.what !== b[i]!.what) return i;
  return a.length === b.length ? -1 : n;
}

/**
 * The message of a pipeline whose definitions differ between the driver and an executor: the
 * first differing definition on each side and what to do.
 */
export function mismatchMessage(driver: readonly DefinitionEntry[], executor: readonly DefinitionEntry[] | undefined, pipeline: string): string {
  const fix =
    'Every worker loads the same pipeline code as the driver and must define the same operations in the same order. ' +
    'Build the pipeline from what every thread has (not Math.random(), the time, or data only the main thread reads); ' +
    'read such values inside a function that runs at batch time (foreachRDD, transform), or guard driver-only code with isDriver().';
  if (!executor) {
    return (
      `The pipeline loaded in the worker (${pipeline}) created no StreamingContext or RDDContext that defines anything: a worker defines the pipeline by importing that module, ` +
      `so the module must create the context and its streams when imported (or be the script that does). ${fix}`
    );
  }
  const i = firstDifference(driver, executor);
  const show = (e: DefinitionEntry | undefined) => (e ? `${e.what} at ${e.callSite}` : 'nothing more');
  return (
    `The pipeline defined in the worker differs from the driver's at definition ${i + 1}: the driver defined ${show(driver[i])}, ` +
    `the worker (which loaded ${pipeline}) defined ${show(executor[i])}. ${fix}`
  );
}

/**
 * The executor's context matching the driver's definitions: among those the pipeline code
 * created in this thread, one whose list is the same. Only complete lists count (closed by
 * start() or a first job), or every list once the pipeline module finished loading (`loaded`: a
 * module that defines a context for the driver to start). `closest` is the one that matches
 * longest, for the error message.
 */
export function matchDefinitions(contexts: readonly DefinedContext[], driver: readonly DefinitionEntry[], loaded = false): { found?: DefinedContext; closest?: DefinedContext } {
  let closest: DefinedContext | undefined;
  let best = -1;
  for (const c of contexts) {
    if (!c.closed && !loaded) continue;
    const d = firstDifference(driver, c.entries);
    if (d === -1) return { found: c };
    if (d > best) [best, closest] = [d, c];
  }
  return { closest };
}
