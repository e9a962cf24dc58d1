import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from '#nats-transport';
import { limitRanges, type OffsetRange, type ReadLimit, type ReplayableSource } from '../Source.ts';
import type { JetStreamSourceOptions } from './options.ts';
import { InputReadError, InvalidArgumentError } from '../../util/errors.ts';

const utf8 = new TextDecoder();

export function serverList(servers: string | string[], operation: string): string[] {
  const list = typeof servers === 'string' ? [servers] : servers;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && /^(nats|tls|wss?):\/\//i.test(s))) {
    throw new InvalidArgumentError(`${operation}: servers must be a nats:// URL (Node) or ws:// / wss:// URL (browsers), or an array of them; got ${JSON.stringify(servers)}.`);
  }
  return list;
}

/**
 * JetStream streams as a replayable source: each stream is a partition, its sequence numbers
 * the offsets (a range [from, until) holds the messages with sequences from..until-1). Every
 * batch asks the server for each stream's last sequence (planBatch) and reads a range through an
 * ordered consumer starting at its first sequence (readRange). Messages deleted inside a range
 * (by retention limits or a purge) make the read come up short, and the batch fails saying so.
 *
 * No offsets are committed back: JetStream has no consumer-group offsets to commit to without a
 * durable consumer; recovery does not need them (the ranges are in the write-ahead log).
 */
export function jetStreamSource<T = string>(options: JetStreamSourceOptions<T>, operation = 'JetStreamUtils.createDirectStream'): ReplayableSource<T> {
  const servers = serverList(options.servers, operation);
  const streams = typeof options.streams === 'string' ? [options.streams] : [...(options.streams ?? [])];
  if (streams.length === 0 || !streams.every((s) => typeof s === 'string' && /^[^\s.*>]+$/.test(s))) {
    throw new InvalidArgumentError(`${operation}: streams must be a JetStream stream name or a non-empty array of them (no spaces, dots or wildcards); got ${JSON.stringify(options.streams)}.`);
  }
  const starting = options.startingOffsets ?? 'earliest';
  if (typeof starting === 'object') {
    for (const s of streams) {
      if (!Number.isInteger(starting[s]) || starting[s]! < 1)
        throw new InvalidArgumentError(`${operation}: startingOffsets must give a stream sequence (1 or more) for stream ${s}, got ${JSON.stringify(starting[s])}.`);
    }
  } else if (starting !== 'earliest' && starting !== 'latest') {
    throw new InvalidArgumentError(`${operation}: startingOffsets must be 'earliest', 'latest' or a sequence per stream; got ${JSON.stringify(starting)}.`);
  }
  const decode = options.decode ?? ((data: Uint8Array) => utf8.decode(data) as T);

  let connection: Promise<{ nc: NatsConnection; jsm: JetStreamManager }> | undefined;
  const connected = () => (connection ??= connectNats(servers, operation).then(async (nc) => ({ nc, jsm: await jetstreamManager(nc) })));

  /** Each stream's next sequence (last + 1) and first sequence. */
  async function bounds(): Promise<{ next: Record<string, number>; first: Record<string, number> }> {
    const { jsm } = await connected();
    const next: Record<string, number> = {};
    const first: Record<string, number> = {};
    for (const s of streams) {
      let info;
      try {
        info = await jsm.streams.info(s);
      } catch (e) {
        throw new InputReadError(`${operation}: cannot read JetStream stream ${JSON.stringify(s)} on ${servers.join(', ')}: ${(e as Error).message}`, { cause: e });
      }
      next[s] = info.state.last_seq + 1;
      // An empty stream reports first_seq = last_seq + 1.
      first[s] = Math.max(1, info.state.first_seq);
    }
    return { next, first };
  }

  return {
    kind: 'nats-jetstream',
    async initialOffsets() {
      const { next, first } = await bounds();
      if (typeof starting === 'object') return Object.fromEntries(streams.map((s) => [s, starting[s]!]));
      return starting === 'latest' ? next : first;
    },
    async planBatch(from, limit: ReadLimit) {
      const { next, first } = await bounds();
      return limitRanges(from, next, limit, first);
    },
    async readRange(range: OffsetRange) {
      const want = range.untilOffset - range.fromOffset;
      if (want <= 0) return [];
      const { nc } = await connected();
      const consumer = await jetstream(nc).consumers.get(range.partition, { opt_start_seq: range.fromOffset });
      const out: T[] = [];
      let seq = range.fromOffset;
      while (seq < range.untilOffset) {
        const batch = await consumer.fetch({ max_messages: range.untilOffset - seq, expires: 2000 });
        let got = 0;
        for await (const m of batch) {
          got++;
          const s = m.info.streamSequence;
          // Stop at the range's end; a gap (deleted messages) leaves the read short, and the engine says so.
          if (s >= range.untilOffset) break;
          out.push(decode(m.data, m.subject, s));
          seq = s + 1;
          if (seq >= range.untilOffset) break;
        }
        if (got === 0) break;
      }
      return out;
    },
    async close() {
      const c = connection;
      connection = undefined;
      if (c) await (await c).nc.close();
    },
  };
}
