/**
 * `npm run bench:browser [-- --quick]`: the workers comparison of `npm run bench` in headless
 * Chromium — builds the page test/bench/fixtures/workers-comparison with vite (browser
 * conditions: Web Workers), serves it on 127.0.0.1, opens it and prints its table.
 */
import * as fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../e2e/support/chromium.ts';
import { buildPage, serveDirectory } from '../e2e/support/page.ts';
import type { BrowserBenchResult } from './fixtures/workers-comparison/main.ts';
import type { BenchSize } from './workersCases.ts';
import { median, percentile, table } from './stats.ts';

/** The page's table for `size`, and the Chromium version that measured it. */
export async function runBrowserBench(size: BenchSize): Promise<BrowserBenchResult & { browser: string }> {
  const dir = await buildPage(fileURLToPath(new URL('./fixtures/workers-comparison', import.meta.url)));
  const server = await serveDirectory(dir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?size=${size}`);
    await page.waitForFunction(() => window.rivuletBench !== undefined || window.rivuletBenchError !== undefined, undefined, { timeout: 30 * 60_000, polling: 500 });
    const failed = await page.evaluate(() => window.rivuletBenchError);
    if (failed || errors.length > 0) throw new Error(`The benchmark page failed: ${failed ?? errors.join('\n')}`);
    return { ...(await page.evaluate(() => window.rivuletBench!)), browser: `Chromium ${browser.version()}` };
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const size: BenchSize = process.argv.includes('--quick') ? 'quick' : 'full';
  const r = await runBrowserBench(size);
  const load = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  console.log(`Workers (issue 3) in ${r.browser} (headless), Web Workers: ${r.cores} logical cores (${os.cpus()[0]?.model ?? 'cpu'}), load average after the run ${load}, ${size} run`);
  console.log(table(r.columns, r.rows));
  console.log(`Scheduling delay, 10 ms batch interval, local mode, ${r.delays.length} batches: p50 ${median(r.delays)} ms, p99 ${percentile(r.delays, 99)} ms, max ${Math.max(...r.delays)} ms`);
}
