/**
 * The measurement behind the choice of Kafka client (docs/connectors.md, "The client"): produce and
 * consume 50,000 records with @platformatic/kafka (the project's client) and kafkajs against a
 * local Kafka started from test/support/kafka, and read the same records with Rivulet's
 * KafkaSource.readRange. kafkajs is not a dependency: install it for this run only,
 *
 *   npm install --no-save kafkajs && npx tsx test/bench/kafkaClients.ts
 */
import os from 'node:os';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { KafkaSource } from '../../engine/connectors/kafka/KafkaSource.ts';
import { startKafka } from '../support/kafka/broker.ts';

const N = 50_000;
const BATCH = 1000;
const value = (i: number) => `record-${i}-xxxxxxxxxx`;
const perSecond = (n: number, since: number) => Math.round(n / ((performance.now() - since) / 1000));

let kafkajs: any;
try {
  const name = 'kafkajs';
  kafkajs = await import(name);
} catch {
  console.log('kafkajs is not installed: npm install --no-save kafkajs (only @platformatic/kafka is measured).');
}
const broker = await startKafka();
const rows: string[] = [];
try {
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [broker.bootstrap] });
  await admin.createTopics({ topics: ['pk', 'kj'], partitions: 3, replicas: 1 });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await admin.close();

  const producer = new Producer({ clientId: 'bench', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, acks: -1 });
  let t = performance.now();
  for (let i = 0; i < N; i += BATCH) await producer.send({ messages: Array.from({ length: BATCH }, (_, j) => ({ topic: 'pk', value: value(i + j) })) });
  rows.push(`@platformatic/kafka produce, batches of ${BATCH}, acks=all: ${perSecond(N, t)} records/s`);
  await producer.close();

  const consumer = new Consumer({ clientId: 'bench', groupId: 'bench-pk', bootstrapBrokers: [broker.bootstrap], deserializers: stringDeserializers });
  t = performance.now();
  const stream = await consumer.consume({ topics: ['pk'], mode: 'earliest', autocommit: false, maxWaitTime: 100 });
  let n = 0;
  for await (const _ of stream) if (++n >= N) break;
  rows.push(`@platformatic/kafka consume (consumer stream, from joining the group): ${perSecond(N, t)} records/s`);
  await stream.close();
  await consumer.close(true);

  const source = new KafkaSource({ topics: ['pk'], kafkaParams: { 'bootstrap.servers': broker.bootstrap, 'auto.offset.reset': 'earliest' } });
  t = performance.now();
  const ranges = await source.planBatch(await source.initialOffsets(), {});
  let read = 0;
  for (const records of await Promise.all(ranges.map((r) => source.readRange(r)))) read += records.length;
  rows.push(`Rivulet KafkaSource.readRange (low-level fetch, 3 ranges in parallel): ${perSecond(read, t)} records/s`);
  await source.close();

  if (kafkajs) {
    const kafka = new kafkajs.Kafka({ clientId: 'bench', brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.ERROR });
    const p = kafka.producer();
    await p.connect();
    t = performance.now();
    for (let i = 0; i < N; i += BATCH) await p.send({ topic: 'kj', acks: -1, messages: Array.from({ length: BATCH }, (_, j) => ({ value: value(i + j) })) });
    rows.push(`kafkajs produce, batches of ${BATCH}, acks=all: ${perSecond(N, t)} records/s`);
    await p.disconnect();
    const c = kafka.consumer({ groupId: 'bench-kj', maxWaitTimeInMs: 100 });
    await c.connect();
    await c.subscribe({ topic: 'kj', fromBeginning: true });
    t = performance.now();
    let m = 0;
    await new Promise<void>((resolve) => void c.run({ autoCommit: false, eachMessage: async () => { if (++m === N) resolve(); } }));
    rows.push(`kafkajs consume (eachMessage, from joining the group): ${perSecond(N, t)} records/s`);
    await c.disconnect();
  }
} finally {
  await broker.stop();
}
console.log(`${N} records of ~30 bytes, 3 partitions, Kafka 4.1.1 on loopback; load average ${os.loadavg()[0]!.toFixed(1)}`);
for (const r of rows) console.log(`  ${r}`);
