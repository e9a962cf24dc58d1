import type { Consumer, Producer } from '@platformatic/kafka';
import { kafkaClient } from './client.ts';
import type { DStream } from '../../dstream/DStream.ts';
import { checkKafkaParams, type KafkaParams } from './KafkaParams.ts';
import { fetchRange } from './readRange.ts';
import { InvalidArgumentError, OutputWriteError } from '../../util/errors.ts';
import { protocolErrorId, retryDelay, retryOptions } from './retryDelay.ts';
import { consoleLogger, type Logger } from '../../util/logger.ts';

/**
 * A record to write to Kafka: a value, optionally a key (records with the same key go to the same
 * partition) and headers.
 *
 * Spark: Kafka's `ProducerRecord`, without topic and partition (the sink names the topic).
 *
 * @example
 * ```ts
 * import type { ProducerRecord } from 'rivulet';
 * const r: ProducerRecord = { key: 'word', value: '3' };
 * ```
 */
export interface ProducerRecord {
  key?: string;
  value: string;
  headers?: Record<string, string>;
}

/**
 * Options of `saveToKafka(stream, options)`.
 *
 * Spark: none in the DStream API (a Kafka producer in foreachRDD); Structured Streaming's Kafka
 * sink takes the same `topic` and `kafka.bootstrap.servers`.
 *
 * @example
 * ```ts
 * import type { KafkaSinkOptions } from 'rivulet';
 * const options: KafkaSinkOptions = { topic: 'counts', kafkaParams: { 'bootstrap.servers': '127.0.0.1:9092', 'transactional.id': 'wordcount-counts' } };
 * ```
 */
export interface KafkaSinkOptions {
  topic: string;
  /**
   * `bootstrap.servers` and `transactional.id`: the id must stay the same across restarts of the
   * pipeline (it is how a restarted run fences the one that died and finds the batches it wrote),
   * and be used by no other writer.
   */
  kafkaParams: Pick<KafkaParams, 'bootstrap.servers' | 'client.id'> & { 'transactional.id': string };
}

/**
 * Writes each batch of `stream` to a Kafka topic exactly once, across crashes and restarts.
 *
 * How: idempotent writes keyed on the batch time, made atomic by a Kafka transaction. Each
 * batch's records go to `topic` in one transaction together with a marker record (the batch
 * time) in the sink's own marker topic, `<topic>.rivulet-batches.<transactional.id>`. When the
 * pipeline restarts, its producer (same transactional.id) fences the dead one and aborts its open
 * transaction, and the sink reads the committed markers: a batch whose marker is there is already
 * in the topic and is not written again. After a failed write the sink refuses later batches of
 * the run (the context stops), so none is committed ahead of one that a restart must write. Recovery re-runs batches with the same input ranges and
 * the same restored state, so a batch's records are the same each time it runs. Readers of
 * `topic` use isolation.level=read_committed (a direct stream does by default).
 *
 * Spark has no Kafka sink in its DStream API (users write one in foreachRDD); this is what
 * Spark's guide recommends there: transactional writes keyed on the batch time.
 *
 * @example
 * ```ts no-run
 * import { saveToKafka } from 'rivulet';
 * saveToKafka(counts.map(([w, n]) => ({ key: w, value: String(n) })), { topic: 'counts', kafkaParams: { 'bootstrap.servers': '127.0.0.1:9092', 'transactional.id': 'wc-counts' } });
 * ```
 */
