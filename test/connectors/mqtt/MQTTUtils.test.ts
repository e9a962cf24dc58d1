/**
 * MQTTUtils against a real mosquitto (test/support/brokers): records in, the at-least-once
 * guarantee of QoS 1 with a persistent session (what a stopped pipeline had not finished comes
 * again; what it finished does not), the bound on unacknowledged messages, and the sink.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { StreamingContext } from '../../../engine/index.ts';
import { MQTTUtils, type MQTTStreamOptions } from '../../../engine/connectors/mqtt/index.ts';
import { describeWithBrokers } from '../../support/brokers/binaries.ts';
import { startMosquitto, type MosquittoBroker } from '../../support/brokers/mosquitto.ts';
import { collectBatches, union } from '../../sources/helpers.ts';

let broker: MosquittoBroker;
let publisher: MqttClient;
const contexts: StreamingContext[] = [];

const describeMqtt = describeWithBrokers('mosquitto');

beforeAll(async () => {
  if (describeMqtt === describe.skip) return;
  broker = await startMosquitto();
  publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
});
afterAll(async () => {
  await publisher?.endAsync();
  await broker?.stop();
});
afterEach(async () => {
  for (const ssc of contexts.splice(0)) await ssc.stop({ timeout: 100 });
});

function context(): StreamingContext {
  const ssc = new StreamingContext({ batchInterval: 100 });
  contexts.push(ssc);
  return ssc;
}

const publish = (topic: string, ...messages: string[]) => Promise.all(messages.map((m) => publisher.publishAsync(topic, m, { qos: 1 })));

/** Resolves once the receiver's subscription is in place: a probe message published until one arrives. */
async function subscribed(records: () => unknown[], topic: string, probe = 'probe'): Promise<void> {
  await expect.poll(async () => (await publish(topic, probe), records().length > 0), { interval: 200 }).toBe(true);
}

