import { afterAll, beforeAll, expect, test } from 'vitest';
import { createServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { ensurePlaygroundBuilt, serveStatic, type StaticServer } from './support/playground.ts';

/**
 * Failures are not silent (issue 16, item 3), in the built playground in Chromium: the WebSocket
 * example with nothing listening shows its receiver restarting with the error, and says so once
 * in the Console (not at every retry). A receiver's buffer counters (issue 12, item 4) show in the
 * same table.
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

/** A loopback port that was free a moment ago: nothing listens on it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

test('the WebSocket example with no server: its receiver shows restarting with the error, the Console says it once', async () => {
  const port = await closedPort();
  await page.selectOption('[data-testid=examples]', 'websocket');
  const code = (await page.evaluate(() => (window as any).rivuletPlayground.getCode() as string))
    .replace('ws://localhost:8080', `ws://127.0.0.1:${port}`)
    .replace('ssc.webSocketStream(url)', 'ssc.webSocketStream(url, { restartDelayMs: 200 })');
  await page.evaluate((c) => (window as any).rivuletPlayground.setCode(c), code);
  await page.click('[data-testid=run]');
  const receiver = page.locator('[data-testid=receivers] [data-testid=receiver]');
  await receiver.waitFor();
  expect(await receiver.locator('.name').textContent()).toMatch(/^webSocketStream at pipeline\.ts:10:\d+$/);
  // Three failed attempts, each reported to the listener (the table counts them)…
  await expect.poll(async () => Number((await receiver.locator('[data-testid=receiver-errors]').textContent().catch(() => '0'))?.split(' ')[0])).toBeGreaterThanOrEqual(3);
  expect(await receiver.locator('[data-testid=receiver-last-error]').textContent()).toContain(`Restarting receiver with delay 200 ms: Error connecting to ws://127.0.0.1:${port}`);
  // …and told once on the Console.
  const consoleText = (await page.locator('[data-testid=console]').textContent())!;
  expect(consoleText.split(`Error connecting to ws://127.0.0.1:${port}`).length - 1).toBe(1);
  expect(consoleText).toContain('Retrying every 200 ms');
  await page.click('[data-testid=stop]');
});

test("a receiver's buffer in the table: records in, held / bufferSize and the overflow policy, from each batch's BatchInfo", async () => {
  await page.selectOption('[data-testid=examples]', 'click-stream');
  await page.click('[data-testid=run]');
  const buffer = page.locator('[data-testid=receivers] [data-testid=receiver] [data-testid=receiver-buffer]');
  await buffer.waitFor();
  // clickStream is an Observable (it cannot be paused): overflow 'fail' by default, 100,000 records.
  await expect.poll(async () => Number(/^(\d+) in/.exec(((await buffer.textContent()) ?? '').trim())?.[1] ?? 0)).toBeGreaterThan(40);
  expect(((await buffer.textContent()) ?? '').trim()).toMatch(/^\d+ in · \d+\/100000 fail$/);
  await page.click('[data-testid=stop]');
});
