/**
 * JetStreamUtils against a real nats-server with JetStream (test/support/brokers): stream
 * sequences as offsets, batches as tables, and the sink's de-duplication by message id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { hasOffsetRanges, type OffsetRange } from '../../../engine/index.ts';
import { JetStreamUtils } from '../../../engine/connectors/nats/index.ts';
import { collectBatches, createTestContext, expectBatches } from '../../support/TestSuiteBase.ts';
import { describeWithBrokers } from '../../support/brokers/binaries.ts';
import { startNats, type NatsBroker } from '../../support/brokers/nats.ts';

const describeNats = describeWithBrokers('nats-server');
let broker: NatsBroker;
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  if (describeNats === describe.skip) return;
  broker = await startNats();
  nc = await connect({ servers: broker.url });
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await nc?.close();
  await broker?.stop();
});

async function streamWith(name: string, ...messages: string[]): Promise<void> {
  await jsm.streams.add({ name, subjects: [`${name}.>`] });
  for (const m of messages) await jsm.jetstream().publish(`${name}.in`, m);
}

async function contents(name: string): Promise<string[]> {
  const out: string[] = [];
  const { state } = await jsm.streams.info(name);
  for (let seq = state.first_seq; seq <= state.last_seq; seq++) out.push(new TextDecoder().decode((await jsm.streams.getMessage(name, { seq }))!.data));
  return out;
}

describeNats('JetStreamUtils.createDirectStream', () => {
  test('stream sequences are the offsets: each batch takes what was published since the previous one, at most maxRatePerPartition × interval', async () => {
    await streamWith('READ', 'a', 'b', 'c');
    const { ssc, clock } = createTestContext();
    const stream = JetStreamUtils.createDirectStream(ssc, { servers: broker.url, streams: 'READ' }, { maxRatePerPartition: 2 });
    const { output } = collectBatches(stream);
    const ranges: OffsetRange[][] = [];
    stream.foreachRDD((rdd) => void (hasOffsetRanges<number>(rdd) && ranges.push([...rdd.offsetRanges])));
    ssc.start();
    await clock.advance(1000);
    await clock.advance(1000);
    await jsm.jetstream().publish('READ.in', 'd');
    await clock.advance(1000);
    await clock.advance(1000);
    await ssc.stop();
    expectBatches(output, [['a', 'b'], ['c'], ['d'], []], { ordered: true });
    expect(ranges).toEqual([
      [{ partition: 'READ', fromOffset: 1, untilOffset: 3 }],
      [{ partition: 'READ', fromOffset: 3, untilOffset: 4 }],
      [{ partition: 'READ', fromOffset: 4, untilOffset: 5 }],
      [{ partition: 'READ', fromOffset: 5, untilOffset: 5 }],
    ]);
  });

  test('with workers: 2, each range is read in a worker, with the connection its copy of the pipeline opened; none on the driver', async () => {
    await streamWith('WORKERS_A', 'a', 'b', 'c');
    await streamWith('WORKERS_B', 'x');
    process.env.RIVULET_TEST_NATS_URL = broker.url;
    process.env.RIVULET_TEST_NATS_STREAMS = 'WORKERS_A,WORKERS_B';
    const p = await import('./fixtures/inWorkers.ts');
    try {
      await p.clock.advance(2000);
      await jsm.jetstream().publish('WORKERS_B.in', 'y');
      await p.clock.advance(1000);
      expect(p.output).toEqual([
        [1000, [['a', 'b'], ['x']]],
        [2000, [['c'], []]],
        [3000, [[], ['y']]],
      ]);
      const { rangesReadInWorkers, rangesReadOnDriver } = p.ssc.sparkContext.scheduler.metrics;
      expect([rangesReadInWorkers, rangesReadOnDriver]).toEqual([3 * 2, 0]);
    } finally {
      await p.ssc.stop();
    }
  });

  test("startingOffsets 'latest' reads only what is published after the start; two streams are two partitions; decode sees subject and sequence", async () => {
    await streamWith('OLD', 'old');
    await streamWith('NEW');
    const { ssc, clock } = createTestContext();
    const stream = JetStreamUtils.createDirectStream(ssc, {
      servers: [broker.url],
      streams: ['OLD', 'NEW'],
      startingOffsets: 'latest',
      decode: (data, subject, seq) => `${subject}#${seq}:${new TextDecoder().decode(data)}`,
    });
    const { output } = collectBatches(stream.glom());
    ssc.start();
    await clock.advance(1000);
    await jsm.jetstream().publish('OLD.x', 'one');
    await jsm.jetstream().publish('NEW.y', 'two');
    await clock.advance(1000);
    await ssc.stop();
    expect(output).toEqual([[[], []], [['NEW.y#1:two'], ['OLD.x#2:one']]]);
  });

  test('a stream that does not exist stops the context, naming it', async () => {
    const { ssc, clock } = createTestContext();
    collectBatches(JetStreamUtils.createDirectStream(ssc, { servers: broker.url, streams: 'MISSING' }));
    ssc.start();
    await clock.advance(1000);
    await expect(ssc.awaitTermination()).rejects.toThrow(/JetStreamUtils\.createDirectStream: cannot read JetStream stream "MISSING" on nats:\/\/127\.0\.0\.1:\d+: stream not found/);
  });

  test('a message deleted inside a range fails the batch instead of skipping it silently', async () => {
    await streamWith('GAP', 'a', 'b', 'c');
    await jsm.streams.deleteMessage('GAP', 2);
    const { ssc, clock } = createTestContext();
    collectBatches(JetStreamUtils.createDirectStream(ssc, { servers: broker.url, streams: 'GAP' }));
    ssc.start();
    await clock.advance(1000);
    await expect(ssc.awaitTermination()).rejects.toThrow(/readRange\(GAP \[1, 4\)\) for the batch at 1000 ms gave 2 records, the range holds 3/);
  });

  test('checks its arguments when defined', () => {
    const { ssc } = createTestContext();
    expect(() => JetStreamUtils.createDirectStream(ssc, { servers: 'localhost:4222', streams: 'S' })).toThrow(/servers must be a nats:\/\/ URL \(Node\) or ws:\/\/ \/ wss:\/\/ URL \(browsers\)/);
    expect(() => JetStreamUtils.createDirectStream(ssc, { servers: 'nats://x', streams: 'a.b' })).toThrow(/streams must be a JetStream stream name/);
    expect(() => JetStreamUtils.createDirectStream(ssc, { servers: 'nats://x', streams: 'S', startingOffsets: { S: 0 } })).toThrow(/startingOffsets must give a stream sequence \(1 or more\) for stream S, got 0/);
    expect(() => JetStreamUtils.saveToJetStream(ssc.queueStream<string>([]), { servers: 'nats://x', subject: 'out.>' })).toThrow(/subject must be a subject without wildcards/);
  });
});

describeNats('JetStreamUtils.saveToJetStream', () => {
  test('a batch published twice (a re-run after a crash) is in the stream once: the message ids repeat and JetStream drops the repeats', async () => {
    await jsm.streams.add({ name: 'OUT', subjects: ['out.>'] });
    for (let run = 0; run < 2; run++) {
      const { ssc, clock } = createTestContext();
      const counts = ssc.queueStream([[['a', 1], ['b', 2]] as [string, number][], [['a', 3]] as [string, number][]]);
      JetStreamUtils.saveToJetStream(counts, { servers: broker.url, subject: ([word]) => `out.${word}` });
      ssc.start();
      await clock.advance(2000);
      await ssc.stop();
    }
    expect(await contents('OUT')).toEqual(['["a",1]', '["b",2]', '["a",3]']);
  });

  test('msgId from a key: the same key in the same batch is one message whatever the order', async () => {
    await jsm.streams.add({ name: 'KEYED', subjects: ['keyed'] });
    for (const batch of [[['x', 1], ['y', 1]], [['y', 1], ['x', 1]]] as [string, number][][]) {
      const { ssc, clock } = createTestContext();
      JetStreamUtils.saveToJetStream(ssc.queueStream([batch]), { servers: broker.url, subject: 'keyed', msgId: ([word], time) => `${time}:${word}`, encode: ([w, n]) => `${w}=${n}` });
      ssc.start();
      await clock.advance(1000);
      await ssc.stop();
    }
    expect((await contents('KEYED')).sort()).toEqual(['x=1', 'y=1']);
  });
});
