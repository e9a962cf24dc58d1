import { MissingDependencyError } from '../util/errors.ts';
/**
 * The Node implementation of Platform (chosen by the `node` condition of package.json's
 * "imports" map for `#platform`). Only Node reaches this file, so it may import `node:` modules
 * and `ws` (Node 20's WebSocket client, loaded when one is first opened and Node has no global
 * WebSocket: a CommonJS package that a service bundled into one ES module could not load at start,
 * and that most pipelines never need).
 */
import { createConnection } from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Connection, ConnectionHandlers, FileStatus, OutputFile, Platform } from './Platform.ts';
import { attachWebSocket, type WhatwgWebSocket } from './webSocket.ts';
import { fsyncDirectory } from './fsyncDirectory.ts';

export const platform: Platform = {
  name: 'node',

  requireSupport() {},

  connectTcp(host: string, port: number, handlers: ConnectionHandlers<Uint8Array>): Connection {
    const socket = createConnection({ host, port });
    let opened = false;
    let done = false;
    let error: Error | undefined;
    socket.on('connect', () => {
      if (done) return;
      opened = true;
      handlers.onOpen();
    });
    socket.on('data', (chunk: Buffer) => {
      if (!done) handlers.onData(chunk);
    });
    // 'error' is always followed by 'close'; report once, from 'close', with the error.
    socket.on('error', (e) => {
      error ??= e;
    });
    socket.on('close', () => {
      if (done) return;
      done = true;
      handlers.onEnd({ opened, error });
    });
    return {
      close() {
        if (done) return;
        done = true;
        socket.destroy();
      },
      pause() {
        socket.pause();
      },
      resume() {
        if (!done) socket.resume();
      },
    };
  },

  openWebSocket(url, protocols, handlers) {
    // Node 22 and later have a WHATWG WebSocket (undici's), as browsers do: used when present.
    // Node 20 has none (unless run with --experimental-websocket): there `ws` opens it, loaded on
    // first use; the connection opens once it has.
    const Global = (globalThis as { WebSocket?: new (url: string, protocols?: string | string[]) => WhatwgWebSocket }).WebSocket;
    if (typeof Global === 'function') return attachWebSocket(new Global(url, protocols), url, handlers);
    let socket: Connection | undefined;
    let closed = false;
    import('ws').then(
      ({ WebSocket }) => {
        if (!closed) socket = attachWebSocket(new WebSocket(url, protocols) as unknown as WhatwgWebSocket, url, handlers);
      },
      (e: unknown) => {
        if (closed) return;
        closed = true;
        handlers.onEnd({
          opened: false,
          error: new MissingDependencyError(`webSocketStream(${url}): could not load the ws package, which opens WebSockets in Node: ${(e as Error)?.message ?? e}. Install it (npm install ws).`),
        });
      },
    );
    return {
      close() {
        closed = true;
        socket?.close();
      },
    };
  },

  listFiles(directory: string): FileStatus[] {
    const out: FileStatus[] = [];
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      // A symbolic link counts when it points at a regular file; a file deleted since the
      // listing is simply not there.
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      const stat = fs.statSync(full, { throwIfNoEntry: false });
      if (!stat || !stat.isFile()) continue;
      out.push({ path: full, name: entry.name, modificationTime: stat.mtimeMs, size: stat.size });
    }
    return out;
  },

  readFile(file: string): Uint8Array {
    return fs.readFileSync(file);
  },

  async writeDirectoryAtomically(target: string, files: readonly OutputFile[]): Promise<void> {
    const parent = path.dirname(target);
    const base = path.basename(target);
    await fs.promises.mkdir(parent, { recursive: true });
    const nonce = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const temp = path.join(parent, `.${base}.tmp-${nonce}`);
    await fs.promises.mkdir(temp);
    try {
      for (const file of files) await writeFileSynced(path.join(temp, file.name), file.data);
      await fsyncDirectory(temp);
      await renameReplacing(temp, target, path.join(parent, `.${base}.old-${nonce}`));
      await fsyncDirectory(parent);
    } catch (e) {
      await fs.promises.rm(temp, { recursive: true, force: true }).catch(() => {});
      throw e;
    }
  },
};

async function writeFileSynced(file: string, data: string): Promise<void> {
  const handle = await fs.promises.open(file, 'wx');
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Rename `from` to `to`. POSIX cannot rename a directory over a non-empty one, so an existing
 * `to` is first moved aside and removed after: between those two renames `to` is briefly
 * absent, but it is never partial.
 */
async function renameReplacing(from: string, to: string, aside: string): Promise<void> {
  try {
    await fs.promises.rename(from, to);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM' && code !== 'EISDIR' && code !== 'ENOTDIR') throw e;
  }
  await fs.promises.rename(to, aside);
  try {
    await fs.promises.rename(from, to);
  } catch (e) {
    await fs.promises.rename(aside, to).catch(() => {});
    throw e;
  }
  await fs.promises.rm(aside, { recursive: true, force: true });
}
