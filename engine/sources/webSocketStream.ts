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
  /** @internal The open connection, if any. */
  connection: Connection | undefined;
  /** Counts starts: a connection whose code loads after a stop (or a restart) is not opened. */
  private session = 0;

  constructor(
    readonly url: string,
    readonly decode: ((text: string) => T) | undefined,
    readonly protocols: string | string[] | undefined,
    readonly restartDelayMs: number,
  ) {
    super();
  }

  override get cannotPause(): string {
    return 'a WebSocket cannot be paused (the WHATWG WebSocket API has no flow control)';
  }

  onStart(): void {
    // The connection's code is loaded on first use (a page without a WebSocket input does not
    // carry it); opening a WebSocket is asynchronous anyway.
    const session = ++this.session;
    void import('./webSocketConnection.ts').then(({ connect }) => {
      if (session !== this.session || !this.isStarted()) return;
      try {
        this.connection = connect(this, platform);
      } catch (e) {
        this.restart('onStart() threw', e, 2000);
      }
    });
  }

  onStop(): void {
    this.session++;
    const connection = this.connection;
    this.connection = undefined;
    connection?.close();
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
