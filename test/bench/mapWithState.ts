/**
 * mapWithState's cost per batch should follow the keys touched, not the keys held: the same
 * 1,000 keys touched per batch with 10,000 and with 1,000,000 keys of state.
 */
import { ManualClock, StateSpec, StreamingContext, type State } from '../../engine/index.ts';
import { performance } from 'node:perf_hooks';
import { rng } from './stats.ts';

/** Batches of `touchedPerBatch` random keys (one more batch than measured), a context on its own clock, and every key's initial state. */
function setUp(totalKeys: number, touchedPerBatch: number, batches: number) {
  const rand = rng(totalKeys);
  const queue: [number, number][][] = [];
  for (let b = 0; b < batches + 1; b++) {
    queue.push(Array.from({ length: touchedPerBatch }, () => [Math.floor(rand() * totalKeys), 1] as [number, number]));
  }
  const clock = new ManualClock();
  const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, defaultParallelism: 2 });
  const initial = Array.from({ length: totalKeys }, (_, k) => [k, 0] as [number, number]);
  return { queue, clock, ssc, initial };
}

/** A mapWithState pipeline on its own ManualClock that can be stepped one batch at a time. */
async function mapWithStatePipeline(totalKeys: number, touchedPerBatch: number, batches: number) {
  const { queue, clock, ssc, initial } = setUp(totalKeys, touchedPerBatch, batches);
  const spec = StateSpec.function((key: number, value: number | undefined, state: State<number>) => {
    const sum = (state.getOption() ?? 0) + (value ?? 0);
    state.update(sum);
    return sum;
  }).initialState(initial);
  let outputs = 0;
  ssc.queueStream(queue).mapWithState(spec).foreachRDD(async (rdd) => {
    outputs += await rdd.count();
  });
  ssc.start();
  await clock.advance(1000); // the first batch loads the initial state: not measured
  return {
    async step(): Promise<number> {
      const start = performance.now();
      await clock.advance(1000);
      return performance.now() - start;
    },
    async stop(): Promise<void> {
      await ssc.stop();
      if (outputs !== (batches + 1) * touchedPerBatch) throw new Error(`mapWithState emitted ${outputs} records, expected ${(batches + 1) * touchedPerBatch}`);
    },
  };
}

/**
 * Per-batch times of mapWithState for each total key count, measured side by side: the
 * pipelines advance one batch each in turn, so machine noise hits all of them alike.
 */
export async function mapWithStatePerBatch(totalKeys: number[], touchedPerBatch: number, batches: number): Promise<number[][]> {
  const pipelines = [];
  for (const n of totalKeys) pipelines.push(await mapWithStatePipeline(n, touchedPerBatch, batches));
  const times = totalKeys.map(() => [] as number[]);
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < pipelines.length; i++) times[i]!.push(await pipelines[i]!.step());
  }
  for (const p of pipelines) await p.stop();
  return times;
}

/** updateStateByKey for contrast: it calls the update for every key every batch. */
export async function updateStateByKeyPerBatch(totalKeys: number, touchedPerBatch: number, batches: number): Promise<number[]> {
  const { queue, clock, ssc, initial } = setUp(totalKeys, touchedPerBatch, batches);
  ssc.queueStream(queue)
    .updateStateByKey<number, number, number>((values, state) => values.reduce((a, b) => a + b, state ?? 0), { initialState: initial })
    .foreachRDD(() => {});
  ssc.start();
  await clock.advance(1000);
  const perBatch: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    await clock.advance(1000);
    perBatch.push(performance.now() - start);
  }
  await ssc.stop();
  return perBatch;
}

/**
 * The floor: the same updates done on plain Maps (one per partition) holding the same keys. A
 * hash table that outgrows the CPU caches costs more per lookup, so this shows how much of
 * mapWithState's growth with total keys is memory rather than work.
 */
export function plainMapPerBatch(totalKeys: number[], touchedPerBatch: number, batches: number): number[][] {
  const setups = totalKeys.map((total) => {
    const maps = [new Map<number, { state: number; updatedAt: number }>(), new Map<number, { state: number; updatedAt: number }>()];
    for (let k = 0; k < total; k++) maps[k % 2]!.set(k, { state: 0, updatedAt: 0 });
    const rand = rng(total);
    return { maps, total, rand };
  });
  const times = totalKeys.map(() => [] as number[]);
  for (let b = 0; b < batches; b++) {
    setups.forEach(({ maps, total, rand }, i) => {
      const keys = Array.from({ length: touchedPerBatch }, () => Math.floor(rand() * total));
      const start = performance.now();
      for (const k of keys) {
        const e = maps[k % 2]!.get(k)!;
        e.state += 1;
        e.updatedAt = b;
      }
      times[i]!.push(performance.now() - start);
    });
  }
  return times;
}
