import { afterEach, describe, expect, test } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { StreamingContext } from '../../engine/streaming/StreamingContext.ts';
import type { StreamingListenerEvent } from '../../engine/streaming/listener.ts';
import { collectBatches, union, until } from './helpers.ts';

let ssc: StreamingContext | undefined;
const servers: WebSocketServer[] = [];

afterEach(async () => {
  await ssc?.stop();
  ssc = undefined;
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A ws server on 127.0.0.1 (port 0 unless given) that hands each connection to `onConnection`. */
async function startServer(onConnection: (socket: WebSocket, index: number) => void, port = 0): Promise<{ url: string; connections: () => number; server: WebSocketServer }> {
  let count = 0;
  const server = new WebSocketServer({ host: '127.0.0.1', port });
  servers.push(server);
  server.on('connection', (socket) => onConnection(socket, count++));
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => count, server };
}

function receiverErrors(ctx: StreamingContext): { message: string; error: unknown }[] {
  const out: { message: string; error: unknown }[] = [];
  ctx.events$.subscribe((e: StreamingListenerEvent) => {
    if (e.type === 'receiverError') out.push({ message: e.message, error: e.error });
  });
  return out;
}

describe('webSocketStream', () => {
  test('each text message is a record', async () => {
    const { url } = await startServer((socket) => {
      for (const m of ['one', 'two words', '', 'line\nbreak']) socket.send(m);
    });
    ssc = new StreamingContext({ batchInterval: 100 });
    const batches = collectBatches(ssc.webSocketStream(url));
    ssc.start();
    await until(() => union(batches).length >= 4, 'four messages');
    expect(union(batches)).toEqual(['one', 'two words', '', 'line\nbreak']);
  });

  test('decode parses messages; a message it throws on is reported and skipped', async () => {
    const { url } = await startServer((socket) => {
      socket.send(JSON.stringify({ user: 'ada', clicks: 3 }));
      socket.send('{not json');
      socket.send(Buffer.from(JSON.stringify({ user: 'bob', clicks: 1 })), { binary: true });
    });
    ssc = new StreamingContext({ batchInterval: 100 });
    const errors = receiverErrors(ssc);
    const events = ssc.webSocketStream<{ user: string; clicks: number }>(url, { decode: JSON.parse });
    const batches = collectBatches(events.map((e) => [e.user, e.clicks] as [string, number]));
    ssc.start();
    await until(() => union(batches).length >= 2, 'two decoded messages');
    expect(union(batches)).toEqual([['ada', 3], ['bob', 1]]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe(`webSocketStream: decode threw on a message from ${url}; the message is skipped: "{not json"`);
    expect(errors[0]!.error).toBeInstanceOf(SyntaxError);
  });

  test('when the server closes the socket the receiver reconnects after restartDelayMs', async () => {
    const { url, connections } = await startServer((socket, index) => {
      if (index === 0) {
        socket.send('first');
        socket.close(1000, 'bye');
      } else {
        socket.send(`again ${index}`);
      }
    });
    ssc = new StreamingContext({ batchInterval: 100 });
    const errors = receiverErrors(ssc);
    const batches = collectBatches(ssc.webSocketStream(url, { restartDelayMs: 50 }));
    ssc.start();
    await until(() => union(batches).includes('again 1'), 'the message of the second connection');
    expect(union(batches)).toEqual(['first', 'again 1']);
    expect(connections()).toBe(2);
    expect(errors.map((e) => e.message)).toEqual(['Restarting receiver with delay 50 ms: WebSocket closed by the server (close code 1000, reason "bye"): no more data']);
  });

  test('connection refused: retries until the server is up', async () => {
    const probe = await startServer(() => {});
    const port = Number(new URL(probe.url).port);
    servers.splice(servers.indexOf(probe.server), 1);
    await new Promise<void>((resolve) => probe.server.close(() => resolve()));

    ssc = new StreamingContext({ batchInterval: 100 });
    const errors = receiverErrors(ssc);
    const batches = collectBatches(ssc.webSocketStream(probe.url, { restartDelayMs: 50 }));
    ssc.start();
    await until(() => errors.length >= 2, 'two failed attempts');
    expect(errors[0]!.message).toMatch(new RegExp(`^Restarting receiver with delay 50 ms: Error connecting to ws://127\\.0\\.0\\.1:${port} \\(close code 1006`));
    expect((errors[0]!.error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');

    await startServer((socket) => socket.send('up'), port);
    await until(() => union(batches).length > 0, 'a message once the server is up');
    expect(union(batches)).toEqual(['up']);
  });

  test('stopping the context closes the socket', async () => {
    let closed = false;
    const { url } = await startServer((socket) => {
      socket.send('hello');
      socket.on('close', () => (closed = true));
    });
    ssc = new StreamingContext({ batchInterval: 100 });
    const batches = collectBatches(ssc.webSocketStream(url));
    ssc.start();
    await until(() => union(batches).length === 1, 'the first message');
    await ssc.stop();
    await until(() => closed, 'the server to see the socket closed');
  });

  test("a WebSocket cannot be paused: overflow defaults to 'fail', and 'block' is refused", () => {
    ssc = new StreamingContext({ batchInterval: 100 });
    expect(ssc.webSocketStream('ws://127.0.0.1:1').settings).toMatchObject({ overflow: 'fail', bufferSize: 100_000 });
    expect(ssc.webSocketStream('ws://127.0.0.1:1', { overflow: 'drop-oldest', bufferSize: 10 }).settings).toMatchObject({ overflow: 'drop-oldest', bufferSize: 10 });
    expect(() => ssc!.webSocketStream('ws://127.0.0.1:1', { overflow: 'block' })).toThrow(
      "webSocketStream: overflow 'block' needs a receiver that can pause its source, and a WebSocket cannot be paused (the WHATWG WebSocket API has no flow control); choose 'drop-oldest', 'drop-newest' or 'fail'.",
    );
  });

  test('checks its arguments when defined', () => {
    ssc = new StreamingContext({ batchInterval: 100 });
    expect(() => ssc!.webSocketStream('localhost:8080')).toThrow(/url must be a ws:\/\/ or wss:\/\/ URL, got "localhost:8080"/);
    expect(() => ssc!.webSocketStream('ws://x', { decode: 'json' as never })).toThrow(/decode must be a function/);
  });
});
