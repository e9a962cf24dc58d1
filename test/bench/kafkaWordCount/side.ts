/** What every side of the Kafka word-count bench is given and reports. */
export interface SideOptions {
  bootstrap: string;
  /** The input topic (JSON lines, see input.ts) and the sink topic (word → count records). */
  input: string;
  sink: string;
  /** Batch interval (Rivulet) or chunk length (the client loop), ms. */
  interval: number;
  /** The run ends once this many input records are counted and their counts acknowledged by Kafka. */
  records: number;
  /** Unique per run: consumer group, transactional id, checkpoint directory name. */
  id: string;
  /** A directory of this run's own (Rivulet's checkpoints). */
  dir: string;
  /** Called once the side reads the topic (the paced producer starts then). */
  onReady?: () => void;
}

export interface SideResult {
  /** Date.now() when the side was started, and when the write covering the last record was acknowledged. */
  startedAt: number;
  finishedAt: number;
  /** Per batch (chunk) with records: ms from the batch's time (the end of its interval) to its sink write's acknowledgement. */
  latencies: number[];
  /** Per batch with records: ms from the batch's time to the start of its processing (Rivulet) or of its write (the loop). */
  waits: number[];
}

export type Side = (options: SideOptions) => Promise<SideResult>;
