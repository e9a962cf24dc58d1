/**
 * A worker thread as the executor needs it, on either platform (`#worker` resolves to
 * worker.node.ts under the `node` condition, to worker.browser.ts otherwise).
 */
export interface PlatformWorker {
  /**
   * The driver's end of the worker's message channel, for Comlink (its `Endpoint`, typed
   * structurally: comlink's declarations need the DOM library, and this type is part of the
   * package's declarations through RDDContextOptions and WorkerPool).
   */
  readonly endpoint: MessageEndpoint;
  readonly threadId: number;
  /** Called once when the worker dies (crash, process.exit in it, terminate()). */
  onExit(listener: (reason: string) => void): void;
  terminate(): Promise<void>;
  /** Whether a live worker keeps a Node process running: only while it has tasks. */
  ref(): void;
  unref(): void;
}

/** Comlink's `Endpoint` by the members it uses: a MessagePort, a Web Worker, a worker_threads adapter. */
export interface MessageEndpoint {
  postMessage(message: any, transfer?: any[]): void;
  addEventListener(type: string, listener: (event: any) => void, options?: {}): void;
  removeEventListener(type: string, listener: (event: any) => void, options?: {}): void;
  start?: () => void;
}

/**
 * A Web Worker as an app's `createWorker` option returns it (`new Worker(new URL(…), { type:
 * 'module' })`), by the members the pool uses: typed structurally so that the package's
 * declarations type-check in a Node project without the DOM library.
 */
export interface ExecutorWorker {
  postMessage(message: any, transfer: any[]): void;
  addEventListener(type: string, listener: (event: any) => void, options?: {}): void;
  removeEventListener(type: string, listener: (event: any) => void, options?: {}): void;
  terminate(): void;
}

/**
 * What a worker started by the pool is told (Node: in its workerData): the pipeline module to
 * import (and tsx's register API when it is TypeScript), or `self` when the worker was started from
 * the pipeline's own file (a service bundled into one file, whose engine has no worker file beside it).
 */
export interface ExecutorData {
  readonly pipeline?: string;
  readonly tsx?: string;
  readonly self?: boolean;
}

/** How the pool starts a worker: which pipeline it loads (see RDDContextOptions.pipelineModule / createWorker). */
export interface SpawnOptions {
  readonly pipelineModule?: string | URL;
  readonly createWorker?: () => ExecutorWorker;
}
