/**
 * Package budgets (issue 6), printed (the page size is also asserted, by
 * test/package/budget.test.ts through measureMinimalPage): the gzipped size of the engine in a minimal
 * browser bundle, and how long importing the engine takes in Node.
 *
 * Bundle: `vite build` (browser conditions, minified, Vite's defaults otherwise) of a tiny app
 * entry that imports StreamingContext from the built package (dist/esm/index.js, built first
 * by engine/build/library.ts, as `npm pack` ships it; and, for comparison, from engine/index.ts)
 * and runs a word count on a queue
 * stream; tree-shaking keeps only what that reaches, RxJS included. The engine's task worker
 * (`workers: n`) is a separate file the page loads only when a pool starts, so it is reported on
 * its own, and so are the chunks the engine imports dynamically when a feature is first used
 * (Comlink when a worker pool starts, idb when an IndexedDB checkpoint store opens): the page at
 * start is the entry chunk and what it imports statically. By package: each package's modules in
 * the page at start, minified together with esbuild and gzipped on their own (an estimate: the
 * parts do not add up exactly to the whole); and, exactly, the bundle with the function-shipping
 * check's free-variable reader (closure/freeVariables.ts and js-tokens) stubbed out.
 *
 * Import time: fresh `node --import tsx` processes importing engine/index.ts, minus the same
 * processes importing nothing (median of interleaved runs, tsx's transform cache warm); and the
 * built package's dist/esm/index.js imported by plain `node`, minus plain `node`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { transform } from 'esbuild';
import { build as viteBuild, type Plugin } from 'vite';
import { median, table } from './stats.ts';
import { buildLibrary } from '../../engine/build/library.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const engineIndex = path.join(root, 'engine/index.ts');
// The library as `npm pack` ships it (engine/build/library.ts), built at the start of the run.
const builtNode = path.join(root, 'dist/esm/index.js');
const gz = (code: string | Uint8Array) => gzipSync(code, { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

const MODULE_SEPARATOR = '\n/* rivulet-budget: next module */\n';

/** The app: `from` is the engine's sources or the built package's browser entry. */
const entrySource = (from: string) => `import { Seconds, StreamingContext } from ${JSON.stringify(from)};
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
ssc.queueStream([['to be or not to be']])
  .flatMap((line) => line.split(' '))
  .map((word) => [word, 1] as [string, number])
  .reduceByKey((a, b) => a + b)
  .foreachRDD(async (rdd) => console.log(await rdd.collect()));
ssc.start();
`;

/** Replaces modules, by import specifier, with ones exporting `exports` as functions that throw. */
function stub(packages: Record<string, string[]>): Plugin {
  return {
    name: 'rivulet-budget-stub',
    enforce: 'pre',
    resolveId: (id) => (id in packages ? `\0stub:${id}` : null),
    load: (id) => {
      if (!id.startsWith('\0stub:')) return null;
      const names = packages[id.slice('\0stub:'.length)]!;
      return names.map((n) => `export function ${n}() { throw new Error('stubbed for the budget'); }`).join('\n');
    },
  };
}

