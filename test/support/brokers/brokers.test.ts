/**
 * The broker harness: each broker starts on free loopback ports, a real client talks to it, and
 * stop() leaves nothing listening. Without the broker installed these tests skip (CI=true: fail).
 */
import { afterEach, expect, test } from 'vitest';
import * as net from 'node:net';
import mqtt from 'mqtt';
import { Redis } from 'ioredis';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { describeWithBrokers, installHint, requireBroker } from './binaries.ts';
import { startMosquitto } from './mosquitto.ts';
import { startNats } from './nats.ts';
import { startRedis } from './redis.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const refused = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url.replace(/^\w+:/, 'http:'));
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

test('a missing broker: the message says how to install it', () => {
  const saved = process.env.MOSQUITTO;
  process.env.MOSQUITTO = '/nonexistent/mosquitto';
  try {
    expect(() => requireBroker('mosquitto')).toThrow('mosquitto is not installed: apt-get install -y mosquitto (Debian; .ci/run does this), or set MOSQUITTO to its path');
    expect(installHint('nats-server')).toBe('nats-server is not installed: apt-get install -y nats-server (Debian; .ci/run does this), or set NATS_SERVER to its path');
  } finally {
    if (saved === undefined) delete process.env.MOSQUITTO;
    else process.env.MOSQUITTO = saved;
  }
});

describeWithBrokers('mosquitto')('mosquitto', () => {
  test('MQTT over TCP and over WebSocket, both ways; stopped, nothing listens', async () => {
    const broker = await startMosquitto();
    stops.push(() => broker.stop());
    const tcp = await mqtt.connectAsync(broker.url);
    const ws = await mqtt.connectAsync(broker.wsUrl);
    stops.push(async () => void (await Promise.all([tcp.endAsync(), ws.endAsync()])));
    const got: string[] = [];
    ws.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    await ws.subscribeAsync('harness/#', { qos: 1 });
    await tcp.publishAsync('harness/a', 'over tcp', { qos: 1 });
    await expect.poll(() => got).toEqual(['harness/a over tcp']);
    await Promise.all([tcp.endAsync(), ws.endAsync()]);
    await broker.stop();
    expect(await refused(broker.url)).toBe(true);
    expect(await refused(broker.wsUrl)).toBe(true);
  });
});

describeWithBrokers('nats-server')('nats-server', () => {
  test('JetStream is on: a stream stores a message; the WebSocket port accepts; stopped, nothing listens', async () => {
    const broker = await startNats();
    stops.push(() => broker.stop());
    const nc = await natsConnect({ servers: broker.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'HARNESS', subjects: ['harness.>'] });
    await jsm.jetstream().publish('harness.a', 'hello');
    expect((await jsm.streams.info('HARNESS')).state.messages).toBe(1);
    await nc.close();
    expect(await refused(broker.wsUrl)).toBe(false);
    await broker.stop();
    expect(await refused(broker.url)).toBe(true);
    expect(await refused(broker.wsUrl)).toBe(true);
  });
});

describeWithBrokers('redis-server')('redis-server', () => {
  test('a stream entry written and read back; stopped, nothing listens', async () => {
    const broker = await startRedis();
    stops.push(() => broker.stop());
    const redis = new Redis(broker.url);
    const id = await redis.xadd('harness', '*', 'word', 'hello');
    expect(await redis.xrange('harness', '-', '+')).toEqual([[id, ['word', 'hello']]]);
    redis.disconnect();
    await broker.stop();
    expect(await refused(broker.url)).toBe(true);
  });
});
