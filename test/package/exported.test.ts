/**
 * What the playground exports (issue 16, item 7), run as its user runs it: the Export dialog's
 * .zip downloaded from the built playground in Chromium, unzipped into a folder beside the packed
 * tarball (test/package/support/pack.ts), its package.json's `rivulet` pointed at the tarball —
 * the only change — then `npm install` and `npm start`.
 *
 * - A Node script of each example that needs no server: `npm start` (tsx) under node prints, batch
 *   for batch, what the playground's Console showed for that example (virtual time: the same
 *   batches at any speed, and the export plays its clock at the playground's), and `npm run
 *   typecheck` passes against the package's declarations.
 * - A Vite app: built by `npm run build` (vite build), served, opened in Chromium, with two Web
 *   Workers started from its worker entry: the page shows the batches the playground showed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../e2e/support/chromium.ts';
import { serveDirectory } from '../e2e/support/page.ts';
import { ensurePlaygroundBuilt, serveStatic, type StaticServer } from '../e2e/support/playground.ts';
import { packRepository, run } from './support/pack.ts';

const work = mkdtempSync(path.join(tmpdir(), 'rivulet-exported-'));
let browser: Browser;
let server: StaticServer;
let page: Page;

beforeAll(async () => {
  packRepository(work);
  await ensurePlaygroundBuilt();
  [server, browser] = await Promise.all([serveStatic(), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(server.url);
  await page.waitForSelector('.monaco-editor .view-lines');
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

/** The runs are compared up to this batch time (excluded): five batches of one second (windowed top-K prints every 2 s). */
const UNTIL = 6000;
const DASHES = '-'.repeat(43);

/** What print() wrote for the batches before `until`, from the first batch's header to batch `until`'s. */
function batchesBefore(lines: string[], until: number): string {
  const text = lines.join('\n');
  const from = text.indexOf(`${DASHES}\nTime: `);
  const to = text.indexOf(`${DASHES}\nTime: ${until} ms\n`);
  expect(from, text.slice(0, 2000)).toBeGreaterThanOrEqual(0);
  expect(to, text.slice(-2000)).toBeGreaterThan(from);
  return text.slice(from, to);
}

const code = () => page.evaluate(() => (window as any).rivuletPlayground.getCode() as string);

/** Load an example (and, given `edit`, change its code), in virtual time at `speed`. */
async function load(example: string, speed: string, edit?: (code: string) => string): Promise<void> {
  await page.selectOption('[data-testid=examples]', example);
  if (edit) {
    const edited = edit(await code());
    await page.evaluate((c) => (window as any).rivuletPlayground.setCode(c), edited);
    await page.waitForFunction((c) => (window as any).rivuletPlayground.getCode() === c, edited);
  }
  await page.selectOption('[data-testid=mode]', 'virtual');
  await page.selectOption('[data-testid=speed]', speed);
}

/** Run the editor's pipeline in the playground until batch `until` has printed; the Console's lines. */
async function runInPlayground(until: number): Promise<string[]> {
  await page.click('[data-testid=run]');
  await page.waitForFunction((t) => (window as any).rivuletPlaygroundRun.consoleLines().includes(`Time: ${t} ms`), until);
  await page.click('[data-testid=stop]');
  return page.evaluate(() => (window as any).rivuletPlaygroundRun.consoleLines() as string[]);
}

/** Export the editor's pipeline as `target` through the dialog's Download: the zip's folder, written under `work`. */
async function exportProject(target: 'node' | 'vite'): Promise<string> {
  await page.click('[data-testid=export]');
  await page.check(`[data-testid=export-${target}]`);
  await page.waitForFunction((t) => document.querySelector('[data-testid=export-download]')?.textContent?.endsWith(`-${t}.zip`), target);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-download]')]);
  const entries = unzipSync(readFileSync(await download.path()));
  await page.keyboard.press('Escape');
  await page.locator('[data-testid=export-dialog]').waitFor({ state: 'detached' });
  const folders = new Set(Object.keys(entries).map((f) => f.split('/')[0]!));
  expect(folders.size, [...folders].join(' ')).toBe(1);
  const [folder] = folders;
  expect(download.suggestedFilename()).toBe(`${folder}.zip`);
  const dir = path.join(work, folder!);
  rmSync(dir, { recursive: true, force: true });
  for (const [file, bytes] of Object.entries(entries)) {
    if (file.endsWith('/')) continue;
    mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    writeFileSync(path.join(work, file), strFromU8(bytes));
  }
  return dir;
}

