import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleForBrowser, type BrowserBundle } from '../support/browserBundle.ts';

/**
 * engine/checkpoint/index.ts bundled as a web app's bundler would (vite, browser conditions):
 * `#checkpoint-fs` must resolve to fs.browser.ts, so no `node:` module reaches the bundle.
 */
let bundle: BrowserBundle;
let code: string;
let warnings: string[];

beforeAll(async () => {
  bundle = await bundleForBrowser('engine/checkpoint/index.ts', 'checkpoint');
  ({ code, warnings } = bundle);
});

afterAll(() => bundle?.dispose());

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
