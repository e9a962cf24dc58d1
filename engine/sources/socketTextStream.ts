import { InvalidArgumentError, OutOfRangeError } from '../util/errors.ts';
import { platform } from '#platform';
import type { Connection } from '../platform/Platform.ts';
import { Receiver } from './Receiver.ts';
import { LineDecoder, checkEncoding } from './lines.ts';
import { ReceiverInputDStream } from '../dstream/ReceiverInputDStream.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import { userCallSite } from '../util/callSite.ts';
import { describeConnectionError } from './connectionError.ts';
import type { ReceiverOptions } from './ReceiverOptions.ts';

/**
 * Options of `ssc.socketTextStream(host, port, options)` (Spark's socketTextStream, whose storage
 * level has no counterpart here), and the receiver's buffer ({@link ReceiverOptions}; overflow
 * 'block' by default: the socket is paused while the buffer is full, and TCP's flow control slows
 * the server). Node only: in a browser the call throws {@link NodeOnlyError}.
 *
 * @example
 * ```ts
 * import type { SocketTextStreamOptions } from 'rivulet';
 * const options: SocketTextStreamOptions = { restartDelayMs: 5000, encoding: 'latin1', bufferSize: 50_000 };
 * const lines = ssc.socketTextStream('localhost', 9999, options);
 * ```
 */
export interface SocketTextStreamOptions extends ReceiverOptions {
  /**
   * Wait this long before reconnecting after the connection failed or the server closed it.
   * Default 2000 ms (Spark's spark.streaming.receiverRestartDelay).
   */
  restartDelayMs?: number;
  /** How the bytes are decoded: a WHATWG encoding label. Default "utf-8". */
  encoding?: string;
}

/**
 * Lines of text from a TCP server (Spark's SocketReceiver): each line, without its `\n`, `\r`
 * or `\r\n`, is one record. When the connection cannot be made, fails, or the server closes it,
 * the receiver restarts and connects again after `restartDelayMs`, as Spark's does. When the
 * server closed the connection, a last line without a terminator is stored before that (as Java's
 * readLine gives it to Spark's receiver); when the connection failed (reset, network error), an
 * unterminated last line was cut short: it is dropped and reported to listeners (onReceiverError).
 * Node only.
 */
export class SocketReceiver extends Receiver<string> {
  private connection: Connection | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly encoding: string,
    private readonly restartDelayMs: number,
  ) {
    super();
  }

  onStart(): void {
    const decoder = new LineDecoder(this.encoding);
    const store = (lines: string[]) => {
      if (lines.length > 0) void this.storeAll(lines);
    };
    const connection = platform.connectTcp(this.host, this.port, {
      onOpen: () => {},
      onData: (chunk) => {
        store(decoder.write(chunk));
        if (!this.isBlocked()) return;
        // The buffer is full (overflow 'block'): read nothing more until there is room; TCP's
        // flow control then slows the server.
        connection.pause?.();
        void this.whenRoom().then(() => {
          if (this.connection === connection) connection.resume?.();
        });
      },
      onEnd: ({ opened, error }) => {
        if (this.connection !== connection) return;
        this.connection = undefined;
        const rest = decoder.end();
        const where = `${this.host}:${this.port}`;
        if (error === undefined) {
          // The server ended the stream: its last line may lack a terminator (Java's readLine, as Spark's receiver reads).
          store(rest);
        } else if (rest.length > 0) {
          // A connection error cut the line short: it is not a record.
          const chars = rest.reduce((n, l) => n + l.length, 0);
          this.reportError(`Dropped an incomplete line from ${where} (${chars} character${chars === 1 ? '' : 's'} without a line terminator), cut by the connection error`, error);
        }
        if (error && !opened) this.restart(`Error connecting to ${where}${describeConnectionError(error)}`, error, this.restartDelayMs);
        else if (error) this.restart(`Error receiving data from ${where}${describeConnectionError(error)}`, error, this.restartDelayMs);
        else this.restart('Socket data stream had no more data', undefined, this.restartDelayMs);
      },
    });
    this.connection = connection;
  }

  onStop(): void {
    const connection = this.connection;
    this.connection = undefined;
    connection?.close();
  }
}

/** `ssc.socketTextStream(host, port, options)`: see SocketReceiver. */
export function socketTextStream(ssc: StreamingContext, host: string, port: number, options: SocketTextStreamOptions = {}): ReceiverInputDStream<string> {
  platform.requireSupport('socketTextStream');
  if (typeof host !== 'string' || host.length === 0) throw new InvalidArgumentError(`socketTextStream: host must be a non-empty string, got ${JSON.stringify(host)}.`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new OutOfRangeError(`socketTextStream: port must be an integer from 1 to 65535, got ${String(port)}.`);
  const encoding = checkEncoding(options.encoding, 'socketTextStream');
  const restartDelayMs = checkDelay(options.restartDelayMs ?? 2000, 'socketTextStream');
  return new ReceiverInputDStream(ssc, new SocketReceiver(host, port, encoding, restartDelayMs), 'socketTextStream', userCallSite(), options);
}

/** @internal */
export function checkDelay(ms: number, operation: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new OutOfRangeError(`${operation}: restartDelayMs must be a non-negative number of milliseconds, got ${String(ms)}.`);
  }
  return ms;
}
