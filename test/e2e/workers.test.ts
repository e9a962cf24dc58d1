/**
 * Issue 3 in a real browser: the page (test/e2e/fixtures/workers, built with vite's browser
 * conditions) runs the same RDD pipelines in local mode and with `workers: 2` — Web Workers
 * started through `#worker` (platform/worker.browser.ts) and driven through Comlink — and the test
 * checks both give the same results, and that the tasks ran off the page's thread.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { openFixture, type FixturePage, type StaticServer } from './support/page.ts';

let fixture: FixturePage;
let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  fixture = await openFixture('workers');
  ({ browser, server } = fixture);
});

afterAll(async () => {
  await fixture?.close();
});

test('Web Workers (workers: 2) give local mode results in Chromium: RDD actions and a windowed, stateful stream (updateStateByKey, mapWithState; their state in the Web Workers with shuffleTransfer direct), with shuffles relayed or worker to worker, and after a worker is lost', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForFunction(() => (window as unknown as { rivuletResults?: unknown }).rivuletResults !== undefined);
  const results = (await page.evaluate(() => (window as unknown as { rivuletResults: unknown }).rivuletResults)) as {
    local: Record<string, unknown>;
    remote: Record<string, unknown>;
    direct: Record<string, unknown>;
    lostWorker: { before: string[]; after: string[] };
    error?: string;
  };
  expect(errors).toEqual([]);
  expect(results.error).toBeUndefined();
  const { threads: localThreads, ...local } = results.local;
  const { threads: remoteThreads, ...remote } = results.remote;
  expect(remote).toEqual(local);
  // shuffleTransfer 'direct': map outputs stay in the Web Workers, fetched over MessageChannels.
  const { threads: directThreads, ...direct } = results.direct;
  expect(direct).toEqual(local);
  expect(directThreads).toEqual(['worker', 'worker', 'worker', 'worker']);
  // A worker terminated between two jobs: what it held is recomputed, the result unchanged.
  expect(results.lostWorker.after).toEqual(results.lostWorker.before);
  expect(results.lostWorker.before.length).toBeGreaterThan(5);
  expect(local.counts).toContainEqual(['quick', 3]);
  expect((local.stream as unknown[][]).length).toBe(6);
  // Batch 2 is ['b b']: b's count goes 2, then 3, where its state is removed.
  expect((local.stream as string[][])[1]).toEqual(expect.arrayContaining([JSON.stringify(['mapWithState', ['b', 2]]), JSON.stringify(['mapWithState', ['b', 3]]), JSON.stringify(['snapshot', ['a', 2]])]));
  expect((local.stream as string[][])[1]!.some((r) => r.startsWith('["snapshot",["b"'))).toBe(false);
  expect(localThreads).toEqual(['page', 'page', 'page', 'page']);
  expect(remoteThreads).toEqual(['worker', 'worker', 'worker', 'worker']);
});
