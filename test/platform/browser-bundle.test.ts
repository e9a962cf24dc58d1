import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleForBrowser, type BrowserBundle } from '../support/browserBundle.ts';

/**
 * engine/index.ts bundled the way a web app's bundler would (vite, browser conditions): the
 * `#platform` import must resolve to engine/platform/browser.ts, so no `node:` module, `ws` or
 * Node-only file reaches the bundle.
 */
let bundle: BrowserBundle;
let outDir: string;
let code: string;
let warnings: string[];

beforeAll(async () => {
  bundle = await bundleForBrowser('engine/index.ts', 'rivulet');
  ({ outDir, code, warnings } = bundle);
});

afterAll(() => bundle?.dispose());

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
    const file = fs.readdirSync(outDir).find((f) => f.startsWith('rivulet'))!;
    const rivulet = await import(/* @vite-ignore */ pathToFileURL(path.join(outDir, file)).href);
    const ssc = new rivulet.StreamingContext({ batchInterval: 1000 });
    expect(() => ssc.socketTextStream('localhost', 9999)).toThrow('socketTextStream needs Node (a browser cannot open TCP sockets); in a browser use webSocketStream(url)');
    expect(() => ssc.textFileStream('/data')).toThrow(/^textFileStream needs Node/);
    expect(() => ssc.queueStream([[1]]).saveAsTextFiles('out/x')).toThrow(/^saveAsTextFiles needs Node .* foreachRDD/);
    // webSocketStream is defined fine; it needs a WebSocket only when it starts
    expect(() => ssc.webSocketStream('ws://localhost:1')).not.toThrow();
    await ssc.stop();
  });
});