function packageOf(id: string): string {
  const i = id.lastIndexOf('node_modules/');
  if (i >= 0) {
    const parts = id.slice(i + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (id.includes('/engine/') || id.includes('/dist/esm/')) return 'rivulet engine';
  return id.startsWith('\0') ? 'stubs and helpers' : 'the entry';
}

export interface BundleFigures {
  /** The entry chunk and the chunks it imports statically. */
  page: number;
  pageGzip: number;
  /** Chunks imported dynamically, loaded when a feature is first used: file name → [minified, gzipped]. */
  lazy: Map<string, [number, number]>;
  worker: number;
  workerGzip: number;
  /** package → rendered (unminified) code of its modules in the page at start */
  byPackage: Map<string, string>;
}

async function bundle(dir: string, stubs: Record<string, string[]> = {}): Promise<BundleFigures> {
  const result = await viteBuild({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    plugins: [stub(stubs)],
    worker: { format: 'es', plugins: () => [stub(stubs)] },
    build: { write: false, minify: true, modulePreload: false, rolldownOptions: { input: path.join(dir, 'entry.ts') } },
  });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => ('output' in r ? r.output : []));
  const figures: BundleFigures = { page: 0, pageGzip: 0, lazy: new Map(), worker: 0, workerGzip: 0, byPackage: new Map() };
  const chunks = new Map(outputs.flatMap((o) => (o.type === 'chunk' ? [[o.fileName, o] as const] : [])));
  const atStart = new Set<string>();
  const addStatic = (fileName: string) => {
    if (atStart.has(fileName)) return;
    atStart.add(fileName);
    for (const i of chunks.get(fileName)?.imports ?? []) addStatic(i);
  };
  for (const c of chunks.values()) if (c.isEntry) addStatic(c.fileName);
  for (const o of outputs) {
    if (o.type === 'chunk' && !atStart.has(o.fileName)) {
      figures.lazy.set(o.fileName, [o.code.length, gz(o.code)]);
    } else if (o.type === 'chunk') {
      figures.page += o.code.length;
      figures.pageGzip += gz(o.code);
      for (const [id, m] of Object.entries(o.modules)) {
        const p = packageOf(id);
        // A separator between modules: each is minified on its own (two modules may declare the same top-level name).
        figures.byPackage.set(p, (figures.byPackage.get(p) ?? '') + (m.code ?? '') + MODULE_SEPARATOR);
      }
    } else if (/worker/.test(o.fileName) && o.fileName.endsWith('.js')) {
      figures.worker += o.source.length;
      figures.workerGzip += gz(o.source);
    }
  }
  return figures;
}

function timeNode(args: string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${run.stderr}`);
  return ms;
}

/** The budget of the minimal app's page at start, gzipped (test/package/budget.test.ts fails at or above it). */
/**
 * 50 KB since the evening of 2026-12-07 (was 40 KB, issue 6, then 48 KB, then 52 KB): see
 * docs/performance.md, "The budget raised to 48 KB", "… and to 52 KB" and "Back down to 50 KB",
 * for what grew and what brought it back.
 */
export const PAGE_BUDGET_GZIP = 50 * 1024;

/**
 * The minimal app (entrySource) bundled from the built package: builds the library's browser
 * modules into `dist` first (default: the repository's dist/; see buildLibrary for why a test
 * passes a directory of its own), then bundles the app in `work` (a temporary directory).
 */
export async function measureMinimalPage(work: string, dist = path.join(root, 'dist')): Promise<BundleFigures> {
  await buildLibrary({ dist, targets: ['esm'] });
  const dir = path.join(work, 'package');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'entry.ts'), entrySource(path.join(dist, 'esm/index.js')));
  return bundle(dir);
}

export async function runBudgets(quick = false): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rivulet-budgets-'));
  try {
    // The whole library (measureMinimalPage builds dist/esm, which the import time below also measures).
    await buildLibrary({ targets: ['types'] });
    const full = await measureMinimalPage(dir);
    const sourcesDir = path.join(dir, 'sources');
    mkdirSync(sourcesDir);
    writeFileSync(path.join(sourcesDir, 'entry.ts'), entrySource(engineIndex));
    const fromSources = await bundle(sourcesDir);
    const noShippingCheck = await bundle(sourcesDir, { './freeVariables.ts': ['freeVariables'] });

    console.log(`\nPackage: a minimal browser bundle (vite build, minified) of StreamingContext + a queueStream word count; target under ${PAGE_BUDGET_GZIP / 1024} KB gzipped`);
    console.log(`The built package's page at start: ${full.pageGzip} bytes gzipped (budget: under ${PAGE_BUDGET_GZIP}).`);
    const lazy = (f: BundleFigures, i: 0 | 1) => kb([...f.lazy.values()].reduce((sum, sizes) => sum + sizes[i], 0));
    console.log(
      table(
        ['bundle', 'page at start: minified', 'gzipped', 'loaded on first use: minified', 'gzipped', 'task worker (workers: n): minified', 'gzipped'],
        [
          ['the built package (dist/esm, as npm installs it)', kb(full.page), kb(full.pageGzip), lazy(full, 0), lazy(full, 1), kb(full.worker), kb(full.workerGzip)],
          ['the sources (engine/index.ts)', kb(fromSources.page), kb(fromSources.pageGzip), lazy(fromSources, 0), lazy(fromSources, 1), kb(fromSources.worker), kb(fromSources.workerGzip)],
          ['the sources, free-variable reader stubbed (no functions as text on workers)', kb(noShippingCheck.page), kb(noShippingCheck.pageGzip), lazy(noShippingCheck, 0), lazy(noShippingCheck, 1), kb(noShippingCheck.worker), kb(noShippingCheck.workerGzip)],
        ],
      ),
    );
    console.log('Chunks loaded on first use (the built package):');
    console.log(table(['chunk', 'minified', 'gzipped'], [...full.lazy].map(([name, [min, gzip]]) => [name, kb(min), kb(gzip)])));
    const rows: (string | number)[][] = [];
    for (const [pkg, code] of [...full.byPackage].sort((a, b) => b[1].length - a[1].length)) {
      let min = '';
      for (const module of code.split(MODULE_SEPARATOR)) if (module.trim()) min += (await transform(module, { minify: true, loader: 'js' })).code;
      rows.push([pkg, kb(min.length), kb(gz(min))]);
    }
    console.log('The page at start by package, the built package (each module minified on its own, each package gzipped on its own: estimates):');
    console.log(table(['package', 'minified', 'gzipped'], rows));

    // ---- import time ----
    const viaTsx = ['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(engineIndex).href)})`];
    const tsxBaseline = ['--import', 'tsx', '--input-type=module', '-e', '0'];
    const built = ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(builtNode).href)})`];
    const plainBaseline = ['--input-type=module', '-e', '0'];
    timeNode(viaTsx); // warm tsx's transform cache
    const runs = quick ? 5 : 11;
    const t = { viaTsx: [] as number[], tsxBaseline: [] as number[], built: [] as number[], plainBaseline: [] as number[] };
    for (let i = 0; i < runs; i++) {
      t.tsxBaseline.push(timeNode(tsxBaseline));
      t.viaTsx.push(timeNode(viaTsx));
      t.plainBaseline.push(timeNode(plainBaseline));
      t.built.push(timeNode(built));
    }
    console.log(`Import time in Node: fresh processes, median of ${runs} interleaved runs, minus the same process importing nothing`);
    console.log(
      table(
        ['import', 'process ms', 'empty process ms', 'import ms'],
        [
          ['the built package (dist/esm/index.js), plain node', median(t.built), median(t.plainBaseline), median(t.built) - median(t.plainBaseline)],
          ['the sources (engine/index.ts), node --import tsx', median(t.viaTsx), median(t.tsxBaseline), median(t.viaTsx) - median(t.tsxBaseline)],
        ],
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runBudgets(process.argv.includes('--quick'));
