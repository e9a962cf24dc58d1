/**
 * The broker connectors in a real browser (Debian's Chromium, headless): a page's pipeline reads
 * a broker over its WebSocket listener and writes back to it; the test talks to the same broker
 * from Node over TCP. Brokers from test/support/brokers (skipped when missing; CI=true: fail).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { openFixture, type FixturePage } from './support/page.ts';
import { describeWithBrokers } from '../support/brokers/binaries.ts';
import { startMosquitto, type MosquittoBroker } from '../support/brokers/mosquitto.ts';

let fixture: FixturePage;
beforeAll(async () => {
  fixture = await openFixture('connectors');
});
afterAll(async () => {
  await fixture?.close();
});

async function openPage(): Promise<Page> {
  const page = await fixture.browser.newPage();
  page.on('pageerror', (e) => console.error(`page: ${e.message}`));
  await page.goto(fixture.server.url);
  await page.waitForFunction(() => window.rivuletConnectors !== undefined);
  return page;
}

const received = (page: Page) => page.evaluate(() => window.rivuletConnectors.received);

describeWithBrokers('mosquitto')('MQTT over WebSocket in Chromium', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  test('MQTTUtils.createStream receives what Node publishes over TCP; saveToMQTT publishes back', async () => {
    const node = await mqtt.connectAsync(broker.url);
    const echoed: string[] = [];
    node.on('message', (_topic, payload) => echoed.push(payload.toString()));
    await node.subscribeAsync('browser/in/echo', { qos: 1 });
    const page = await openPage();
    await page.evaluate((url) => window.rivuletConnectors.mqtt(url, 'browser/in', 'rivulet-chromium'), broker.wsUrl);
    // The subscription is in place once a probe gets through.
    await expect.poll(async () => (await node.publishAsync('browser/in', 'probe', { qos: 1 }), (await received(page)).length > 0), { interval: 200 }).toBe(true);
    await node.publishAsync('browser/in', 'hello', { qos: 1 });
    await node.publishAsync('browser/in', 'from node', { qos: 1 });
    await expect.poll(async () => (await received(page)).filter((r) => r !== 'probe')).toEqual(['hello', 'from node']);
    await expect.poll(() => echoed.filter((r) => r !== 'PROBE')).toEqual(['HELLO', 'FROM NODE']);
    expect(await page.evaluate(() => window.rivuletConnectors.errors)).toEqual([]);
    await page.evaluate(() => window.rivuletConnectors.stop());
    await page.close();
    await node.endAsync();
  });
});
