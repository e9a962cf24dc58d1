/**
 * Cuts received records into blocks by arrival time (Spark's BlockGenerator). A block never
 * spans a block-interval or batch boundary, so the batch at time t gets exactly the records that
 * arrived before t — a record arriving at t itself belongs to the next batch — whatever order the
 * scheduler runs same-time actions in. Blocks become the batch RDD's partitions.
 *
 * With a rate limit (see ReceiverBuffer) a batch takes at most so many records, oldest first; the
 * rest stay here, in order, for the batches after it (Spark's receiver waits in its rate limiter
 * instead, with the same effect on the batches).
 */
export class BlockGenerator<T> {
  /** `head`: records before it were dropped (drop-oldest) and are no longer part of the block. */
  private blocks: { start: number; records: T[]; head: number }[] = [];
  private count = 0;

  constructor(
    private readonly zeroTime: number,
    private readonly blockInterval: number,
    private readonly batchInterval: number,
  ) {}

  private blockStart(time: number): number {
    const since = time - this.zeroTime;
    const byBlock = since - (since % this.blockInterval);
    const byBatch = since - (since % this.batchInterval);
    return this.zeroTime + Math.max(byBlock, byBatch);
  }

  add(record: T, now: number): void {
    this.currentBlock(now).push(record);
    this.count++;
  }

  addAll(records: readonly T[], now: number, from = 0, to = records.length): void {
    if (to <= from) return;
    const block = this.currentBlock(now);
    for (let i = from; i < to; i++) block.push(records[i]!);
    this.count += to - from;
  }

  private currentBlock(now: number): T[] {
    const start = this.blockStart(now);
    const last = this.blocks[this.blocks.length - 1];
    if (last && last.start === start) return last.records;
    const block = { start, records: [] as T[], head: 0 };
    this.blocks.push(block);
    return block.records;
  }

  /** The batch a record stored at `now` goes to when nothing holds it back: the first batch time after `now`. */
  batchTimeOf(now: number): number {
    const since = now - this.zeroTime;
    return this.zeroTime + since - (since % this.batchInterval) + this.batchInterval;
  }

  /**
   * Remove and return the blocks of records that arrived before `batchTime`, at most `max`
   * records of them, oldest first: a block cut short keeps its newer records for the next batch.
   */
  allocate(batchTime: number, max = Number.POSITIVE_INFINITY): T[][] {
    const taken: T[][] = [];
    let room = max;
    while (this.blocks.length > 0 && room > 0) {
      const block = this.blocks[0]!;
      if (block.start >= batchTime) break;
      const size = block.records.length - block.head;
      if (size <= room) {
        this.blocks.shift();
        if (size > 0) taken.push(block.head === 0 ? block.records : block.records.slice(block.head));
        room -= size;
        this.count -= size;
      } else {
        taken.push(block.records.slice(block.head, block.head + room));
        block.head += room;
        this.count -= room;
        room = 0;
      }
    }
    // Empty blocks left before the batch time (all their records dropped) go too.
    while (this.blocks.length > 0 && this.blocks[0]!.start < batchTime && this.blocks[0]!.records.length === this.blocks[0]!.head) this.blocks.shift();
    return taken;
  }

  /** Drop up to `n` of the oldest records not yet in a batch; returns how many were dropped. */
  dropOldest(n: number): number {
    let dropped = 0;
    while (dropped < n && this.blocks.length > 0) {
      const block = this.blocks[0]!;
      const size = block.records.length - block.head;
      const k = Math.min(size, n - dropped);
      block.head += k;
      dropped += k;
      // A block emptied by drops is removed, unless it is the one records are being added to.
      if (block.head === block.records.length && this.blocks.length > 1) this.blocks.shift();
      else if (k === 0) break;
    }
    // Let the dropped records be collected: compact a block once most of it is dropped.
    const first = this.blocks[0];
    if (first && first.head > 1024 && first.head * 2 > first.records.length) {
      first.records = first.records.slice(first.head);
      first.head = 0;
    }
    this.count -= dropped;
    return dropped;
  }

  /** Records received and not yet allocated to a batch. */
  get pending(): number {
    return this.count;
  }
}
