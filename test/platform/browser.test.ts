import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket as WsWebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { platform as browser } from '../../engine/platform/browser.ts';
import { platform as node } from '../../engine/platform/node.ts';
import { platform as resolved } from '#platform';
import { NodeOnlyError, type ConnectionEnd } from '../../engine/platform/Platform.ts';

/** The browser platform, exercised in Node: its WebSocket path runs against a real server with ws standing in for the global WebSocket. */
const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
const servers: WebSocketServer[] = [];
afterEach(async () => {
  (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  for (const server of servers.splice(0)) {
    for (const c of server.clients) c.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('#platform', () => {
  test('resolves to the Node implementation under vitest (the node condition)', () => {
    expect(resolved).toBe(node);
    expect(node.name).toBe('node');
    expect(() => node.requireSupport('socketTextStream')).not.toThrow();
  });
});

describe('browser platform', () => {
  test.each([
    ['socketTextStream', /^socketTextStream needs Node .* in a browser use webSocketStream/],
    ['textFileStream', /^textFileStream needs Node .* queueStream or fromObservable/],
    ['saveAsTextFiles', /^saveAsTextFiles needs Node .* foreachRDD/],
  ] as const)('%s is Node-only and says what to use instead', (operation, message) => {
    expect(() => browser.requireSupport(operation)).toThrow(message);
    try {
      browser.requireSupport(operation);
    } catch (e) {
      expect(e).toBeInstanceOf(NodeOnlyError);
      expect((e as NodeOnlyError).operation).toBe(operation);
    }
  });

  test('its Node-only functions throw the same errors', async () => {
    expect(() => browser.connectTcp('localhost', 1, { onOpen() {}, onData() {}, onEnd() {} })).toThrow(/^socketTextStream needs Node/);
    expect(() => browser.listFiles('/')).toThrow(/^textFileStream needs Node/);
    expect(() => browser.readFile('/x')).toThrow(/^textFileStream needs Node/);
    await expect(browser.writeDirectoryAtomically('/x', [])).rejects.toThrow(/^saveAsTextFiles needs Node/);
  });

  test('openWebSocket without a global WebSocket says so', () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = undefined;
    expect(() => browser.openWebSocket('ws://localhost:1', undefined, { onOpen() {}, onData() {}, onEnd() {} })).toThrow(/this environment has no WebSocket \(globalThis\.WebSocket is undefined\)/);
  });

  test('openWebSocket uses globalThis.WebSocket: text and binary messages, then the server\'s close', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (socket, request) => {
      socket.send(`protocol ${request.headers['sec-websocket-protocol']}`);
      socket.send(new Uint8Array([1, 2, 3]), { binary: true });
      socket.close(4000, 'done');
    });
    let constructed = 0;
    (globalThis as { WebSocket?: unknown }).WebSocket = class extends WsWebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        constructed++;
      }
    };
    const received: (string | number[])[] = [];
    const ended = new Promise<ConnectionEnd>((resolve) => {
      browser.openWebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, ['v1'], {
        onOpen: () => received.push('open'),
        onData: (data) => received.push(typeof data === 'string' ? data : [...new Uint8Array(data)]),
        onEnd: resolve,
      });
    });
    expect(await ended).toEqual({ opened: true, error: undefined, detail: 'close code 4000, reason "done"' });
    expect(received).toEqual(['open', 'protocol v1', [1, 2, 3]]);
    expect(constructed).toBe(1);
  });
});