export function saveToKafka<T extends ProducerRecord>(stream: DStream<T>, options: KafkaSinkOptions): void {
  const where = 'saveToKafka';
  const brokers = checkKafkaParams({ 'bootstrap.servers': options.kafkaParams?.['bootstrap.servers'], 'client.id': options.kafkaParams?.['client.id'] } as KafkaParams, where);
  const transactionalId = options.kafkaParams['transactional.id'];
  if (typeof transactionalId !== 'string' || transactionalId === '')
    throw new InvalidArgumentError(`${where}: kafkaParams['transactional.id'] must be a non-empty string that stays the same across restarts.`);
  if (typeof options.topic !== 'string' || options.topic === '') throw new InvalidArgumentError(`${where}: topic must be a topic name, got ${JSON.stringify(options.topic)}.`);
  const sink = new KafkaTransactionalSink(brokers, options.topic, transactionalId, options.kafkaParams['client.id'] ?? 'rivulet', stream.context.logger);
  stream.foreachRDD(async (rdd, time) => {
    const records = await rdd.collect();
    await sink.write(time, records);
  });
  stream.context.addStreamingListener({ onStreamingStopped: () => void sink.close() });
}

/** The sink's state: its producer, and the batch times known to be in the topic. */
export class KafkaTransactionalSink {
  private producer: Producer<string, string, string, string> | undefined;
  /**
   * The batch times whose transaction committed, read from the marker topic at start and kept
   * up to date. A set, not the latest time: if a batch's write failed and a later batch's write
   * went through before the context stopped, a restart must still write the failed one.
   */
  private written = new Set<number>();
  /** A write of this run failed: later batches are refused, so the markers stay in batch order. */
  private failed: { time: number; error: unknown } | undefined;
  private starting: Promise<void> | undefined;
  readonly markerTopic: string;
  /** Batches not written because a run before this one had committed them (for tests and logs). */
  readonly skipped: number[] = [];
  /** The producer's latest retries (at most 100): the request, why (Kafka's error) and the wait before it, for tests and logs. */
  readonly retries: { operation: string; attempt: number; reason: string; delay: number }[] = [];

  constructor(
    private readonly brokers: string[],
    readonly topic: string,
    readonly transactionalId: string,
    private readonly clientId: string,
    private readonly logger: Logger = consoleLogger,
  ) {
    this.markerTopic = `${topic}.rivulet-batches.${transactionalId.replace(/[^a-zA-Z0-9._-]/g, '_')}`;
  }

  private async start(): Promise<void> {
    const { Admin, Producer, stringSerializers } = await kafkaClient();
    const admin = new Admin({ clientId: this.clientId, bootstrapBrokers: this.brokers, ...retryOptions });
    try {
      const existing = await admin.listTopics();
      if (!existing.includes(this.topic))
        throw new OutputWriteError(`saveToKafka: the topic "${this.topic}" does not exist in Kafka at ${this.brokers.join(',')}; create it (with the partitions you want) before the pipeline starts.`);
      if (!existing.includes(this.markerTopic)) {
        await admin.createTopics({ topics: [this.markerTopic], partitions: 1, replicas: 1 }).catch((e: Error) => {
          if (!/already exists/i.test(e.message) && !/TOPIC_ALREADY_EXISTS/i.test(JSON.stringify(e))) throw e;
        });
      }
    } finally {
      await admin.close();
    }
    // Same transactional.id: Kafka fences the producer of a run that died and aborts its open transaction.
    // producerId/epoch -1: "no producer yet" in InitProducerId (the client's default, 0/0, names an
    // existing producer and is refused as fenced once the id belongs to another producer id).
    this.producer = new Producer({
      clientId: this.clientId,
      bootstrapBrokers: this.brokers,
      serializers: stringSerializers,
      transactionalId: this.transactionalId,
      idempotent: true,
      producerId: -1n,
      producerEpoch: -1,
      acks: -1,
      // About 7.5 s of retrying other errors and 5.3 s of CONCURRENT_TRANSACTIONS (5 retries of the client's 1 s did 5 s).
      retries: retryOptions.retries,
      retryDelay: (_client: unknown, operation: string, attempt: number, _retries: number, error: unknown) => {
        const reason = protocolErrorId(error);
        const delay = retryDelay(attempt, reason);
        if (this.retries.push({ operation, attempt, reason: reason ?? (error as Error)?.message ?? String(error), delay }) > 100) this.retries.shift();
        return delay;
      },
    });
    // Fence the run that died before reading its markers: InitProducerId (sent when the first
    // transaction begins) waits until that run's last transaction is complete — committed if its
    // commit had reached the coordinator, else aborted — so the markers read next are final. Read
    // first, a marker whose commit was still being completed would be missed and its batch
    // written a second time.
    const fence = await this.producer.beginTransaction();
    await fence.cancel();
    this.written = await this.committedMarkers();
  }

