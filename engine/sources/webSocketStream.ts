import { InvalidArgumentError } from '../util/errors.ts';
import { platform } from '#platform';
import type { Connection } from '../platform/Platform.ts';
import { Receiver } from './Receiver.ts';
import { checkDelay } from './socketTextStream.ts';
import { ReceiverInputDStream } from '../dstream/ReceiverInputDStream.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import { userCallSite } from '../util/callSite.ts';
import type { ReceiverOptions } from './ReceiverOptions.ts';

/**
 * Options of `ssc.webSocketStream(url, options)`: a receiver of WebSocket messages, one record per
 * message, and its buffer ({@link ReceiverOptions}). Spark has no built-in counterpart; it plays
 * the part of a custom Receiver. A WebSocket cannot be paused (the WHATWG API has no flow
 * control), so overflow is 'fail' by default and 'block' is refused.
 *
 * @example
 * ```ts
 * import type { WebSocketStreamOptions } from 'rivulet';
 * const options: WebSocketStreamOptions<{ user: string }> = { decode: JSON.parse, restartDelayMs: 1000, overflow: 'drop-oldest' };
 * const events = ssc.webSocketStream('wss://example.com/events', options);
 * ```
 */
export interface WebSocketStreamOptions<T> extends ReceiverOptions {
  /**
   * Turn a message's text into a record, e.g. `JSON.parse`. Default: the text itself. Binary
   * messages are decoded as UTF-8 first. A message `decode` throws on is skipped and reported to
   * listeners (onReceiverError); the stream goes on.
   */
  decode?: (text: string) => T;
  /** Subprotocols offered to the server (the WebSocket constructor's second argument). */
  protocols?: string | string[];
  /**
   * Wait this long before reconnecting after the connection failed or the server closed it.
   * Default 2000 ms, as for socketTextStream.
   */
  restartDelayMs?: number;
}

/**
 * Messages from a WebSocket server, one record per message, in a browser (the global
 * WebSocket) and in Node (the `ws` package). Like socketTextStream, the receiver restarts and
 * connects again after `restartDelayMs` when the connection fails or the server closes it.
 */
export class WebSocketReceiver<T> extends Receiver<T> {
  private connection: Connection | undefined;
  private readonly utf8 = new TextDecoder();

  constructor(
    readonly url: string,
    private readonly decode: ((text: string) => T) | undefined,
    private readonly protocols: string | string[] | undefined,
    private readonly restartDelayMs: number,
  ) {
    super();
  }

  override get cannotPause(): string {
    return 'a WebSocket cannot be paused (the WHATWG WebSocket API has no flow control)';
  }

  onStart(): void {
    const connection = platform.openWebSocket(this.url, this.protocols, {
      onOpen: () => {},
      onData: (data) => this.onMessage(data),
      onEnd: ({ opened, error, detail }) => {
        if (this.connection !== connection) return;
        this.connection = undefined;
        const reason = detail ? ` (${detail})` : '';
        if (!opened) this.restart(`Error connecting to ${this.url}${reason}`, error, this.restartDelayMs);
        else if (error) this.restart(`Error receiving data from ${this.url}${reason}`, error, this.restartDelayMs);
        else this.restart(`WebSocket closed by the server${reason}: no more data`, undefined, this.restartDelayMs);
      },
    });
    this.connection = connection;
  }

  onStop(): void {
    const connection = this.connection;
    this.connection = undefined;
    connection?.close();
  }

  private onMessage(data: string | ArrayBuffer): void {
    const text = typeof data === 'string' ? data : this.utf8.decode(data);
    if (!this.decode) {
      void this.store(text as T);
      return;
    }
    const decode = this.decode;
    let record: T;
    try {
      record = decode(text);
    } catch (e) {
      const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
      this.reportError(`webSocketStream: decode threw on a message from ${this.url}; the message is skipped: ${JSON.stringify(shown)}`, e);
      return;
    }
    void this.store(record);
  }
}

/** `ssc.webSocketStream(url, options)`: see WebSocketReceiver. */
export function webSocketStream<T = string>(ssc: StreamingContext, url: string, options: WebSocketStreamOptions<T> = {}): ReceiverInputDStream<T> {
  if (typeof url !== 'string' || !/^(wss?|https?):\/\//i.test(url)) {
    throw new InvalidArgumentError(`webSocketStream: url must be a ws:// or wss:// URL, got ${JSON.stringify(url)}.`);
  }
  if (options.decode !== undefined && typeof options.decode !== 'function') {
    throw new InvalidArgumentError(`webSocketStream: decode must be a function (text) => record, e.g. JSON.parse; got ${typeof options.decode}.`);
  }
  const restartDelayMs = checkDelay(options.restartDelayMs ?? 2000, 'webSocketStream');
  const receiver = new WebSocketReceiver<T>(url, options.decode, options.protocols, restartDelayMs);
  return new ReceiverInputDStream<T>(ssc, receiver, 'webSocketStream', userCallSite(), options);
}
