/**
 * Checkpoint write cost: ms per write of a checkpoint holding `pairs` [key, state] pairs (a
 * mapWithState-like state: string keys, small object states), encode + store + durable commit.
 * Part of `npm run bench` (checkpointOverhead.ts), for each store. Browser-safe (no `node:`
 * import): the Chromium half runs it in a page with an IndexedDBCheckpointStore.
 */
import type { Checkpoint, CheckpointStore } from '../../engine/checkpoint/CheckpointStore.ts';
import { mulberry32 as rng } from '../../engine/rdd/RDD.ts';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? NaN;
}

/** A checkpoint of `pairs` pairs at `time`, the same data for the same arguments. */
export function makeCheckpoint(time: number, pairs: number): Checkpoint {
  const rand = rng(pairs);
  const state = Array.from({ length: pairs }, (_, i) => [`user-${i}`, { count: Math.floor(rand() * 1000), lastSeen: time - Math.floor(rand() * 60_000) }]);
  return { time, metadata: { batchInterval: 1000, pairs }, data: { sessions: state } };
}

/**
 * Median ms per `store.write` of a checkpoint of `pairs` pairs over `rounds` writes (after one
 * unmeasured warm-up write). The checkpoints it writes are deleted afterwards.
 */
export async function measureCheckpointWrite(store: CheckpointStore, pairs: number, rounds = 5): Promise<number> {
  const base = 1_000_000_000;
  const checkpoint = makeCheckpoint(base, pairs);
  const times: number[] = [];
  try {
    for (let round = 0; round <= rounds; round++) {
      const start = performance.now();
      await store.write({ ...checkpoint, time: base + round * 1000 });
      if (round > 0) times.push(performance.now() - start);
    }
  } finally {
    for (let round = 0; round <= rounds; round++) await store.delete(base + round * 1000);
  }
  return median(times);
}
