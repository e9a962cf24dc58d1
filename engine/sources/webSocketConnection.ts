import type { Connection, Platform } from '../platform/Platform.ts';
import type { WebSocketReceiver } from './webSocketStream.ts';

const utf8 = new TextDecoder();

/**
 * Open a WebSocketReceiver's connection: each message a record (decoded as its `decode` says),
 * and a restart after `restartDelayMs` when the connection fails or the server closes it.
 * Loaded when a webSocketStream starts; it imports nothing but types (the platform is given), so
 * a bundler need not move any module the page shares with it into a chunk of its own.
 */
export function connect<T>(receiver: WebSocketReceiver<T>, platform: Platform): Connection {
  const { url, restartDelayMs } = receiver;
  const connection = platform.openWebSocket(url, receiver.protocols, {
    onOpen: () => {},
    onData: (data) => onMessage(receiver, data),
    onEnd: ({ opened, error, detail }) => {
      if (receiver.connection !== connection) return;
      receiver.connection = undefined;
      const reason = detail ? ` (${detail})` : '';
      if (!opened) receiver.restart(`Error connecting to ${url}${reason}`, error, restartDelayMs);
      else if (error) receiver.restart(`Error receiving data from ${url}${reason}`, error, restartDelayMs);
      else receiver.restart(`WebSocket closed by the server${reason}: no more data`, undefined, restartDelayMs);
    },
  });
  return connection;
}

function onMessage<T>(receiver: WebSocketReceiver<T>, data: string | ArrayBuffer): void {
  const text = typeof data === 'string' ? data : utf8.decode(data);
  const { decode } = receiver;
  if (!decode) {
    void receiver.store(text as T);
    return;
  }
  let record: T;
  try {
    record = decode(text);
  } catch (e) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    receiver.reportError(`webSocketStream: decode threw on a message from ${receiver.url}; the message is skipped: ${JSON.stringify(shown)}`, e);
    return;
  }
  void receiver.store(record);
}
