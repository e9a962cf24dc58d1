/**
 * Issue 4 in a real browser: a page runs a stateful pipeline on the wall clock, checkpointing to
 * IndexedDB (IndexedDBCheckpointStore) and resuming with StreamingContext.getOrCreate after every
 * load. The test reloads it mid-stream four times — once right as a checkpoint write begins, once
 * right as a reload has resumed —
 * lets it finish, and checks every batch's output against the state computed here from the same
 * seeded input: no batch lost, every state exact. Headless Chromium (Debian's) via playwright-core.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { openFixture, type FixturePage, type StaticServer } from './support/page.ts';
import { generateBatches, wordsOf } from '../checkpoint/kill/data.ts';

const N = 40;
const INTERVAL = 100;
const SEED = 7;

let fixture: FixturePage;
let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  fixture = await openFixture('checkpoint-reload');
  ({ browser, server } = fixture);
});

afterAll(async () => {
  await fixture?.close();
});

type Pair = [string, number];

/** What the page must have written for batch k: the totals after batches 1..k, and the 4-batch window's counts. */
function expected(k: number, batches: string[][]): { totals: Pair[]; recent: Pair[] } {
  const count = (from: number, to: number) => {
    const m = new Map<string, number>();
    for (let i = Math.max(1, from); i <= to; i++) for (const line of batches[i - 1]!) for (const w of wordsOf(line)) m.set(w, (m.get(w) ?? 0) + 1);
    return [...m].map((p) => JSON.stringify(p)).sort().map((p) => JSON.parse(p) as Pair);
  };
  return { totals: count(1, k), recent: count(k - 3, k) };
}

/** Lines the page logs as `[rivulet] …`, across reloads. */
function phaseLines(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.startsWith('[rivulet] ')) lines.push(text.slice('[rivulet] '.length));
  });
  page.on('pageerror', (e) => lines.push(`pageerror ${e.message}`));
  return lines;
}

/** Resolves once a line matching `match` has been logged (checked every 5 ms). */
async function waitForLine(lines: string[], match: (line: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const start = Date.now();
  for (let seen = 0; ; ) {
    for (; seen < lines.length; seen++) if (match(lines[seen]!)) return lines[seen]!;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for a line; got:\n${lines.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const batchDoneAtLeast = (k: number) => (line: string) => /^batch-done \d+ (\d+)$/.test(line) && Number(line.split(' ')[2]) >= k;

/**
 * Reload the page as soon as it logs a line matching `match` (from the console event itself, with
 * no polling delay). Resolves with that line once the reload has loaded.
 */
function reloadWhen(page: Page, match: (line: string) => boolean): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const onConsole = (msg: { text(): string }) => {
      const text = msg.text();
      if (!text.startsWith('[rivulet] ') || !match(text.slice('[rivulet] '.length))) return;
      page.off('console', onConsole);
      page.reload().then(() => resolve(text.slice('[rivulet] '.length)), reject);
    };
    page.on('console', onConsole);
  });
}

test('a page checkpointing to IndexedDB is reloaded mid-stream four times and resumes with exactly the right state', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const lines = phaseLines(page);
  await page.goto(`${server.url}?batches=${N}&interval=${INTERVAL}&seed=${SEED}&db=reload-test`);
  await waitForLine(lines, (l) => l.startsWith('ready '));

  // After batch 6; right as a checkpoint write begins after batch 15 (IndexedDB is committing);
  // right as the next load has started (the batches after its checkpoint run again); after batch 30.
  const reloads = [
    await reloadWhen(page, batchDoneAtLeast(6)),
    await (async () => {
      await waitForLine(lines, batchDoneAtLeast(15));
      return reloadWhen(page, (l) => l.startsWith('ckpt-write '));
    })(),
    await (async () => {
      // The third load's start may be logged before the second reload's promise resolves: count.
      const readies = () => lines.filter((x) => x.startsWith('ready '));
      await waitForLine(lines, () => readies().length >= 3);
      await page.reload();
      return readies()[2]!;
    })(),
    await reloadWhen(page, batchDoneAtLeast(30)),
  ];

  await waitForLine(lines, (l) => l === 'finished' || l.startsWith('error ') || l.startsWith('pageerror '), 20_000);
  expect(lines.filter((l) => l.startsWith('error ') || l.startsWith('pageerror ') || l.startsWith('warning '))).toEqual([]);

  const readies = lines.filter((l) => l.startsWith('ready '));
  expect(readies, 'one start per load').toHaveLength(5);
  expect(readies.map((l) => l.endsWith('recovering=true'))).toEqual([false, true, true, true, true]);
  expect(new Set(readies.map((l) => /zeroTime=(\d+)/.exec(l)![1])).size, 'every load resumed on the first load’s batch grid').toBe(1);

  const outputs: Record<string, string> = await page.evaluate(() => ({ ...localStorage }));
  const batches = generateBatches(SEED, N);
  const zeroTime = Number(/zeroTime=(\d+)/.exec(readies[0]!)![1]);
  for (let k = 1; k <= N; k++) {
    const want = expected(k, batches);
    for (const stream of ['totals', 'recent'] as const) {
      const raw = outputs[`out:${stream}:${k}`];
      expect(raw, `${stream} batch ${k} was written`).toBeDefined();
      const got = JSON.parse(raw!) as { time: number; zeroTime: number; records: Pair[] };
      expect(got.time, `${stream} batch ${k}: batch time`).toBe(zeroTime + k * INTERVAL);
      expect(got.records, `${stream} batch ${k}`).toEqual(want[stream]);
    }
  }
  console.log(`checkpoint reload (Chromium, IndexedDB): ${reloads.length} reloads (at: ${reloads.join('; ')}), ${N} batches × 2 outputs equal to the state computed here`);
  await context.close();
});
