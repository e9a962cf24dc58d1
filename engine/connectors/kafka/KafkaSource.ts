import type { Admin, Consumer } from '@platformatic/kafka';
import { kafkaClient } from './client.ts';
import { limitRanges, type OffsetRange, type ReadLimit, type ReplayableSource } from '../Source.ts';
import { checkKafkaParams, parseTopicPartition, topicPartition, type KafkaParams } from './KafkaParams.ts';
import { fetchRange } from './readRange.ts';
import type { ConsumerRecord } from './ConsumerRecord.ts';
import { InvalidArgumentError } from '../../util/errors.ts';
import { retryOptions } from './retryDelay.ts';

/**
 * What a Kafka direct stream reads: topics by name or by pattern (Spark's
 * `ConsumerStrategies.Subscribe` and `SubscribePattern`), and where to start.
 *
 * @example
 * ```ts
 * import type { KafkaSubscription } from 'rivulet';
 * const subscription: KafkaSubscription = { topics: ['words'], kafkaParams: { 'bootstrap.servers': '127.0.0.1:9092', 'group.id': 'wc' } };
 * ```
 */
export interface KafkaSubscription {
  kafkaParams: KafkaParams;
  /** The topics to read. Give this or `subscribePattern`. */
  topics?: string[];
  /** Every topic whose name matches, checked again at each batch (new topics join, from their start). */
  subscribePattern?: RegExp;
  /**
   * Where partitions start on a fresh start, by `topic-partition` (Spark's `offsets` argument of
   * Subscribe). Partitions not named start at the group's committed offset, else at
   * `auto.offset.reset`. Ignored on recovery, which resumes from the checkpoint.
   */
  offsets?: Record<string, number>;
}

/**
 * Kafka as a ReplayableSource: partitions are `topic-partition`, offsets Kafka's. Each batch's
 * ranges end at the partitions' latest offsets (the last stable offset with read_committed), cut
 * by the batch's read limit; ranges are fetched from the partitions' leaders; after a batch
 * completes its offsets are committed to `group.id`, if set. Node only (a TCP client,
 * @platformatic/kafka).
 */
export class KafkaSource implements ReplayableSource<ConsumerRecord> {
  readonly kind = 'kafka';
  readonly gaps: boolean;
  private readonly brokers: string[];
  private readonly readCommitted: boolean;
  private consumerClient: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  private adminClient: Admin | undefined;

  constructor(readonly subscription: KafkaSubscription) {
    const where = 'Kafka direct stream';
    this.brokers = checkKafkaParams(subscription.kafkaParams, where);
    const { topics, subscribePattern } = subscription;
    if ((topics === undefined) === (subscribePattern === undefined))
      throw new InvalidArgumentError(`${where}: give either topics (an array of names) or subscribePattern (a RegExp), not ${topics ? 'both' : 'neither'}.`);
    if (topics !== undefined && (!Array.isArray(topics) || topics.length === 0 || !topics.every((t) => typeof t === 'string' && t !== ''))) {
      throw new InvalidArgumentError(`${where}: topics must be a non-empty array of topic names, got ${JSON.stringify(topics)}.`);
    }
    if (subscribePattern !== undefined && !(subscribePattern instanceof RegExp)) throw new InvalidArgumentError(`${where}: subscribePattern must be a RegExp.`);
    for (const [name, offset] of Object.entries(subscription.offsets ?? {})) {
      parseTopicPartition(name);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidArgumentError(`${where}: offsets[${JSON.stringify(name)}] must be a non-negative integer, got ${JSON.stringify(offset)}.`);
    }
    this.readCommitted = subscription.kafkaParams['isolation.level'] !== 'read_uncommitted';
    // Transactions leave markers, and with read_committed aborted records are skipped.
    this.gaps = true;
  }

  private async consumer(): Promise<Consumer<Buffer, Buffer, Buffer, Buffer>> {
    const { Consumer } = await kafkaClient();
    this.consumerClient ??= new Consumer({
      clientId: this.subscription.kafkaParams['client.id'] ?? 'rivulet',
      bootstrapBrokers: this.brokers,
      // Never joins it: the driver decides the ranges; the group only receives commits.
      groupId: this.subscription.kafkaParams['group.id'] ?? 'rivulet-direct-stream',
      ...retryOptions,
    });
    return this.consumerClient;
  }

