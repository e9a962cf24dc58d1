import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { ensurePlaygroundBuilt, serveStatic, type StaticServer } from './support/playground.ts';

/**
 * The built playground (dist/playground) in Chromium, served as any static host would serve it:
 * edit, run, inspect a batch's partitions, step, stop an infinite loop, and errors on their line.
 */
let browser: Browser;
let server: StaticServer;
/** One page for the tests that each begin with Run (which resets it): loading Monaco's TypeScript service once keeps the file fast. */
let page: Page;

beforeAll(async () => {
  await ensurePlaygroundBuilt();
  [server, browser] = await Promise.all([serveStatic(), launchChromium()]);
  page = await open();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(hash = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(server.url + hash);
  await page.waitForSelector('.monaco-editor .view-lines');
  return page;
}

/**
 * Replace the editor's text as a person pasting it would: select all, then a paste event (typed
 * text would be re-indented and get auto-closed brackets; a paste is taken as it is).
 */
async function typeCode(page: Page, code: string): Promise<void> {
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+A');
  await page.evaluate((text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    document.activeElement!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, code);
  await page.waitForFunction((c) => (window as any).rivuletPlayground.getCode() === c, code);
}

const status = (page: Page) => page.locator('[data-testid=status]').textContent();
const waitForStatus = (page: Page, text: string) => page.waitForFunction((t) => document.querySelector('[data-testid=status]')?.textContent === t, text);
const runMarkers = (page: Page) =>
  page.evaluate(() => (window as any).rivuletPlayground.markers().filter((m: { owner: string }) => m.owner === 'rivulet') as { line: number; message: string }[]);

const WORDS = `import { StreamingContext, Seconds } from 'rivulet';

const ssc = new StreamingContext({ batchInterval: Seconds(1), defaultParallelism: 2 });
const words = ssc.queueStream([
  ['apple', 'pear', 'apple', 'fig', 'kiwi', 'fig', 'apple'],
  ['plum'],
]);
const counts = words.map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b);
counts.print();
ssc.start();
`;

test('loads with an example in the editor and the engine types in Monaco', async () => {
  expect(await status(page)).toBe('Ready');
  const code = await page.evaluate(() => (window as any).rivuletPlayground.getCode() as string);
  expect(code).toContain("from 'rivulet'");
  const examples = await page.locator('[data-testid=examples] option').allTextContents();
  expect(examples).toEqual(['Word count', 'Windowed top-K', 'Sessions with mapWithState', 'A join of two streams', 'A click-stream', 'A WebSocket source', 'MQTT over WebSocket']);
  // A type error in the pipeline is underlined by Monaco's TypeScript service, which knows the engine's API.
  await typeCode(page, `import { StreamingContext, Seconds } from 'rivulet';\nconst ssc = new StreamingContext({ batchInterval: Seconds(1) });\nconst n: number = ssc.queueStream([['a']]);\n`);
  await page.waitForFunction(() => (window as any).rivuletPlayground.markers().some((m: { owner: string; line: number }) => m.owner === 'typescript' && m.line === 3));
  // The engine's types infer in Monaco as in tsc: pairs from map without a cast (line 4) are not
  // marked; reduceByKey on records that are not pairs (line 5) is, with the short message.
  await typeCode(page, `import { StreamingContext, Seconds } from 'rivulet';\nconst ssc = new StreamingContext({ batchInterval: Seconds(1) });\nconst words = ssc.queueStream([['a']]);\nwords.map((w) => [w, 1]).reduceByKey((a, b) => a + b).print();\nwords.reduceByKey((a, b) => a + b);\n`);
  await page.waitForFunction(() => (window as any).rivuletPlayground.markers().some((m: { owner: string; line: number }) => m.owner === 'typescript' && m.line === 5));
  const marked = await page.evaluate(() => (window as any).rivuletPlayground.markers().filter((m: { owner: string }) => m.owner === 'typescript') as { line: number; message: string }[]);
  expect(marked.map((m) => m.line)).toEqual([5]);
  expect(marked[0]!.message).toContain("Type 'string' is not assignable to type 'readonly [any, any]'.");
  expect(marked[0]!.message).not.toContain('generatedRDDs');
});

test('edit, run, and see a batch RDD partition by partition', async () => {
  // Paste all but the last two lines, then type those on the keyboard.
  await typeCode(page, WORDS.replace('counts.print();\nssc.start();\n', ''));
  await page.keyboard.press('Control+End');
  await page.keyboard.type('counts.print();');
  await page.keyboard.press('Enter');
  await page.keyboard.type('ssc.start();');
  expect(await page.evaluate(() => (window as any).rivuletPlayground.getCode())).toBe(WORDS.trimEnd());
  await page.selectOption('[data-testid=speed]', '1');
  await page.click('[data-testid=run]');
  await page.waitForSelector('[data-testid=batch-list] [data-batch-time="1000"]');
  await page.click('[data-testid=batch-list] [data-batch-time="1000"]');
  await page.waitForFunction(() => document.querySelector('[data-testid=shown-batch]')?.textContent === '1000');
  // The DAG has the four streams plus the output; reduceByKey is shown by default (what print reads).
  const ops = await page.locator('[data-testid=dag] .node .op').allTextContents();
  expect(ops).toEqual(['queueStream', 'map', 'reduceByKey', 'print']);
  await expect.poll(() => page.locator('[data-testid=rdd-facts]').textContent()).toContain('2 partitions · 4 records · HashPartitioner(2)');
  const partitions = page.locator('[data-testid=rdd-view] [data-testid=partition]');
  expect(await partitions.count()).toBe(2);
  const records: string[] = [];
  for (let p = 0; p < 2; p++) {
    const part = partitions.nth(p);
    const texts = await part.locator('.record').evaluateAll((els) => els.map((e) => e.textContent!.replace(/^\d+/, '')));
    expect(Number(await part.locator('.count').textContent())).toBe(texts.length);
    records.push(...texts);
  }
  expect(records.sort()).toEqual(['["apple", 3]', '["fig", 2]', '["kiwi", 1]', '["pear", 1]']);
  // Its lineage names the RDDs' classes (the minified worker keeps class names: vite.config.ts) and the user's lines.
  expect(await page.locator('[data-testid=lineage]').textContent()).toMatch(/^\(2\) ShuffledRDD\[\d+\] at reduceByKey at pipeline\.ts:8:\d+[^]*\+-\(2\) MapPartitionsRDD\[\d+\] at map at pipeline\.ts:8:\d+/);
  // The input stream's RDD at the same batch: the queue entry, 2 partitions.
  await page.click('[data-testid=dag] [data-stream-id="0"]');
  await expect.poll(() => page.locator('[data-testid=rdd-facts]').textContent()).toContain('7 records');
  await page.click('[data-testid=rdd-view] details summary');
  expect(await page.locator('[data-testid=lineage]').textContent()).toMatch(/ParallelCollectionRDD|queueStream/);
  // print() output reached the console panel.
  await expect.poll(() => page.locator('[data-testid=console]').textContent()).toContain('(apple,3)');
});

test('Pause, then Step runs exactly one batch', async () => {
  await typeCode(page, WORDS);
  await page.click('[data-testid=run]');
  await page.waitForSelector('[data-testid=batch-list] [data-batch-time="1000"]');
  await page.click('[data-testid=pause]');
  await waitForStatus(page, 'Paused');
  const rows = () => page.locator('[data-testid=batch-list] [data-batch-time]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-batch-time'))));
  // A batch already past the gate when Pause was pressed may still complete: wait until the list holds still.
  await expect.poll(async () => {
    const seen = Math.max(...(await rows()));
    await page.waitForTimeout(300);
    return Math.max(...(await rows())) === seen;
  }).toBe(true);
  const before = Math.max(...(await rows()));
  await page.waitForTimeout(1500); // paused: at 1× a batch would be due every second
  expect(Math.max(...(await rows()))).toBe(before);
  await page.click('[data-testid=step]');
  await expect.poll(async () => Math.max(...(await rows()))).toBe(before + 1000);
  await page.waitForTimeout(300);
  expect(Math.max(...(await rows()))).toBe(before + 1000);
  expect(await status(page)).toBe('Paused');
});