describeMqtt('MQTTUtils.createStream', () => {
  test('each message of the subscribed topics is a record; createPairedStream adds the topic', async () => {
    const ssc = context();
    const texts = collectBatches(MQTTUtils.createStream(ssc, broker.url, ['plain/+/t'], { qos: 0 }));
    const pairs = collectBatches(MQTTUtils.createPairedStream(ssc, broker.url, 'plain/#'));
    ssc.start();
    await subscribed(() => union(texts), 'plain/probe/t');
    await expect.poll(() => union(pairs).length).toBeGreaterThan(0);
    await publish('plain/a/t', 'one', 'two');
    await publish('plain/b/other', 'three');
    await expect.poll(() => union(texts).filter((r) => r !== 'probe').sort()).toEqual(['one', 'two']);
    await expect.poll(() => union(pairs).filter(([, r]) => r !== 'probe').sort()).toEqual([['plain/a/t', 'one'], ['plain/a/t', 'two'], ['plain/b/other', 'three']]);
  });

  test('decode parses the payload; a message it throws on is reported and skipped', async () => {
    const ssc = context();
    const errors: string[] = [];
    ssc.events$.subscribe((e) => void (e.type === 'receiverError' && errors.push(e.message)));
    const readings = MQTTUtils.createStream<{ c: number }>(ssc, broker.url, 'decode/t', { decode: (p) => JSON.parse(new TextDecoder().decode(p)) });
    const batches = collectBatches(readings.map((r) => r.c));
    ssc.start();
    await subscribed(() => union(batches), 'decode/t', '{"c":0}');
    await publish('decode/t', '{"c":1}');
    await publish('decode/t', '{not json');
    await publish('decode/t', '{"c":2}');
    await expect.poll(() => union(batches).filter((c) => c !== 0)).toEqual([1, 2]);
    expect(errors).toEqual(['MQTTUtils.createStream: decode threw on a message of topic decode/t; the message is skipped: "{not json"']);
  });

  test('at-least-once: what a stopped pipeline had received and not finished comes again, with what was published while it was down; what it finished does not', async () => {
    const clientId = 'rivulet-at-least-once';
    // Run 1: the batch holding the records never completes (its output waits for ever); the context stops.
    const first = context();
    const seenByFirst: string[] = [];
    MQTTUtils.createStream(first, broker.url, 'alo/t', { clientId }).foreachRDD(async (rdd) => {
      const records = await rdd.collect();
      seenByFirst.push(...records);
      if (records.some((r) => r !== 'probe')) await new Promise(() => {});
    });
    first.start();
    await subscribed(() => seenByFirst, 'alo/t');
    await publish('alo/t', 'a', 'b', 'c');
    await expect.poll(() => seenByFirst.filter((r) => r !== 'probe').sort()).toEqual(['a', 'b', 'c']);
    await first.stop({ timeout: 100 });
    await publish('alo/t', 'd'); // nobody connected: the broker queues it for the session

    // Run 2, the same client id: a, b, c again (never acknowledged) and d; its batches complete.
    const second = context();
    const again = collectBatches(MQTTUtils.createStream(second, broker.url, 'alo/t', { clientId }));
    second.start();
    await expect.poll(() => union(again).filter((r) => r !== 'probe').sort()).toEqual(['a', 'b', 'c', 'd']);
    await second.stop({ stopGracefully: true });

    // Run 3: nothing of the above comes back, only what is new.
    const third = context();
    const after = collectBatches(MQTTUtils.createStream(third, broker.url, 'alo/t', { clientId }));
    third.start();
    await publish('alo/t', 'e');
    await expect.poll(() => union(after)).toEqual(['e']);
  });

  test('receiveMaximum bounds the messages held unacknowledged: the broker waits until their batch completes', async () => {
    const ssc = context();
    const received: string[][] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    MQTTUtils.createStream(ssc, broker.url, 'bounded/t', { clientId: 'rivulet-bounded', receiveMaximum: 2 }).foreachRDD(async (rdd) => {
      const records = await rdd.collect();
      if (records.length === 0) return;
      received.push(records);
      if (records.some((r) => !r.startsWith('probe'))) await released;
    });
    ssc.start();
    await subscribed(() => received.flat(), 'bounded/t');
    // Probes published while the subscription was being made may still be arriving: one more, last
    // in order (QoS 1 keeps a topic's order), and once it is here every earlier probe is too.
    await publish('bounded/t', 'probe-last');
    await expect.poll(() => received.flat().includes('probe-last')).toBe(true);
    const probes = received.flat().length;
    await publish('bounded/t', '1', '2', '3', '4', '5');
    await expect.poll(() => received.flat().length - probes).toBe(2);
    // While that batch waits, no other message comes: later batches stay empty.
    const batchesSeen = await new Promise<number>((resolve) => {
      let n = 0;
      const s = ssc.events$.subscribe((e) => {
        if (e.type === 'batchSubmitted' && ++n === 5) (s.unsubscribe(), resolve(n));
      });
    });
    expect(batchesSeen).toBe(5);
    expect(received.flat().length - probes).toBe(2);
    release();
    await expect.poll(() => received.flat().filter((r) => !r.startsWith('probe')).sort()).toEqual(['1', '2', '3', '4', '5']);
  });
});

