/**
 * Builds the library that `npm pack` ships (issue 6), next to the playground's dist/playground:
 *
 *   dist/node/index.js        the engine for Node (`#platform`, `#worker`, `#checkpoint-fs` resolved
 *   dist/node/rivulet-worker.js   to their Node implementations) and its worker_threads entry
 *   dist/browser/index.js     the engine for bundlers and browsers, and its Web Worker entry, which
 *   dist/browser/rivulet-worker.js  index.js starts as `new Worker(new URL('./rivulet-worker.js', import.meta.url))`
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
  await Promise.all([bundle('node'), bundle('browser')]);
  declarations();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const start = performance.now();
  await buildLibrary();
  // stderr: `npm pack --json` runs this as prepack, and its stdout must stay JSON.
  console.error(`library built in ${Math.round(performance.now() - start)} ms: dist/node, dist/browser, dist/types`);
}
