/**
 * `npx tsx test/bench/mapWithStateRatio.ts [rounds] [batches]`: npm run bench's mapWithState
 * figure (1,000 keys touched per batch out of 10,000 and out of 1,000,000, pipelines stepped
 * alternately) repeated for several rounds, with the plain-Map floor measured in the same run, so
 * the ratio can be compared across changes without running the whole bench.
 */
import { mapWithStatePerBatch, plainMapPerBatch } from './mapWithState.ts';
import { median, table } from './stats.ts';

const rounds = Number(process.argv[2] ?? 5);
const batches = Number(process.argv[3] ?? 100);
const rows: (string | number)[][] = [];
const ratios: number[] = [];
const plainRatios: number[] = [];
for (let r = 0; r < rounds; r++) {
  const [small, large] = (await mapWithStatePerBatch([10_000, 1_000_000], 1000, batches)) as [number[], number[]];
  const [plainSmall, plainLarge] = plainMapPerBatch([10_000, 1_000_000], 1000, batches) as [number[], number[]];
  const ratio = median(large) / median(small);
  const plainRatio = median(plainLarge) / median(plainSmall);
  ratios.push(ratio);
  plainRatios.push(plainRatio);
  rows.push([String(r + 1), median(small), median(large), `${ratio.toFixed(2)}x`, median(plainSmall), median(plainLarge), `${plainRatio.toFixed(2)}x`]);
}
console.log(`mapWithState, 1,000 keys touched per batch, ${batches} batches per round, p50 ms/batch`);
console.log(table(['round', '10K keys', '1M keys', 'ratio', 'plain Map 10K', 'plain Map 1M', 'ratio'], rows));
console.log(`median ratio over ${rounds} rounds: mapWithState ${median(ratios).toFixed(2)}x, plain Map ${median(plainRatios).toFixed(2)}x`);
