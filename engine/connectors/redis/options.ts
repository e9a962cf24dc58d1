/**
 * What `RedisStreamUtils.createDirectStream` reads.
 *
 * @example
 * ```ts
 * import type { RedisStreamSourceOptions } from 'rivulet/redis';
 * const options: RedisStreamSourceOptions<string> = {
 *   url: 'redis://localhost:6379',
 *   streams: ['clicks'],
 *   consumerGroup: 'rivulet-dashboard',
 *   decode: (_id, fields) => fields.page!,
 * };
 * ```
 */
export interface RedisStreamSourceOptions<T> {
  /** `redis://host:port` (ioredis' URL form: `redis://user:password@host:port/db`, `rediss://` for TLS). */
  url: string;
  /** The stream keys to read, each one partition (its entry ids are the offsets). */
  streams: string | string[];
  /**
   * Where a fresh start begins (never used on recovery: the checkpoint says): 'earliest'
   * (default), 'latest' (entries added from now on), 'group' (after the consumer group's
   * last-delivered id; needs consumerGroup), or an entry id per stream (reading starts after it).
   */
  startingOffsets?: 'earliest' | 'latest' | 'group' | Record<string, string>;
  /**
   * A consumer group whose last-delivered id is set to the end of each completed batch
   * (XGROUP SETID), so `XINFO GROUPS` shows the pipeline's progress and lag. Created if missing.
   * Recovery never reads it back. Default: none.
   */
  consumerGroup?: string;
  /** Turn an entry into a record. Default: its fields as an object. */
  decode?: (id: string, fields: Record<string, string>, stream: string) => T;
}

/**
 * Where `RedisStreamUtils.saveToRedisStream` writes.
 *
 * @example
 * ```ts
 * import type { RedisStreamSinkOptions } from 'rivulet/redis';
 * const options: RedisStreamSinkOptions<[string, number]> = {
 *   url: 'redis://localhost:6379',
 *   key: 'word-counts',
 *   fields: ([word, count]) => ({ word, count: String(count) }),
 * };
 * ```
 */
export interface RedisStreamSinkOptions<T> {
  url: string;
  /** The stream key; this sink owns it (entry ids are the batch times: nothing else may add to it). */
  key: string;
  /** Record → the entry's fields. Default: `{ value: <the record as JSON, or a string as it is> }`. */
  fields?: (record: T) => Record<string, string>;
}
