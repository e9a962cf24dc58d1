import { afterAll, beforeAll, expect, test } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { ensurePlaygroundBuilt, REPO, serveStatic, type StaticServer } from './support/playground.ts';
import { describeWithBrokers } from '../support/brokers/binaries.ts';
import { startMosquitto, type MosquittoBroker } from '../support/brokers/mosquitto.ts';

/**
 * The example gallery (issue 16, item 7), in the built playground in Chromium: every example with
 * its one-line description; choosing one loads it (its code, its clock); and the MQTT example
 * reading a real mosquitto over its WebSocket listener, readings published from Node.
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

const dir = path.join(REPO, 'playground/examples');
/** Each example file's first comment line, `Title: description`, as the gallery must show it. */
const files = readdirSync(dir)
  .sort()
  .map((f) => {
    const code = readFileSync(path.join(dir, f), 'utf8');
    const [, title, description] = /^\/\/ (?!@playground)([^:\n]+):\s+(.+)$/m.exec(code)!;
    return { id: f.replace(/^\d+-/, '').replace(/\.ts$/, ''), title: title!, description: description!, code };
  });

const getCode = () => page.evaluate(() => (window as any).rivuletPlayground.getCode() as string);

async function openGallery(): Promise<void> {
  await page.click('[data-testid=open-gallery]');
  await page.locator('[data-testid=gallery]').waitFor();
}

test('the gallery lists every example with its one-line description; choosing one loads its code and clock', async () => {
  await openGallery();
  const cards = await page.locator('[data-testid=gallery-example]').evaluateAll((els) =>
    els.map((e) => ({ id: e.getAttribute('data-example'), title: e.querySelector('.title')!.textContent, description: e.querySelector('[data-testid=gallery-description]')!.textContent })),
  );
  expect(cards).toEqual(files.map(({ id, title, description }) => ({ id, title, description })));
  expect(cards.length).toBeGreaterThanOrEqual(7);
  // The examples that need something besides the page say what.
  expect(await page.locator('[data-example=mqtt] .needs').textContent()).toBe('needs an MQTT broker');

  const sessions = files.find((f) => f.id === 'sessions')!;
  await page.click('[data-example=sessions]');
  await page.locator('[data-testid=gallery]').waitFor({ state: 'detached' });
  expect(await getCode()).toBe(sessions.code);
  expect(await page.locator('[data-testid=examples] option:checked').textContent()).toBe(sessions.title);
  expect(await page.locator('[data-testid=mode]').inputValue()).toBe('virtual');

  // A real-time example opens in real time; Escape closes the gallery without choosing.
  await openGallery();
  await page.click('[data-example=mqtt]');
  expect(await getCode()).toBe(files.find((f) => f.id === 'mqtt')!.code);
  expect(await page.locator('[data-testid=mode]').inputValue()).toBe('realtime');
  await openGallery();
  await page.keyboard.press('Escape');
  await page.locator('[data-testid=gallery]').waitFor({ state: 'detached' });
  expect(await getCode()).toBe(files.find((f) => f.id === 'mqtt')!.code);
  // The menu's options carry the descriptions too.
  expect(await page.locator('[data-testid=examples] option[value=wordcount]').getAttribute('title')).toBe(files[0]!.description);
});

test("the editor types what the examples import besides rivulet: rivulet/mqtt and rivulet/playground's declarations", async () => {
  await page.selectOption('[data-testid=examples]', 'mqtt');
  const code = (await getCode()).replace('createPairedStream(', 'createPairedStreamX(');
  await page.evaluate((c) => (window as any).rivuletPlayground.setCode(c), `${code}\nimport { playClock } from 'rivulet/playground';\nplayClock(1);\n`);
  const messages = () => page.evaluate(() => ((window as any).rivuletPlayground.markers() as { owner: string; message: string }[]).filter((m) => m.owner === 'typescript').map((m) => m.message));
  // Errors that only the real declarations give (an unresolved module would be "Cannot find module").
  await expect.poll(async () => (await messages()).some((m) => m.includes("Did you mean 'createPairedStream'?")), { interval: 250 }).toBe(true);
  await expect.poll(async () => (await messages()).some((m) => m.includes("Argument of type 'number' is not assignable to parameter of type 'ManualClock'.")), { interval: 250 }).toBe(true);
  expect((await messages()).filter((m) => m.includes('Cannot find module'))).toEqual([]);
  await page.selectOption('[data-testid=examples]', 'wordcount');
});

describeWithBrokers('mosquitto')('the MQTT example against a real broker', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  test("reads a mosquitto's WebSocket listener: readings published from Node are averaged per sensor in the Console", async () => {
    await openGallery();
    await page.click('[data-example=mqtt]');
    const code = (await getCode()).replace("'ws://localhost:9001'", `'${broker.wsUrl}'`);
    expect(code).toContain(broker.wsUrl);
    await page.evaluate((c) => (window as any).rivuletPlayground.setCode(c), code);
    await page.click('[data-testid=run]');
    const node = await mqtt.connectAsync(broker.url);
    try {
      // Published until the receiver is subscribed and a window holds them: kitchen always 21.5, garden 14 then 16.
      await expect
        .poll(
          async () => {
            await node.publishAsync('sensors/kitchen/celsius', '21.5', { qos: 1 });
            await node.publishAsync('sensors/garden/celsius', '14', { qos: 1 });
            await node.publishAsync('sensors/garden/celsius', '16', { qos: 1 });
            const lines = await page.evaluate(() => (window as any).rivuletPlaygroundRun.consoleLines() as string[]);
            return lines.some((l) => /^kitchen: 21\.5 °C \(\d+ readings in the last 10 s\)$/.test(l)) && lines.some((l) => /^garden: 15\.0 °C \(\d+ readings in the last 10 s\)$/.test(l));
          },
          { interval: 500 },
        )
        .toBe(true);
      // The receiver's row: active, no error.
      expect(await page.locator('[data-testid=receiver]').getAttribute('data-status')).toBe('active');
      expect(await page.locator('[data-testid=receiver-errors]').count()).toBe(0);
      // The stream graph names the line of the user's code that made the MQTT stream (not the connector's chunk).
      expect(await page.locator('[data-testid=dag] .node').first().textContent()).toContain('MQTTUtils.createPairedStream at pipeline.ts:13:');
    } finally {
      await node.endAsync();
      await page.click('[data-testid=stop]');
    }
  });
});
