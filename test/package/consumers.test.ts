/**
 * Rivulet as its users get it (issues 6 and 11): `npm pack` the repository (which builds the
 * library, engine/build/library.ts), install the tarball into fixture projects in a temporary
 * directory, and use it there with nothing from this repository but the tarball:
 *
 * - test/package/fixtures/node-script: a TypeScript script, type-checked against the shipped
 *   .d.ts and compiled by tsc, run with plain `node` and with `tsx`: a stateful word count on two
 *   worker_threads with checkpoints in a directory.
 * - test/package/fixtures/node-service: a plain JavaScript service with `workers: 2` and no other
 *   option, whose functions close over module-level and local values and call node:crypto and an
 *   npm package (lz-string); run with `node`, and bundled by esbuild into one minified file run
 *   with `node` from a directory of its own. Every batch is compared with what this file computes.
 * - test/package/fixtures/web-app: a Vite + TypeScript app with its own worker entry (createWorker,
 *   loadPipeline from rivulet/worker), type-checked, built by a default (minified) `vite build`,
 *   served on 127.0.0.1 under a strict Content-Security-Policy (no eval) and opened in headless
 *   Chromium, with two Web Workers and without: every batch of a stop-word filter, an inverse
 *   window and a running total is compared with what this file computes, and no violation occurs.
 *
 * The tarball itself: the engine once, no sources or maps, a package.json whose "imports" and
 * "sideEffects" name its own files, publint and Are the Types Wrong clean (issue 15).
 *
 * The fixtures' dependencies (typescript, vite, tsx, esbuild, @types/node, lz-string, and
 * Rivulet's own) come from the npm registry through `npm install`, as a user's would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compressToBase64 } from 'lz-string';
import ts from 'typescript';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../e2e/support/chromium.ts';
import { packRepository, root, run, type Packed } from './support/pack.ts';
import { serveDirectory, type StaticServer } from '../e2e/support/page.ts';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'rivulet-package-'));

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

/** Every module specifier a JavaScript module imports, exports from or import()s (TypeScript's pre-processing scanner: comments and strings are not imports). */
function moduleImports(code: string): string[] {
  return ts.preProcessFile(code, true, true).importedFiles.map((f) => f.fileName);
}

/** Import specifiers a JavaScript file loads from Node's built-ins (`node:fs`, or bare `fs`, `worker_threads`…). */
function nodeImports(code: string): string[] {
  const builtins = /^(node:.*|fs|path|os|net|crypto|url|worker_threads|child_process|stream|events|util|zlib|http|https)$/;
  const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
  return specifiers.filter((s) => builtins.test(s));
}

let packed: Packed;
let manifest: { exports: Record<string, Record<string, string>>; imports: Record<string, Record<string, string>>; peerDependenciesMeta?: Record<string, { optional?: boolean }> };
/** The tarball unpacked (its files under package/, as npm extracts it). */
const unpacked = path.join(work, 'package');

