import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';
import type { Plugin } from 'vite';
import { minifySync } from 'rolldown/utils';
import { engineTypes } from './playground/build/engineTypes.ts';

/**
 * Minify each worker bundle on its own terms. Bundles with engine code keep their identifiers: the
 * engine ships functions by their source text (a renamed capture would no longer match the name
 * it is declared under) and names RDDs and streams by their class (lineage shows
 * MapPartitionsRDD, not `e`). Monaco's editor and TypeScript workers are minified fully.
 */
function minifyWorkers(): Plugin {
  return {
    name: 'rivulet-minify-workers',
    renderChunk(code, chunk) {
      // Any chunk with engine code in it (the pipeline worker; the engine's own task workers).
      const keepNames = chunk.moduleIds.some((id) => id.includes('/engine/'));
      const out = minifySync(chunk.fileName, code, keepNames ? { mangle: false, compress: { keepNames: { function: true, class: true } } } : {});
      return { code: out.code, map: null };
    },
  };
}

const repoRoot = fileURLToPath(new URL('.', import.meta.url));
const engineEntry = fileURLToPath(new URL('./engine/index.ts', import.meta.url));

/**
 * One config for two things: the playground (a static site; vite's root is playground/, output
 * in dist/playground) and the test runner (vitest's root is the repository, so test/** is found
 * as before).
 */
export default defineConfig({
  root: fileURLToPath(new URL('./playground', import.meta.url)),
  // Relative asset URLs: the built site works from any static host and any sub-path.
  base: './',
  // The Svelte plugin and the engine's declarations are the playground's; tests do not need them.
  plugins: process.env.VITEST ? [] : [svelte(), engineTypes(repoRoot)],
  resolve: {
    // Docs examples, tests and the playground's worker import the package by its published name.
    alias: {
      // A browser app's worker entry imports loadPipeline from 'rivulet/worker' (the executor's entry).
      'rivulet/worker': fileURLToPath(new URL('./engine/executor/worker.ts', import.meta.url)),
      rivulet: engineEntry,
      // Monaco's own files (its package exports map every path to `.js`, which hides its CSS).
      'monaco-esm': fileURLToPath(new URL('./node_modules/monaco-editor/esm/vs', import.meta.url)),
    },
  },
  build: {
    outDir: fileURLToPath(new URL('./dist/playground', import.meta.url)),
    emptyOutDir: true,
    // Monaco is one large chunk by nature; it is loaded once and cached.
    chunkSizeWarningLimit: 5000,
  },
  worker: {
    format: 'es',
    plugins: () => [minifyWorkers()],
    rolldownOptions: {
      output: {
        // Workers are minified one by one in minifyWorkers(); Monaco's fully, the pipeline's without renaming.
        minify: false,
        keepNames: true,
        // The pipeline worker bundles the engine (as do the engine's own task workers). Their files live under assets/engine/ so that the
        // engine's call-site detection (which skips stack frames from an `engine/` path) skips
        // the bundled engine's frames and names the line in the user's pipeline.
        entryFileNames: (chunk) => (chunk.moduleIds.some((id) => id.includes('/engine/')) ? 'assets/engine/[name]-[hash].js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: { fs: { allow: [repoRoot] } },
  preview: { host: '127.0.0.1' },
  test: {
    root: repoRoot,
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    // The JSON report feeds .ci/run's one-line summary.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
