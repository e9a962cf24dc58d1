import { RivuletError } from '../util/errors.ts';
/**
 * What sources and sinks need from the platform they run on. Two implementations exist, chosen by
 * package.json's "imports" map when `#platform` is resolved: `node.ts` under the `node`
 * condition (Node, tsx, vitest) and `browser.ts` otherwise (any browser bundle). Code that is
 * shared by both platforms imports `#platform` and never a `node:` module, so a browser bundle
 * never pulls one in.
 *
 * The browser implementation of a Node-only function throws a NodeOnlyError saying what to use
 * instead; sources and sinks call `requireSupport` when they are defined, so the error appears
 * where the pipeline is written, not at the first batch.
 */
export interface Platform {
  readonly name: 'node' | 'browser';

  /** Throws a NodeOnlyError when `operation` cannot run on this platform; returns otherwise. */
  requireSupport(operation: NodeOnlyOperation): void;

  /** Open a TCP connection (Node only). */
  connectTcp(host: string, port: number, handlers: ConnectionHandlers<Uint8Array>): Connection;

  /** Open a WebSocket (both platforms). Text messages arrive as strings, binary ones as ArrayBuffers. */
  openWebSocket(url: string, protocols: string | string[] | undefined, handlers: ConnectionHandlers<string | ArrayBuffer>): Connection;

  /**
   * The regular files directly inside `directory` (no subdirectories), synchronously: a DStream's
   * compute() is synchronous. Throws when the directory cannot be listed. Node only.
   */
  listFiles(directory: string): FileStatus[];

  /** A file's bytes, synchronously. Node only. */
  readFile(path: string): Uint8Array;

  /**
   * Write `files` into a new directory at `path`, so that a reader sees either no directory, or
   * the old one, or the complete new one — never a partial one: every file is written and fsynced
   * into a hidden temporary directory next to `path`, in the order given (so a marker such as
   * `_SUCCESS` goes last), which is then renamed to `path`. An existing directory at `path` is
   * replaced. Node only.
   */
  writeDirectoryAtomically(path: string, files: readonly OutputFile[]): Promise<void>;
}

/** The operations that exist only in Node, each named as the user calls it. */
export type NodeOnlyOperation = 'socketTextStream' | 'textFileStream' | 'saveAsTextFiles' | 'createKafkaDirectStream' | 'saveToKafka';

/**
 * Callbacks of an open connection. `onEnd` is called exactly once when the connection ends by
 * itself — refused, failed, or closed by the peer — and never after `close()` was called.
 */
export interface ConnectionHandlers<D> {
  onOpen(): void;
  onData(data: D): void;
  onEnd(end: ConnectionEnd): void;
}

export interface ConnectionEnd {
  /** Whether the connection had been established before it ended. */
  opened: boolean;
  /** Set when it ended because of an error (refused, reset, …). */
  error?: Error;
  /** What the peer said when it closed (WebSocket close code and reason). */
  detail?: string;
}

export interface Connection {
  /** Close it; no handler is called afterwards. */
  close(): void;
  /**
   * Stop reading until resume(): no onData meanwhile, and the peer is slowed by the transport's
   * flow control (TCP's window). Absent where the transport cannot (a WHATWG WebSocket).
   */
  pause?(): void;
  resume?(): void;
}

export interface FileStatus {
  /** The full path, as `directory` joined with `name`. */
  path: string;
  name: string;
  /** Milliseconds since the epoch (may have a fraction). */
  modificationTime: number;
  size: number;
}

export interface OutputFile {
  name: string;
  data: string;
}

/**
 * A Node-only operation was used where Node is not available (in a browser). `operation` names it:
 * socketTextStream, textFileStream or saveAsTextFiles. Spark has no counterpart: it runs only on
 * the JVM, where sockets and files are always available.
 *
 * @example
 * ```ts
 * import { NodeOnlyError } from 'rivulet';
 * try { ssc.socketTextStream('localhost', 9999); } catch (e) {
 *   if (e instanceof NodeOnlyError) ssc.webSocketStream('ws://localhost:9999');
 * }
 * ```
 */
export class NodeOnlyError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_NODE_ONLY';
  }
  override name = 'NodeOnlyError';
  constructor(readonly operation: NodeOnlyOperation) {
    super(NODE_ONLY_HINTS[operation]);
  }
}

const NODE_ONLY_HINTS: Record<NodeOnlyOperation, string> = {
  socketTextStream: 'socketTextStream needs Node (a browser cannot open TCP sockets); in a browser use webSocketStream(url), with a WebSocket server in front of your TCP source.',
  textFileStream:
    'textFileStream needs Node (a browser cannot list or watch directories); in a browser feed the lines with queueStream or fromObservable (e.g. from files the user picks with <input type="file">).',
  saveAsTextFiles: 'saveAsTextFiles needs Node (a browser cannot write files); in a browser write each batch yourself with foreachRDD((rdd, time) => …), e.g. to IndexedDB or a download.',
  createKafkaDirectStream:
    'createKafkaDirectStream needs Node (Kafka speaks TCP, which a browser cannot open); in a browser read a broker with a WebSocket transport (NATS, MQTT) or put a WebSocket bridge in front of Kafka.',
  saveToKafka: 'saveToKafka needs Node (Kafka speaks TCP, which a browser cannot open); in a browser write each batch with foreachRDD to a service that writes to Kafka.',
};
