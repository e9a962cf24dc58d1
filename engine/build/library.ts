/**
 * Builds the library that `npm pack` ships (issue 6), next to the playground's dist/playground:
 *
 *   dist/node/index.js        the engine for Node (`#platform`, `#worker`, `#checkpoint-fs` resolved
 *   dist/node/rivulet-worker.js   to their Node implementations) and its worker_threads entry
 *   dist/browser/**.js        the engine for bundlers and browsers: one ES module per source module
 *                             (index.js, executor/worker.js the Web Worker entry, …), compiled by tsc
 *   dist/types/**.d.ts        declarations, one per source module
 *
 * Each entry is an ES module bundled by esbuild with its source map, code shared by the two
 * entries or imported dynamically by the engine is in chunk files next to them; dependencies
 * (rxjs, comlink, idb, acorn, periscopic, ws) stay imports, resolved by the consumer. Not
 * minified: shipped functions are compiled from their source in workers, and class names show in
 * lineage (`MapPartitionsRDD`); the consumer's bundler minifies the app as a whole.
 *
 * Run with `npm run build:lib` (also part of `npm run build` and of `npm pack`).
 */
import { build, type Plugin } from 'esbuild';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));
const engine = path.join(root, 'engine');
const dist = path.join(root, 'dist');

/** The worker file each platform's bundle starts, next to its index.js. */
export const WORKER_FILE = 'rivulet-worker.js';

/**
 * In the browser build, worker.browser.ts's `new URL('../executor/worker.ts', import.meta.url)`
 * names the source file; the bundle must name the built worker next to it, in the literal form
 * Vite (and webpack) recognise and bundle with the consumer's app.
 */
const browserWorkerUrl: Plugin = {
  name: 'rivulet-browser-worker-url',
  setup(b) {
    b.onLoad({ filter: /platform[\\/]worker\.browser\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const from = "new URL('../executor/worker.ts', import.meta.url)";
      if (!source.includes(from)) throw new Error(`${args.path} no longer contains ${from}: update engine/build/library.ts`);
      return { contents: source.replace(from, `new URL('./${WORKER_FILE}', import.meta.url)`), loader: 'ts' };
    });
  },
};

async function bundle(platform: 'node' | 'browser'): Promise<void> {
  const outdir = path.join(dist, platform);
  await build({
    entryPoints: [
      { in: path.join(engine, 'index.ts'), out: 'index' },
      { in: path.join(engine, 'executor/worker.ts'), out: WORKER_FILE.replace(/\.js$/, '') },
    ],
    outdir,
    bundle: true,
    format: 'esm',
    // Shared code in chunks next to the entries, and what the engine imports dynamically (loaded
    // on first use) in chunks of its own, as in a bundler: an app that never uses it never loads it.
    splitting: true,
    // Next to the entries: the worker's URL is relative to the module that starts it.
    chunkNames: '[name]-[hash]',
    platform: platform === 'node' ? 'node' : 'browser',
    target: platform === 'node' ? 'node20' : 'es2022',
    // Selects each `#…` import's implementation from package.json "imports".
    conditions: platform === 'node' ? ['node'] : ['browser'],
    packages: 'external',
    sourcemap: true,
    sourcesContent: true,
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: platform === 'browser' ? [browserWorkerUrl] : [],
  });
}

/** The `#…` imports' Node implementations, for the declarations (both platforms share one set of types). */
const PRIVATE_IMPORTS: Record<string, string> = {
  '#platform': 'platform/node.js',
  '#worker': 'platform/worker.node.js',
  '#checkpoint-fs': 'checkpoint/fs.js',
};

function declarations(): void {
  const outDir = path.join(dist, 'types');
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: false,
    declaration: true,
    // No declaration maps: they would point at engine/*.ts, which the package does not ship.
    declarationMap: false,
    emitDeclarationOnly: true,
    rewriteRelativeImportExtensions: true,
    rootDir: engine,
    outDir,
    paths: undefined,
  };
  // Ambient declarations (*.d.ts in engine/, e.g. comlink's Node adapter) are part of the program, as in tsconfig.json.
  const ambient = [...walk(engine)].filter((f) => f.endsWith('.d.ts'));
  const program = ts.createProgram([path.join(engine, 'index.ts'), path.join(engine, 'executor/worker.ts'), ...ambient], options);
  const result = program.emit();
  const errors = ts.getPreEmitDiagnostics(program).concat(result.diagnostics).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
  }
  for (const file of walk(outDir)) {
    if (!file.endsWith('.d.ts')) continue;
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(/(from\s+|import\s+|import\()(['"])([^'"]+)\2/g, (whole, lead: string, quote: string, specifier: string) => {
      // Declarations keep the sources' `.ts` specifiers; the shipped files are `.d.ts` for `.js`.
      if (specifier.startsWith('.')) return `${lead}${quote}${specifier.replace(/\.ts$/, '.js')}${quote}`;
      if (!specifier.startsWith('#')) return whole;
      const target = PRIVATE_IMPORTS[specifier];
      if (!target) throw new Error(`${file}: no declaration target for ${specifier}; add it to PRIVATE_IMPORTS in engine/build/library.ts`);
      let relative = path.relative(path.dirname(file), path.join(outDir, target)).split(path.sep).join('/');
      if (!relative.startsWith('.')) relative = `./${relative}`;
      return `${lead}${quote}${relative}${quote}`;
    });
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) yield* walk(file);
    else yield file;
  }
}

