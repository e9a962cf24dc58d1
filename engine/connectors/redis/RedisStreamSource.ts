import { Redis } from 'ioredis';
import type { OffsetRange, ReadLimit, ReplayableSource } from '../Source.ts';
import type { RedisStreamSourceOptions } from './options.ts';
import { InvalidArgumentError } from '../../util/errors.ts';

type Entry = [id: string, fields: string[]];

/**
 * Run in Redis (EVAL): the count and last id of the entries after ARGV[1] (excluded), at most
 * ARGV[2] of them (-1: all), read with XRANGE in chunks of 1,000 so no reply holds them all.
 */
const RANGE_END = `
local key, from, limit = KEYS[1], '(' .. ARGV[1], tonumber(ARGV[2])
local n, last = 0, ARGV[1]
while limit < 0 or n < limit do
  local want = 1000
  if limit >= 0 and limit - n < want then want = limit - n end
  local e = redis.call('XRANGE', key, from, '+', 'COUNT', want)
  n = n + #e
  if #e > 0 then last = e[#e][1]; from = '(' .. last end
  if #e < want then break end
end
return {n, last}`;

/** Entry ids compared as Redis does: milliseconds, then sequence. */
export function compareIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const ms = BigInt(am!) - BigInt(bm!);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

function fieldsOf(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/**
 * Redis streams as a replayable source: each stream key is a partition, entry ids the offsets.
 * A range's `fromOffset` is the id the previous batch ended on (excluded; `0-0` before the first
 * entry) and its `untilOffset` the last id it holds (included), so consecutive ranges chain as
 * the Source API wants, an empty range has from = until, and `count` says how many entries it
 * holds. planBatch learns each range's last id and count with a script run in Redis (RANGE_END:
 * XRANGE there, in chunks, and only the last id and the count sent back; Redis has no command that
 * lists ids without their entries), so the entries cross the network once, to whoever reads the
 * range: the driver, a worker's copy of this source, or recovery.
 */
export function redisStreamSource<T = Record<string, string>>(options: RedisStreamSourceOptions<T>, operation = 'RedisStreamUtils.createDirectStream'): ReplayableSource<T, string> {
  if (typeof options.url !== 'string' || !/^rediss?:\/\//i.test(options.url))
    throw new InvalidArgumentError(`${operation}: url must be a redis:// or rediss:// URL, got ${JSON.stringify(options.url)}.`);
  const streams = typeof options.streams === 'string' ? [options.streams] : [...(options.streams ?? [])];
  if (streams.length === 0 || !streams.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new InvalidArgumentError(`${operation}: streams must be a stream key or a non-empty array of them; got ${JSON.stringify(options.streams)}.`);
  }
  const starting = options.startingOffsets ?? 'earliest';
  const group = options.consumerGroup;
  if (starting === 'group' && group === undefined) throw new InvalidArgumentError(`${operation}: startingOffsets 'group' needs a consumerGroup.`);
  if (typeof starting === 'object') {
    for (const s of streams)
      if (!/^\d+-\d+$/.test(starting[s] ?? ''))
        throw new InvalidArgumentError(`${operation}: startingOffsets must give an entry id (like 1700000000000-0) for stream ${s}, got ${JSON.stringify(starting[s])}.`);
  }
  const decode = options.decode ?? ((_id: string, fields: Record<string, string>) => fields as T);
  let client: Redis | undefined;
  const redis = () => (client ??= new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: 3 }));

  async function ensureGroup(stream: string): Promise<void> {
    try {
      await redis().xgroup('CREATE', stream, group!, '0', 'MKSTREAM');
    } catch (e) {
      if (!/BUSYGROUP/.test((e as Error).message)) throw e;
    }
  }

  return {
    kind: 'redis-streams',
    async initialOffsets() {
      const out: Record<string, string> = {};
      for (const s of streams) {
        if (typeof starting === 'object') out[s] = starting[s]!;
        else if (starting === 'earliest') out[s] = '0-0';
        else if (starting === 'latest') {
          const last = (await redis().xrevrange(s, '+', '-', 'COUNT', 1)) as Entry[];
          out[s] = last[0]?.[0] ?? '0-0';
        } else {
          await ensureGroup(s);
          const groups = (await redis().xinfo('GROUPS', s)) as unknown[][];
          const info = groups.map((g) => fieldsOf(g.map(String))).find((g) => g.name === group);
          out[s] = info?.['last-delivered-id'] ?? '0-0';
        }
      }
      return out;
    },
    async planBatch(from, limit: ReadLimit) {
      const perStream = Math.min(limit.maxRecordsPerPartition ?? Infinity, limit.maxRecords === undefined ? Infinity : Math.max(1, Math.floor(limit.maxRecords / streams.length)));
      const ranges: OffsetRange<string>[] = [];
      for (const s of streams) {
        const start = from[s] ?? '0-0';
        const [count, until] = (await redis().eval(RANGE_END, 1, s, start, Number.isFinite(perStream) ? perStream : -1)) as [number, string];
        ranges.push({ partition: s, fromOffset: start, untilOffset: until, count });
      }
      return ranges;
    },
    async readRange(range: OffsetRange<string>) {
      if (range.fromOffset === range.untilOffset) return [];
      const entries = (await redis().xrange(range.partition, `(${range.fromOffset}`, range.untilOffset)) as Entry[];
      return entries.map(([id, flat]) => decode(id, fieldsOf(flat), range.partition));
    },
    async commit(ranges) {
      if (group === undefined) return;
      for (const r of ranges) {
        if (r.fromOffset === r.untilOffset) continue;
        await ensureGroup(r.partition);
        await redis().xgroup('SETID', r.partition, group, r.untilOffset);
      }
    },
    async close() {
      const c = client;
      client = undefined;
      if (c) await c.quit().catch(() => c.disconnect());
    },
  };
}
