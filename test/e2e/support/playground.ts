/**
 * The built playground for end-to-end tests: build it once per run when dist/ is older than its
 * sources (a lock directory makes parallel test files wait for one build), and serve it from a
 * small static server on 127.0.0.1, port 0 — the way any static host would.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const DIST = path.join(REPO, 'dist/playground');
const SOURCES = ['playground', 'engine', 'vite.config.ts', 'package-lock.json'];
const LOCK = path.join(REPO, 'dist/.playground-build.lock');

function newestMtime(p: string): number {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

function isFresh(): boolean {
  const built = fs.statSync(path.join(DIST, 'index.html'), { throwIfNoEntry: false });
  if (!built) return false;
  return SOURCES.every((s) => newestMtime(path.join(REPO, s)) <= built.mtimeMs);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Build dist/playground unless it is newer than every source. */
export async function ensurePlaygroundBuilt(): Promise<void> {
  if (isFresh()) return;
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch {
      // Another test file is building; a lock older than 3 minutes was left by a killed run.
      const st = fs.statSync(LOCK, { throwIfNoEntry: false });
      if (st && Date.now() - st.mtimeMs > 180_000) fs.rmSync(LOCK, { recursive: true, force: true });
      await sleep(250);
      if (isFresh()) return;
    }
  }
  try {
    if (isFresh()) return;
    const r = spawnSync(process.execPath, [path.join(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: REPO, encoding: 'utf8', env: { ...process.env, VITEST: '' } });
    if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serve `dir` on 127.0.0.1 at a free port. */
export async function serveStatic(dir: string = DIST): Promise<StaticServer> {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = path.join(dir, pathname);
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
