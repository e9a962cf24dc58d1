import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { ensurePlaygroundBuilt, serveStatic, type StaticServer } from './support/playground.ts';

/**
 * The Spark UI's streaming statistics (issue 16, item 4), in the built playground in Chromium:
 * four timelines with averages and histograms, axes from zero, the batch interval on processing
 * time; the batch running now and for how long (also a script's top level); per-output-operation
 * durations; and a fresh chart for each run.
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
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const setCode = (code: string) => page.evaluate((c) => (window as any).rivuletPlayground.setCode(c), code);
const waitForStatus = (text: string) => page.waitForFunction((t) => document.querySelector('[data-testid=status]')?.textContent === t, text);
const stat = (metric: string) => page.locator(`[data-testid=stat][data-metric=${metric}]`);
const activity = () => page.locator('[data-testid=activity]').textContent();

test('four timelines: input rate, scheduling delay, processing time and total delay, with averages and histograms over every batch, from zero', async () => {
  // Batches of 2, 6 and 4 records on a 2 s interval, then empty ones.
  await setCode(`import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(2) });
ssc.queueStream([['a', 'b'], ['a', 'b', 'c', 'd', 'e', 'f'], ['a', 'b', 'c', 'd']]).count().print();
ssc.start();
`);
  // Step by step: exactly five batches.
  await page.click('[data-testid=step]');
  await waitForStatus('Paused');
  for (let t = 4000; t <= 10_000; t += 2000) {
    await page.click('[data-testid=step]');
    await page.waitForSelector(`[data-testid=batch-list] [data-batch-time="${t}"]`);
  }
  expect(await page.locator('[data-testid=stat]').evaluateAll((els) => els.map((e) => e.getAttribute('data-metric')))).toEqual(['input-rate', 'scheduling-delay', 'processing-time', 'total-delay']);
  // Records per second: (2 + 6 + 4 + 0 + 0) / 5 batches / 2 s = 1.2.
  await expect.poll(() => stat('input-rate').locator('[data-testid=avg]').textContent()).toBe('avg 1.20 records/s');
  // The rate axis runs from zero to a round number above the highest rate (3 records/s).
  expect(await stat('input-rate').locator('.zero').textContent()).toBe('0');
  expect(Number(await stat('input-rate').locator('[data-testid=axis-top]').textContent())).toBeGreaterThanOrEqual(3);
  // Each histogram counts every batch once: 1, 2 and 3 records/s once each, 0 twice.
  for (const metric of ['input-rate', 'scheduling-delay', 'processing-time', 'total-delay']) {
    const counts = await stat(metric).locator('[data-testid=histogram] rect').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(5);
  }
  expect((await stat('input-rate').locator('[data-testid=histogram] rect').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))))).sort()).toEqual([1, 1, 1, 2]);
  // The batch interval, 2000 ms, is drawn on processing time only, at its height on that axis.
  expect(await page.locator('[data-testid=batch-interval-line]').count()).toBe(1);
  const top = Number((await stat('processing-time').locator('[data-testid=axis-top]').textContent())!.replace(/,/g, ''));
  expect(top).toBeGreaterThanOrEqual(2400);
  expect(Number(await stat('processing-time').locator('[data-testid=batch-interval-line]').getAttribute('y1'))).toBeCloseTo(100 - (2000 / top) * 100, 5);
  // Hovering a batch shows its values in every row.
  const box = (await stat('input-rate').locator('svg.line').boundingBox())!;
  await page.mouse.move(box.x + box.width / 4, box.y + box.height / 2); // the second of five batches: 4000 ms, 3 records/s
  await expect.poll(() => stat('input-rate').locator('[data-testid=at]').textContent()).toBe('3.00 at 4 s');
  await page.click('[data-testid=stop]');
});

test('the batch running now and for how long: a transformation stuck in a loop, and a loop at the top level of the script', async () => {
  await setCode(`import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
ssc.queueStream([[1]]).map((x) => {
  while (true) {}
  return x;
}).print();
ssc.start();
`);
  await page.click('[data-testid=run]');
  await expect.poll(activity).toMatch(/^processing batch 1000 ms for \d+\.\d s/);
  // The elapsed time grows while the loop spins (the page's clock: the worker cannot answer).
  const first = Number(/for (\d+\.\d) s/.exec((await activity())!)![1]);
  await expect.poll(async () => Number(/for (\d+\.\d) s/.exec((await activity())!)?.[1])).toBeGreaterThan(first);
  await page.click('[data-testid=stop]');
  await waitForStatus('Stopped');
  expect(await activity()).toBe('');

  await setCode(`import { StreamingContext, Seconds } from 'rivulet';
let n = 0;
while (true) n++;
`);
  await page.click('[data-testid=run]');
  await waitForStatus('Running your script…');
  await expect.poll(activity).toMatch(/^your script's top level has been running for \d+\.\d s/);
  await page.click('[data-testid=stop]');
  await waitForStatus('Stopped');
});

test('each output operation of a batch, with how long it took', async () => {
  await setCode(`import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
const words = ssc.queueStream([['a', 'b']]);
words.count().print();
words.foreachRDD(async (rdd) => {
  const until = performance.now() + 60;
  while (performance.now() < until) {}
  await rdd.count();
});
ssc.start();
`);
  await page.click('[data-testid=step]');
  await page.waitForSelector('[data-testid=batch-list] [data-batch-time="1000"]');
  await page.waitForFunction(() => document.querySelector('[data-testid=shown-batch]')?.textContent === '1000');
  const ops = await page.locator('[data-testid=output-ops] .op').allTextContents();
  expect(ops.map((o) => o.replace(/\s+/g, ' ').trim().replace(/ [\d.]+ ms$/, ''))).toEqual(['print at pipeline.ts:4:15', 'foreachRDD at pipeline.ts:5:7']);
  expect(Number(/([\d.]+) ms$/.exec(ops[1]!.trim())![1])).toBeGreaterThanOrEqual(60);
  await page.click('[data-testid=stop]');
});

test('a new run starts a fresh chart: its time axis and sampling note are its own', async () => {
  await page.selectOption('[data-testid=examples]', 'wordcount');
  await page.selectOption('[data-testid=speed]', 'max');
  await page.click('[data-testid=run]');
  // (The list is newest first and virtual: the row of a given batch is rendered only while near the top; wait on the newest.)
  await page.waitForFunction((t) => Number(document.querySelector('[data-testid=batch-list] [data-batch-time]')?.getAttribute('data-batch-time')) >= t, 200000);
  await page.click('[data-testid=stop]');
  await page.selectOption('[data-testid=speed]', '10');
  await page.click('[data-testid=step]');
  await page.waitForSelector('[data-testid=batch-list] [data-batch-time="1000"]');
  await waitForStatus('Paused');
  expect(await page.locator('[data-testid=batch-list] [data-batch-time]').count()).toBe(1);
  expect(await page.locator('[data-testid=stats] .xaxis').textContent()).toBe('1 sbatch time (since start)1 s');
  expect(await page.locator('[data-testid=sampling]').count()).toBe(0);
  await page.click('[data-testid=stop]');
});
