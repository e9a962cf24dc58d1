/**
 * Cuts received records into blocks by arrival time (Spark's BlockGenerator). A block never
 * spans a block-interval or batch boundary, so the batch at time t gets exactly the records that
 * arrived before t — a record arriving at t itself belongs to the next batch — whatever order the
 * scheduler runs same-time actions in. Blocks become the batch RDD's partitions.
 */
export class BlockGenerator<T> {
  private blocks: { start: number; records: T[] }[] = [];

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
  }

  addAll(records: readonly T[], now: number): void {
    const block = this.currentBlock(now);
    for (const r of records) block.push(r);
  }

  private currentBlock(now: number): T[] {
    const start = this.blockStart(now);
    const last = this.blocks[this.blocks.length - 1];
    if (last && last.start === start) return last.records;
    const block = { start, records: [] as T[] };
    this.blocks.push(block);
    return block.records;
  }

  /** The batch a record stored at `now` goes to: the first batch time after `now`. */
  batchTimeOf(now: number): number {
    const since = now - this.zeroTime;
    return this.zeroTime + since - (since % this.batchInterval) + this.batchInterval;
  }

  /** Remove and return the blocks of records that arrived before `batchTime`. */
  allocate(batchTime: number): T[][] {
    let n = 0;
    while (n < this.blocks.length && this.blocks[n]!.start < batchTime) n++;
    return this.blocks
      .splice(0, n)
      .map((b) => b.records)
      .filter((r) => r.length > 0);
  }

  /** Records received and not yet allocated to a batch. */
  get pending(): number {
    return this.blocks.reduce((n, b) => n + b.records.length, 0);
  }
}
