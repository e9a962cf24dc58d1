/**
 * Screenshots of the playground's main views for docs/playground.md and the README, taken from
 * the built site in Chromium: `npx tsx playground/build/screenshots.ts` (builds first when stale).
 */
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../test/e2e/support/chromium.ts';
import { ensurePlaygroundBuilt, REPO, serveStatic } from '../../test/e2e/support/playground.ts';

const OUT = path.join(REPO, 'docs/images');

await ensurePlaygroundBuilt();
const server = await serveStatic();
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });

async function example(p: Page, id: string, speed: string, runMs: number): Promise<void> {
  await p.selectOption('[data-testid=examples]', id);
  await p.selectOption('[data-testid=speed]', speed);
  await p.click('[data-testid=run]');
  await p.waitForTimeout(runMs);
  await p.click('[data-testid=pause]');
  await p.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'Paused');
  await p.waitForTimeout(300);
}

async function selectBatch(p: Page, batchTime: number): Promise<void> {
  await p.click(`[data-testid=batch-list] [data-batch-time="${batchTime}"]`);
  await p.waitForFunction((t) => document.querySelector('[data-testid=shown-batch]')?.textContent === String(t), batchTime);
}

async function selectStream(p: Page, operation: string, nth = 0): Promise<void> {
  await p.locator('[data-testid=dag] .node', { hasText: operation }).nth(nth).click();
  await p.waitForTimeout(200);
}

try {
  await page.goto(server.url);
  await page.waitForSelector('.monaco-editor .view-lines');
  await page.waitForTimeout(1500); // Monaco's TypeScript service colours the code

  // 1. The whole page: windowed top-K, a batch selected, the window stream's partitions.
  await example(page, 'windowed-top-k', '10', 2600);
  await selectBatch(page, 20_000);
  await selectStream(page, 'reduceByKeyAndWindow');
  await page.screenshot({ path: path.join(OUT, 'playground.png') });

  // 2. One batch: the DStream graph and an RDD partition by partition, with its lineage.
  await example(page, 'click-stream', '10', 1600);
  await selectBatch(page, 12_000);
  await selectStream(page, 'reduceByKey');
  await page.click('[data-testid=rdd-view] details summary');
  await page.locator('[data-testid=batch-pane]').screenshot({ path: path.join(OUT, 'playground-batch.png') });

  // 2b. Records over time: the sessions example's state per user across batches, sessions timing out (✕).
  await example(page, 'sessions', '10', 2600);
  await selectStream(page, 'stateSnapshots');
  await page.click('[data-testid=view-over-time]');
  await page.waitForTimeout(300);
  await page.locator('[data-testid=batch-pane]').screenshot({ path: path.join(OUT, 'playground-over-time.png') });
  await page.click('[data-testid=view-partitions]');

  // 3. The timeline and batch list of a real-time run whose batches take longer than the
  //    interval: the scheduling delay climbs above the dashed batch-interval line.
  await page.selectOption('[data-testid=examples]', 'wordcount');
  await page.evaluate(() =>
    (window as any).rivuletPlayground.setCode(`import { StreamingContext, Milliseconds } from 'rivulet';
import { clickStream } from 'rivulet/playground';

const ssc = new StreamingContext({ batchInterval: Milliseconds(500) });
const pages = clickStream(ssc, { perSecond: 20 }).map((click) => click.page).countByValue();

// A slow sink: writing a batch takes 650 ms, longer than the 500 ms batch interval.
// Batches queue behind it, and the scheduling delay grows by ~150 ms a batch.
pages.foreachRDD(async (rdd, time) => {
  const counts = await rdd.collect();
  await new Promise((resolve) => setTimeout(resolve, 650));
  console.log(time, 'wrote', counts.length, 'page counts');
});
ssc.start();
`),
  );
  await page.selectOption('[data-testid=mode]', 'realtime');
  await page.click('[data-testid=run]');
  await page.waitForTimeout(9000);
  await page.locator('.timeline-pane').screenshot({ path: path.join(OUT, 'playground-timeline.png') });
  await page.click('[data-testid=stop]');
  await page.selectOption('[data-testid=mode]', 'virtual');

  // 4. An error in a transformation, marked on its line.
  await page.evaluate(() =>
    (window as any).rivuletPlayground.setCode(`import { StreamingContext, Seconds } from 'rivulet';

const ssc = new StreamingContext({ batchInterval: Seconds(1) });
const orders = ssc.queueStream([['12.50', '7.25', 'n/a', '3.10']]);

const cents = orders.map((price) => {
  const value = Number(price);
  if (Number.isNaN(value)) throw new Error(\`not a price: \${price}\`);
  return Math.round(value * 100);
});

cents.reduce((a, b) => a + b).print();
ssc.start();
`),
  );
  await page.click('[data-testid=run]');
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'Failed');
  await page.waitForTimeout(500);
  // Hover the squiggle (it lies under Monaco's text layer, so by position) to show the message.
  const box = (await page.locator('.monaco-editor .squiggly-error').first().boundingBox())!;
  await page.mouse.move(box.x + Math.min(120, box.width / 2), box.y + box.height / 2);
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(OUT, 'playground-error.png'), clip: { x: 0, y: 0, width: 880, height: 900 } });
  await page.mouse.move(0, 0);

  // 5. The gallery: every example with its one-line description.
  await page.click('[data-testid=open-gallery]');
  await page.locator('[data-testid=gallery]').waitFor();
  await page.waitForTimeout(300);
  await page.locator('[data-testid=gallery]').screenshot({ path: path.join(OUT, 'playground-gallery.png') });
  await page.keyboard.press('Escape');

  // 6. Export: the sessions example as a Node script, in virtual time at 10×.
  await page.selectOption('[data-testid=examples]', 'sessions');
  await page.selectOption('[data-testid=speed]', '10');
  await page.click('[data-testid=export]');
  await page.locator('[data-testid=export-content]').waitFor();
  await page.waitForTimeout(300);
  await page.locator('[data-testid=export-dialog]').screenshot({ path: path.join(OUT, 'playground-export.png') });
  await page.keyboard.press('Escape');
  console.log(`screenshots written to ${path.relative(REPO, OUT)}/`);
} finally {
  await browser.close();
  await server.close();
}
