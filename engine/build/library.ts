/**
 * Builds the library that `npm pack` ships (issue 6), next to the playground's dist/playground:
 *
 *   dist/esm/**.js      the engine, one ES module per source module, compiled by tsc, for Node and
 *                       browsers alike (index.js; executor/worker.js, the executor's entry)
 *   dist/types/**.d.ts  declarations, one per source module
 *
 * One build for both platforms, so the package holds the engine once (issue 15). The five modules
 * that differ (sockets and files, the kind of worker, checkpoint files…) are reached through
 * package.json "imports" (`#platform`, `#worker`…), which the built modules keep and Node, bundlers
 * and TypeScript resolve by condition: `node` picks the Node variant, anything else the browser's.
 * The repository's package.json maps them to the sources (engine/*.ts); the published one
 * (publishedManifest, written by prepack, put back by postpack) maps them to dist/esm. Inside the
 * repository dist/esm has a package.json of its own with the published mapping, so that the built
 * modules run and bundle from here too (test/package/budget.test.ts, the budget bench); the
 * tarball leaves it out (package.json "files"), as Node reads "imports" from the package's root.
 *
 * Per module, as Rollup's preserveModules would: the app's bundler tree-shakes and code-splits the
 * library exactly as it would the sources, so what the engine imports dynamically (Comlink, the
 * placement code, recovery…) stays out of a page that never uses it (an esbuild bundle of the
 * library cost 0.8 KB gzipped more in the minimal app; `npm run bench`, Package). "sideEffects"
 * lets it also drop the modules whose exports a page does not use: all but SIDE_EFFECTS.
 *
 * package.json's "exports" name two entries: `rivulet` (index.js) and `rivulet/worker`
 * (executor/worker.js: a browser app's worker entry imports loadPipeline from it; in Node the pool
 * starts its worker threads from it).
 *
 * No source maps: the modules are tsc's output of the sources, unminified, comments kept, so a
 * stack or a debugger in them reads as the TypeScript without its types. Maps would have to embed
 * the sources (they made 62% of the package) or point at engine/*.ts, which the package does not
 * ship (Vite's dev server warns about every such map). Not minified either: class names show in
 * lineage (`MapPartitionsRDD`); the consumer's bundler minifies the app as a whole (nothing in the
 * engine depends on its identifiers' names: user functions reach workers by their place in the
 * pipeline). Dependencies (rxjs, comlink, idb, ws) stay imports, resolved by the consumer.
 *
 * Run with `npm run build:lib` (also part of `npm run build`, and of `npm pack` through prepack).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));
const engine = path.join(root, 'engine');
const defaultDist = path.join(root, 'dist');
const entries = [
  path.join(engine, 'index.ts'),
  path.join(engine, 'executor/worker.ts'),
  // The connectors whose clients are optional peer dependencies: rivulet/mqtt, rivulet/nats, rivulet/redis.
  ...['mqtt', 'nats', 'redis'].map((name) => path.join(engine, `connectors/${name}/index.ts`)),
  // rivulet/playground: the playground's seeded sources and its clock, outside the main entry.
  path.join(engine, 'playground/index.ts'),
];

/**
 * The modules that do something when loaded, which a bundler must keep whenever they are imported
 * (package.json "sideEffects"; any other module is dropped when none of its exports is used). The
 * build fails when a module with top-level statements is missing here, or one listed has none:
 * plain `"sideEffects": false` would drop these registrations, and no error would say so.
 */
const SIDE_EFFECTS = [
  'index.js', // markEngineEnd(): where the engine's code ends in an application's bundle (call sites)
  'closure/sourceText.js', // useSourceReader(): functions' text for workers without the pipeline
  'dstream/index.js', // the DStream kinds that DStream.ts cannot import without a cycle
  'dstream/mapWithStateOps.js', // registerNarrowOp() of mapWithState's steps, which tasks name
  'rdd/index.js', // the RDD kinds that RDD.ts cannot import without a cycle
  'executor/worker.js', // an executor's entry: loads the pipeline and serves the driver's tasks
  'platform/worker.node.js', // a worker started from the pipeline's own file enters executor mode
];

type Variants = { node: string; default: string };

