import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { ensurePlaygroundBuilt, serveStatic, type StaticServer } from './support/playground.ts';

/**
 * Robustness and layout (issue 16, item 6), in the built playground in Chromium at 1024×640: big
 * records are cut in the worker, long console lines wrap instead of being cut off, the toolbar
 * holds still when a run starts, and the panels do not overlap.
 */
let browser: Browser;
let server: StaticServer;
let page: Page;

beforeAll(async () => {
  await ensurePlaygroundBuilt();
  [server, browser] = await Promise.all([serveStatic(), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1024, height: 640 } });
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

test('the toolbar holds still when a run starts, pauses and stops', async () => {
  await page.selectOption('[data-testid=examples]', 'wordcount');
  const boxes = () =>
    page.evaluate(() =>
      ['.toolbar', '[data-testid=examples]', '[data-testid=run]', '[data-testid=step]', '[data-testid=stop]', '[data-testid=mode]', '[data-testid=share]', '[data-testid=status]'].map((s) => {
        const r = document.querySelector(s)!.getBoundingClientRect();
        return `${s} ${r.x.toFixed(1)},${r.y.toFixed(1)} ${r.width.toFixed(1)}×${r.height.toFixed(1)}`;
      }),
    );
  const idle = await boxes();
  await page.click('[data-testid=run]');
  await waitForStatus('Running (virtual time)');
  expect(await boxes()).toEqual(idle);
  await page.click('[data-testid=pause]');
  await waitForStatus('Paused');
  expect(await boxes()).toEqual(idle);
  await page.click('[data-testid=stop]');
  await waitForStatus('Stopped');
  expect(await boxes()).toEqual(idle);
});

test('at 1024×640 the statistics, the batch list and the panes do not overlap, and the page does not scroll', async () => {
  await page.selectOption('[data-testid=examples]', 'wordcount');
  await page.click('[data-testid=run]');
  await page.waitForSelector('[data-testid=batch-list] [data-batch-time="3000"]');
  await page.click('[data-testid=stop]');
  const layout = await page.evaluate(() => {
    const box = (s: string) => document.querySelector(s)!.getBoundingClientRect();
    const stats = box('[data-testid=stats]');
    const xaxis = box('[data-testid=stats] .xaxis');
    const list = box('.list-wrap');
    const pane = box('.timeline-pane');
    return {
      statsInside: stats.bottom <= list.top + 0.5 && xaxis.bottom <= list.top + 0.5,
      listInside: list.bottom <= pane.bottom + 0.5,
      scrolls: document.scrollingElement!.scrollHeight > innerHeight || document.scrollingElement!.scrollWidth > innerWidth,
    };
  });
  expect(layout).toEqual({ statsInside: true, listInside: true, scrolls: false });
});

test('records of 2 MB strings are cut in the worker: the record view and the console get a few KB, saying how much was left out', async () => {
  await setCode(`import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
const big = (c: string) => c.repeat(2_000_000);
ssc.queueStream([['a', 'b', 'c', 'd', 'e'].map(big)]).map((s) => s.toUpperCase()).print();
ssc.start();
`);
  await page.click('[data-testid=step]');
  await page.waitForFunction(() => document.querySelector('[data-testid=shown-batch]')?.textContent === '1000');
  const records = await page.locator('[data-testid=rdd-view] .record').evaluateAll((els) => els.map((e) => e.textContent!.replace(/^\d+/, '')));
  expect(records).toHaveLength(5);
  for (const r of records) {
    expect(r.length).toBeLessThanOrEqual(400);
    expect(r).toMatch(/^"[A-E]+…$/);
  }
  await expect.poll(() => page.locator('[data-testid=console]').textContent()).toContain('more characters)');
  const lines = await page.locator('[data-testid=console] .line').evaluateAll((els) => els.map((e) => e.textContent!.length));
  expect(Math.max(...lines)).toBeLessThan(5000);
  await page.click('[data-testid=stop]');
});

test('a long error on the console wraps: all of it is on screen, none cut off at the edge', async () => {
  const reason = Array.from({ length: 40 }, (_, i) => `reason-${i}`).join(' ');
  await setCode(`import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
ssc.queueStream([[1]]).map((x) => {
  throw new Error(${JSON.stringify(reason)});
}).print();
ssc.start();
`);
  await page.click('[data-testid=run]');
  await waitForStatus('Failed');
  const line = page.locator('[data-testid=console] .line.error', { hasText: 'reason-39' }).first();
  await line.waitFor();
  const fits = await line.evaluate((el) => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= el.closest('[data-testid=console]')!.getBoundingClientRect().right + 0.5);
  expect(fits).toBe(true);
  expect(await line.textContent()).toContain('reason-0');
});

test("completions after a stream or a context list the API, not the engine's plumbing", async () => {
  const code = `import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
const words = ssc.queueStream([['a']]);
words.`;
  await setCode(code);
  const at = (offset: number) => page.evaluate((o) => (window as any).rivuletPlayground.completions(o) as Promise<string[]>, offset);
  // The engine's declarations arrive in a chunk of their own: wait until the operators are offered.
  await expect.poll(async () => (await at(code.length)).includes('reduceByKeyAndWindow')).toBe(true);
  const onStream = await at(code.length);
  expect(onStream).toEqual(expect.arrayContaining(['map', 'flatMap', 'window', 'updateStateByKey', 'mapWithState', 'foreachRDD', 'print', 'transform']));
  for (const plumbing of ['generatedRDDs', 'getOrCompute', 'clearMetadata', 'initialize', 'remember', 'isTimeValid', 'replaceRDD', 'mustMaterialize', 'rememberDuration']) expect(onStream).not.toContain(plumbing);
  const onContext = await at(code.indexOf('ssc.queueStream') + 'ssc.'.length);
  expect(onContext).toEqual(expect.arrayContaining(['queueStream', 'start', 'stop', 'addStreamingListener', 'checkpoint']));
  for (const plumbing of ['listenerBus', 'inputInfoTracker', 'graph', 'sparkContext']) expect(onContext).not.toContain(plumbing);
});
