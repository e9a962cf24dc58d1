import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { ensurePlaygroundBuilt, serveStatic, type StaticServer } from './support/playground.ts';

/**
 * A pipeline in the playground with `workers: 2`: it runs in the playground's Web Worker (the
 * driver), and its tasks on executor workers under it (playground/src/worker/executorWorker.ts),
 * which evaluate the same code, with the same results as local mode.
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

const pipeline = (workers: string) => `import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1)${workers} });
const lines = ssc.queueStream([['a b a', 'c b a', 'd'], ['b b', 'e']]);
lines.flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b)
  .foreachRDD(async (rdd, time) => {
    const counts = (await rdd.collect()).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    const m = ssc.sparkContext.scheduler.metrics;
    console.log(\`\${time}: \${JSON.stringify(counts)} on workers: \${m.remoteTasks > 0}\`);
  });
ssc.start();
`;

async function runAndRead(code: string): Promise<string[]> {
  await page.evaluate((c) => (window as any).rivuletPlayground.setCode(c), code);
  await page.click('[data-testid=run]');
  await expect.poll(async () => (await page.locator('[data-testid=console]').textContent()) ?? '').toMatch(/2000: /);
  await page.click('[data-testid=stop]');
  const text = (await page.locator('[data-testid=console]').textContent()) ?? '';
  // The panel's text runs lines together (and Stop appends a notice): pick the batch lines out.
  return [...text.matchAll(/\d+000: \[.*?\]\] on workers: (?:true|false)/g)].map((m) => m[0]).slice(0, 2);
}

test('tasks run on the executor workers under the pipeline worker, with local mode results', async () => {
  const local = await runAndRead(pipeline(''));
  const onWorkers = await runAndRead(pipeline(', workers: 2'));
  expect(local).toEqual([
    '1000: [["a",3],["b",2],["c",1],["d",1]] on workers: false',
    '2000: [["b",2],["e",1]] on workers: false',
  ]);
  expect(onWorkers).toEqual(local.map((l) => l.replace('on workers: false', 'on workers: true')));
});

/**
 * The executors evaluate the same pipeline code as the pipeline worker, so a function may close
 * over a module-level value (no declared captures): the filter below reads `stop`, and its stage
 * still runs on the workers. The executors' copies print nothing while they define the pipeline;
 * what a function prints in a task there reaches the Console labelled with its executor.
 */
const closing = (workers: string) => `import { StreamingContext, Seconds } from 'rivulet';
const stop = new Set(['a', 'c']);
console.log('defining the pipeline');
const ssc = new StreamingContext({ batchInterval: Seconds(1)${workers} });
ssc.addStreamingListener({
  onBatchCompleted: ({ batchInfo: b }) => console.log(\`\${b.batchTime} ran \${b.executedOn}\${b.localReason ? \` (\${b.localReason})\` : ''}\`),
});
ssc.queueStream([['a b a', 'c b a', 'd'], ['b b', 'e']])
  .flatMap((l) => l.split(' '))
  .filter((w) => {
    if (w === 'e') console.log('filter saw e');
    return !stop.has(w);
  })
  .map((w) => [w, 1] as [string, number])
  .reduceByKey((a, b) => a + b)
  .foreachRDD(async (rdd, time) => {
    const counts = (await rdd.collect()).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    console.log(\`\${time}: \${JSON.stringify(counts)}\`);
  });
ssc.start();
`;

const consoleLines = () => page.locator('[data-testid=console] .line').allTextContents();

/** Run `code` until the Console has two batches' lines and the filter's, then Stop: the Console's lines. */
async function runToLines(code: string): Promise<string[]> {
  await page.evaluate((c) => (window as any).rivuletPlayground.setCode(c), code);
  await page.click('[data-testid=run]');
  // (On a timeout the Console's lines are printed: a failed batch says why there.)
  const done = (lines: string[]) => ran(lines).length === 2 && lines.some((l) => l.endsWith('filter saw e'));
  await expect.poll(consoleLines).toSatisfy(done);
  await page.click('[data-testid=stop]');
  return consoleLines();
}

// Time runs on past the queue's two batches (empty ones): the first two of each kind of line.
const batches = (lines: string[]) => lines.filter((l) => /^\d+: \[/.test(l)).slice(0, 2);
const ran = (lines: string[]) => lines.filter((l) => /^\d+ ran /.test(l)).slice(0, 2);
/** Lines without their batch time (real time starts at the wall clock's time). */
const untimed = (lines: string[]) => lines.map((l) => l.replace(/^\d+/, 'T'));

test('a function closing over a module-level value runs on the workers, with local mode results', async () => {
  const local = await runToLines(closing(''));
  const onWorkers = await runToLines(closing(", workers: 2, placement: 'workers'"));
  expect(batches(local)).toEqual(['1000: [["b",2],["d",1]]', '2000: [["b",2],["e",1]]']);
  expect(batches(onWorkers)).toEqual(batches(local));
  expect(ran(local)).toEqual(['1000 ran local', '2000 ran local']);
  expect(ran(onWorkers)).toEqual(['1000 ran workers', '2000 ran workers']);
  // Top-level code runs again in each executor, silently; a task's output is labelled.
  expect(local.filter((l) => l.includes('defining'))).toEqual(['defining the pipeline']);
  expect(onWorkers.filter((l) => l.includes('defining'))).toEqual(['defining the pipeline']);
  expect(local.filter((l) => l.includes('saw e'))).toEqual(['filter saw e']);
  expect(onWorkers.filter((l) => l.includes('saw e'))).toEqual([expect.stringMatching(/^\[executor \d+\] filter saw e$/)]);
});

test('in real time too: the pause gate the playground adds is not part of the pipeline the executors load', async () => {
  await page.selectOption('[data-testid=mode]', 'realtime');
  try {
    const onWorkers = await runToLines(closing(", workers: 2, placement: 'workers'"));
    expect(untimed(batches(onWorkers))).toEqual(['T: [["b",2],["d",1]]', 'T: [["b",2],["e",1]]']);
    expect(untimed(ran(onWorkers))).toEqual(['T ran workers', 'T ran workers']);
  } finally {
    await page.selectOption('[data-testid=mode]', 'virtual');
  }
});
