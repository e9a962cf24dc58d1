/**
 * mapWithState's cost per batch should follow the keys touched, not the keys held: the same
 * 1,000 keys touched per batch with 10,000 and with 1,000,000 keys of state.
 */
import { ManualClock, StateSpec, StreamingContext, type State } from '../../engine/index.ts';
import { performance } from 'node:perf_hooks';
import { rng } from './stats.ts';

export async function mapWithStatePerBatch(totalKeys: number, touchedPerBatch: number, batches: number): Promise<number[]> {
  const rand = rng(totalKeys);
  const queue: [number, number][][] = [];
  for (let b = 0; b < batches + 1; b++) {
    queue.push(Array.from({ length: touchedPerBatch }, () => [Math.floor(rand() * totalKeys), 1] as [number, number]));
  }
  const clock = new ManualClock();
  const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, defaultParallelism: 2 });
  const initial = Array.from({ length: totalKeys }, (_, k) => [k, 0] as [number, number]);
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
  await clock.advance(1000); // first batch loads the initial state: not measured
  const perBatch: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    await clock.advance(1000);
    perBatch.push(performance.now() - start);
  }
  await ssc.stop();
  if (outputs !== (batches + 1) * touchedPerBatch) throw new Error(`mapWithState emitted ${outputs} records, expected ${(batches + 1) * touchedPerBatch}`);
  return perBatch;
}

/** updateStateByKey for contrast: it calls the update for every key every batch. */
export async function updateStateByKeyPerBatch(totalKeys: number, touchedPerBatch: number, batches: number): Promise<number[]> {
  const rand = rng(totalKeys);
  const queue: [number, number][][] = [];
  for (let b = 0; b < batches + 1; b++) {
    queue.push(Array.from({ length: touchedPerBatch }, () => [Math.floor(rand() * totalKeys), 1] as [number, number]));
  }
  const clock = new ManualClock();
  const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, defaultParallelism: 2 });
  const initial = Array.from({ length: totalKeys }, (_, k) => [k, 0] as [number, number]);
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
