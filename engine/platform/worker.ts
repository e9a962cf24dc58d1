import type { Endpoint } from 'comlink';

/**
 * A worker thread as the executor needs it, on either platform (`#worker` resolves to
 * worker.node.ts under the `node` condition, to worker.browser.ts otherwise).
 */
export interface PlatformWorker {
  /** The driver's end of the worker's message channel, for Comlink. */
  readonly endpoint: Endpoint;
  readonly threadId: number;
  /** Called once when the worker dies (crash, process.exit in it, terminate()). */
  onExit(listener: (reason: string) => void): void;
  terminate(): Promise<void>;
  /** Whether a live worker keeps a Node process running: only while it has tasks. */
  ref(): void;
  unref(): void;
}