/** Whether `condition` comes true within a couple of seconds (a retry's cadence, not an assertion). */
async function arrives(condition: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

describeMqtt('MQTTUtils.createStream: the receiver buffer', () => {
  /** A stream whose first batch holding a message (other than the probe) waits until release(). */
  function gated(topic: string, options: MQTTStreamOptions<string>) {
    const ssc = context();
    const received: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const stream = MQTTUtils.createStream(ssc, broker.url, topic, options);
    stream.foreachRDD(async (rdd) => {
      const records = await rdd.collect();
      received.push(...records);
      if (records.some((r) => !r.startsWith('probe'))) await released;
    });
    const counters = { dropped: 0, maxBuffered: 0, blockedTime: 0 };
    // From each batch as it is submitted (cut from the buffer): those behind the held batch complete only after it.
    ssc.addStreamingListener({
      onBatchSubmitted: ({ batchInfo }) => {
        const r = batchInfo.streamIdToInputInfo[stream.inputId]?.receiver;
        if (!r) return;
        counters.dropped += r.numDropped;
        counters.blockedTime += r.blockedTime;
        counters.maxBuffered = Math.max(counters.maxBuffered, r.numBuffered);
      },
    });
    /**
     * Once subscribed, every probe has come through (or was dropped) and the buffer is empty again:
     * a last probe, sent again under a new name until one arrives (a full buffer may drop it),
     * comes after all those published before it.
     */
    const ready = async () => {
      await subscribed(() => received, topic);
      for (let i = 0; ; i++) {
        const probe = `probe-last-${i}`;
        await publish(topic, probe);
        if (await arrives(() => received.includes(probe))) break;
      }
      await expect.poll(() => stream.bufferedRecords).toBe(0);
    };
    return { ssc, received, release, counters, ready, messages: () => received.filter((r) => !r.startsWith('probe')) };
  }

  test.each([0, 1] as const)("overflow 'block', QoS %i: while the buffer is full mqtt.js reads nothing more, and nothing is lost", async (qos) => {
    const g = gated(`blocked/${qos}`, { qos, bufferSize: 2, overflow: 'block' });
    g.ssc.start();
    await g.ready();
    await publish(`blocked/${qos}`, '1', '2', '3', '4', '5');
    await expect.poll(() => g.messages()).toEqual(['1', '2']);
    // While that batch waits, the third message waits for room and the connection is not read: no batch gets more.
    let batches = 0;
    await new Promise<void>((resolve) => {
      const s = g.ssc.events$.subscribe((e) => {
        if (e.type === 'batchSubmitted' && ++batches === 5) (s.unsubscribe(), resolve());
      });
    });
    expect(g.messages()).toEqual(['1', '2']);
    g.release();
    await expect.poll(() => g.messages()).toEqual(['1', '2', '3', '4', '5']);
    expect(g.counters.dropped).toBe(0);
    expect(g.counters.maxBuffered).toBeLessThanOrEqual(2);
    expect(g.counters.blockedTime).toBeGreaterThan(0);
  });

  test("overflow 'drop-newest', QoS 1: a dropped message is acknowledged, so it does not hold one of the broker's receiveMaximum places", async () => {
    // receiveMaximum 2: were the dropped messages left unacknowledged, the broker would stop after the second.
    const g = gated('dropped/t', { qos: 1, clientId: 'rivulet-dropped', receiveMaximum: 2, bufferSize: 1, overflow: 'drop-newest' });
    g.ssc.start();
    await g.ready();
    const droppedBefore = g.counters.dropped; // probes a full buffer dropped
    await publish('dropped/t', '1', '2', '3', '4');
    await expect.poll(() => g.counters.dropped - droppedBefore, { interval: 100 }).toBe(3);
    expect(g.messages()).toEqual(['1']);
    g.release();
    await publish('dropped/t', '5');
    await expect.poll(() => g.messages()).toEqual(['1', '5']);
  });
});

describeMqtt('MQTTUtils.saveToMQTT', () => {
  test("publishes each batch's records, QoS 1, a topic per record", async () => {
    const got: string[] = [];
    const reader = await mqtt.connectAsync(broker.url);
    reader.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    await reader.subscribeAsync('out/#', { qos: 1 });
    const ssc = context();
    const counts = ssc.queueStream([[['a', 1] as [string, number], ['b', 2] as [string, number]], [['a', 3] as [string, number]]]);
    MQTTUtils.saveToMQTT(counts, broker.url, ([word]) => `out/${word}`);
    ssc.start();
    await expect.poll(() => got.sort()).toEqual(['out/a ["a",1]', 'out/a ["a",3]', 'out/b ["b",2]']);
    await reader.endAsync();
  });

  test('checks its arguments when defined', () => {
    const ssc = context();
    const s = ssc.queueStream<string>([]);
    expect(() => MQTTUtils.createStream(ssc, 'localhost:1883', 't')).toThrow(/brokerUrl must be an mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\/ URL, got "localhost:1883"/);
    expect(() => MQTTUtils.createStream(ssc, 'mqtt://x', [])).toThrow(/topics must be a topic filter or a non-empty array of them/);
    expect(() => MQTTUtils.createStream(ssc, 'mqtt://x', 't', { qos: 2 as never })).toThrow(/qos must be 0 or 1, got 2/);
    expect(() => MQTTUtils.createStream(ssc, 'mqtt://x', 't', { receiveMaximum: 0 })).toThrow(/receiveMaximum must be an integer from 1 to 65535, got 0/);
    expect(() => MQTTUtils.saveToMQTT(s, 'mqtt://x', 'out/#')).toThrow(/topic must be a topic name without wildcards, got "out\/#"/);
  });
});