/** The repository's "imports" (`#…` → engine/*.ts, a Node variant and a default one). */
function sourceImports(): Record<string, Variants> {
  return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).imports;
}

/** engine/x/y.ts → `${prefix}x/y.js`, its place in dist/esm. */
const built = (source: string, prefix = './') => `${prefix}${path.relative('engine', source).split(path.sep).join('/').replace(/\.ts$/, '.js')}`;

/**
 * The "imports" of the built modules: each `#…` to its built variants, `prefix` the path from the
 * package.json to dist/esm. `browser` first, as the package's "exports" had it when it named a
 * build per platform: a bundler that sets both conditions (an Electron renderer) gets the
 * browser variants.
 */
function builtImports(imports: Record<string, Variants>, prefix: string): Record<string, Variants & { browser: string }> {
  return Object.fromEntries(Object.entries(imports).map(([name, v]) => [name, { browser: built(v.default, prefix), node: built(v.node, prefix), default: built(v.default, prefix) }]));
}

/**
 * The engine for Node and browsers: one ES module per source module, the `#…` imports kept. Only
 * what the two entries reach under either condition is kept (type-only imports put modules such
 * as protocol.ts in the program, and tsc emits them).
 */
function esmModules(dist: string): void {
  const outDir = path.join(dist, 'esm');
  const imports = sourceImports();
  const variants = Object.values(imports)
    .flatMap((v) => [v.node, v.default])
    .map((f) => path.join(root, f));
  // Ambient declarations (*.d.ts in engine/, e.g. comlink's Node adapter) are part of the program, as in tsconfig.json.
  const ambient = [...walk(engine)].filter((f) => f.endsWith('.d.ts'));
  compile([...entries, ...variants, ...ambient], outDir, { sourceMap: false });
  const mapped = builtImports(imports, './');

  // The browser's worker URL: tsc rewrites `.ts` in imports, not in strings. It names the engine's
  // own Web Worker (bundlers bundle `new Worker(new URL(…))`). worker.node.ts already names
  // ../executor/worker.js, which exists once built (the sources bundle executor/worker.ts with esbuild).
  rewriteOnce(path.join(outDir, 'platform/worker.browser.js'), "new URL('../executor/worker.ts', import.meta.url)", "new URL('../executor/worker.js', import.meta.url)");

  const reached = new Set<string>();
  const visit = (file: string) => {
    if (reached.has(file)) return;
    reached.add(file);
    const code = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const { specifier } of importSpecifiers(code)) {
      if (specifier.startsWith('#')) {
        const to = mapped[specifier];
        if (!to) throw new Error(`${path.relative(root, file)} imports ${specifier}, which package.json "imports" does not map`);
        targets.push(path.join(outDir, to.node), path.join(outDir, to.default));
      } else if (specifier.startsWith('.')) {
        if (specifier.endsWith('.ts')) throw new Error(`${path.relative(root, file)} imports ${specifier}: tsc left a .ts specifier (rewriteRelativeImportExtensions)`);
        targets.push(path.resolve(path.dirname(file), specifier));
      }
    }
    // A worker's `new URL(…)` outside block comments, when it names a built file (worker.node.js
    // also names the sources' ../executor/worker.ts, for when it runs from them).
    for (const [, , url] of code.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/new URL\(\s*(['"])([^'"]+)\1/g)) {
      const target = path.resolve(path.dirname(file), url!);
      if (url!.startsWith('.') && url!.endsWith('.js') && existsSync(target)) targets.push(target);
    }
    for (const target of targets) visit(target);
  };
  for (const entry of entries) visit(path.join(outDir, built(path.relative(root, entry))));
  for (const file of walk(outDir)) if (!reached.has(file)) rmSync(file);

  checkSideEffects(outDir);
  // For the repository only (see the top of this file): not in the tarball.
  writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify({ type: 'module', imports: mapped, sideEffects: SIDE_EFFECTS.map((f) => `./${f}`) }, null, 2)}\n`);
}

/** Replace the one occurrence of `from` in `file` with `to`; throws when there is not exactly one. */
function rewriteOnce(file: string, from: string, to: string): void {
  const code = readFileSync(file, 'utf8');
  const found = code.split(from).length - 1;
  if (found !== 1) throw new Error(`expected one ${from} in ${path.relative(root, file)}, found ${found}: update engine/build/library.ts`);
  writeFileSync(file, code.replace(from, to));
}

/** SIDE_EFFECTS is exactly the built modules with top-level statements other than declarations. */
function checkSideEffects(outDir: string): void {
  const declarations = new Set([ts.SyntaxKind.ImportDeclaration, ts.SyntaxKind.ExportDeclaration, ts.SyntaxKind.FunctionDeclaration, ts.SyntaxKind.VariableStatement, ts.SyntaxKind.EmptyStatement]);
  const effects: string[] = [];
  for (const file of walk(outDir)) {
    if (!file.endsWith('.js')) continue;
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
    // A class acts when loaded through a static block, or a static field initialised by a call.
    const calls = (node: ts.Node): boolean => ts.isCallExpression(node) || ts.isNewExpression(node) || ts.forEachChild(node, calls) === true;
    const isStatic = (m: ts.ClassElement) => ts.canHaveModifiers(m) && (ts.getModifiers(m) ?? []).some((k) => k.kind === ts.SyntaxKind.StaticKeyword);
    const acts = source.statements.some((s) =>
      ts.isClassDeclaration(s)
        ? s.members.some((m) => ts.isClassStaticBlockDeclaration(m) || (ts.isPropertyDeclaration(m) && isStatic(m) && m.initializer !== undefined && calls(m.initializer)))
        : !declarations.has(s.kind),
    );
    if (acts) effects.push(path.relative(outDir, file).split(path.sep).join('/'));
  }
  const missing = effects.filter((f) => !SIDE_EFFECTS.includes(f));
  const idle = SIDE_EFFECTS.filter((f) => !effects.includes(f));
  if (missing.length > 0 || idle.length > 0) {
    throw new Error(
      'engine/build/library.ts SIDE_EFFECTS (package "sideEffects") is out of date: ' +
        (missing.length > 0 ? `${missing.join(', ')} run${missing.length === 1 ? 's' : ''} code when loaded (add, saying what it registers) ` : '') +
        (idle.length > 0 ? `${idle.join(', ')} no longer run${idle.length === 1 ? 's' : ''} code when loaded (remove)` : ''),
    );
  }
}

/** Declarations (the API is the same on both platforms), typed with the Node variants of the `#…` imports. */
function declarations(dist: string): void {
  const outDir = path.join(dist, 'types');
  const ambient = [...walk(engine)].filter((f) => f.endsWith('.d.ts'));
  // No declaration maps: they would point at engine/*.ts, which the package does not ship.
  compile([...entries, ...ambient], outDir, { declaration: true, declarationMap: false, emitDeclarationOnly: true });
  const nodeVariants = Object.fromEntries(Object.entries(sourceImports()).map(([name, v]) => [name, built(v.node)]));
  for (const file of walk(outDir)) {
    if (!file.endsWith('.d.ts')) continue;
    const text = readFileSync(file, 'utf8');
    let replaced = '';
    let at = 0;
    // Relative `.ts` specifiers become `.js` (tsc rewrites them in JavaScript, not in
    // declarations); each `#…` import a relative path to its Node variant.
    for (const { specifier, pos, end } of importSpecifiers(text)) {
      let target: string;
      if (specifier.startsWith('.')) target = specifier.replace(/\.ts$/, '.js');
      else if (specifier.startsWith('#')) {
        const to = nodeVariants[specifier];
        if (!to) throw new Error(`${file}: no target for ${specifier}; add it to package.json "imports"`);
        target = path.relative(path.dirname(file), path.join(outDir, to)).split(path.sep).join('/');
        if (!target.startsWith('.')) target = `./${target}`;
      } else continue;
      replaced += text.slice(at, pos) + target;
      at = end;
    }
    const rewritten = replaced + text.slice(at);
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

/** tsc with the project's options (tsconfig.json) and `overrides`, from `roots` into `outDir`; throws on any error. */
function compile(roots: string[], outDir: string, overrides: ts.CompilerOptions): void {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const options: ts.CompilerOptions = { ...config.options, noEmit: false, rewriteRelativeImportExtensions: true, rootDir: engine, outDir, paths: undefined, ...overrides };
  const program = ts.createProgram(roots, options);
  const result = program.emit();
  const errors = ts
    .getPreEmitDiagnostics(program)
    .concat(result.diagnostics)
    .filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
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

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) yield* walk(file);
    else yield file;
  }
}

/** The two parts of the build, each in a directory of its own under the output directory. */
export type LibraryTarget = 'esm' | 'types';

/**
 * Build the library into `dist` (default: the repository's dist/, which `npm pack` ships); only
 * `targets` when given. Each target's directory is emptied first, so two builds into the same
 * `dist` at once would collide: a caller that builds while another may (a test next to
 * test/package/consumers.test.ts, whose `npm pack` builds dist/) passes a directory of its own.
 * It must sit inside the repository, where the built modules' dependencies (rxjs, comlink…) resolve.
 */
export async function buildLibrary(options: { dist?: string; targets?: readonly LibraryTarget[] } = {}): Promise<void> {
  const dist = options.dist ?? defaultDist;
  const targets = options.targets ?? ['esm', 'types'];
  for (const dir of targets) rmSync(path.join(dist, dir), { recursive: true, force: true });
  if (targets.includes('esm')) esmModules(dist);
  if (targets.includes('types')) declarations(dist);
}

// ---- the published package.json ----

const manifestFile = path.join(root, 'package.json');
/** The repository's package.json while `npm pack` packs the published one (prepack to postpack). */
const keptManifest = path.join(defaultDist, 'package.json.repository');

/**
 * The package.json in the tarball: the repository's, with "imports" mapping `#platform`… to the
 * built modules (the repository's map to engine/*.ts, which the package does not ship), and with
 * "sideEffects" (only there: the repository's own package.json also covers the playground's modules).
 */
export function publishedManifest(text: string): string {
  const manifest = JSON.parse(text) as Record<string, unknown>;
  const published: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(manifest)) {
    if (key === 'imports') published.imports = builtImports(value as Record<string, Variants>, './dist/esm/');
    else published[key] = value;
    if (key === 'files') published.sideEffects = SIDE_EFFECTS.map((f) => `./dist/esm/${f}`);
  }
  return `${JSON.stringify(published, null, 2)}\n`;
}

/** A file replaced at once (written beside it, then renamed over it): readers never see half of it. */
function replaceFile(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

/**
 * prepack: package.json becomes the published one, the repository's kept in dist/ until postpack
 * (npm packs the package.json it finds on disk). Meanwhile, for the seconds npm takes to pack, a
 * process that reads package.json finds `#platform`… mapped to dist/esm: so test/package/consumers.test.ts
 * packs a copy of the repository's package files, never the repository itself, while other tests run.
 */
function publishManifest(): void {
  restoreManifest();
  const text = readFileSync(manifestFile, 'utf8');
  mkdirSync(defaultDist, { recursive: true });
  writeFileSync(keptManifest, text);
  replaceFile(manifestFile, publishedManifest(text));
}

/**
 * postpack: the repository's package.json back. Also at the next prepack, when a pack failed
 * before its postpack. Refuses when package.json changed in between (an edit would be lost).
 */
function restoreManifest(): void {
  if (!existsSync(keptManifest)) return;
  const kept = readFileSync(keptManifest, 'utf8');
  const current = readFileSync(manifestFile, 'utf8');
  if (current !== kept && current !== publishedManifest(kept)) {
    throw new Error(
      `package.json changed while it was the published one (npm pack, prepack to postpack); the repository's own is ${path.relative(root, keptManifest)}: merge the two into package.json, then remove it.`,
    );
  }
  if (current !== kept) replaceFile(manifestFile, kept);
  rmSync(keptManifest);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const step = process.argv[2];
  if (step === '--postpack') {
    restoreManifest();
  } else {
    const start = performance.now();
    await buildLibrary();
    // stderr: `npm pack --json` runs this as prepack, and its stdout must stay JSON.
    console.error(`library built in ${Math.round(performance.now() - start)} ms: dist/esm, dist/types`);
    if (step === '--prepack') publishManifest();
  }
}
