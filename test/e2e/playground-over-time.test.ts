import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { ensurePlaygroundBuilt, serveStatic, type StaticServer } from './support/playground.ts';

/**
 * What no other tool shows (issue 16, item 5), in the built playground in Chromium: records over
 * time as marble diagrams — a key's state across batches, and its end; a window sliding over the
 * batches it covers — and a stream graph of many operations that stays readable, with zoom and pan.
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

/** Step from the start until batch `last` ms is shown (batches of 1 s). */
async function stepTo(last: number): Promise<void> {
  for (let t = 1000; t <= last; t += 1000) {
    await page.click('[data-testid=step]');
    await page.waitForFunction((time) => document.querySelector('[data-testid=shown-batch]')?.textContent === String(time), t);
  }
}

/** The marble diagram as a table: key → the marbles of each column ('✕' where the key ended). */
async function marbles(): Promise<Record<string, string[]>> {
  return page.locator('[data-testid=over-time] [data-testid=cell]').evaluateAll((cells) => {
    const out: Record<string, string[]> = {};
    for (const c of cells) {
      const key = c.getAttribute('data-key')!;
      const text = [...c.querySelectorAll('.marble')].map((m) => m.textContent).join(' ') + (c.querySelector('[data-testid=ended]') ? '✕' : '');
      (out[key] ??= []).push(text);
    }
    return out;
  });
}

test("a key's state across batches, and the batch it is gone from", async () => {
  await setCode(`import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
const totals = ssc.queueStream([['a', 'b'], ['a'], ['a'], []])
  .map((w) => [w, 1] as [string, number])
  .updateStateByKey((ones: number[], total: number | undefined) => (ones.length === 0 ? undefined : (total ?? 0) + ones.length));
totals.print();
ssc.start();
`);
  await stepTo(5000);
  await page.locator('[data-testid=dag] .node', { hasText: 'updateStateByKey' }).click();
  await page.click('[data-testid=view-over-time]');
  expect(await page.locator('[data-testid=over-time] [data-testid=column]').evaluateAll((els) => els.map((e) => e.getAttribute('data-time')))).toEqual(['1000', '2000', '3000', '4000', '5000']);
  expect(await marbles()).toEqual({
    '"a"': ['1', '2', '3', '✕', ''],
    '"b"': ['1', '✕', '', '', ''],
  });
  await page.click('[data-testid=stop]');
  await page.click('[data-testid=view-partitions]');
});

test('a window slides over the batches it covers: they are shaded, and its result is the last column', async () => {
  await setCode(`import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
const events = ssc.queueStream([['e1'], ['e2'], ['e3'], ['e4'], ['e5']]);
events.window(Seconds(3)).count().print();
ssc.start();
`);
  await stepTo(4000);
  await page.locator('[data-testid=dag] .node', { hasText: 'window' }).click();
  await page.click('[data-testid=view-over-time]');
  const covered = () =>
    page.locator('[data-testid=over-time] [data-testid=column].covered').evaluateAll((els) => els.map((e) => e.getAttribute('data-time')));
  expect(await covered()).toEqual(['2000', '3000', '4000']);
  expect(await marbles()).toEqual({ records: ['"e1"', '"e2"', '"e3"', '"e4"'] });
  expect(await page.locator('[data-testid=over-time] [data-testid=result] .marble').allTextContents()).toEqual(['"e2"', '"e3"', '"e4"']);
  // One more batch: the window has slid by one.
  await page.click('[data-testid=step]');
  await page.waitForFunction(() => document.querySelector('[data-testid=shown-batch]')?.textContent === '5000');
  await expect.poll(covered).toEqual(['3000', '4000', '5000']);
  expect(await page.locator('[data-testid=over-time] [data-testid=result] .marble').allTextContents()).toEqual(['"e3"', '"e4"', '"e5"']);
  await page.click('[data-testid=stop]');
  await page.click('[data-testid=view-partitions]');
});

test('a graph of fifteen operations stays readable: fitted no smaller than 0.7, the rest a drag away, and the wheel zooms', async () => {
  const maps = Array.from({ length: 13 }, (_, i) => `  .map((x) => x + ${i})`).join('\n');
  await setCode(`import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
ssc.queueStream([[1, 2, 3]])
${maps}
  .print();
ssc.start();
`);
  await stepTo(1000);
  const dag = page.locator('[data-testid=dag]');
  expect(Number(await dag.getAttribute('data-scale'))).toBeGreaterThanOrEqual(0.7);
  expect(await dag.locator('.node').count()).toBe(15);
  // The output at the bottom is below the panel: drag the graph up until it is inside.
  const box = (await dag.boundingBox())!;
  const last = dag.locator('.node.output');
  const before = (await last.boundingBox())!;
  expect(before.y + before.height).toBeGreaterThan(box.y + box.height);
  const lift = before.y + before.height - (box.y + box.height) + 20;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height - 10);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height - 10 - lift / 2);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height - 10 - lift);
  await page.mouse.up();
  const after = (await last.boundingBox())!;
  expect(after.y).toBeCloseTo(before.y - lift, 0);
  expect(after.y + after.height).toBeLessThanOrEqual(box.y + box.height);
  // The node is readable: its operation text at least 9 px tall on screen.
  const textHeight = (await last.locator('.op').boundingBox())!.height;
  expect(textHeight).toBeGreaterThanOrEqual(9);
  // The wheel zooms in, around the pointer.
  const scale = Number(await dag.getAttribute('data-scale'));
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -300);
  await expect.poll(async () => Number(await dag.getAttribute('data-scale'))).toBeGreaterThan(scale);
  await page.click('[data-testid=zoom-fit]');
  await expect.poll(async () => Number(await dag.getAttribute('data-scale'))).toBe(scale);
  await page.click('[data-testid=stop]');
});
