import type { Consumer, RecordsBatch } from '@platformatic/kafka';
import type { ConsumerRecord } from './ConsumerRecord.ts';
import { InputReadError } from '../../util/errors.ts';

export type { ConsumerRecord };

const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;
const COMMIT = 1;
const MAX_BYTES = 8 * 1024 * 1024;

/**
 * The records of `topic`'s `partition` with offsets in [from, until), fetched from its leader.
 * With read_committed, records of aborted transactions are left out (the offsets they and the
 * transaction markers take are gaps), as Kafka's own consumer does.
 *
 * How read_committed is decided: the partition is fetched read_uncommitted (the client's own
 * read_committed filter keeps one aborted range per producer id, so with the several transactions
 * of one transactional.id in a response it also dropped committed records), and each transactional
 * record waits for its producer's next control marker: COMMIT keeps it, ABORT drops it. A producer
 * has one transaction open at a time, so that marker is its transaction's. A range ending at or
 * below the last stable offset (what listOffsets gives read_committed) holds no open transaction,
 * so every marker it waits for is in the log: the fetch goes on past `until` only to find them.
 */
export async function fetchRange(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>, topic: string, partition: number, from: number, until: number, readCommitted: boolean): Promise<ConsumerRecord[]> {
  const out: (ConsumerRecord | undefined)[] = [];
  /** Per producer id, the places in `out` of its open transaction's records. */
  const open = new Map<bigint, number[]>();
  let offset = from;
  let emptyFetches = 0;
  const decoder = new TextDecoder();
  while (offset < until || open.size > 0) {
    const metadata = await consumer.metadata({ topics: [topic] });
    const t = metadata.topics.get(topic);
    const p = t?.partitions[partition];
    if (!t || !p) throw new InputReadError(`Kafka has no partition ${partition} of topic "${topic}".`);
    const response = await consumer.fetch({
      node: p.leader,
      maxWaitTime: 100,
      minBytes: 1,
      maxBytes: MAX_BYTES,
      isolationLevel: 0,
      topics: [{ topicId: t.id, partitions: [{ partition, fetchOffset: BigInt(offset), partitionMaxBytes: MAX_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
    });
    const answer = response.responses[0]?.partitions.find((x) => x.partitionIndex === partition);
    if (!answer) throw new InputReadError(`Kafka's fetch of ${topic}-${partition} from offset ${offset} answered nothing for the partition.`);
    if (answer.errorCode !== 0) {
      const why = answer.errorCode === 1 ? ` (offset out of range: the log starts at ${answer.logStartOffset}; the records were deleted by retention)` : '';
      throw new InputReadError(`Kafka's fetch of ${topic}-${partition} from offset ${offset} failed with error code ${answer.errorCode}${why}.`);
    }
    const batches: RecordsBatch[] = answer.records ?? [];
    let next = offset;
    for (const batch of batches) {
      const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
      if (last < BigInt(offset)) continue;
      next = Number(last) + 1;
      if ((batch.attributes & IS_CONTROL) !== 0) {
        const places = readCommitted ? open.get(batch.producerId) : undefined;
        if (places) {
          open.delete(batch.producerId);
          const key = batch.records[0]?.key;
          const committed = key !== undefined && key !== null && key.length >= 4 && key.readInt16BE(2) === COMMIT;
          if (!committed) for (const i of places) out[i] = undefined;
        }
        continue;
      }
      if (Number(batch.firstOffset) >= until) continue;
      const places = readCommitted && (batch.attributes & IS_TRANSACTIONAL) !== 0 ? (open.get(batch.producerId) ?? open.set(batch.producerId, []).get(batch.producerId)!) : undefined;
      for (const r of batch.records) {
        const o = Number(batch.firstOffset) + r.offsetDelta;
        if (o < offset || o >= until) continue;
        const headers: Record<string, string> = {};
        for (const [k, v] of r.headers) if (k) headers[decoder.decode(k)] = v ? decoder.decode(v) : '';
        places?.push(out.length);
        out.push({
          topic,
          partition,
          offset: o,
          timestamp: Number(batch.firstTimestamp + r.timestampDelta),
          key: r.key ? decoder.decode(r.key) : null,
          value: r.value ? decoder.decode(r.value) : null,
          headers,
        });
      }
    }
    if (next <= offset) {
      // Nothing yet (the leader may lag behind the offsets listed, or a marker is still being written): fetch again, a bounded number of times.
      if (++emptyFetches > 100) {
        const waiting =
          offset < until ? `the range ends at ${until}` : `the transactions of producer ${[...open.keys()].join(', ')} are still open (no commit or abort marker) past the range's end ${until}`;
        throw new InputReadError(`Kafka's fetch of ${topic}-${partition} gave no records from offset ${offset} (${waiting}) after ${emptyFetches} tries.`);
      }
      continue;
    }
    emptyFetches = 0;
    offset = next;
  }
  return out.filter((r): r is ConsumerRecord => r !== undefined);
}
