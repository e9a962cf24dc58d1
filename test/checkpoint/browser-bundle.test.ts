import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/**
 * engine/checkpoint/index.ts bundled as a web app's bundler would (vite, browser conditions):
 * `#checkpoint-fs` must resolve to fs.browser.ts, so no `node:` module reaches the bundle.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
let outDir: string;
let code: string;
const warnings: string[] = [];

beforeAll(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-checkpoint-bundle-'));
  await build({
    root,
    configFile: false,
    logLevel: 'silent',
    build: {
      lib: { entry: path.join(root, 'engine/checkpoint/index.ts'), formats: ['es'], fileName: 'checkpoint' },
      outDir,
      emptyOutDir: true,
      minify: false,
      sourcemap: false,
      write: true,
      rolldownOptions: { onwarn: (warning) => void warnings.push(String(warning.message ?? warning)) },
    },
  });
  code = fs.readdirSync(outDir).filter((f) => /\.m?js$/.test(f)).map((f) => fs.readFileSync(path.join(outDir, f), 'utf8')).join('\n');
}, 30_000);

afterAll(() => {
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

describe('browser bundle of engine/checkpoint', () => {
  test('has no node: import and no Node built-in', () => {
    expect(code).toContain('IndexedDBCheckpointStore');
    expect(code).not.toMatch(/\bfrom\s*["']node:/);
    expect(code).not.toMatch(/\bimport\s*\(?\s*["']node:/);
    expect(code).not.toMatch(/\bfrom\s*["'](fs|path|crypto)["']/);
    expect(code).not.toContain('__vite-browser-external');
    expect(warnings.filter((w) => /externalized for browser compatibility/.test(w))).toEqual([]);
  });

  test('holds the browser variant of the directory store, not the Node one', () => {
    expect(code).toContain('a directory path needs Node');
    expect(code).not.toContain('fsyncDirectory');
    expect(code).not.toContain('readdir');
  });
});
