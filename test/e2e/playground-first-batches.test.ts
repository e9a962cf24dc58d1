import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { ensurePlaygroundBuilt, serveStatic, type StaticServer } from './support/playground.ts';

/**
 * The first example can be inspected (issue 16, item 2), in the built playground in Chromium:
 * Step before a run starts it paused and runs batch 1 only; and the batches that had input
 * records keep their records while many empty batches run after them.
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

const batchTimes = (page: Page) =>
  page.locator('[data-testid=batch-list] [data-batch-time]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-batch-time'))));
const waitForStatus = (page: Page, text: string) => page.waitForFunction((t) => document.querySelector('[data-testid=status]')?.textContent === t, text);
const shownRecords = async (page: Page) => (await page.locator('[data-testid=rdd-view] .record').allTextContents()).map((t) => t.replace(/^\d+/, '')).sort();

test('Step before a run starts it paused and runs batch 1 only; the next Step runs batch 2', async () => {
  await page.selectOption('[data-testid=examples]', 'wordcount');
  expect(await page.locator('[data-testid=step]').isEnabled()).toBe(true);
  await page.click('[data-testid=step]');
  await page.waitForSelector('[data-testid=batch-list] [data-batch-time="1000"]');
  await waitForStatus(page, 'Paused');
  await page.waitForFunction(() => document.querySelector('[data-testid=shown-batch]')?.textContent === '1000');
  // Batch 1's words, counted (reduceByKey is what print reads, shown by default).
  await expect.poll(() => shownRecords(page)).toEqual(['["not", 1]', '["question", 1]', '["that", 1]']);
  // Paused: a second batch waits for the next Step (wait until the page has seen every message the worker sent for the step).
  await expect.poll(() => page.locator('[data-testid=console]').textContent()).toContain('(question,1)');
  expect(await batchTimes(page)).toEqual([1000]);
  await page.click('[data-testid=step]');
  await page.waitForSelector('[data-testid=batch-list] [data-batch-time="2000"]');
  await waitForStatus(page, 'Paused');
  await page.waitForFunction(() => document.querySelector('[data-testid=shown-batch]')?.textContent === '2000');
  await expect.poll(() => shownRecords(page)).toEqual(['["rest", 1]', '["silence", 1]']);
  expect(await batchTimes(page)).toEqual([2000, 1000]);
  await page.click('[data-testid=stop]');
});

test('the batches with input records keep their records after a hundred empty batches; empty ones are let go first', async () => {
  await page.selectOption('[data-testid=examples]', 'wordcount');
  await page.selectOption('[data-testid=speed]', 'max');
  await page.click('[data-testid=run]');
  // 100 batches: far more than the 60 whose records the page keeps.
  // (The list is newest first and virtual: the row of a given batch is rendered only while near the top; wait on the newest.)
  await page.waitForFunction((t) => Number(document.querySelector('[data-testid=batch-list] [data-batch-time]')?.getAttribute('data-batch-time')) >= t, 100000);
  await page.click('[data-testid=pause]');
  await waitForStatus(page, 'Paused');
  for (const [time, words] of [
    [1000, ['["not", 1]', '["question", 1]', '["that", 1]']],
    [4000, ['["all", 1]', '["stage", 1]', '["world", 1]']],
  ] as const) {
    // (The list is virtual: scroll the row into view.)
    const row = page.locator(`[data-testid=batch-list] [data-batch-time="${time}"]`);
    await expect.poll(async () => {
      await page.locator('[data-testid=batch-list] [data-batch-time]').last().scrollIntoViewIfNeeded();
      return row.count();
    }).toBe(1);
    expect(await row.evaluate((el) => el.classList.contains('kept'))).toBe(true);
    await row.click();
    await page.waitForFunction((t) => document.querySelector('[data-testid=shown-batch]')?.textContent === String(t), time);
    await expect.poll(() => shownRecords(page)).toEqual(words);
  }
  // An early empty batch made room for them.
  const empty = page.locator('[data-testid=batch-list] [data-batch-time="10000"]');
  expect(await empty.evaluate((el) => el.classList.contains('kept'))).toBe(false);
  await empty.click();
  await expect.poll(() => page.locator('[data-testid=batch-pane]').textContent()).toContain('are no longer kept');
  await page.click('[data-testid=stop]');
  await page.selectOption('[data-testid=speed]', '10');
});
