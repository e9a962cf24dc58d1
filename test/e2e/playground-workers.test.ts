import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { ensurePlaygroundBuilt, serveStatic, type StaticServer } from './support/playground.ts';

/**
 * A pipeline in the playground with `workers: 2`: it runs in the playground's Web Worker, and its
 * tasks on the engine's own Web Workers under it, with the same results as local mode.
 */
let browser: Browser;
let server: StaticServer;
let page: Page;

beforeAll(async () => {
  await ensurePlaygroundBuilt();
  [server, browser] = await Promise.all([serveStatic(), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(server.url);
  await page.waitForSelector('.monaco-editor .view-lines');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const pipeline = (workers: string) => `import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1)${workers} });
const lines = ssc.queueStream([['a b a', 'c b a', 'd'], ['b b', 'e']]);
lines.flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b)
  .foreachRDD(async (rdd, time) => {
    const counts = (await rdd.collect()).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    const m = ssc.sparkContext.scheduler.metrics;
    console.log(\`\${time}: \${JSON.stringify(counts)} on workers: \${m.remoteTasks > 0}\`);
  });
ssc.start();
`;

async function runAndRead(code: string): Promise<string[]> {
  await page.evaluate((c) => (window as any).rivuletPlayground.setCode(c), code);
  await page.click('[data-testid=run]');
  await expect.poll(async () => (await page.locator('[data-testid=console]').textContent()) ?? '', { timeout: 30_000 }).toMatch(/2000: /);
  await page.click('[data-testid=stop]');
  const text = (await page.locator('[data-testid=console]').textContent()) ?? '';
  // The panel's text runs lines together (and Stop appends a notice): pick the batch lines out.
  return [...text.matchAll(/\d+000: \[.*?\]\] on workers: (?:true|false)/g)].map((m) => m[0]).slice(0, 2);
}

test('tasks run on the engine workers under the pipeline worker, with local mode results', async () => {
  const local = await runAndRead(pipeline(''));
  const onWorkers = await runAndRead(pipeline(', workers: 2'));
  expect(local).toEqual([
    '1000: [["a",3],["b",2],["c",1],["d",1]] on workers: false',
    '2000: [["b",2],["e",1]] on workers: false',
  ]);
  expect(onWorkers).toEqual(local.map((l) => l.replace('on workers: false', 'on workers: true')));
});
