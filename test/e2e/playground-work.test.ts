import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { ensurePlaygroundBuilt, serveStatic, type StaticServer } from './support/playground.ts';

/**
 * Work is never lost (issue 16, item 1), in the built playground in Chromium: the editor is
 * autosaved and restored on reload, a shared link loads once and then the address follows the
 * code, a link carries the run settings, and Reset puts an example back (Ctrl+Z undoes it).
 * Each test has its own browser context: its own localStorage, as a new visitor has.
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

async function open(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(url);
  await page.waitForSelector('.monaco-editor .view-lines');
  return page;
}

const getCode = (page: Page) => page.evaluate(() => (window as any).rivuletPlayground.getCode() as string);
const setCode = (page: Page, code: string) => page.evaluate((c) => (window as any).rivuletPlayground.setCode(c), code);
const chosenExample = (page: Page) => page.locator('[data-testid=examples] option:checked').textContent();
/** The code and settings the address carries, decoded by the page's own reader. */
const addressCode = (page: Page) => page.evaluate(() => (window as any).rivuletPlayground.addressCode() as string | undefined);

const EDITED = `import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
ssc.queueStream([['kept', 'across', 'a', 'reload']]).count().print();
ssc.start();
`;

test('edits and run settings survive a reload; the menu says the code is no longer the example; Reset puts it back and Ctrl+Z undoes that', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await open(context, server.url);
  expect(await chosenExample(page)).toBe('Word count');
  expect(await page.locator('[data-testid=reset]').count()).toBe(0);
  await setCode(page, EDITED);
  await page.selectOption('[data-testid=mode]', 'realtime');
  expect(await chosenExample(page)).toBe('(your code)');

  await page.reload();
  await page.waitForSelector('.monaco-editor .view-lines');
  expect(await getCode(page)).toBe(EDITED);
  expect(await page.locator('[data-testid=mode]').inputValue()).toBe('realtime');
  expect(await chosenExample(page)).toBe('(your code)');
  // A plain visit keeps a plain address: the draft is in localStorage.
  expect(new URL(page.url()).hash).toBe('');

  await page.click('[data-testid=reset]');
  expect(await getCode(page)).toContain('// Word count');
  expect(await chosenExample(page)).toBe('Word count');
  expect(await page.locator('[data-testid=mode]').inputValue()).toBe('virtual');
  await page.locator('[data-testid=reset]').waitFor({ state: 'detached' });
  // Reset is an edit: undo brings the replaced code back.
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+Z');
  await page.waitForFunction((c) => (window as any).rivuletPlayground.getCode() === c, EDITED);
  await context.close();
});

test('a shared link carries the clock and speed, opens once, and from then on the address follows the code', async () => {
  const author = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await open(author, server.url);
  await page.selectOption('[data-testid=examples]', 'websocket');
  expect(await page.locator('[data-testid=mode]').inputValue()).toBe('realtime');
  await page.click('[data-testid=share]');
  const link = page.url();
  expect(link).toMatch(/#code=.+&mode=realtime&speed=10$/);
  await author.close();

  // A visitor whose last checkpointed run can be resumed: the link does not hide that offer.
  const visitor = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await visitor.addInitScript(() => {
    if (localStorage.getItem('seeded')) return;
    localStorage.setItem('seeded', '1');
    localStorage.setItem('rivulet-playground:checkpoints', '1');
    localStorage.setItem('rivulet-playground:checkpointed-run', JSON.stringify({ code: '// an earlier run', mode: 'virtual', speed: 10, lastBatchTime: 7000 }));
  });
  const opened = await open(visitor, link);
  expect(await getCode(opened)).toContain("ssc.webSocketStream(url)");
  expect(await opened.locator('[data-testid=mode]').inputValue()).toBe('realtime');
  await opened.locator('[data-testid=banner]').waitFor();
  await opened.locator('[data-testid=resume-banner]').waitFor();
  expect(await opened.locator('[data-testid=status]').textContent()).toBe('Ready');

  // An edit: the address now holds the edited code, so a reload shows it, not the link's.
  const edited = (await getCode(opened)).replace('ws://localhost:8080', 'ws://127.0.0.1:9');
  await setCode(opened, edited);
  await expect.poll(() => addressCode(opened)).toBe(edited);
  await opened.selectOption('[data-testid=mode]', 'virtual');
  await expect.poll(() => new URL(opened.url()).hash).toMatch(/&mode=virtual&/);
  await opened.reload();
  await opened.waitForSelector('.monaco-editor .view-lines');
  expect(await getCode(opened)).toBe(edited);
  expect(await opened.locator('[data-testid=mode]').inputValue()).toBe('virtual');
  await visitor.close();
});

test('a link made before settings travelled opens a real-time example in real time', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await open(context, server.url);
  await page.selectOption('[data-testid=examples]', 'websocket');
  await page.click('[data-testid=share]');
  const oldStyle = page.url().replace(/&mode=.*$/, '');
  expect(oldStyle).toMatch(/#code=[^&]+$/);
  const opened = await open(context, oldStyle);
  expect(await opened.locator('[data-testid=mode]').inputValue()).toBe('realtime');
  await context.close();
});
