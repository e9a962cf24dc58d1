import type { Consumer, RecordsBatch } from '@platformatic/kafka';
import type { ConsumerRecord } from './ConsumerRecord.ts';
import { InputReadError } from '../../util/errors.ts';

export type { ConsumerRecord };

const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;
const ABORT = 0;
const MAX_BYTES = 8 * 1024 * 1024;

/**
 * The records of `topic`'s `partition` with offsets in [from, until), fetched from its leader.
 * With read_committed, records of aborted transactions are left out (the offsets they and the
 * transaction markers take are gaps), as Kafka's own consumer does from the fetch response's
 * aborted-transaction list.
 */
export async function fetchRange(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>, topic: string, partition: number, from: number, until: number, readCommitted: boolean): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  let offset = from;
  let emptyFetches = 0;
  const decoder = new TextDecoder();
  // Kafka's consumer does the same: each aborted transaction of the fetch response, once its first
  // offset is reached, marks its producer's transactional batches as aborted until its abort marker.
  const aborted = new Set<bigint>();
  const reached = new Set<string>();
  while (offset < until) {
    const metadata = await consumer.metadata({ topics: [topic] });
    const t = metadata.topics.get(topic);
    const p = t?.partitions[partition];
    if (!t || !p) throw new InputReadError(`Kafka has no partition ${partition} of topic "${topic}".`);
    const response = await consumer.fetch({
      node: p.leader,
      maxWaitTime: 100,
      minBytes: 1,
      maxBytes: MAX_BYTES,
      isolationLevel: readCommitted ? 1 : 0,
      topics: [{ topicId: t.id, partitions: [{ partition, fetchOffset: BigInt(offset), partitionMaxBytes: MAX_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
    });
    const answer = response.responses[0]?.partitions.find((x) => x.partitionIndex === partition);
    if (!answer) throw new InputReadError(`Kafka's fetch of ${topic}-${partition} from offset ${offset} answered nothing for the partition.`);
    if (answer.errorCode !== 0) {
      const why = answer.errorCode === 1 ? ` (offset out of range: the log starts at ${answer.logStartOffset}; the records were deleted by retention)` : '';
      throw new InputReadError(`Kafka's fetch of ${topic}-${partition} from offset ${offset} failed with error code ${answer.errorCode}${why}.`);
    }
    const abortedTransactions = [...(answer.abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
    const batches: RecordsBatch[] = answer.records ?? [];
    let next = offset;
    for (const batch of batches) {
      const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
      if (last < BigInt(offset)) continue;
      next = Number(last) + 1;
      if (readCommitted) {
        for (const a of abortedTransactions) {
          if (a.firstOffset > last) break;
          const id = `${a.producerId}:${a.firstOffset}`;
          if (reached.has(id)) continue;
          reached.add(id);
          aborted.add(a.producerId);
        }
      }
      if ((batch.attributes & IS_CONTROL) !== 0) {
        const key = batch.records[0]?.key;
        if (key && key.length >= 4 && key.readInt16BE(2) === ABORT) aborted.delete(batch.producerId);
        continue;
      }
      if (readCommitted && (batch.attributes & IS_TRANSACTIONAL) !== 0 && aborted.has(batch.producerId)) continue;
      for (const r of batch.records) {
        const o = Number(batch.firstOffset) + r.offsetDelta;
        if (o < offset || o >= until) continue;
        const headers: Record<string, string> = {};
        for (const [k, v] of r.headers) if (k) headers[decoder.decode(k)] = v ? decoder.decode(v) : '';
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
      // Nothing yet (the leader may lag behind the offsets listed): fetch again, a bounded number of times.
      if (++emptyFetches > 100) throw new InputReadError(`Kafka's fetch of ${topic}-${partition} gave no records from offset ${offset} (the range ends at ${until}) after ${emptyFetches} tries.`);
      continue;
    }
    emptyFetches = 0;
    offset = next;
  }
  return out;
}
