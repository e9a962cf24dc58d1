import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { ensurePlaygroundBuilt, serveStatic, type StaticServer } from './support/playground.ts';

/**
 * The checkpoint switch of the built playground: a stateful pipeline checkpoints to IndexedDB,
 * the page is reloaded, offers to resume, and the state goes on from where it was.
 */
let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  await ensurePlaygroundBuilt();
  [server, browser] = await Promise.all([serveStatic(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const TICKS = `import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
const ticks = ssc.queueStream(Array.from({ length: 500 }, () => ['tick']));
const totals = ticks
  .map((t) => [t, 1] as [string, number])
  .updateStateByKey((ones: number[], total: number | undefined) => (total ?? 0) + ones.length)
  .name('totals');
totals.print();
ssc.start();
`;

const batchTimes = (page: Page) =>
  page.locator('[data-testid=batch-list] [data-batch-time]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-batch-time'))));

/** The record of the updateStateByKey stream at the shown batch. */
async function totalAt(page: Page, batchTime: number): Promise<string> {
  await page.click(`[data-testid=batch-list] [data-batch-time="${batchTime}"]`);
  await page.waitForFunction((t) => document.querySelector('[data-testid=shown-batch]')?.textContent === String(t), batchTime);
  await page.locator('[data-testid=dag] .node', { hasText: 'updateStateByKey' }).click();
  return (await page.locator('[data-testid=rdd-view] .record').allTextContents()).map((t) => t.replace(/^\d+/, '')).join(' ');
}

test('with checkpoints on, a reloaded page offers to resume, and the state goes on from the checkpoint', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } }); // its own IndexedDB and localStorage
  const page = await context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('.monaco-editor .view-lines');
  await page.check('[data-testid=checkpoints]');
  await page.evaluate((code) => (window as any).rivuletPlayground.setCode(code), TICKS);
  await page.click('[data-testid=run]');
  await page.waitForSelector('[data-testid=batch-list] [data-batch-time="12000"]');
  await expect.poll(() => page.locator('[data-testid=console]').textContent()).toContain('(tick,');
  const reached = Math.max(...(await batchTimes(page)));

  await page.reload();
  await page.waitForSelector('.monaco-editor .view-lines');
  const banner = page.locator('[data-testid=resume-banner]');
  await banner.waitFor();
  const stoppedAt = Number(/batch (\d+) ms/.exec((await banner.textContent())!)![1]);
  expect(stoppedAt).toBeGreaterThanOrEqual(reached);
  await page.click('[data-testid=resume-run]');
  await page.waitForSelector(`[data-testid=batch-list] [data-batch-time="${stoppedAt + 3000}"]`);
  await page.click('[data-testid=pause]');
  // The code came back with the run, and the running total at batch t is t / 1 s: one tick per
  // batch since the first — not a fresh count from the reload.
  expect(await page.evaluate(() => (window as any).rivuletPlayground.getCode())).toBe(TICKS);
  const after = (await batchTimes(page)).filter((t) => t > stoppedAt);
  const t = Math.min(...after);
  expect(await totalAt(page, t)).toBe(`["tick", ${t / 1000}]`);
  await context.close();
});
