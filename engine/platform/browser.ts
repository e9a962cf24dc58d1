import { PlatformUnsupportedError } from '../util/errors.ts';
/**
 * The browser implementation of Platform (the `default` of package.json's "imports" map for
 * `#platform`). It must not import any `node:` module or Node-only package: a browser bundle
 * reaches it. Node-only operations throw a NodeOnlyError saying what to use instead.
 */
import { NodeOnlyError, type Connection, type ConnectionHandlers, type Platform } from './Platform.ts';
import type { WhatwgWebSocket } from './webSocket.ts';

export const platform: Platform = {
  name: 'browser',

  requireSupport(operation) {
    throw new NodeOnlyError(operation);
  },

  connectTcp(): Connection {
    throw new NodeOnlyError('socketTextStream');
  },

  openWebSocket(url: string, protocols: string | string[] | undefined, handlers: ConnectionHandlers<string | ArrayBuffer>): Connection {
    const WebSocketClass = (globalThis as { WebSocket?: new (url: string, protocols?: string | string[]) => WhatwgWebSocket }).WebSocket;
    if (typeof WebSocketClass !== 'function') {
      throw new PlatformUnsupportedError('webSocketStream: this environment has no WebSocket (globalThis.WebSocket is undefined); run it in a browser, a Web Worker or Node.');
    }
    // The adapter is loaded on first use (a page without WebSockets does not carry it); the socket
    // opens once it has, as in Node where `ws` is loaded first.
    let socket: Connection | undefined;
    let closed = false;
    void import('./webSocket.ts').then(({ attachWebSocket }) => {
      if (!closed) socket = attachWebSocket(new WebSocketClass(url, protocols), url, handlers);
    });
    return {
      close() {
        closed = true;
        socket?.close();
      },
    };
  },

  listFiles() {
    throw new NodeOnlyError('textFileStream');
  },

  readFile() {
    throw new NodeOnlyError('textFileStream');
  },

  async writeDirectoryAtomically() {
    throw new NodeOnlyError('saveAsTextFiles');
  },
};