test('Stop ends a pipeline stuck in an infinite loop: the worker is terminated, not waited for', async () => {
  await typeCode(page, `import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
ssc.queueStream([[1, 2, 3]]).map((x) => {
  while (true) {}
  return x;
}).print();
ssc.start();
`);
  await page.click('[data-testid=run]');
  await waitForStatus(page, 'Running (virtual time)');
  await page.waitForTimeout(300); // the worker is now spinning inside map
  // The loop never ends, so reaching Stopped at all shows the worker was terminated (promptly on
  // an idle machine: well under a second; no bound here that a loaded one could exceed).
  await page.click('[data-testid=stop]');
  await waitForStatus(page, 'Stopped');
  // The page stayed responsive throughout, and the next run works.
  await typeCode(page, WORDS);
  await page.click('[data-testid=run]');
  await page.waitForSelector('[data-testid=batch-list] [data-batch-time="1000"]');
});

test('errors point at their line: compile, definition and a throw inside a transformation', async () => {
  await typeCode(page, `import { StreamingContext, Seconds } from 'rivulet';\nconst ok = 1;\nconst broken = ;\n`);
  await page.click('[data-testid=run]');
  await waitForStatus(page, 'Failed');
  expect((await runMarkers(page)).map((m) => m.line)).toEqual([3]);

  await typeCode(page, `import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
const stop = new Set(['the']);
ssc.queueStream([['the', 'cat']])
  .filter((w) => !stop.has(w));
ssc.start();
`);
  await page.click('[data-testid=run]');
  await waitForStatus(page, 'Failed');
  const define = await runMarkers(page);
  expect(define.map((m) => m.line)).toEqual([6]);
  expect(define[0]!.message).toContain('no output operations');

  await typeCode(page, `import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1) });
ssc.queueStream([[1, 2, 3]])
  .map((x) => {
    const y = x * 10;
    if (y === 20) throw new Error('no twenties');
    return y;
  })
  .print();
ssc.start();
`);
  await page.click('[data-testid=run]');
  await waitForStatus(page, 'Failed');
  const thrown = await runMarkers(page);
  expect(thrown.map((m) => m.line)).toEqual([6]);
  expect(thrown[0]!.message).toContain('no twenties');
  // The squiggle is drawn on that line.
  await page.waitForSelector('.monaco-editor .squiggly-error');
});

