/**
 * Names of blocks in a worker's block store, as Spark names them: one bucket of a shuffle's map
 * output, or one partition of a persisted RDD. A prefix names every block of a shuffle or an RDD
 * (for removing them all when no RDD can read them any more).
 */
export const shuffleBlockId = (shuffleId: number, mapId: number, reduceId: number): string => `shuffle_${shuffleId}_${mapId}_${reduceId}`;
export const rddBlockId = (rddId: number, partition: number): string => `rdd_${rddId}_${partition}`;
export const shufflePrefix = (shuffleId: number): string => `shuffle_${shuffleId}_`;
export const rddPrefix = (rddId: number): string => `rdd_${rddId}_`;
