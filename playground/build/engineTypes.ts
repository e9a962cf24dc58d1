import * as path from 'node:path';
import ts from 'typescript';
import type { Plugin } from 'vite';
import { checkHiddenMembers, hideEngineMembers } from './hiddenMembers.ts';

/**
 * `virtual:rivulet-types`: the engine's declaration files (emitted from engine/index.ts by the
 * TypeScript compiler at build time) plus the rxjs declarations they reference, as
 * `{ path: text }` for Monaco's TypeScript worker. So completions, hover docs and errors in the
 * editor come from the engine's real API and its JSDoc, never from a hand-kept copy.
 */
const ID = 'virtual:rivulet-types';

export function engineTypes(repoRoot: string): Plugin {
  let cached: Record<string, string> | undefined;
  return {
    name: 'rivulet-engine-types',
    resolveId(id) {
      return id === ID ? '\0' + ID : undefined;
    },
    load(id) {
      if (id !== '\0' + ID) return undefined;
      cached ??= emitEngineTypes(repoRoot);
      return `export default ${JSON.stringify(cached)};`;
    },
  };
}

export function emitEngineTypes(repoRoot: string): Record<string, string> {
  const entry = path.join(repoRoot, 'engine/index.ts');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    customConditions: ['browser'],
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: [],
    strict: true,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    declaration: true,
    emitDeclarationOnly: true,
    stripInternal: true,
    skipLibCheck: true,
    rootDir: repoRoot,
    outDir: '/out',
  };
  const files: Record<string, string> = {};
  // The subpath entries a pipeline in the playground can import (package.json "exports").
  const subpaths = { playground: 'engine/playground/index.ts', mqtt: 'engine/connectors/mqtt/index.ts' };
  const program = ts.createProgram([entry, ...Object.values(subpaths).map((f) => path.join(repoRoot, f))], { ...options, paths: { rivulet: [entry] } });
  const hidden = new Set<string>();
  program.emit(
    undefined,
    (fileName, text) => {
      // '/out/engine/rdd/RDD.d.ts' → 'node_modules/rivulet/engine/rdd/RDD.d.ts'
      const rel = path.relative('/out', fileName).split(path.sep).join('/');
      files[`node_modules/rivulet/${rel}`] = text;
    },
    undefined,
    true,
    // Completions list the API, not the engine's plumbing (hiddenMembers.ts).
    { afterDeclarations: [hideEngineMembers(hidden)] },
  );
  checkHiddenMembers(hidden);
  files['node_modules/rivulet/package.json'] = JSON.stringify({
    name: 'rivulet',
    types: './engine/index.d.ts',
    exports: {
      '.': { types: './engine/index.d.ts' },
      ...Object.fromEntries(Object.entries(subpaths).map(([name, file]) => [`./${name}`, { types: `./${file.replace(/\.ts$/, '.d.ts')}` }])),
    },
  });
  // The declarations of packages the engine's public types mention (rxjs's Observable, SchedulerLike…).
  for (const sf of program.getSourceFiles()) {
    const m = /[\\/]node_modules[\\/](rxjs)[\\/](.*)$/.exec(sf.fileName);
    if (m && sf.fileName.endsWith('.d.ts')) files[`node_modules/${m[1]}/${m[2]!.split(path.sep).join('/')}`] = sf.text;
  }
  files['node_modules/rxjs/package.json'] = JSON.stringify({ name: 'rxjs', types: './dist/types/index.d.ts' });
  return files;
}