export async function buildLibrary(): Promise<void> {
  for (const dir of ['node', 'browser', 'types']) rmSync(path.join(dist, dir), { recursive: true, force: true });
  await bundle('node');
  browserModules();
  declarations();
}

/** The `#…` imports' browser implementations (package.json "imports", their `default` condition). */
function browserImports(): Record<string, string> {
  const imports = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).imports as Record<string, { default: string }>;
  return Object.fromEntries(Object.entries(imports).map(([k, v]) => [k, path.relative('engine', v.default).replace(/\.ts$/, '.js')]));
}

/**
 * The browser build keeps the engine's modules apart, one ES module per source module compiled by
 * tsc (as Rollup's preserveModules would): the app's bundler then tree-shakes and code-splits the
 * library exactly as it would the sources, so what the engine imports dynamically (Comlink, the
 * placement code, recovery…) stays out of a page that never uses it. The `#…` imports are resolved
 * to their browser variants, and the Web Worker is started from executor/worker.js.
 */
function browserModules(): void {
  const outDir = path.join(dist, 'browser');
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: false,
    declaration: false,
    sourceMap: true,
    inlineSources: true,
    rewriteRelativeImportExtensions: true,
    customConditions: ['browser'],
    rootDir: engine,
    outDir,
    paths: undefined,
  };
  const program = ts.createProgram([path.join(engine, 'index.ts'), path.join(engine, 'executor/worker.ts')], options);
  const result = program.emit();
  const errors = ts.getPreEmitDiagnostics(program).concat(result.diagnostics).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
  }
  const targets = browserImports();
  const workerUrl = "new URL('../executor/worker.ts', import.meta.url)";
  let workerUrls = 0;
  for (const file of walk(outDir)) {
    if (!file.endsWith('.js')) continue;
    const text = readFileSync(file, 'utf8');
    let rewritten = text.replace(/(from\s+|import\s+|import\()(['"])(#[\w-]+)\2/g, (_whole, lead: string, quote: string, specifier: string) => {
      const target = targets[specifier];
      if (!target) throw new Error(`${file}: ${specifier} is not in package.json "imports"`);
      let relative = path.relative(path.dirname(file), path.join(outDir, target)).split(path.sep).join('/');
      if (!relative.startsWith('.')) relative = `./${relative}`;
      return `${lead}${quote}${relative}${quote}`;
    });
    if (rewritten.includes(workerUrl)) {
      workerUrls++;
      rewritten = rewritten.replace(workerUrl, "new URL('../executor/worker.js', import.meta.url)");
    }
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
  if (workerUrls !== 1) throw new Error(`expected one ${workerUrl} in the browser build (platform/worker.browser.ts), found ${workerUrls}: update engine/build/library.ts`);
  // Type-only imports put modules in the program that no browser module imports at run time (the
  // Node variants of the `#…` imports, and what they import): keep only what the entries reach.
  const reached = new Set<string>();
  const visit = (file: string) => {
    if (reached.has(file)) return;
    reached.add(file);
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|new URL\(\s*)(['"])(\.{1,2}\/[^'"]+)\1/g)) visit(path.resolve(path.dirname(file), m[2]!));
  };
  visit(path.join(outDir, 'index.js'));
  visit(path.join(outDir, 'executor/worker.js'));
  for (const file of walk(outDir)) {
    if (!reached.has(file.replace(/\.map$/, ''))) rmSync(file);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const start = performance.now();
  await buildLibrary();
  // stderr: `npm pack --json` runs this as prepack, and its stdout must stay JSON.
  console.error(`library built in ${Math.round(performance.now() - start)} ms: dist/node, dist/browser, dist/types`);
}
