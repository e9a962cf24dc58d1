/**
 * Rivulet's side: the pipeline a user writes for word counts from Kafka to Kafka — a direct
 * stream, parse, flatMap to words, reduceByKey, and saveToKafka (each batch's counts and its
 * marker in one transaction). Local mode, default settings, no rate limit: each batch takes what
 * the topic holds at its time. A batch's latency runs from its time to the end of its processing,
 * which is after the sink's transaction committed (the batch completes when its outputs have).
 *
 * - exactly-once: with checkpoints to a directory (each batch's offset ranges in the write-ahead
 *   log, fsynced, before it runs): a restart re-reads the same ranges and the sink skips the
 *   batches it committed;
 * - at-least-once: the same pipeline without checkpoints. A restart starts from the offsets
 *   committed to group.id after each batch's outputs, under new batch times, so a batch written
 *   but not yet committed to the group is written again.
 */
import { createKafkaDirectStream, FileSystemCheckpointStore, saveToKafka, StreamingContext } from '../../../engine/index.ts';
import { wordsOf } from './input.ts';
import type { SideOptions, SideResult } from './side.ts';

export const rivulet = (guarantee: 'exactly-once' | 'at-least-once') => async (o: SideOptions): Promise<SideResult> => {
  const startedAt = Date.now();
  const ssc = new StreamingContext({ batchInterval: o.interval, appName: 'kafka-wordcount-bench' });
  if (guarantee === 'exactly-once') ssc.checkpoint(new FileSystemCheckpointStore(`${o.dir}/${o.id}`));
  const lines = createKafkaDirectStream(ssc, { topics: [o.input], kafkaParams: { 'bootstrap.servers': o.bootstrap, 'group.id': o.id, 'auto.offset.reset': 'earliest' } });
  const counts = lines.flatMap((r) => wordsOf(r.value!)).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b);
  saveToKafka(
    counts.map(([word, n]) => ({ key: word, value: String(n) })),
    { topic: o.sink, kafkaParams: { 'bootstrap.servers': o.bootstrap, 'transactional.id': o.id } },
  );
  const latencies: number[] = [];
  const waits: number[] = [];
  let counted = 0;
  let ready = false;
  const finished = new Promise<SideResult>((resolve, reject) => {
    ssc.addStreamingListener({
      onBatchCompleted: ({ batchInfo: b }) => {
        if (b.failureReason !== undefined) return reject(new Error(`Rivulet's batch at ${b.batchTime} failed: ${b.failureReason}`));
        // Ready once a first batch went through (the sink's producer is initialised then, as the loop's is at its first write).
        if (!ready) {
          ready = true;
          o.onReady?.();
        }
        if (b.numRecords === 0) return;
        latencies.push(b.processingEndTime! - b.batchTime);
        waits.push(b.processingStartTime! - b.batchTime);
        counted += b.numRecords;
        if (counted >= o.records) resolve({ startedAt, finishedAt: b.processingEndTime!, latencies, waits });
      },
    });
  });
  ssc.start();
  let result: SideResult;
  try {
    result = await finished;
  } finally {
    await ssc.stop();
  }
  if (counted !== o.records) throw new Error(`Rivulet's batches held ${counted} records, the input ${o.records}`);
  return result;
};
