/**
 * `rivulet/redis`: Redis Streams in (a replayable source, entry ids as offsets) and out (each
 * batch's records written once), in Node. Needs `ioredis`. See docs/connectors/redis.md.
 */
export { RedisStreamUtils } from './RedisStreamUtils.ts';
export { redisStreamSource } from './RedisStreamSource.ts';
export type { RedisStreamSinkOptions, RedisStreamSourceOptions } from './options.ts';
