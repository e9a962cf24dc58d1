/**
 * Issue 12, item 1, in a real browser: a JetStream direct stream with `workers: 2` in Chromium
 * reads each range in the Web Worker that runs its task. Each worker loads the pipeline module
 * (the app's worker entry, test/e2e/fixtures/nats-workers/rivulet.worker.ts, started by the page's
 * createWorker) and reads over a WebSocket connection of its own to the local nats-server; Node
 * publishes to the same server over TCP. Broker from test/support/brokers (skipped when missing;
 * CI=true: fail). The same in Node: test/connectors/nats/JetStreamUtils.test.ts; workers lost in
 * Node: test/connectors/sourceInWorkers.test.ts.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { openFixture, type FixturePage } from './support/page.ts';
import { describeWithBrokers } from '../support/brokers/binaries.ts';
import { startNats, type NatsBroker } from '../support/brokers/nats.ts';
import type { Outputs } from './fixtures/nats-workers/pipeline.ts';

let fixture: FixturePage | undefined;
let broker: NatsBroker | undefined;
let nc: NatsConnection | undefined;
let jsm: JetStreamManager;

/** Two streams, `<prefix>_A` and `<prefix>_B`, holding these messages, published from Node over TCP. */
async function twoStreams(prefix: string, a: string[], b: string[]): Promise<string[]> {
  for (const [s, messages] of [['A', a], ['B', b]] as const) {
    await jsm.streams.add({ name: `${prefix}_${s}`, subjects: [`${prefix}_${s}.>`] });
    for (const m of messages) await jsm.jetstream().publish(`${prefix}_${s}.in`, m);
  }
  return [`${prefix}_A`, `${prefix}_B`];
}

/** The clients connected to the server over its WebSocket listener (the page's and its workers'), from its monitoring endpoint. */
async function webSocketClients(): Promise<number> {
  const connz = (await (await fetch(`${broker!.monitorUrl}/connz`)).json()) as { connections?: { type?: string }[] };
  return (connz.connections ?? []).filter((c) => c.type === 'websocket').length;
}

