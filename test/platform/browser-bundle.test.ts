import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

/**
 * engine/index.ts bundled the way a web app's bundler would (vite, browser conditions): the
 * `#platform` import must resolve to engine/platform/browser.ts, so no `node:` module, `ws` or
 * Node-only file reaches the bundle.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
let outDir: string;
let code: string;
const warnings: string[] = [];

beforeAll(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-browser-bundle-'));
  await build({
    root,
    configFile: false, // the project's vite config is the test runner's, for Node
    logLevel: 'silent',
    build: {
      lib: { entry: path.join(root, 'engine/index.ts'), formats: ['es'], fileName: 'rivulet' },
      outDir,
      emptyOutDir: true,
      minify: false,
      sourcemap: false,
      write: true,
      rolldownOptions: { onwarn: (warning) => void warnings.push(String(warning.message ?? warning)) },
    },
  });
  const files = fs.readdirSync(outDir).filter((f) => f.endsWith('.js') || f.endsWith('.mjs'));
  code = files.map((f) => fs.readFileSync(path.join(outDir, f), 'utf8')).join('\n');
}, 30_000);

afterAll(() => {
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

describe('browser bundle of engine/index.ts', () => {
  test('has no node: import, no Node built-in and no ws', () => {
    expect(code.length).toBeGreaterThan(10_000);
    expect(code).not.toMatch(/\bfrom\s*["']node:/);
    expect(code).not.toMatch(/\bimport\s*\(?\s*["']node:/);
    expect(code).not.toMatch(/require\(\s*["'](node:)?(net|fs|path|crypto|os|child_process|worker_threads)["']\s*\)/);
    expect(code).not.toMatch(/\bfrom\s*["'](net|fs|path|crypto|ws)["']/);
    // vite replaces a Node built-in reached from browser code by this stub, and ws by its browser shim
    expect(code).not.toContain('__vite-browser-external');
    expect(code).not.toContain('ws does not work in the browser');
    expect(warnings.filter((w) => /externalized for browser compatibility/.test(w))).toEqual([]);
  });

  test('contains the browser platform, not the Node one', () => {
    expect(code).toContain("name: \"browser\"");
    expect(code).toContain('socketTextStream needs Node');
    expect(code).not.toContain('createConnection');
    expect(code).not.toContain('readdirSync');
  });

  test('run as it is: Node-only sources and sinks fail when defined, saying what to use in a browser', async () => {
    const bundle = fs.readdirSync(outDir).find((f) => f.startsWith('rivulet'))!;
    const rivulet = await import(/* @vite-ignore */ pathToFileURL(path.join(outDir, bundle)).href);
    const ssc = new rivulet.StreamingContext({ batchInterval: 1000 });
    expect(() => ssc.socketTextStream('localhost', 9999)).toThrow('socketTextStream needs Node (a browser cannot open TCP sockets); in a browser use webSocketStream(url)');
    expect(() => ssc.textFileStream('/data')).toThrow(/^textFileStream needs Node/);
    expect(() => ssc.queueStream([[1]]).saveAsTextFiles('out/x')).toThrow(/^saveAsTextFiles needs Node .* foreachRDD/);
    // webSocketStream is defined fine; it needs a WebSocket only when it starts
    expect(() => ssc.webSocketStream('ws://localhost:1')).not.toThrow();
    await ssc.stop();
  });
});