beforeAll(() => {
  // `npm pack` runs the prepack script, which builds the library into dist/.
  packed = packRepository(work);
  manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  run(work, 'tar', ['-xzf', 'rivulet.tgz']);
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the tarball', () => {
  it('holds the engine once (one ES module tree for Node and browsers), its declarations, the licence, and no sources or source maps', () => {
    const paths = packed.files.map((f) => f.path);
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'dist/esm/index.js',
      'dist/esm/executor/worker.js',
      'dist/esm/rdd/RDD.js',
      'dist/esm/platform/node.js',
      'dist/esm/platform/browser.js',
      'dist/types/index.d.ts',
      'dist/types/executor/worker.d.ts',
    ]) {
      expect(paths).toContain(file);
    }
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    // Every file is under dist/esm or dist/types, or one of the four at the root: no second build.
    expect(paths.filter((p) => !/^dist\/(esm|types)\//.test(p)).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json']);
  });

  it("exports rivulet and rivulet/worker (an app's or a bundled service's worker entry), each condition a file it ships", () => {
    expect(manifest.exports['./worker']).toEqual({ types: './dist/types/executor/worker.d.ts', default: './dist/esm/executor/worker.js' });
    const paths = packed.files.map((f) => f.path);
    for (const target of Object.values(manifest.exports).flatMap((conditions) => (typeof conditions === 'string' ? [conditions] : Object.values(conditions)))) {
      expect(paths).toContain(target.replace(/^\.\//, ''));
    }
  });

  it('publishes a package.json whose "imports" and "sideEffects" name files in the tarball, with the repository, licence and engines a user checks', () => {
    const published = JSON.parse(readFileSync(path.join(unpacked, 'package.json'), 'utf8'));
    const paths = new Set(packed.files.map((f) => f.path));
    const targets = Object.values(published.imports as Record<string, Record<string, string>>).flatMap((conditions) => Object.values(conditions));
    expect(targets.length).toBeGreaterThanOrEqual(10);
    for (const target of targets) expect(paths, target).toContain(target.replace(/^\.\//, ''));
    expect(published.sideEffects.length).toBeGreaterThan(0);
    for (const file of published.sideEffects) expect(paths, file).toContain(file.replace(/^\.\//, ''));
    expect(published.license).toBe('Apache-2.0');
    expect(published.repository.url).toMatch(/^git\+https:\/\/github\.com\//);
    expect(published.homepage).toBeTruthy();
    expect(published.bugs.url).toBeTruthy();
    expect(published.engines.node).toBe('^20.19.0 || >=22.12.0');
    // rxjs (its types are in the API) and the connectors' clients, which only rivulet/mqtt,
    // rivulet/nats and rivulet/redis import: optional, so an app without them installs nothing.
    expect(Object.keys(published.peerDependencies).sort()).toEqual(['@nats-io/jetstream', '@nats-io/nats-core', '@nats-io/transport-node', 'ioredis', 'mqtt', 'rxjs']);
    expect(published.peerDependencies.rxjs).toBe('^7.8.0');
    for (const name of Object.keys(published.peerDependencies)) expect(published.peerDependenciesMeta?.[name]?.optional ?? false, name).toBe(name !== 'rxjs');
    expect(published.dependencies.rxjs).toBeUndefined();
    // The repository's own map is to the sources.
    expect(Object.values(manifest.imports['#platform']!)).toEqual(['./engine/platform/node.ts', './engine/platform/browser.ts']);
  });

  it('passes publint and Are the Types Wrong (an ES-module-only package)', () => {
    const tarball = path.join(work, 'rivulet.tgz');
    const bin = (name: string) => path.join(root, 'node_modules/.bin', name);
    // publint: every message (suggestions and warnings too) fails the test.
    const lint = run(work, bin('publint'), ['run', tarball, '--strict', '--level', 'suggestion']);
    expect(lint).toMatch(/All good!/);
    // attw's esm-only profile (exits non-zero on a problem): both entry points resolve, with their
    // types, from ES modules under node16/nodenext and under bundler resolution. It leaves out
    // node10 and CommonJS resolution (require() of an ES module: Node 20.19+, tested below).
    const report = JSON.parse(run(work, bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'json', '--entrypoints', '.', './worker', './playground'])) as {
      analysis: { problems: { kind: string; entrypoint: string; resolutionKind: string }[] };
    };
    expect(report.analysis.problems.filter((p) => p.resolutionKind !== 'node10' && p.resolutionKind !== 'node16-cjs')).toEqual([]);
  });

  it("keeps Node's built-ins out of every module a browser reaches (the browser variants of the #… imports)", () => {
    const esm = path.join(unpacked, 'dist/esm');
    const published = JSON.parse(readFileSync(path.join(unpacked, 'package.json'), 'utf8')) as { imports: Record<string, { browser: string }> };
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const specifier of moduleImports(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('#')) visit(path.join(unpacked, published.imports[specifier]!.browser));
        else if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier));
      }
    };
    visit(path.join(esm, 'index.js'));
    visit(path.join(esm, 'executor/worker.js'));
    visit(path.join(esm, 'playground/index.js'));
    expect(reached.size).toBeGreaterThan(50); // one module per source module
    expect(reached).not.toContain(path.join(esm, 'platform/node.js'));
    for (const file of reached) {
      const name = path.relative(unpacked, file);
      expect({ file: name, imports: nodeImports(readFileSync(file, 'utf8')) }).toEqual({ file: name, imports: [] });
    }
  });
});

// The batches the Node script feeds in, and the running totals (updateStateByKey) it prints.
//   1000: ['to be or not to be']   2000: ['that is the question']   3000: []   4000: ['to be is to do']
const runningTotals = [
  '1000: be=2 not=1 or=1 to=2',
  '2000: be=2 is=1 not=1 or=1 question=1 that=1 the=1 to=2',
  '3000: be=2 is=1 not=1 or=1 question=1 that=1 the=1 to=2',
  '4000: be=3 do=1 is=2 not=1 or=1 question=1 that=1 the=1 to=4',
];

describe('a Node script (test/package/fixtures/node-script)', () => {
  let dir: string;
  beforeAll(() => {
    dir = install('node-script');
  }, 240_000);

  it('type-checks against the shipped declarations (NodeNext resolution, no DOM library) and compiles', () => {
    run(dir, 'npx', ['tsc', '-p', '.']);
  });

  it('type-checks with TypeScript 5.7, the oldest the declarations support (5.6 has no generic Uint8Array)', () => {
    run(dir, 'npm', ['exec', '--yes', '--prefer-offline', '--package=typescript@5.7.3', '--', 'tsc', '-p', '.', '--noEmit']);
  });

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
  });

  it('loads with require() from CommonJS (Node 20.19 and later, as "engines" says)', () => {
    expect(run(dir, 'node', ['-e', "const { StreamingContext } = require('rivulet'); console.log(typeof StreamingContext)"]).trim()).toBe('function');
  });
});

