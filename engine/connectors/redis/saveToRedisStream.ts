import { Redis } from 'ioredis';
import type { DStream } from '../../dstream/DStream.ts';
import { InvalidArgumentError } from '../../util/errors.ts';

/**
 * Adds a batch's entries in one script (atomic: all or none), with explicit ids
 * `<batchTime>-0`, `<batchTime>-1`, …; a batch whose time is not after the stream's last entry
 * was written already (the same batch, run again after a crash) and adds nothing.
 * KEYS[1]: the stream; ARGV: batchTime, then per entry its field count and its fields.
 */
const ADD_BATCH = `
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if top[1] then
  local ms = tonumber(string.match(top[1][1], '^(%d+)'))
  if ms >= tonumber(ARGV[1]) then return 0 end
end
local i = 2
local n = 0
while i <= #ARGV do
  local count = tonumber(ARGV[i])
  local args = { 'XADD', KEYS[1], ARGV[1] .. '-' .. n }
  for j = 1, count do args[#args + 1] = ARGV[i + j] end
  redis.call(unpack(args))
  n = n + 1
  i = i + count + 1
end
return n
`;

const valueField = (record: unknown): Record<string, string> => ({ value: typeof record === 'string' ? record : JSON.stringify(record) });

/**
 * Write each batch's records to a Redis stream once: one atomic script per batch adds them with
 * ids made from the batch time, and does nothing when that batch is in the stream already. So a
 * batch run again after recovery — recomputed from the logged ranges and checkpointed state —
 * adds no entry twice. The stream's entry ids are the batch times (`<batchTime>-<n>`): the sink
 * owns the key. Node only (ioredis).
 */
export function saveToRedisStream<T>(stream: DStream<T>, url: string, key: string, fields: (record: T) => Record<string, string> = valueField, operation = 'RedisStreamUtils.saveToRedisStream'): void {
  if (typeof url !== 'string' || !/^rediss?:\/\//i.test(url)) throw new InvalidArgumentError(`${operation}: url must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}.`);
  if (typeof key !== 'string' || key.length === 0) throw new InvalidArgumentError(`${operation}: key must be a stream key, got ${JSON.stringify(key)}.`);
  let client: Redis | undefined;
  const subscription = stream.context.events$.subscribe((e) => {
    if (e.type !== 'streamingStopped') return;
    subscription.unsubscribe();
    const c = client;
    client = undefined;
    void c?.quit().catch(() => c.disconnect());
  });
  stream.foreachRDD(async (rdd, batchTime) => {
    const records = await rdd.collect();
    if (records.length === 0) return;
    const args: (string | number)[] = [batchTime];
    for (const r of records) {
      const f = fields(r);
      const flat = Object.entries(f).flat();
      if (flat.length === 0 || !flat.every((v) => typeof v === 'string')) {
        throw new InvalidArgumentError(`${operation}: fields must give an entry at least one field, every value a string; got ${JSON.stringify(f)} for a record of the batch at ${batchTime} ms.`);
      }
      args.push(flat.length, ...flat);
    }
    client ??= new Redis(url, { maxRetriesPerRequest: 3 });
    await client.eval(ADD_BATCH, 1, key, ...args);
  });
}
