/**
 * The paced load of the Kafka word-count bench, a process of its own (so producing takes nothing
 * from the side measured): writes input records 0..records-1 of `seed` to `topic` at `rate`
 * records per second, every 10 ms what is due by then, in sends of what is due (acks=all,
 * idempotent). Prints `started` when connected and `done` after the last send's ack.
 *
 *   node --import tsx test/bench/kafkaWordCount/pacedProducer.ts BOOTSTRAP TOPIC SEED RECORDS RATE
 */
import { Producer, stringSerializers } from '@platformatic/kafka';
import { line, PARTITIONS } from './input.ts';

const [bootstrap, topic, seed, records, rate] = process.argv.slice(2);
const [s, n, r] = [Number(seed), Number(records), Number(rate)];
if (!bootstrap || !topic || !(n > 0) || !(r > 0)) {
  console.error('usage: pacedProducer.ts BOOTSTRAP TOPIC SEED RECORDS RATE');
  process.exit(2);
}
const producer = new Producer({ clientId: 'bench-paced', bootstrapBrokers: [bootstrap], serializers: stringSerializers, idempotent: true, producerId: -1n, producerEpoch: -1, acks: -1 });
await producer.metadata({ topics: [topic] });
console.log('started');
const start = performance.now();
let sent = 0;
while (sent < n) {
  const due = Math.min(n, Math.floor(((performance.now() - start) / 1000) * r));
  if (due > sent) {
    await producer.send({ messages: Array.from({ length: due - sent }, (_, j) => ({ topic, partition: (sent + j) % PARTITIONS, value: line(s, sent + j) })) });
    sent = due;
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
}
await producer.close();
console.log('done');
