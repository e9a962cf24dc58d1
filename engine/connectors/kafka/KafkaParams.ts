import { InvalidArgumentError } from '../../util/errors.ts';

/**
 * Kafka settings under Kafka's own names, as Spark's `kafkaParams` map holds them. Only these are
 * read; anything else is refused, so a misspelt setting is not silently ignored.
 *
 * @example
 * ```ts
 * import type { KafkaParams } from 'rivulet';
 * const kafkaParams: KafkaParams = { 'bootstrap.servers': '127.0.0.1:9092', 'group.id': 'wordcount', 'auto.offset.reset': 'earliest' };
 * ```
 */
export interface KafkaParams {
  /** `host:port[,host:port…]`. */
  'bootstrap.servers': string;
  /**
   * The consumer group the stream commits each completed batch's offsets to (for lag tools, and
   * as the starting point of a fresh start without explicit offsets). Recovery never reads them.
   */
  'group.id'?: string;
  /** Where a partition with no committed offset starts on a fresh start: 'latest' (Kafka's default) or 'earliest'. */
  'auto.offset.reset'?: 'earliest' | 'latest';
  /** 'read_committed' (default: records of aborted transactions are never read) or 'read_uncommitted'. */
  'isolation.level'?: 'read_committed' | 'read_uncommitted';
  /** Kafka's client.id; default 'rivulet'. */
  'client.id'?: string;
}

const KNOWN = new Set(['bootstrap.servers', 'group.id', 'auto.offset.reset', 'isolation.level', 'client.id']);

/** The brokers of `kafkaParams`, after checking every setting; `where` names the caller in errors. */
export function checkKafkaParams(params: KafkaParams, where: string): string[] {
  if (typeof params !== 'object' || params === null) throw new InvalidArgumentError(`${where}: kafkaParams must be an object of Kafka settings, e.g. { 'bootstrap.servers': '127.0.0.1:9092' }.`);
  const unknown = Object.keys(params).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) throw new InvalidArgumentError(`${where}: unknown kafkaParams ${unknown.map((k) => JSON.stringify(k)).join(', ')}; known: ${[...KNOWN].join(', ')}.`);
  const servers = params['bootstrap.servers'];
  if (typeof servers !== 'string' || servers.trim() === '')
    throw new InvalidArgumentError(`${where}: kafkaParams['bootstrap.servers'] must be 'host:port[,host:port…]', got ${JSON.stringify(servers)}.`);
  const reset = params['auto.offset.reset'];
  if (reset !== undefined && reset !== 'earliest' && reset !== 'latest')
    throw new InvalidArgumentError(`${where}: kafkaParams['auto.offset.reset'] must be 'earliest' or 'latest', got ${JSON.stringify(reset)}.`);
  const isolation = params['isolation.level'];
  if (isolation !== undefined && isolation !== 'read_committed' && isolation !== 'read_uncommitted') {
    throw new InvalidArgumentError(`${where}: kafkaParams['isolation.level'] must be 'read_committed' or 'read_uncommitted', got ${JSON.stringify(isolation)}.`);
  }
  return servers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Kafka's name for a topic's partition, `topic-partition`, as the stream's partition name. */
export function topicPartition(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** The topic and partition of a `topic-partition` name (topics may contain '-'). */
export function parseTopicPartition(name: string): { topic: string; partition: number } {
  const i = name.lastIndexOf('-');
  const partition = Number(name.slice(i + 1));
  if (i <= 0 || !Number.isInteger(partition) || partition < 0) throw new InvalidArgumentError(`"${name}" is not a Kafka topic-partition name (topic-N).`);
  return { topic: name.slice(0, i), partition };
}
