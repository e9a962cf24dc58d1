/**
 * One record of a Kafka topic as a direct stream gives it (Spark's `ConsumerRecord`): key and
 * value decoded as UTF-8 text, offsets and timestamps as numbers. Plain data, so it crosses to
 * workers and into checkpoints as it is.
 *
 * @example
 * ```ts
 * import type { ConsumerRecord } from 'rivulet';
 * const r: ConsumerRecord = { topic: 'words', partition: 0, offset: 41, timestamp: 1700000000000, key: null, value: 'hello', headers: {} };
 * ```
 */
export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}
