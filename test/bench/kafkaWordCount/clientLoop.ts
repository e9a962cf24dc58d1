/**
 * The baseline: a hand-written loop on @platformatic/kafka's own consumer (a consumer group, its
 * message stream), doing the word count Rivulet's pipeline does. Each record is parsed and its
 * words counted as it arrives; every `interval` ms the chunk's counts are written to the sink
 * topic, one record per word (key word, value count):
 *
 * - exactly-once: Kafka's consume-transform-produce loop: a transactional producer writes the
 *   chunk's counts and commits the chunk's consumed offsets to the group in the same transaction
 *   (TxnOffsetCommit), as Kafka Streams' exactly_once_v2 does;
 * - at-least-once: an idempotent producer writes the counts (acks=all), then the consumer commits
 *   the chunk's offsets; a crash between the two writes the chunk again.
 *
 * Its clients retry as Rivulet's do (engine/connectors/kafka/retryDelay.ts): with the client's
 * default (1 s after any error) each transaction begun right after another waits a second
 * (CONCURRENT_TRANSACTIONS), and the loop stalls as saveToKafka did.
 *
 * The chunk's time is the timer tick that closes it; its latency runs to the write's
 * acknowledgement (the transaction's commit; the send's ack at least once). Chunks are written one
 * at a time, in order, while the next chunk is being counted.
 */
import { Consumer, Producer, stringDeserializers, stringSerializers, type Message } from '@platformatic/kafka';
import { retryOptions } from '../../../engine/connectors/kafka/retryDelay.ts';
import { wordsOf } from './input.ts';
import type { SideOptions, SideResult } from './side.ts';

type Record = Message<string, string, string, string>;

export function clientLoop(guarantee: 'exactly-once' | 'at-least-once') {
  return async (o: SideOptions): Promise<SideResult> => {
    const startedAt = Date.now();
    const transactional = guarantee === 'exactly-once';
    const consumer = new Consumer<string, string, string, string>({ clientId: 'bench-loop', groupId: o.id, bootstrapBrokers: [o.bootstrap], deserializers: stringDeserializers, ...retryOptions });
    const producer = new Producer<string, string, string, string>({
      clientId: 'bench-loop',
      bootstrapBrokers: [o.bootstrap],
      serializers: stringSerializers,
      idempotent: true,
      producerId: -1n,
      producerEpoch: -1,
      acks: -1,
      ...retryOptions,
      ...(transactional ? { transactionalId: o.id } : {}),
    });
    const latencies: number[] = [];
    const waits: number[] = [];
    let counts = new Map<string, number>();
    /** The last record of each partition in the current chunk: its offset is what the chunk commits. */
    let last = new Map<number, Record>();
    let consumed = 0;
    let written = 0;
    let writes: Promise<void> = Promise.resolve();
    let failed: unknown;
    let finish!: (r: SideResult) => void;
    let fail!: (e: unknown) => void;
    const finished = new Promise<SideResult>((resolve, reject) => ((finish = resolve), (fail = reject)));

    const stream = await consumer.consume({ topics: [o.input], mode: 'earliest', autocommit: false, maxWaitTime: 100, isolationLevel: 1 });
    const write = async (time: number, chunk: Map<string, number>, offsets: Record[], records: number) => {
      waits.push(Date.now() - time);
      const messages = [...chunk].map(([word, n]) => ({ topic: o.sink, key: word, value: String(n) }));
      if (transactional) {
        const tx = await producer.beginTransaction();
        try {
          await tx.send({ messages });
          await tx.addConsumer(consumer);
          for (const m of offsets) await tx.addOffset(m);
          await tx.commit();
        } catch (e) {
          await tx.abort().catch(() => {});
          throw e;
        }
        latencies.push(Date.now() - time);
      } else {
        await producer.send({ messages });
        latencies.push(Date.now() - time);
        await Promise.all(offsets.map((m) => m.commit()));
      }
      written += records;
      if (written >= o.records) finish({ startedAt, finishedAt: Date.now(), latencies, waits });
    };
    let chunkRecords = 0;
    const timer = setInterval(() => {
      if (chunkRecords === 0) return;
      const [time, chunk, offsets, records] = [Date.now(), counts, [...last.values()], chunkRecords];
      counts = new Map();
      last = new Map();
      chunkRecords = 0;
      writes = writes.then(() => (failed === undefined ? write(time, chunk, offsets, records) : undefined)).catch((e) => ((failed = e), fail(e)));
    }, o.interval);
    stream.on('data', (m: Record) => {
      for (const w of wordsOf(m.value)) counts.set(w, (counts.get(w) ?? 0) + 1);
      last.set(m.partition, m);
      chunkRecords++;
      consumed++;
    });
    stream.on('error', fail);
    o.onReady?.();
    let result: SideResult;
    try {
      result = await finished;
    } finally {
      clearInterval(timer);
      await writes;
      await stream.close();
      await consumer.close(true);
      await producer.close();
    }
    if (consumed !== o.records) throw new Error(`the client loop consumed ${consumed} records, the input holds ${o.records}`);
    return result;
  };
}
