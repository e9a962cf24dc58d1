/**
 * Builds the library that `npm pack` ships (issue 6), next to the playground's dist/playground:
 *
 *   dist/node/index.js            the engine for Node: one ES module bundled by esbuild (`#…` imports
 *   dist/node/rivulet-worker.js   resolved to their Node variants) and its worker_threads entry
 *   dist/browser/**.js            the engine for bundlers and browsers: one ES module per source
 *                                 module, compiled by tsc (index.js; executor/worker.js, the Web Worker)
 *   dist/types/**.d.ts            declarations, one per source module
 *
 * package.json's "exports" name two entries: `rivulet` (index) and `rivulet/worker` (the executor's
 * entry, executor/worker.ts: a browser app's worker entry imports loadPipeline from it; in Node it
 * is rivulet-worker.js, the file the pool starts its workers from).
 *
 * All with source maps; dependencies (rxjs, comlink, idb, ws) stay imports, resolved by the
 * consumer. Not minified: class names show in lineage (`MapPartitionsRDD`) and stacks read as the
 * engine's; the consumer's bundler minifies the app as a whole (nothing in the engine depends on
 * its identifiers' names: user functions reach workers by their place in the pipeline).
 *
 * Run with `npm run build:lib` (also part of `npm run build` and of `npm pack`).
 */
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));
const engine = path.join(root, 'engine');
const defaultDist = path.join(root, 'dist');
const entries = [path.join(engine, 'index.ts'), path.join(engine, 'executor/worker.ts')];

/**
 * The Node build: one bundle, so a plain `node` import reads one file (import time); workers start
 * from rivulet-worker.js next to it (platform/worker.node.ts looks for it there).
 */