/** Point the project's `rivulet` at the packed tarball (the one change a user of a published package does not make), and install. */
function install(dir: string): void {
  const file = path.join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  expect(pkg.dependencies.rivulet).toMatch(/^\^\d+\.\d+\.\d+$/);
  pkg.dependencies.rivulet = 'file:../rivulet.tgz';
  writeFileSync(file, JSON.stringify(pkg, null, 2));
  run(dir, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']);
}

/** `npm start` in `dir` until its output holds batch `until`'s header; then the process group is ended. Its output lines. */
function startUntil(dir: string, until: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent'], { cwd: dir, detached: true, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    const done = (result: () => void) => {
      child.stdout.removeAllListeners('data');
      child.removeAllListeners('exit');
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      result();
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes(`Time: ${until} ms\n`)) done(() => resolve(out.split('\n')));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (err += chunk));
    child.on('exit', (status) => done(() => reject(new Error(`npm start in ${dir} ended (${status}) before batch ${until}:\n${out}\n${err}`))));
  });
}

describe('a Node script exported from the playground', () => {
  // Every example that needs no server; the first one's project is installed, the others' pipeline.ts replace its own.
  const examples = ['click-stream', 'wordcount', 'windowed-top-k', 'sessions', 'join'];
  let dir: string | undefined;
  let installed: { dependencies: unknown; devDependencies: unknown; scripts: unknown } | undefined;

  it.each(examples)('%s: `npm start` prints the batches the playground printed; it type-checks', async (example) => {
    await load(example, 'max');
    const expected = batchesBefore(await runInPlayground(UNTIL), UNTIL);
    const exported = await exportProject('node');
    expect(path.basename(exported)).toBe(`rivulet-${example}-node`);
    const source = readFileSync(path.join(exported, 'pipeline.ts'), 'utf8');
    // The package by its name, as a project imports it; the playground's clock as a played ManualClock.
    expect(source).toMatch(/^import \{[^}]*\bStreamingContext\b[^}]*\} from 'rivulet';$/m);
    expect(source).toContain("playClock(clock, { speed: 'max' });");
    const pkg = JSON.parse(readFileSync(path.join(exported, 'package.json'), 'utf8'));
    if (dir === undefined) {
      install(exported);
      dir = exported;
      installed = { dependencies: pkg.dependencies, devDependencies: pkg.devDependencies, scripts: pkg.scripts };
    } else {
      expect({ dependencies: pkg.dependencies, devDependencies: pkg.devDependencies, scripts: pkg.scripts }).toEqual(installed);
      writeFileSync(path.join(dir, 'pipeline.ts'), source);
    }
    expect(batchesBefore(await startUntil(dir, UNTIL), UNTIL)).toBe(expected);
    run(dir, 'npm', ['run', 'typecheck', '--silent']);
  });
});

describe('a Vite app exported from the playground', () => {
  it('builds with vite; in Chromium, on two Web Workers started from its worker entry, the page shows the batches the playground showed', async () => {
    // The click-stream example on two executors, at 100×.
    await load('click-stream', '100', (c) => c.replace('defaultParallelism: 3 }', 'defaultParallelism: 3, workers: 2 }'));
    expect(await code()).toContain('workers: 2 }');
    const expected = batchesBefore(await runInPlayground(UNTIL), UNTIL);
    const dir = await exportProject('vite');
    expect(readFileSync(path.join(dir, 'src/pipeline.ts'), 'utf8')).toContain("createWorker: () => new Worker(new URL('./rivulet.worker.ts', import.meta.url), { type: 'module' })");
    install(dir);
    run(dir, 'npm', ['run', 'typecheck', '--silent']);
    run(dir, 'npm', ['run', 'build', '--silent']);
    const app = await serveDirectory(path.join(dir, 'dist'));
    const tab = await browser.newPage();
    const errors: string[] = [];
    const workers: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.stack ?? e.message));
    tab.on('worker', (w) => workers.push(w.url()));
    try {
      await tab.goto(app.url);
      // Read in the page, the moment batch UNTIL is there (the page keeps the last 2000 lines).
      const shown = await tab.waitForFunction((t) => {
        const text = document.querySelector('#output')?.textContent ?? '';
        return text.includes(`Time: ${t} ms\n`) ? text : false;
      }, UNTIL);
      expect(batchesBefore(((await shown.jsonValue()) as string).split('\n'), UNTIL)).toBe(expected);
      expect(errors).toEqual([]);
      // The engine started both executors from the app's worker entry (bundled as its own chunk).
      expect(workers.filter((url) => /\/rivulet\.worker-[^/]*\.js$/.test(url))).toHaveLength(2);
    } finally {
      await tab.close();
      await app.close();
    }
  });
});