test('a shared link shows the code and runs it only on Run', async () => {
  await typeCode(page, WORDS.replace("'plum'", "'shared-plum'"));
  await page.click('[data-testid=share]');
  const url = page.url();
  expect(url).toMatch(/#code=/);

  const opened = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await opened.goto(url);
  await opened.waitForSelector('.monaco-editor .view-lines');
  expect(await opened.evaluate(() => (window as any).rivuletPlayground.getCode())).toContain('shared-plum');
  await opened.waitForTimeout(500);
  expect(await status(opened)).toBe('Ready');
  expect(await opened.locator('[data-testid=batch-list] [data-batch-time]').count()).toBe(0);
  await opened.click('[data-testid=run]');
  await opened.waitForSelector('[data-testid=batch-list] [data-batch-time="2000"]');
  await opened.close();
});

test('a partition of 100 000 records: the report is sampled and says so, load all fetches it, and it scrolls', async () => {
  await typeCode(page, `import { StreamingContext, Seconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Seconds(1), defaultParallelism: 1 });
const numbers = Array.from({ length: 100_000 }, (_, i) => i);
ssc.queueStream([numbers]).map((n) => n * 2).count().print();
ssc.start();
`);
  await page.click('[data-testid=run]');
  await page.waitForSelector('[data-testid=batch-list] [data-batch-time="1000"]');
  await page.click('[data-testid=pause]');
  await page.click('[data-testid=batch-list] [data-batch-time="1000"]');
  await page.locator('[data-testid=dag] .node', { hasText: 'map' }).first().click();
  await page.waitForSelector('[data-testid=sampled]');
  const part = page.locator('[data-testid=rdd-view] [data-testid=partition]').first();
  expect(await part.locator('.count').textContent()).toBe('100000');
  await part.locator('button', { hasText: 'load all' }).click();
  await part.locator('button', { hasText: 'load all' }).waitFor({ state: 'detached' });
  // Scroll the virtual list to its end: the last record is rendered, and only a window of rows is in the DOM.
  const scroller = part.locator('.records');
  // (The list measures rows as they render, so its height settles over a few scrolls.)
  await expect
    .poll(async () => {
      await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
      return part.locator('.record').last().textContent();
    })
    .toBe('99999199998');
  expect(await part.locator('.record').count()).toBeLessThan(200);
});

test('the WebSocket example loads without a server and, pointed at one, counts its messages in real time', async () => {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as { port: number };
  const timers: ReturnType<typeof setInterval>[] = [];
  wss.on('connection', (socket) => {
    let sent = 0;
    const timer = setInterval(() => {
      if (sent++ >= 100) return clearInterval(timer); // bounded: at most 100 messages per connection
      socket.send('hello stream hello');
    }, 50);
    timers.push(timer);
  });
  try {
    await page.selectOption('[data-testid=examples]', 'websocket');
    expect(await page.locator('[data-testid=mode]').inputValue()).toBe('realtime');
    const code = await page.evaluate(() => (window as any).rivuletPlayground.getCode() as string);
    expect(code).toContain("const url = 'ws://localhost:8080';");
    await typeCode(page, code.replace('ws://localhost:8080', `ws://127.0.0.1:${port}`));
    await page.click('[data-testid=run]');
    await expect.poll(() => page.locator('[data-testid=console]').textContent()).toMatch(/\(hello,\d+\)/);
    await page.click('[data-testid=stop]');
    await waitForStatus(page, 'Stopped');
  } finally {
    for (const t of timers) clearInterval(t);
    for (const c of wss.clients) c.terminate();
    await new Promise((resolve) => wss.close(resolve));
    await page.selectOption('[data-testid=mode]', 'virtual');
  }
});

test('in real time, Pause holds the batches (they queue) and Step lets exactly one through', async () => {
  await typeCode(page, `import { StreamingContext, Milliseconds } from 'rivulet';
const ssc = new StreamingContext({ batchInterval: Milliseconds(200) });
ssc.queueStream(Array.from({ length: 500 }, (_, i) => [i])).map((x) => x * 2).print();
ssc.start();
`);
  await page.selectOption('[data-testid=mode]', 'realtime');
  try {
    await page.click('[data-testid=run]');
    const latest = async () => Math.max(0, ...(await page.locator('[data-testid=batch-list] [data-batch-time]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-batch-time'))))));
    await expect.poll(() => page.locator('[data-testid=batch-list] [data-batch-time]').count()).toBeGreaterThan(2);
    await page.click('[data-testid=pause]');
    await waitForStatus(page, 'Paused');
    // A batch that had passed the gate before the pause may still complete: wait until the list
    // holds still (however long that batch takes on a loaded machine).
    await expect.poll(async () => {
      const seen = await latest();
      await page.waitForTimeout(300);
      return (await latest()) === seen;
    }).toBe(true);
    const held = await latest();
    await page.waitForTimeout(800); // four intervals of wall time: batches are made, and wait
    expect(await latest()).toBe(held);
    await page.click('[data-testid=step]');
    await expect.poll(latest).toBe(held + 200);
    await page.waitForTimeout(400);
    expect(await latest()).toBe(held + 200);
    // Resume: the queued batches run, late — their scheduling delay shows the pause.
    await page.click('[data-testid=resume]');
    await expect.poll(latest).toBeGreaterThan(held + 800);
    await page.click('[data-testid=stop]');
  } finally {
    await page.selectOption('[data-testid=mode]', 'virtual');
  }
});
