/**
 * Which WebSocket client the Node platform uses (issue 15): Node's global WebSocket when it has
 * one (Node 22 and later; Node 20 with --experimental-websocket), and then the `ws` package is
 * never loaded; else `ws`, loaded on first use. Each case runs test/platform/fixtures/openWebSocket.ts
 * in a process of its own against a `ws` server that sends a text and a binary message and closes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const client = fileURLToPath(new URL('./fixtures/openWebSocket.ts', import.meta.url));
let server: WebSocketServer;
let url: string;

beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => {
    socket.send('to be or not to be');
    socket.send(new TextEncoder().encode('that is the question'));
    socket.close(1000, 'done');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Run the client with `flags`; its one JSON line. */
function runClient(flags: string[]): Promise<{ opened: boolean; error?: string; received: string[]; globalWebSocket: boolean; wsLoaded: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, '--import', 'tsx', client, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the client exited with ${code}:\n${out}\n${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!));
    });
  });
}

const messages = ['to be or not to be', 'binary that is the question'];

it('uses the global WebSocket when Node has one, without loading ws', async () => {
  // Node 20 has the global behind a flag; Node 22 and later have it always (and ignore the flag).
  const result = await runClient(Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-websocket'] : []);
  expect(result).toEqual({ opened: true, error: undefined, received: messages, globalWebSocket: true, wsLoaded: false });
});

it.runIf(typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function')('loads ws on first use when Node has no global WebSocket (Node 20)', async () => {
  const result = await runClient([]);
  expect(result).toEqual({ opened: true, error: undefined, received: messages, globalWebSocket: false, wsLoaded: true });
});
