/**
 * What checkpoints cost a running pipeline: a mapWithState pipeline over `keys` keys of state
 * (`touched` keys updated per batch) run for `batches` batches on a ManualClock, with a checkpoint
 * every batch, every 10 batches, or never. Time per batch covers the whole run, the final
 * checkpoint writes included (stop() waits for them). Browser-safe (no `node:` import): the same
 * code runs in Node with a FileSystemCheckpointStore and in Chromium with an
 * IndexedDBCheckpointStore (test/bench/fixtures/checkpoint/).
 */
import { ManualClock, StateSpec, StreamingContext, type State } from '../../engine/index.ts';
import type { Checkpoint, CheckpointStore } from '../../engine/checkpoint/CheckpointStore.ts';
import { mulberry32 } from '../../engine/rdd/RDD.ts';

export interface CheckpointRunOptions {
  keys: number;
  touched: number;
  batches: number;
  /** Batches between checkpoints; undefined: no checkpoint store at all. */
  every: number | undefined;
}

export interface CheckpointRunResult {
  msPerBatch: number;
  /** Writes to the checkpoint store and to its write-ahead log, and what they held (encoded bytes are not visible here: the state's pair count). */
  checkpointWrites: number;
  walWrites: number;
}

const INTERVAL = 1000;

/** The batches of keys touched, the same for every variant of the same size. */
function makeQueue(keys: number, touched: number, batches: number): [number, number][][] {
  const rand = mulberry32(keys + touched);
  return Array.from({ length: batches }, () => Array.from({ length: touched }, () => [Math.floor(rand() * keys), 1] as [number, number]));
}

/** Counts writes to `store` and to its write-ahead log. */
function counting(store: CheckpointStore, counts: { checkpoint: number; wal: number }, which: 'checkpoint' | 'wal' = 'checkpoint'): CheckpointStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'writeAheadLog') return () => counting(value.call(target), counts, 'wal');
      if (property !== 'write') return value.bind(target);
      return (checkpoint: Checkpoint) => {
        counts[which]++;
        return value.call(target, checkpoint);
      };
    },
  });
}

/** One run of the pipeline; `store` is a fresh, empty store (or undefined for "never"). */
export async function runCheckpointedPipeline(options: CheckpointRunOptions, store: CheckpointStore | undefined): Promise<CheckpointRunResult> {
  const { keys, touched, batches, every } = options;
  const queue = makeQueue(keys, touched, batches);
  const counts = { checkpoint: 0, wal: 0 };
  const clock = new ManualClock();
  const ssc = new StreamingContext({ batchInterval: INTERVAL, scheduler: clock, defaultParallelism: 2 });
  if (store && every !== undefined) ssc.checkpoint(counting(store, counts));
  const initial = Array.from({ length: keys }, (_, k) => [k, 0] as [number, number]);
  const spec = StateSpec.function((key: number, value: number | undefined, state: State<number>) => {
    const sum = (state.getOption() ?? 0) + (value ?? 0);
    state.update(sum);
    return sum;
  }).initialState(initial);
  const sessions = ssc.queueStream(queue).name('clicks').mapWithState(spec).name('sessions');
  if (every !== undefined) sessions.checkpoint(every * INTERVAL);
  let outputs = 0;
  sessions.foreachRDD(async (rdd) => {
    outputs += await rdd.count();
  });
  const start = performance.now();
  ssc.start();
  await clock.advance(batches * INTERVAL);
  await ssc.stop();
  const elapsed = performance.now() - start;
  if (outputs !== batches * touched) throw new Error(`the checkpoint bench's pipeline emitted ${outputs} records, expected ${batches * touched}`);
  return { msPerBatch: elapsed / batches, checkpointWrites: counts.checkpoint, walWrites: counts.wal };
}