  /** The batch times of the committed markers (read_committed). */
  private async committedMarkers(): Promise<Set<number>> {
    const { Consumer } = await kafkaClient();
    const consumer: Consumer<Buffer, Buffer, Buffer, Buffer> = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      clientId: this.clientId,
      bootstrapBrokers: this.brokers,
      groupId: `rivulet-sink-${this.transactionalId}`,
      ...retryOptions,
    });
    try {
      // A topic just created takes a moment to appear in the brokers' metadata.
      for (let attempt = 0; ; attempt++) {
        try {
          await consumer.metadata({ topics: [this.markerTopic], forceUpdate: true });
          break;
        } catch (e) {
          if (attempt >= 50) throw e;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      const [end, start] = await Promise.all([
        consumer.listOffsets({ topics: [this.markerTopic], timestamp: -1n, isolationLevel: 1 }),
        consumer.listOffsets({ topics: [this.markerTopic], timestamp: -2n }),
      ]);
      const until = Number(end.get(this.markerTopic)?.[0] ?? 0n);
      const from = Number(start.get(this.markerTopic)?.[0] ?? 0n);
      const written = new Set<number>();
      if (until > from) {
        for (const m of await fetchRange(consumer, this.markerTopic, 0, from, until, true)) {
          const t = Number(m.value);
          if (Number.isFinite(t)) written.add(t);
        }
      }
      const latest = [...written].slice(-10);
      this.logger.debug(`saveToKafka: "${this.markerTopic}" [${from}, ${until}) holds the markers of ${written.size} committed batches${latest.length ? `, the latest ${latest.join(', ')}` : ''}.`);
      return written;
    } finally {
      await consumer.close(true);
    }
  }

  async write(batchTime: number, records: readonly ProducerRecord[]): Promise<void> {
    this.starting ??= this.start();
    await this.starting;
    if (this.written.has(batchTime)) {
      this.skipped.push(batchTime);
      this.logger.info(`saveToKafka: the batch at ${batchTime} ms is in "${this.topic}" already (an earlier run committed it); not written again.`);
      return;
    }
    if (this.failed) {
      throw new OutputWriteError(
        `saveToKafka: not writing the batch at ${batchTime} ms to "${this.topic}": the write of the batch at ${this.failed.time} ms failed (${(this.failed.error as Error)?.message ?? String(this.failed.error)}). ` +
          'A restart from the checkpoint writes the batches not written.',
        { cause: this.failed.error },
      );
    }
    try {
      const messages = records.map((r, i) => {
        if (typeof r !== 'object' || r === null || typeof r.value !== 'string') {
          throw new InvalidArgumentError(`saveToKafka: record ${i} of the batch at ${batchTime} ms is ${JSON.stringify(r)?.slice(0, 80)}; expected { key?: string, value: string, headers? }.`);
        }
        return { topic: this.topic, key: r.key, value: r.value, headers: r.headers ? new Map(Object.entries(r.headers)) : undefined };
      });
      const tx = await this.producer!.beginTransaction();
      try {
        await tx.send({ messages: [...messages, { topic: this.markerTopic, key: 'batch', value: String(batchTime) }] });
        await tx.commit();
      } catch (e) {
        await tx.abort().catch(() => {});
        throw e;
      }
    } catch (e) {
      this.failed = { time: batchTime, error: e };
      throw e;
    }
    this.written.add(batchTime);
  }

  async close(): Promise<void> {
    await this.starting?.catch(() => {});
    await this.producer?.close();
  }
}
