/**
 * Whether this thread is a driver or an executor, and what an executor has loaded.
 *
 * Every executor (a worker thread or Web Worker) loads the same pipeline code as the driver, the
 * way every Spark executor loads the application's jar: the pipeline module runs again in the
 * worker, its StreamingContext records what it defines (the functions given to operations, in
 * order) and never starts. Tasks then name functions by their place in that list. This module is
 * the state shared between the engine copy that the pipeline imports and the executor's runtime,
 * which may be another copy of the engine (a worker bundle): it lives on `globalThis` under a
 * registered symbol, so both see one.
 */

/** What a context defined, as an executor matches it against the driver's (see closure/definitions.ts). */
export interface DefinedContext {
  readonly entries: readonly DefinitionEntry[];
  readonly closed: boolean;
  functionAt(index: number): ((...args: any[]) => any) | undefined;
}

/** One definition: a function given to an operation, or a stream or setting that shapes the graph. */
export interface DefinitionEntry {
  /** What was defined, as compared between threads: `function map`, `stream window 3000/1000`. */
  readonly what: string;
  /** Where: for the error message only (a bundle's call sites differ between threads). */
  readonly callSite: string;
}

export interface ExecutorState {
  /** Every context the pipeline code created in this thread, in order. */
  readonly contexts: DefinedContext[];
  /** The pipeline's loading (its module's import), when this thread loads one. */
  loading: Promise<unknown> | undefined;
  /** Set once loading settled, or once the code stopped defining (see definitionPoint). */
  settled: boolean;
  /** Woken whenever a context closes its definitions (start(), a first job) or loading settles. */
  readonly waiters: (() => void)[];
}

const KEY = Symbol.for('rivulet.executor');

/** This thread's executor state; undefined on a driver. */
export function executorState(): ExecutorState | undefined {
  return (globalThis as Record<symbol, ExecutorState | undefined>)[KEY];
}

/** Mark this thread as an executor (before the pipeline code runs in it). */
export function enterExecutorMode(): ExecutorState {
  const g = globalThis as Record<symbol, ExecutorState | undefined>;
  return (g[KEY] ??= { contexts: [], loading: undefined, settled: false, waiters: [] });
}

/** A context closed its definitions, or loading settled: whoever waits for definitions looks again. */
export function definitionPoint(state: ExecutorState | undefined = executorState()): void {
  if (!state) return;
  for (const wake of state.waiters.splice(0)) wake();
}

/**
 * True in a worker that runs the pipeline's tasks (an executor), false on the driver. Code with
 * side effects that must happen once — opening a server port, writing a report, reading a
 * prompt — runs only `if (isDriver())`, as Node's cluster documents `cluster.isPrimary`.
 * Spark: code in the driver program's `main`, as opposed to code in closures on executors.
 *
 * @example
 * ```ts
 * import { isDriver } from 'rivulet';
 * if (isDriver()) server.listen(8080); // not again in every worker that loads this module
 * ```
 */
export function isDriver(): boolean {
  return executorState() === undefined;
}

/**
 * True in a worker that loaded the pipeline to run its tasks (see {@link isDriver}). There,
 * `new StreamingContext()` only records what the pipeline defines: `start()` returns at once,
 * `awaitTermination()` never settles, and no input is read.
 * Spark: `TaskContext.get() != null` (code running on an executor).
 *
 * @example
 * ```ts
 * import { isExecutor } from 'rivulet';
 * if (!isExecutor()) console.log('starting the pipeline');
 * ```
 */
export function isExecutor(): boolean {
  return executorState() !== undefined;
}
