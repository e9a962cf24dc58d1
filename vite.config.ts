import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';
import { engineTypes } from './playground/build/engineTypes.ts';

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
      // The connectors, each its own entry so that the core needs none of their clients.
      'rivulet/mqtt': fileURLToPath(new URL('./engine/connectors/mqtt/index.ts', import.meta.url)),
      'rivulet/nats': fileURLToPath(new URL('./engine/connectors/nats/index.ts', import.meta.url)),
      'rivulet/redis': fileURLToPath(new URL('./engine/connectors/redis/index.ts', import.meta.url)),
      // The playground's seeded sources and its clock, for running its examples anywhere.
      'rivulet/playground': fileURLToPath(new URL('./engine/playground/index.ts', import.meta.url)),
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
    rolldownOptions: {
      output: {
        // Minified as usual, except that classes keep their names: the pipeline worker shows
        // them — an RDD's lineage (toDebugString: `MapPartitionsRDD[3] at map at …`), a stream's
        // kind in the graph, a record's class in the partition view. (Nothing depends on a
        // function's name: user code reaches the executors as code, not as function text.)
        minify: { compress: { keepNames: { function: false, class: true } }, mangle: { keepNames: { function: false, class: true } } },
        // The pipeline worker and the executor workers bundle the engine (under assets/engine/). The
        // engine's call-site detection skips the frames of that bundle up to the end mark each
        // worker entry sets (markEngineEnd), and names the line in the user's pipeline.
        entryFileNames: (chunk) => (chunk.moduleIds.some((id) => id.includes('/engine/')) ? 'assets/engine/[name]-[hash].js' : 'assets/[name]-[hash].js'),
        // The same for chunks the engine loads on first use (the placement code, the source reader…).
        chunkFileNames: (chunk) => (chunk.moduleIds.some((id) => id.includes('/engine/')) ? 'assets/engine/[name]-[hash].js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: { fs: { allow: [repoRoot] } },
  preview: { host: '127.0.0.1' },
  test: {
    root: repoRoot,
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Tests wait on conditions, not on wall-clock budgets: these bounds only catch a genuine hang,
    // and leave a loaded machine (a fresh clone, two cores shared) all the room it needs. A test
    // or hook needs no timeout of its own below them; a subprocess's own timeout stays under them
    // so that its output is reported. Playwright's waits get the same room (test/e2e/support/chromium.ts).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    expect: { poll: { timeout: 150_000 } },
    // The JSON report feeds .ci/run's one-line summary.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
