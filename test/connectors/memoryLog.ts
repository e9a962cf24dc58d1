/**
 * An in-process replayable log for tests of the Source API: partitions of records appended in
 * order, offsets their positions, read in ranges. It also keeps what the engine asked of it
 * (planned ranges, reads, commits), so a test can check the protocol.
 *
 * A pipeline module that builds the same log in every thread (its records appended when the
 * module loads) has one copy per worker, each read by that worker; `share` names a
 * BroadcastChannel over which every copy reports its reads, so the driver's copy sees which
 * thread read which range (`readsByThread`).
 */
import { threadId } from 'node:worker_threads';
import { limitRanges, type OffsetRange, type ReadLimit, type ReplayableSource } from '../../engine/index.ts';

/** A read of a range, and the thread that made it (0: the main thread, else a worker's threadId). */
export interface ReadByThread {
  readonly range: OffsetRange;
  readonly thread: number;
}

export class MemoryLog<R> {
  readonly partitions = new Map<string, R[]>();
  /** Offsets committed by the pipeline, per partition (what a consumer-lag tool would read). */
  readonly committed: Record<string, number> = {};
  readonly reads: OffsetRange[] = [];
  readonly commits: OffsetRange[][] = [];
  readonly limits: ReadLimit[] = [];
  /** Every read, by this copy of the log and (with `share`) by its copies in other threads. */
  readonly readsByThread: ReadByThread[] = [];
  private readonly channel: BroadcastChannel | undefined;

  constructor(share?: string) {
    if (share === undefined) return;
    this.channel = new BroadcastChannel(share);
    // Never what keeps a process or a worker alive.
    (this.channel as BroadcastChannel & { unref?: () => void }).unref?.();
    this.channel.onmessage = (e: MessageEvent<ReadByThread>) => void this.readsByThread.push(e.data);
  }

  /** Stop hearing of reads in other threads. */
  close(): void {
    this.channel?.close();
  }

  append(partition: string, ...records: R[]): void {
    let p = this.partitions.get(partition);
    if (!p) this.partitions.set(partition, (p = []));
    p.push(...records);
  }

  latest(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, records] of this.partitions) out[name] = records.length;
    return out;
  }

  /** A source over this log; `start` says where a fresh stream starts ('earliest' or 'committed'). */
  source(start: 'earliest' | 'committed' = 'earliest'): ReplayableSource<R> & { closed: boolean } {
    const log = this;
    return {
      kind: 'memory',
      closed: false,
      async initialOffsets() {
        const out: Record<string, number> = {};
        for (const name of log.partitions.keys()) out[name] = start === 'committed' ? (log.committed[name] ?? 0) : 0;
        return out;
      },
      async planBatch(from, limit) {
        log.limits.push(limit);
        return limitRanges(from, log.latest(), limit);
      },
      async readRange(range) {
        log.reads.push(range);
        const read: ReadByThread = { range: { ...range }, thread: threadId };
        log.readsByThread.push(read);
        log.channel?.postMessage(read);
        // A real log answers later, from another thread or process.
        await new Promise((resolve) => setTimeout(resolve, 1));
        return (log.partitions.get(range.partition) ?? []).slice(range.fromOffset, range.untilOffset);
      },
      async commit(ranges) {
        log.commits.push([...ranges]);
        for (const r of ranges) log.committed[r.partition] = r.untilOffset;
      },
      async close() {
        this.closed = true;
      },
    };
  }
}
