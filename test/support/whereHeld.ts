import type { DStream, StreamingContext } from '../../engine/index.ts';
import { MaterializedRDD } from '../../engine/dstream/MaterializedRDD.ts';

/**
 * After each batch, where `stream`'s RDD of that batch is held: 'driver' (materialized there),
 * 'workers' (every partition in a live worker's block store) or 'nowhere'; pushed to `held`.
 */
export function recordWhereHeld(stream: DStream<any>, ssc: StreamingContext, held: [number, string][]): void {
  ssc.addStreamingListener({
    onBatchCompleted: ({ batchInfo: { batchTime } }) => {
      const rdd = stream.generatedRDDs.get(batchTime)!;
      held.push([batchTime, rdd instanceof MaterializedRDD ? 'driver' : ssc.sparkContext.scheduler.blockManagerMaster.allLive(rdd) ? 'workers' : 'nowhere']);
    },
  });
}
