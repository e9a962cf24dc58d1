import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

test('Chromium starts headless and runs a Web Worker', async () => {
  const page = await browser.newPage();
  await page.setContent('<p>ok</p>');
  const fromWorker = await page.evaluate(async () => {
    const blob = new Blob(['onmessage = (e) => postMessage(e.data * 2)'], { type: 'text/javascript' });
    const worker = new Worker(URL.createObjectURL(blob));
    return new Promise<number>((resolve) => {
      worker.onmessage = (e) => resolve(e.data as number);
      worker.postMessage(21);
    });
  });
  expect(fromWorker).toBe(42);
});
