import { ConnectionError } from '../util/errors.ts';
import type { Connection, ConnectionHandlers } from './Platform.ts';

/** The part of the WHATWG WebSocket API used here; both browsers' WebSocket and the `ws` package have it. */
export interface WhatwgWebSocket {
  binaryType: string;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: any) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  close(code?: number, reason?: string): void;
}

/**
 * Adapt a WHATWG WebSocket to the Connection contract: binary messages as ArrayBuffers, one
 * onEnd when the socket fails or the server closes it, nothing after close().
 */
export function attachWebSocket(socket: WhatwgWebSocket, url: string, handlers: ConnectionHandlers<string | ArrayBuffer>): Connection {
  let opened = false;
  let closedByUs = false;
  let error: Error | undefined;
  socket.binaryType = 'arraybuffer';
  socket.onopen = () => {
    if (closedByUs) return;
    opened = true;
    handlers.onOpen();
  };
  socket.onmessage = (event) => {
    if (closedByUs) return;
    const data = event.data;
    if (typeof data === 'string' || data instanceof ArrayBuffer) handlers.onData(data);
    else if (ArrayBuffer.isView(data)) handlers.onData(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
    else handlers.onData(String(data));
  };
  // The WHATWG error event carries no detail; the `ws` package puts the cause on event.error.
  socket.onerror = (event) => {
    const cause = event?.error ?? event?.message;
    error ??= cause instanceof Error ? cause : new ConnectionError(`WebSocket error on ${url}${cause ? `: ${String(cause)}` : ''}`);
  };
  socket.onclose = (event) => {
    if (closedByUs) return;
    closedByUs = true;
    const detail = `close code ${event.code}${event.reason ? `, reason "${event.reason}"` : ''}`;
    handlers.onEnd({ opened, error, detail });
  };
  return {
    close() {
      if (closedByUs) return;
      closedByUs = true;
      try {
        socket.close();
      } catch {
        // closing a socket that is still connecting throws in some implementations; it is being dropped anyway
      }
    },
  };
}