/** `[key, number]` pairs summed by key, sorted by key (as the fixtures print them). */
function sumByKey(pairs: Iterable<readonly [string, number]>): [string, number][] {
  const sums = new Map<string, number>();
  for (const [k, n] of pairs) sums.set(k, (sums.get(k) ?? 0) + n);
  return [...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A fixture's input: one array of lines per batch, the first batch at 1000 ms, one a second. */
function readBatches(file: string): string[][] {
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('a Node service in plain JavaScript (test/package/fixtures/node-service)', () => {
  let dir: string;
  let batches: string[][];
  beforeAll(() => {
    dir = install('node-service');
    batches = readBatches(path.join(dir, 'batches.json'));
  }, 240_000);

  // What main.js computes, computed here: words of at least 3 letters that are not stop words,
  // keyed by the first 2 hex digits of SHA-256('rivulet:' + word), valued by the length of
  // lz-string's base64 compression of the word; summed per batch (reduceByKey) and in total
  // (updateStateByKey).
  function expected(): { out: string; time: number; pairs: [string, number][] }[] {
    const stop = new Set(['the', 'a', 'of', 'and', 'to', 'in', 'is']);
    const totals: [string, number][] = [];
    return batches.flatMap((lines, i) => {
      const words = lines.flatMap((line) => line.toLowerCase().split(/[^a-z]+/)).filter((w) => w.length >= 3 && !stop.has(w));
      const pairs = words.map((w) => [createHash('sha256').update(`rivulet:${w}`).digest('hex').slice(0, 2), compressToBase64(w).length] as [string, number]);
      totals.push(...pairs);
      const time = (i + 1) * 1000;
      return [
        { out: 'perBatch', time, pairs: sumByKey(pairs) },
        { out: 'totals', time, pairs: sumByKey(totals) },
      ];
    });
  }

  /** Run it; every batch's outputs must be the expected ones, and some batches' tasks must have run on the workers. */
  function check(stdout: string): void {
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { out: string; time: number; pairs: [string, number][]; batches: { time: number; executedOn: string; remoteTasks: number }[] });
    const ran = lines.pop()!;
    // Nothing else printed: the workers, which import the script again, run no batch and print nothing.
    expect(lines).toEqual(expected());
    expect(ran.out).toBe('ran');
    expect(ran.batches.map((b) => b.time)).toEqual(batches.map((_, i) => (i + 1) * 1000));
    // Placement is by cost (the default): the first runs of each stage go to the workers.
    const onWorkers = ran.batches.filter((b) => b.executedOn !== 'local');
    expect(onWorkers.length, JSON.stringify(ran.batches)).toBeGreaterThan(0);
    for (const b of onWorkers) expect(b.remoteTasks).toBeGreaterThan(0);
  }

  it('resolves rivulet/mqtt, rivulet/nats and rivulet/redis to the connectors (their clients are optional peer dependencies)', () => {
    for (const name of ['mqtt', 'nats', 'redis']) {
      const resolved = run(dir, 'node', ['--input-type=module', '-e', `console.log(import.meta.resolve('rivulet/${name}'))`]).trim();
      expect(resolved).toBe(pathToFileURL(path.join(realpathSync(dir), `node_modules/rivulet/dist/esm/connectors/${name}/index.js`)).href);
      expect(manifest.peerDependenciesMeta?.[name === 'nats' ? '@nats-io/jetstream' : name === 'redis' ? 'ioredis' : 'mqtt']).toEqual({ optional: true });
    }
  });

  it("resolves rivulet/playground to the playground's seeded sources and clock, an entry of its own outside rivulet", () => {
    const resolved = run(dir, 'node', ['--input-type=module', '-e', "console.log(import.meta.resolve('rivulet/playground'))"]).trim();
    expect(resolved).toBe(pathToFileURL(path.join(realpathSync(dir), 'node_modules/rivulet/dist/esm/playground/index.js')).href);
    const exported = run(dir, 'node', ['--input-type=module', '-e', "console.log(Object.keys(await import('rivulet/playground')).sort().join(' '))"]).trim();
    expect(exported).toBe('clickStream playClock sentenceStream');
    // Not reached from the main entry: an app that does not import it does not load it.
    const esm = path.join(unpacked, 'dist/esm');
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const specifier of moduleImports(readFileSync(file, 'utf8'))) if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier));
    };
    visit(path.join(esm, 'index.js'));
    expect([...reached].filter((f) => f.startsWith(path.join(esm, 'playground')))).toEqual([]);
  });

  it('resolves rivulet/worker to the executor entry', () => {
    const resolved = run(dir, 'node', ['--input-type=module', '-e', "console.log(import.meta.resolve('rivulet/worker'))"]).trim();
    expect(resolved).toBe(pathToFileURL(path.join(realpathSync(dir), 'node_modules/rivulet/dist/esm/executor/worker.js')).href);
  });

  it('runs with plain node (workers: 2, no other option): its closures and imports work on the workers, every batch is right', () => {
    check(run(dir, 'node', ['main.js']));
  });

  it('runs bundled by esbuild into one minified file, from a directory with nothing else in it: every batch is right', () => {
    // The package and its dependencies (rxjs, comlink, ws, lz-string) in the bundle, as a service deploys.
    // The banner gives the bundle `require`, for the CommonJS modules in it that require Node's
    // built-ins (ws: the engine's Node build imports it; esbuild's ESM output has no `require`).
    run(dir, 'npx', [
      'esbuild', 'main.js', '--bundle', '--platform=node', '--format=esm', '--minify', '--outfile=service.mjs', '--log-level=warning',
      "--banner:js=import{createRequire as __createRequire}from'node:module';const require=__createRequire(import.meta.url);",
    ]);
    const deployed = path.join(work, 'node-service-deployed');
    mkdirSync(deployed);
    for (const file of ['service.mjs', 'batches.json']) cpSync(path.join(dir, file), path.join(deployed, file));
    // The workers start from service.mjs itself (there is no engine worker file beside it).
    check(run(deployed, 'node', ['service.mjs']));
  });
});