  private async admin(): Promise<Admin> {
    const { Admin } = await kafkaClient();
    this.adminClient ??= new Admin({ clientId: this.subscription.kafkaParams['client.id'] ?? 'rivulet', bootstrapBrokers: this.brokers, ...retryOptions });
    return this.adminClient;
  }

  /** The subscribed topics that exist now. */
  private async currentTopics(): Promise<string[]> {
    const pattern = this.subscription.subscribePattern;
    if (pattern === undefined) return this.subscription.topics!;
    const all = await (await this.admin()).listTopics();
    return all.filter((t) => !t.startsWith('__') && new RegExp(pattern.source, pattern.flags.replace('g', '')).test(t)).sort();
  }

  /** Offsets by `topic-partition`: latest (-1) or earliest (-2) of every partition of `topics`. */
  private async listOffsets(topics: string[], which: 'latest' | 'earliest'): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    if (topics.length === 0) return out;
    const offsets = await (await this.consumer()).listOffsets({ topics, timestamp: which === 'latest' ? -1n : -2n, isolationLevel: this.readCommitted ? 1 : 0 });
    for (const [topic, partitions] of offsets) partitions.forEach((o, p) => (out[topicPartition(topic, p)] = Number(o)));
    return out;
  }

  private async committed(topics: string[]): Promise<Record<string, number>> {
    const group = this.subscription.kafkaParams['group.id'];
    const out: Record<string, number> = {};
    if (group === undefined || topics.length === 0) return out;
    const [result] = await (await this.admin()).listConsumerGroupOffsets({ groups: [group] });
    for (const t of result?.topics ?? []) {
      if (!topics.includes(t.name)) continue;
      for (const p of t.partitions) if (p.committedOffset >= 0n) out[topicPartition(t.name, p.partitionIndex)] = Number(p.committedOffset);
    }
    return out;
  }

  /** Where partitions start when the stream has no position for them: given offsets, the group's, then auto.offset.reset. */
  private async startOf(topics: string[]): Promise<Record<string, number>> {
    const reset = this.subscription.kafkaParams['auto.offset.reset'] ?? 'latest';
    const [fallback, earliest, committed] = await Promise.all([this.listOffsets(topics, reset), this.listOffsets(topics, 'earliest'), this.committed(topics)]);
    const out: Record<string, number> = {};
    for (const p of Object.keys(fallback)) {
      const start = this.subscription.offsets?.[p] ?? committed[p] ?? fallback[p]!;
      out[p] = Math.max(start, earliest[p] ?? 0);
    }
    return out;
  }

  async initialOffsets(): Promise<Record<string, number>> {
    return this.startOf(await this.currentTopics());
  }

  async planBatch(from: Readonly<Record<string, number>>, limit: ReadLimit): Promise<OffsetRange[]> {
    const topics = await this.currentTopics();
    const latest = await this.listOffsets(topics, 'latest');
    const fresh = Object.keys(latest).filter((p) => !Object.hasOwn(from, p));
    // Partitions and topics that appeared since the stream started are read from their beginning (Spark's direct stream does the same).
    const start: Record<string, number> = {};
    if (fresh.length > 0) Object.assign(start, await this.listOffsets([...new Set(fresh.map((p) => parseTopicPartition(p).topic))], 'earliest'));
    return limitRanges(from, latest, limit, start);
  }

  async readRange(range: OffsetRange): Promise<ConsumerRecord[]> {
    if (range.untilOffset <= range.fromOffset) return [];
    const { topic, partition } = parseTopicPartition(range.partition);
    return fetchRange(await this.consumer(), topic, partition, range.fromOffset, range.untilOffset, this.readCommitted);
  }

  /** Commit each range's end to `group.id` (Spark's `commitAsync`), for consumer-lag tools. */
  async commit(ranges: readonly OffsetRange[]): Promise<void> {
    const groupId = this.subscription.kafkaParams['group.id'];
    if (groupId === undefined) return;
    const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
    for (const r of ranges) {
      if (r.untilOffset === r.fromOffset) continue;
      const { topic, partition } = parseTopicPartition(r.partition);
      const list = byTopic.get(topic) ?? [];
      list.push({ partition, offset: BigInt(r.untilOffset) });
      byTopic.set(topic, list);
    }
    if (byTopic.size === 0) return;
    await (await this.admin()).alterConsumerGroupOffsets({ groupId, topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })) });
  }

  async close(): Promise<void> {
    await Promise.all([this.consumerClient?.close(true), this.adminClient?.close()]);
  }
}
