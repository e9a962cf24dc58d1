/**
 * Issue 13, item 5, in a real browser: tabs of one origin on one IndexedDB checkpoint database.
 * Before the lock, every tab ran the pipeline on the same checkpoints, each processing the same
 * input. Now the first tab holds a Web Lock (navigator.locks) for the database; another tab — or
 * a second context in the same tab — is refused with CheckpointLockedError naming the holder's
 * page; once the holder stops, or its tab is closed (the browser releases the lock), the next tab
 * resumes exactly where it left off. Two pages of one browser context share IndexedDB and Web
 * Locks, as two tabs do. Headless Chromium (Debian's) via playwright-core; every wait is on a
 * condition in the page.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { openFixture, type FixturePage } from './support/page.ts';

let fixture: FixturePage;

beforeAll(async () => {
  fixture = await openFixture('checkpoint-lock');
});

afterAll(async () => {
  await fixture?.close();
});

const DB = 'lock-test';
const LOCK = `rivulet-checkpoint:${DB}`;

async function open(tab: number, page?: Page): Promise<Page> {
  page ??= await context().newPage();
  page.on('pageerror', (e) => console.error(`tab ${tab}: ${e.message}`));
  await page.goto(`${fixture.server.url}?db=${DB}&tab=${tab}`);
  await page.waitForFunction(() => window.rivuletLock !== undefined);
  return page;
}
let browserContext: Awaited<ReturnType<FixturePage['browser']['newContext']>> | undefined;
const context = () => browserContext!;

const start = (page: Page) => page.evaluate(() => window.rivuletLock.start());
const sums = (page: Page) => page.evaluate(() => window.rivuletLock.sums);
const batchesAtLeast = (page: Page, n: number) => page.waitForFunction((n) => window.rivuletLock.sums.length >= n, n);
const urlOf = (tab: number) => `${fixture.server.url}?db=${DB}&tab=${tab}`;

test('tabs on one IndexedDB checkpoint: the second is refused naming the first; after a stop or a closed tab, the next resumes exactly', async () => {
  browserContext = await fixture.browser.newContext();
  const tab1 = await open(1);
  expect(await start(tab1)).toMatch(/^ready zeroTime=\d+$/);
  await batchesAtLeast(tab1, 2);

  // A second tab: refused, naming the first tab's page, and it runs nothing.
  const tab2 = await open(2);
  const refused = await start(tab2);
  expect(refused).toMatch(
    new RegExp(
      `^error CheckpointLockedError The checkpoints in IndexedDB database "${DB}" are in use by the tab or worker of page ${escape(urlOf(1))} since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(Web Lock "${LOCK}"\\)\\. ` +
        'One tab runs a pipeline on a checkpoint database at a time',
    ),
  );
  expect(refused).toContain('Close that tab or stop its context (ssc.stop()) — the browser releases the lock of a closed tab — or give this one a database of its own.');
  // A second context in the holding tab itself: refused too.
  expect(await start(tab1)).toMatch(/^error CheckpointLockedError /);
  await batchesAtLeast(tab1, (await sums(tab1)).length + 2);
  expect(await sums(tab2)).toEqual([]);

  // The first tab stops: the second resumes after its last batch.
  await tab1.evaluate(() => window.rivuletLock.stop());
  const first = await sums(tab1);
  expect(first, 'one record per batch, each counted once').toEqual(first.map((_, i) => i + 1));
  expect(await tab2.evaluate(() => window.rivuletLock.heldLocks())).not.toContain(LOCK);
  expect(await start(tab2)).toMatch(/^ready /);
  await batchesAtLeast(tab2, 2);
  expect((await sums(tab2))[0]).toBe(first.length + 1);

  // A third tab is refused, naming the second; the second tab is closed without stopping: the
  // browser releases its lock, and the third resumes from the second's checkpoints.
  const tab3 = await open(3);
  expect(await start(tab3)).toContain(`in use by the tab or worker of page ${urlOf(2)} since `);
  const second = await sums(tab2);
  await tab2.close();
  await expect.poll(() => tab3.evaluate(() => window.rivuletLock.heldLocks())).not.toContain(LOCK);
  expect(await start(tab3)).toMatch(/^ready /);
  await batchesAtLeast(tab3, 1);
  const resumed = (await sums(tab3))[0]!;
  // The batches after the second tab's last checkpoint run again (outputs are keyed by batch time): none is lost.
  expect(resumed).toBeGreaterThanOrEqual(first.length + 1);
  expect(resumed).toBeLessThanOrEqual(second[second.length - 1]! + 1);
  await tab3.evaluate(() => window.rivuletLock.stop());
  await browserContext.close();
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
