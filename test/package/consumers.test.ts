/**
 * Rivulet as its users get it (issue 6): `npm pack` the repository (which builds the library,
 * engine/build/library.ts), install the tarball into two fixture projects in a temporary
 * directory, and use it there with nothing from this repository but the tarball:
 *
 * - test/package/fixtures/node-script: a TypeScript script, type-checked against the shipped
 *   .d.ts and compiled by tsc, run with plain `node` and with `tsx`: a stateful word count on two
 *   worker_threads with checkpoints in a directory.
 * - test/package/fixtures/web-app: a Vite + TypeScript app, type-checked, built by Vite, served on
 *   127.0.0.1 and opened in headless Chromium: a word count on two Web Workers rendered into the page.
 *
 * Both fixtures' dependencies (typescript, vite, tsx, @types/node, and Rivulet's own) come from the
 * npm registry through `npm install`, as a user's would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../e2e/support/chromium.ts';
import { serveDirectory, type StaticServer } from '../e2e/support/page.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'rivulet-package-'));

/** Run a command in `cwd`; its output, or an error with everything it printed. */
function run(cwd: string, command: string, args: string[]): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 240_000 });
  if (result.status !== 0) {
    throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Copy a fixture next to the tarball (its package.json depends on `file:../rivulet.tgz`) and install it. */
function install(fixture: string): string {
  const dir = path.join(work, fixture);
  cpSync(path.join(fixtures, fixture), dir, { recursive: true });
  run(dir, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']);
  return dir;
}

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) yield* files(file);
    else yield file;
  }
}

/** Import specifiers a JavaScript file loads from Node's built-ins (`node:fs`, or bare `fs`, `worker_threads`…). */
function nodeImports(code: string): string[] {
  const builtins = /^(node:.*|fs|path|os|net|crypto|url|worker_threads|child_process|stream|events|util|zlib|http|https)$/;
  const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
  return specifiers.filter((s) => builtins.test(s));
}

let packed: { files: { path: string }[] };

beforeAll(() => {
  // `npm pack` runs the prepack script, which builds the library into dist/.
  const out = run(root, 'npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error']);
  packed = JSON.parse(out)[0];
  renameSync(path.join(work, (packed as unknown as { filename: string }).filename), path.join(work, 'rivulet.tgz'));
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the tarball', () => {
  it('holds the built library for both platforms, its worker entries and declarations, and no TypeScript sources', () => {
    const paths = packed.files.map((f) => f.path);
    for (const file of [
      'package.json',
      'README.md',
      'dist/node/index.js',
      'dist/node/index.js.map',
      'dist/node/rivulet-worker.js',
      'dist/browser/index.js',
      'dist/browser/index.js.map',
      'dist/browser/executor/worker.js',
      'dist/browser/rdd/RDD.js',
      'dist/types/index.d.ts',
    ]) {
      expect(paths).toContain(file);
    }
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
  });

  it("keeps Node's built-ins out of the browser build", () => {
    const scripts = [...files(path.join(root, 'dist/browser'))].filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(50); // one module per source module
    for (const file of scripts) {
      const name = path.relative(root, file);
      expect({ file: name, imports: nodeImports(readFileSync(file, 'utf8')) }).toEqual({ file: name, imports: [] });
    }
  });
});

// The batches both fixtures feed in, and what each one prints: the Node script keeps running
// totals (updateStateByKey), the web app counts each batch (reduceByKey).
//   1000: ['to be or not to be']   2000: ['that is the question']   3000: []   4000: ['to be is to do']
const runningTotals = [
  '1000: be=2 not=1 or=1 to=2',
  '2000: be=2 is=1 not=1 or=1 question=1 that=1 the=1 to=2',
  '3000: be=2 is=1 not=1 or=1 question=1 that=1 the=1 to=2',
  '4000: be=3 do=1 is=2 not=1 or=1 question=1 that=1 the=1 to=4',
];
const perBatchCounts = ['1000: be=2 not=1 or=1 to=2', '2000: is=1 question=1 that=1 the=1', '3000: ', '4000: be=1 do=1 is=1 to=2'];

describe('a Node script (test/package/fixtures/node-script)', () => {
  let dir: string;
  beforeAll(() => {
    dir = install('node-script');
  }, 240_000);

  it('type-checks against the shipped declarations (NodeNext resolution, no DOM library) and compiles', () => {
    run(dir, 'npx', ['tsc', '-p', '.']);
  }, 60_000);

  it.each([
    ['plain node', 'node', ['out/main.js']],
    ['tsx', 'npx', ['tsx', 'main.ts']],
  ])('runs with %s: workers start from the package with no set-up, every batch is right', (_, command, args) => {
    const lines = run(dir, command as string, args as string[]).trim().split('\n');
    expect(lines).toEqual([
      ...runningTotals,
      // The state step of updateStateByKey runs on the driver; the word count's tasks on the workers.
      'tasks ran on: mixed',
      'checkpoints written: true',
    ]);
  }, 60_000);
});

describe('a Vite + TypeScript web app (test/package/fixtures/web-app)', () => {
  let dir: string;
  let server: StaticServer;
  let browser: Browser;
  beforeAll(async () => {
    dir = install('web-app');
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('type-checks against the shipped declarations (bundler resolution, no @types/node)', () => {
    run(dir, 'npx', ['tsc', '-p', '.']);
  }, 60_000);

  it("builds with Vite into a bundle with the engine's Web Worker and no Node built-in", () => {
    run(dir, 'npx', ['vite', 'build', '--logLevel', 'warn']);
    const scripts = [...files(path.join(dir, 'dist'))].filter((f) => f.endsWith('.js'));
    // The engine's Web Worker (dist/browser/executor/worker.js), bundled by Vite as a chunk of its own.
    expect(scripts.some((f) => /^worker-.*\.js$/.test(path.basename(f)))).toBe(true);
    for (const file of scripts) {
      expect({ file: path.basename(file), imports: nodeImports(readFileSync(file, 'utf8')) }).toEqual({ file: path.basename(file), imports: [] });
    }
  }, 120_000);

  it('runs in Chromium, served from 127.0.0.1: the page shows every batch, computed on Web Workers', async () => {
    server = await serveDirectory(path.join(dir, 'dist'));
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent !== 'running', null, { timeout: 30_000 });
    expect(await page.textContent('#status')).toBe('done; tasks ran on: workers');
    expect((await page.textContent('#output'))!.trimEnd().split('\n')).toEqual(perBatchCounts);
  }, 60_000);
});
