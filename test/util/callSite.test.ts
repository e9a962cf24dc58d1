import { afterAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { callSiteFromStack } from '../../engine/util/callSite.ts';

// Call sites name the user's file in any folder — also one called engine/ — and stay readable
// when the application is bundled (minified: the bundle's file:line:column; with source maps
// applied by the platform: the original file).

const root = fileURLToPath(new URL('../..', import.meta.url));
const engineDir = path.join(root, 'engine');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const temp = mkdtempSync(path.join(tmpdir(), 'rivulet-callsite-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A user's program in `<temp>/<name>/engine/app.ts`: its map throws on the second record; it prints the error's message. */
function userApp(name: string): string {
  const dir = path.join(temp, name, 'engine');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(temp, name, 'package.json'), '{ "type": "module" }\n');
  const file = path.join(dir, 'app.ts');
  writeFileSync(
    file,
    [
      `import { StreamingContext, ManualClock } from ${JSON.stringify(path.join(engineDir, "index.ts"))};`,
      '',
      'const clock = new ManualClock();',
      'const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });',
      "const parsed = ssc.queueStream([['1', 'x']]).map((s) => {", // line 5; map( at column 46
      "  if (Number.isNaN(Number(s))) throw new RangeError('not a number: ' + s);",
      '  return Number(s);',
      '});',
      'parsed.foreachRDD(async (rdd) => void (await rdd.collect()));', // line 9; foreachRDD( at column 8
      'ssc.start();',
      'const terminated = ssc.awaitTermination();',
      'await clock.advance(1000);',
      'await terminated.catch((e) => console.log(e.message));',
      '',
    ].join('\n'),
  );
  return file;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${err}`))));
  });
}

describe('call sites of user code in a folder named engine/', () => {
  test('run with tsx: the error names the user\'s file, line and column', async () => {
    const app = userApp('tsx');
    expect(await run(tsx, [app])).toBe('Batch 1000 ms failed in foreachRDD at app.ts:9:8: map at app.ts:5:46 threw RangeError: not a number: x');
  });

  test('bundled and minified by esbuild: the bundle\'s file:line:column; with node --enable-source-maps, the original file', async () => {
    const app = userApp('bundled');
    const bundle = path.join(temp, 'bundled', 'out', 'app.bundle.mjs');
    await build({ entryPoints: [app], outfile: bundle, bundle: true, minify: true, sourcemap: true, platform: 'node', format: 'esm', logLevel: 'silent' }).catch((e) => { throw new Error(e.errors.map((m: { text: string }) => m.text).join('\n')); });
    const plain = await run(process.execPath, [bundle]);
    expect(plain).toMatch(/^Batch 1000 ms failed in foreachRDD at app\.bundle\.mjs:\d+:\d+: map at app\.bundle\.mjs:\d+:\d+ threw RangeError: not a number: x$/);
    // The two sites are different places in the bundle (the user's, not the engine's).
    const [foreachSite, mapSite] = [...plain.matchAll(/app\.bundle\.mjs:(\d+:\d+)/g)].map((m) => m[1]);
    expect(foreachSite).not.toBe(mapSite);
    expect(await run(process.execPath, ['--enable-source-maps', bundle])).toBe('Batch 1000 ms failed in foreachRDD at app.ts:9:8: map at app.ts:5:46 threw RangeError: not a number: x');
  });
});

describe('callSiteFromStack', () => {
  const at = (file: string, line: number, column: number, fn = 'f') => `    at ${fn} (${file}:${line}:${column})`;
  const engineFile = path.join(engineDir, 'dstream/DStream.ts');

  test.each([
    ['V8, paths', ['Error', at(engineFile, 80, 5, 'new DStream'), at('/home/me/engine/app.ts', 5, 46), at('/home/me/engine/main.ts', 1, 1)], 'app.ts:5:46'],
    ['V8, file URLs', ['Error', at(pathToFileURL(engineFile).href, 80, 5), at('file:///home/me/engine/app.ts', 7, 3)], 'app.ts:7:3'],
    ['a top-level frame without a function name', ['Error', at(engineFile, 80, 5), '    at file:///home/me/engine/app.ts:2:9'], 'app.ts:2:9'],
    ['a dev server URL with a query string', ['Error', at(engineFile, 80, 5), at('http://localhost:5173/src/engine/app.ts?t=1712', 4, 2)], 'app.ts:4:2'],
    ['Firefox and Safari', ['f@' + pathToFileURL(engineFile).href + ':80:5', 'g@http://localhost:5173/engine/app.js:10:20'], 'app.js:10:20'],
    ['platform frames are skipped', ['Error', at(engineFile, 80, 5), '    at new Promise (<anonymous>)', at('node:internal/process/task_queues', 95, 5), at('/home/me/app.ts', 3, 1)], 'app.ts:3:1'],
    ['only the engine', ['Error', at(engineFile, 80, 5)], 'unknown location'],
  ])('%s', (_name, lines, expected) => {
    expect(callSiteFromStack(lines.join('\n'))).toBe(expected);
  });
});
