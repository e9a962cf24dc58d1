import { Redis } from 'ioredis';
import type { OffsetRange, ReadLimit, ReplayableSource } from '../Source.ts';
import type { RedisStreamSourceOptions } from './options.ts';
import { InvalidArgumentError } from '../../util/errors.ts';

type Entry = [id: string, fields: string[]];

/** Batches whose planned entries are kept for a read on the driver, at most (the others are read with XRANGE). */
const MAX_PLANNED_BATCHES = 32;

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
 * holds. planBatch reads the ids with XRANGE (at most what the limit allows; Redis has no way
 * to read ids without their entries) and keeps the entries for a read of the range on the driver;
 * a range read in a worker (by the worker's copy of this source), or again on recovery, comes from
 * XRANGE. The kept entries are dropped when their batch is committed, and past MAX_PLANNED_BATCHES
 * batches (a range read elsewhere is never read here).
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
  /** Entries planBatch read, for a readRange of the same range in this thread. */
  const planned = new Map<string, Entry[]>();
  const keyOf = (r: OffsetRange<string>) => `${r.partition}\u0000${r.fromOffset}\u0000${r.untilOffset}`;

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
        const entries: Entry[] = Number.isFinite(perStream) ? await redis().xrange(s, `(${start}`, '+', 'COUNT', perStream) : await redis().xrange(s, `(${start}`, '+');
        const range = { partition: s, fromOffset: start, untilOffset: entries.length > 0 ? entries[entries.length - 1]![0] : start, count: entries.length };
        if (entries.length > 0) planned.set(keyOf(range), entries);
        ranges.push(range);
      }
      // The oldest first (a Map keeps insertion order).
      for (const key of planned.keys()) {
        if (planned.size <= MAX_PLANNED_BATCHES * streams.length) break;
        planned.delete(key);
      }
      return ranges;
    },
    async readRange(range: OffsetRange<string>) {
      if (range.fromOffset === range.untilOffset) return [];
      const key = keyOf(range);
      const entries = planned.get(key) ?? ((await redis().xrange(range.partition, `(${range.fromOffset}`, range.untilOffset)) as Entry[]);
      planned.delete(key);
      return entries.map(([id, flat]) => decode(id, fieldsOf(flat), range.partition));
    },
    async commit(ranges) {
      // Read by now, here or in a worker.
      for (const r of ranges) planned.delete(keyOf(r));
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
      planned.clear();
      if (c) await c.quit().catch(() => c.disconnect());
    },
  };
}