async function nodeBundle(dist: string): Promise<void> {
  await build({
    entryPoints: [
      { in: entries[0]!, out: 'index' },
      { in: entries[1]!, out: 'rivulet-worker' },
    ],
    outdir: path.join(dist, 'node'),
    bundle: true,
    format: 'esm',
    // Code shared by the two entries, and what the engine imports dynamically, in chunk files next
    // to them (the worker's URL is relative to the module that starts it).
    splitting: true,
    chunkNames: '[name]-[hash]',
    platform: 'node',
    target: 'node20',
    conditions: ['node'],
    packages: 'external',
    sourcemap: true,
    sourcesContent: true,
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

/**
 * The browser build keeps the engine's modules apart, one ES module per source module compiled by
 * tsc (as Rollup's preserveModules would): the app's bundler then tree-shakes and code-splits the
 * library exactly as it would the sources, so what the engine imports dynamically (Comlink, the
 * placement code, recovery…) stays out of a page that never uses it. An esbuild bundle of the
 * library cost 0.8 KB gzipped more in the minimal app (`npm run bench`, Package).
 */
function browserModules(dist: string): void {
  const outDir = path.join(dist, 'browser');
  compile(entries, outDir, { sourceMap: true, inlineSources: true, customConditions: ['browser'] });
  const workerUrl = "new URL('../executor/worker.ts', import.meta.url)";
  let workerUrls = 0;
  rewriteSpecifiers(outDir, '.js', browserImports(), (code) => {
    if (!code.includes(workerUrl)) return code;
    workerUrls++;
    return code.replace(workerUrl, "new URL('../executor/worker.js', import.meta.url)");
  });
  if (workerUrls !== 1) throw new Error(`expected one ${workerUrl} in the browser build (platform/worker.browser.ts), found ${workerUrls}: update engine/build/library.ts`);
  // Type-only imports put modules in the program that no browser module imports at run time (the
  // Node variants of the `#…` imports, and what they import): keep only what the entries reach.
  const reached = new Set<string>();
  const visit = (file: string) => {
    if (reached.has(file)) return;
    reached.add(file);
    const code = readFileSync(file, 'utf8');
    // Imports as TypeScript reads them (none from comments: a doc comment's example is not the
    // module's); a worker's `new URL(…)` outside block comments.
    const urls = [...code.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/new URL\(\s*(['"])([^'"]+)\1/g)].map((m) => m[2]!);
    for (const specifier of [...importSpecifiers(code).map((s) => s.specifier), ...urls]) if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier));
  };
  visit(path.join(outDir, 'index.js'));
  visit(path.join(outDir, 'executor/worker.js'));
  for (const file of walk(outDir)) if (!reached.has(file.replace(/\.map$/, ''))) rmSync(file);
}

/** Declarations for both builds (their API is the same), typed with the Node variants of the `#…` imports. */
function declarations(dist: string): void {
  const outDir = path.join(dist, 'types');
  // Ambient declarations (*.d.ts in engine/, e.g. comlink's Node adapter) are part of the program, as in tsconfig.json.
  const ambient = [...walk(engine)].filter((f) => f.endsWith('.d.ts'));
  // No declaration maps: they would point at engine/*.ts, which the package does not ship.
  compile([...entries, ...ambient], outDir, { declaration: true, declarationMap: false, emitDeclarationOnly: true });
  rewriteSpecifiers(outDir, '.d.ts', {
    '#platform': 'platform/node.js',
    '#worker': 'platform/worker.node.js',
    '#checkpoint-fs': 'checkpoint/fs.js',
    '#kafka': 'connectors/kafka/index.js',
  });
}

/** tsc with the project's options (tsconfig.json) and `overrides`, from `roots` into `outDir`; throws on any error. */
function compile(roots: string[], outDir: string, overrides: ts.CompilerOptions): void {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const options: ts.CompilerOptions = { ...config.options, noEmit: false, rewriteRelativeImportExtensions: true, rootDir: engine, outDir, paths: undefined, ...overrides };
  const program = ts.createProgram(roots, options);
  const result = program.emit();
  const errors = ts.getPreEmitDiagnostics(program).concat(result.diagnostics).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
  }
}

/**
 * In every `extension` file under `outDir`: relative `.ts` specifiers become `.js` (tsc rewrites
 * them in JavaScript, not in declarations), and each `#…` import becomes a relative path to
 * `targets[specifier]` (a path under outDir); then `also` may change the file's text.
 */
function rewriteSpecifiers(outDir: string, extension: string, targets: Record<string, string>, also: (code: string) => string = (c) => c): void {
  for (const file of walk(outDir)) {
    if (!file.endsWith(extension)) continue;
    const text = readFileSync(file, 'utf8');
    let replaced = '';
    let at = 0;
    for (const { specifier, pos, end } of importSpecifiers(text)) {
      let target: string;
      if (specifier.startsWith('.')) target = specifier.replace(/\.ts$/, '.js');
      else if (specifier.startsWith('#')) {
        const to = targets[specifier];
        if (!to) throw new Error(`${file}: no target for ${specifier}; add it in engine/build/library.ts`);
        target = path.relative(path.dirname(file), path.join(outDir, to)).split(path.sep).join('/');
        if (!target.startsWith('.')) target = `./${target}`;
      } else continue;
      replaced += text.slice(at, pos) + target;
      at = end;
    }
    const rewritten = also(replaced + text.slice(at));
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

/**
 * The module specifiers of a module's imports, exports and dynamic `import()`s (also `import('…')`
 * types in declarations), each with where its text is (between the quotes). TypeScript's own
 * pre-processing scanner: specifiers in comments and strings are not imports (the JSDoc example
 * of executor/worker.ts, `loadPipeline(() => import('./pipeline.ts'))`, keeps its text).
 */
function importSpecifiers(code: string): { specifier: string; pos: number; end: number }[] {
  return ts.preProcessFile(code, true, true).importedFiles.map(({ fileName, pos }) => {
    // `pos` is the opening quote's.
    const start = pos + 1;
    if (code.slice(start, start + fileName.length) !== fileName) throw new Error(`engine/build/library.ts: cannot locate the import of ${fileName} at ${pos}`);
    return { specifier: fileName, pos: start, end: start + fileName.length };
  });
}

/** The `#…` imports' browser variants: package.json "imports", each one's `default` condition. */
function browserImports(): Record<string, string> {
  const imports = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).imports as Record<string, { default: string }>;
  return Object.fromEntries(Object.entries(imports).map(([k, v]) => [k, path.relative('engine', v.default).replace(/\.ts$/, '.js')]));
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) yield* walk(file);
    else yield file;
  }
}

/** The three parts of the build, each in a directory of its own under the output directory. */
export type LibraryTarget = 'node' | 'browser' | 'types';

/**
 * Build the library into `dist` (default: the repository's dist/, which `npm pack` ships); only
 * `targets` when given. Each target's directory is emptied first, so two builds into the same
 * `dist` at once would collide: a caller that builds while another may (a test next to
 * test/package/consumers.test.ts, whose `npm pack` builds dist/) passes a directory of its own.
 * It must sit inside the repository, where the built modules' dependencies (rxjs, comlink…) resolve.
 */
export async function buildLibrary(options: { dist?: string; targets?: readonly LibraryTarget[] } = {}): Promise<void> {
  const dist = options.dist ?? defaultDist;
  const targets = options.targets ?? ['node', 'browser', 'types'];
  for (const dir of targets) rmSync(path.join(dist, dir), { recursive: true, force: true });
  if (targets.includes('node')) await nodeBundle(dist);
  if (targets.includes('browser')) browserModules(dist);
  if (targets.includes('types')) declarations(dist);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const start = performance.now();
  await buildLibrary();
  // stderr: `npm pack --json` runs this as prepack, and its stdout must stay JSON.
  console.error(`library built in ${Math.round(performance.now() - start)} ms: dist/node, dist/browser, dist/types`);
}
