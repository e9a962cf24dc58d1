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
import { startNats, type NatsBroker } from '../support/brokers/nats.ts';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

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

describeWithBrokers('nats-server')('NATS JetStream over WebSocket in Chromium', () => {
  let broker: NatsBroker;
  beforeAll(async () => {
    broker = await startNats();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  test('JetStreamUtils.createDirectStream reads a stream Node publishes to over TCP; saveToJetStream writes to another', async () => {
    const nc = await natsConnect({ servers: broker.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'BROWSER_IN', subjects: ['browser.in'] });
    await jsm.streams.add({ name: 'BROWSER_OUT', subjects: ['browser.out'] });
    const js = jsm.jetstream();
    await js.publish('browser.in', 'before');
    const page = await openPage();
    await page.evaluate(({ url }) => window.rivuletConnectors.nats(url, 'BROWSER_IN', 'browser.out'), { url: broker.wsUrl });
    await expect.poll(() => received(page)).toEqual(['before']);
    await js.publish('browser.in', 'after');
    await expect.poll(() => received(page)).toEqual(['before', 'after']);
    await expect.poll(async () => (await jsm.streams.info('BROWSER_OUT')).state.messages).toBe(2);
    const out = await Promise.all([1, 2].map(async (seq) => new TextDecoder().decode((await jsm.streams.getMessage('BROWSER_OUT', { seq }))!.data)));
    expect(out).toEqual(['BEFORE', 'AFTER']);
    expect(await page.evaluate(() => window.rivuletConnectors.failures)).toEqual([]);
    await page.evaluate(() => window.rivuletConnectors.stop());
    await page.close();
    await nc.close();
  });
});
