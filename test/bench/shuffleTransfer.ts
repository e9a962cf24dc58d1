/**
 * Shuffles on 2 workers, relayed through the driver vs fetched worker to worker (issue 3, item 1):
 * the same jobs on two RDDContexts that differ only in `shuffleTransfer`, run in interleaved
 * rounds, each round a new RDD (so a new shuffle: nothing is reused). Medians and the ratio.
 *
 * `npx tsx test/bench/shuffleTransfer.ts [--quick]`; also part of `npm run bench`.
 */
import { performance } from 'node:perf_hooks';
import { RDDContext, type RDD } from '../../engine/index.ts';
import { median, table } from './stats.ts';

interface Job {
  name: string;
  run: (sc: RDDContext) => Promise<unknown>;
}

function jobs(quick: boolean): Job[] {
  const n = quick ? 100_000 : 400_000;
  // Each job's functions use nothing from their surroundings (the ~40 B payload is a literal): the
  // cases are built inside functions, where no pipeline module defines them, so they travel as text.
  const records = (sc: RDDContext): RDD<number> => sc.parallelize(Array.from({ length: n }, (_, i) => i), 4);
  const words = Array.from({ length: quick ? 20_000 : 80_000 }, (_, i) => `w${i % 500} w${(i * 7) % 300} w${i % 11}`);
  return [
    {
      name: `groupByKey, ${n.toLocaleString('en-US')} records of ~50 B, 20k keys → count`,
      run: (sc) => records(sc).map((i) => [i % 20_000, `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx${i}`] as [number, string]).groupByKey(4).count(),
    },
    {
      name: `repartition(4), ${n.toLocaleString('en-US')} records → count`,
      run: (sc) => records(sc).map((i) => `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx${i}`).repartition(4).count(),
    },
    {
      name: `sortByKey, ${n.toLocaleString('en-US')} records → count`,
      run: (sc) => records(sc).map((i) => [(i * 7919) % 1_000_003, i] as [number, number]).sortByKey(true, 4).count(),
    },
    {
      name: `word count (map-side combine: ~800 keys cross), ${words.length.toLocaleString('en-US')} lines → collect`,
      run: (sc) => sc.parallelize(words, 4).flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b, 4).collect(),
    },
    {
      name: 'tiny shuffle: 40 records → collect',
      run: (sc) => sc.parallelize(Array.from({ length: 40 }, (_, i) => i), 4).map((i) => [i % 5, i] as [number, number]).reduceByKey((a, b) => a + b, 4).collect(),
    },
    // Where relaying stops paying: the same job with growing map outputs.
    ...[250, 500, 1_000, 4_000, 16_000].map((perTask) => ({
      name: `repartition(4), ${perTask.toLocaleString('en-US')} records of ~50 B per map task → count`,
      run: (sc: RDDContext) => sc.parallelize(Array.from({ length: perTask * 4 }, (_, i) => i), 4).map((i) => `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx${i}`).repartition(4).count(),
    })),
  ];
}

export async function runShuffleTransfer(quick: boolean): Promise<void> {
  const rounds = quick ? 5 : 9;
  const contexts = {
    relay: new RDDContext({ workers: 2, shuffleTransfer: 'relay' }),
    direct: new RDDContext({ workers: 2, shuffleTransfer: 'direct' }),
    auto: new RDDContext({ workers: 2, shuffleTransfer: 'auto' }),
  };
  try {
    const rows: (string | number)[][] = [];
    for (const job of jobs(quick)) {
      const times = { relay: [] as number[], direct: [] as number[], auto: [] as number[] };
      // Warm-up: start the workers, compile the functions.
      for (const sc of Object.values(contexts)) await job.run(sc);
      for (let r = 0; r < rounds; r++) {
        // Alternate which goes first, so neither always runs on a warmer machine.
        const order = (['relay', 'direct', 'auto'] as const).map((_, i, all) => all[(i + r) % 3]!);
        for (const mode of order) {
          const start = performance.now();
          await job.run(contexts[mode]);
          times[mode].push(performance.now() - start);
        }
      }
      const [relay, direct, auto] = [median(times.relay), median(times.direct), median(times.auto)];
      rows.push([job.name, relay, direct, auto, relay / direct]);
    }
    console.log(`\nShuffle transfer on 2 workers (issue 3): median ms of ${rounds} interleaved rounds (order rotated); relay / direct > 1: direct is faster`);
    console.log(table(['job', 'relay ms', 'direct ms', 'auto ms', 'relay / direct'], rows));
  } finally {
    await Promise.all(Object.values(contexts).map((sc) => sc.close()));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runShuffleTransfer(process.argv.includes('--quick'));