/** A page of the fixture running the pipeline on `streams`; errors it logs are collected. */
async function openPage(streams: string[], beforeStart?: (page: Page) => Promise<void>): Promise<{ page: Page; errors: string[] }> {
  const page = await fixture!.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} (${m.location().url})`));
  await page.goto(fixture!.server.url);
  await page.waitForFunction(() => window.rivuletNatsWorkers !== undefined);
  await page.evaluate((config) => window.rivuletNatsWorkers.start(config), { servers: broker!.wsUrl, streams });
  await beforeStart?.(page);
  return { page, errors };
}

async function closePage(page: Page): Promise<void> {
  await page.evaluate(() => window.rivuletNatsWorkers.stop());
  await page.close();
}

const advance = (page: Page, ms: number) => page.evaluate((ms) => window.rivuletNatsWorkers.advance(ms), ms);
const outputs = (page: Page) => page.evaluate(() => window.rivuletNatsWorkers.outputs());
const metrics = (page: Page) => page.evaluate(() => window.rivuletNatsWorkers.metrics());
const lost = (page: Page) => page.evaluate(() => window.rivuletNatsWorkers.lost);
const failures = (page: Page) => page.evaluate(() => window.rivuletNatsWorkers.failures);

// The tests that lose a worker read these two streams, 2 messages per stream and batch at most
// (maxRatePerPartition: 2 at 1 s batches):
//
//   batch   _A          _B
//   1000    'a', 'b'    'x', 'y'
//   2000    'c', 'd'    'z'
//   3000    'e'         —
//   4000    —           —
const A = ['a', 'b', 'c', 'd', 'e'];
const B = ['x', 'y', 'z'];
const fourBatches: Outputs = {
  partitions: [
    [1000, [['a', 'b'], ['x', 'y']]],
    [2000, [['c', 'd'], ['z']]],
    [3000, [['e'], []]],
    [4000, [[], []]],
  ],
  // The last two batches' messages.
  windows: [
    [1000, ['a', 'b', 'x', 'y']],
    [2000, ['a', 'b', 'c', 'd', 'x', 'y', 'z']],
    [3000, ['c', 'd', 'e', 'z']],
    [4000, ['e']],
  ],
};

describeWithBrokers('nats-server')('a JetStream direct stream with workers: 2 in Chromium reads its ranges in the Web Workers', () => {
  beforeAll(async () => {
    [fixture, broker] = await Promise.all([openFixture('nats-workers'), startNats()]);
    nc = await connect({ servers: broker.url });
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await broker?.stop();
    await fixture?.close();
  });

  test('every range is read once, in a Web Worker over its own WebSocket connection; none on the page', async () => {
    const streams = await twoStreams('WEB', ['a', 'b', 'c'], ['x']);
    const { page, errors } = await openPage(streams);
    try {
      await advance(page, 2000);
      await jsm.jetstream().publish('WEB_B.in', 'y');
      await advance(page, 1000);
      //   batch   WEB_A        WEB_B
      //   1000    'a', 'b'     'x'
      //   2000    'c'          —
      //   3000    —            'y'   (published by Node after batch 2000)
      expect(await outputs(page)).toEqual({
        partitions: [
          [1000, [['a', 'b'], ['x']]],
          [2000, [['c'], []]],
          [3000, [[], ['y']]],
        ],
        windows: [
          [1000, ['a', 'b', 'x']],
          [2000, ['a', 'b', 'c', 'x']],
          [3000, ['c', 'y']],
        ],
      });
      // 3 batches × 2 streams, each read once, in a worker (the windows read them where the workers kept them).
      expect(await metrics(page)).toMatchObject({ rangesReadInWorkers: 3 * 2, rangesReadOnDriver: 0 });
      // Three WebSocket clients: the page's (which plans the batches: each stream's last sequence) and each worker's own.
      await expect.poll(webSocketClients).toBe(3);
      expect(await failures(page)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await closePage(page);
    }
    // The workers' connections end with them.
    await expect.poll(webSocketClients).toBe(0);
  });

  test('a worker terminated between batches: the ranges it held are read again from the stream by a live worker when the window reads them', async () => {
    const streams = await twoStreams('LOST', A, B);
    const { page, errors } = await openPage(streams);
    try {
      await advance(page, 2000);
      expect(await metrics(page)).toMatchObject({ rangesReadInWorkers: 2 * 2, rangesReadOnDriver: 0 });
      // Terminate the worker holding batch 2000's first partition; the partitions of that batch it held are lost.
      const held = await page.evaluate(() => window.rivuletNatsWorkers.terminateHolder(2000, 0));
      expect(held).toContain(0);
      // Heard at once, naming no task and no batch (it died between batches).
      await expect.poll(() => lost(page)).toEqual([[undefined, undefined]]);
      await advance(page, 2000);
      expect(await outputs(page)).toEqual(fourBatches);
      // Batches 3000 and 4000, and again the ranges of batch 2000 the terminated worker held (the window at 3000 reads them); all in workers.
      expect(await metrics(page)).toMatchObject({ rangesReadInWorkers: 4 * 2 + held.length, rangesReadOnDriver: 0 });
      expect(await failures(page)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await closePage(page);
    }
  });

  test('a worker terminated as its task starts reading: the task runs again on another worker, which reads the range', async () => {
    const streams = await twoStreams('MID', A, B);
    // The first task sent (batch 1000's): its worker dies as the task arrives.
    const { page, errors } = await openPage(streams, (page) => page.evaluate(() => window.rivuletNatsWorkers.terminateOnNextTask()));
    try {
      await advance(page, 4000);
      expect(await outputs(page)).toEqual(fourBatches);
      // One worker lost, at batch 1000, with the task of one of its two partitions.
      const [[batchTime, partition], ...more] = await lost(page);
      expect(more).toEqual([]);
      expect(batchTime).toBe(1000);
      expect([0, 1]).toContain(partition);
      // Each range read once by a task that completed (the retried task counts once), all in workers.
      expect(await metrics(page)).toMatchObject({ rangesReadInWorkers: 4 * 2, rangesReadOnDriver: 0 });
      expect(await failures(page)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await closePage(page);
    }
  });
});