describe('a Vite + TypeScript web app with its own worker entry (test/package/fixtures/web-app)', () => {
  const CSP = "default-src 'self'; script-src 'self'; worker-src 'self'";
  let dir: string;
  let batches: string[][];
  let server: StaticServer;
  let browser: Browser;
  beforeAll(async () => {
    dir = install('web-app');
    batches = readBatches(path.join(dir, 'src/batches.json'));
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  // What src/pipeline.ts computes, computed here: words that are not stop words, counted over a
  // window of 3 batches (reduceByKeyAndWindow with an inverse, keeping counts above 0) and in total
  // (updateStateByKey); the window's output first in each batch.
  function expected(): { out: string; time: number; pairs: [string, number][] }[] {
    const stop = new Set(['the', 'a', 'of', 'and', 'to', 'in', 'is']);
    const words = batches.map((lines) => lines.flatMap((line) => line.toLowerCase().split(/[^a-z]+/)).filter((w) => w !== '' && !stop.has(w)));
    const ones = (ws: string[]) => ws.map((w) => [w, 1] as [string, number]);
    return words.flatMap((_, i) => [
      { out: 'window', time: (i + 1) * 1000, pairs: sumByKey(ones(words.slice(Math.max(0, i - 2), i + 1).flat())) },
      { out: 'totals', time: (i + 1) * 1000, pairs: sumByKey(ones(words.slice(0, i + 1).flat())) },
    ]);
  }

  it('type-checks against the shipped declarations, rivulet/worker included (bundler resolution, no @types/node)', () => {
    run(dir, 'npx', ['tsc', '-p', '.']);
  });

  it("builds with a default (minified) `vite build`: the app's worker entry is a chunk of its own, no Node built-in anywhere", () => {
    run(dir, 'npx', ['vite', 'build', '--logLevel', 'warn']);
    const scripts = [...files(path.join(dir, 'dist'))].filter((f) => f.endsWith('.js'));
    // src/rivulet.worker.ts with the pipeline and the engine (rivulet/worker: dist/esm/executor/worker.js) in it.
    expect(scripts.filter((f) => /^rivulet\.worker-.*\.js$/.test(path.basename(f)))).toHaveLength(1);
    for (const file of scripts) {
      expect({ file: path.basename(file), imports: nodeImports(readFileSync(file, 'utf8')) }).toEqual({ file: path.basename(file), imports: [] });
    }
  });

  it.each([
    ['on two Web Workers', 'workers'],
    ['without workers', 'local'],
  ])('runs %s in Chromium under a strict Content-Security-Policy: every batch is right, no violation', async (_, mode) => {
    server ??= await serveDirectory(path.join(dir, 'dist'), { 'content-security-policy': CSP });
    browser ??= await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
    await page.goto(`${server.url}?mode=${mode}`);
    // The page sets `done` when its run is over, failed or not (it stops its context either way).
    await page.waitForFunction(() => (window as unknown as { rivulet?: { done: boolean } }).rivulet?.done === true);
    type Violation = { where: string; directive: string; blocked: string; source: string };
    const result = (await page.evaluate(() => (window as unknown as { rivulet: unknown }).rivulet)) as {
      mode: string;
      outputs: { out: string; time: number; pairs: [string, number][] }[];
      ran: { batchTime: number; executedOn?: string; numRemoteTasks?: number; localReason?: string }[];
      violations: Violation[];
      probe: Violation[];
      error?: string;
    };
    await page.close();
    expect(result.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(result.mode).toBe(mode);
    expect(result.outputs).toEqual(expected());
    expect(result.ran.map((b) => b.batchTime)).toEqual(batches.map((_, i) => (i + 1) * 1000));
    if (mode === 'workers') {
      // placement: 'workers': every batch ran tasks on the Web Workers, which loaded the pipeline
      // through the app's worker entry (else its functions could not run there, and the batch ran
      // in the page). The state step of updateStateByKey runs in the page ('mixed').
      for (const b of result.ran) expect(b.numRemoteTasks, JSON.stringify(b)).toBeGreaterThan(0);
    } else {
      for (const b of result.ran) expect(b.executedOn, JSON.stringify(b)).toBe('local');
    }
    // No violation while the pipeline ran, in the page or in a worker.
    expect(result.violations).toEqual([]);
    // The policy is in force: compiling a string afterwards was refused in the page and in each worker.
    const probed = result.probe.map((v) => `${v.where} ${v.directive} ${v.blocked}`).sort();
    expect(probed).toEqual(['page script-src eval', ...(mode === 'workers' ? ['worker script-src eval', 'worker script-src eval'] : [])]);
  });
});
