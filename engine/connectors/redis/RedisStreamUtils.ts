import { DirectInputDStream, type DirectStreamOptions } from '../DirectInputDStream.ts';
import type { DStream } from '../../dstream/DStream.ts';
import type { StreamingContext } from '../../streaming/StreamingContext.ts';
import { userCallSite } from '../../util/callSite.ts';
import { redisStreamSource } from './RedisStreamSource.ts';
import { saveToRedisStream } from './saveToRedisStream.ts';
import type { RedisStreamSinkOptions, RedisStreamSourceOptions } from './options.ts';

/**
 * Redis Streams in and out (Node). See docs/connectors/redis.md.
 *
 * @example
 * ```ts
 * import { RedisStreamUtils } from 'rivulet/redis';
 * const clicks = RedisStreamUtils.createDirectStream(ssc, { url: 'redis://localhost:6379', streams: 'clicks' });
 * RedisStreamUtils.saveToRedisStream(clicks.count(), { url: 'redis://localhost:6379', key: 'click-counts' });
 * ```
 */
export const RedisStreamUtils = {
  /**
   * A direct stream over Redis streams: entry ids are the offsets, each batch's ranges are logged
   * before it runs and read again exactly on recovery.
   */
  createDirectStream<T = Record<string, string>>(ssc: StreamingContext, source: RedisStreamSourceOptions<T>, options: DirectStreamOptions = {}): DirectInputDStream<T, string> {
    const operation = 'RedisStreamUtils.createDirectStream';
    return new DirectInputDStream<T, string>(ssc, redisStreamSource(source, operation), options, operation, userCallSite());
  },

  /** Add each batch's records to a stream once; see saveToRedisStream. */
  saveToRedisStream<T>(stream: DStream<T>, options: RedisStreamSinkOptions<T>): void {
    saveToRedisStream(stream, options.url, options.key, options.fields);
  },
};
