/**
 * Building a test page from a fixture with vite's build API (browser conditions, so the engine's
 * browser variants are bundled) and serving it from a local static server on 127.0.0.1, port 0.
 * Used by the end-to-end tests and by the Chromium part of `npm run bench`.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { launchChromium } from './chromium.ts';

/** Bundle the page whose index.html is in `fixtureDir` into a fresh temporary directory; returns it. */
export async function buildPage(fixtureDir: string): Promise<string> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `rivulet-page-${path.basename(fixtureDir)}-`));
  await build({
    root: fixtureDir,
    // Not the repository's vite.config.ts (the playground's): only what this page needs.
    configFile: false,
    logLevel: 'silent',
    base: './',
    build: {
      outDir,
      emptyOutDir: true,
      // Unminified: the engine reads shipped functions' source, and its call-site detection reads
      // stack frames; both are easier to follow in a readable bundle.
      minify: false,
      target: 'es2022',
      sourcemap: false,
    },
  });
  return outDir;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

export interface StaticServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  close(): Promise<void>;
}

/**
 * Serve the files under `dir` (GET only, no directory listings), with `headers` on every response
 * (e.g. a Content-Security-Policy, which then applies to the page and to its workers' scripts).
 */
export async function serveDirectory(dir: string, headers: Record<string, string> = {}): Promise<StaticServer> {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = path.resolve(root, `.${pathname.endsWith('/') ? `${pathname}index.html` : pathname}`);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A fixture page built, served and opened in Chromium; close() undoes all three. */
export interface FixturePage {
  browser: Browser;
  server: StaticServer;
  close(): Promise<void>;
}

/** Build test/e2e/fixtures/<name> for the browser, serve it on 127.0.0.1 and launch Chromium. */
export async function openFixture(name: string): Promise<FixturePage> {
  const fixtureDir = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  const [browser, dir] = await Promise.all([launchChromium(), buildPage(fixtureDir)]);
  const server = await serveDirectory(dir);
  return {
    browser,
    server,
    async close() {
      await browser.close();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
