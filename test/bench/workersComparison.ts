/**
 * The workers comparison of `npm run bench` (issue 3), in Node: the jobs of workersCases.ts on
 * worker_threads, printed as one table with this machine's description, then the scheduling delay
 * of a 10 ms batch interval. `npm run bench:browser` runs the same jobs in Chromium.
 */
import os from 'node:os';
import { COLUMNS, ROUNDS, compareWorkers, schedulingDelays } from './workersCases.ts';
import { median, percentile, table } from './stats.ts';

export async function runWorkersComparison(quick: boolean): Promise<void> {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  console.log(`\nWorkers (issue 3): ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'cpu'}), load average ${load} (1, 5, 15 min), node ${process.version}`);
  const rounds = ROUNDS[quick ? 'quick' : 'full'];
  console.log(
    `${rounds} interleaved round(s) per job; in each, every variant runs every batch once after a warm-up pass on the first 6 batches ` +
      '(Rivulet: in the same context, as a running stream, where they measure each stage on the workers and on the driver); ' +
      "Rivulet: defaultParallelism 4, ManualClock, output = collect(), placement 'auto' (a stage runs on the driver when shipping it costs more than it saves); 'batches ran on' counts every round's batches.",
  );
  console.log(table(COLUMNS, await compareWorkers(quick ? 'quick' : 'full')));
  const n = quick ? 100 : 300;
  const delays = await schedulingDelays(n);
  console.log(`Scheduling delay, 10 ms batch interval, local mode, real clock (asyncScheduler), ${n} batches: p50 ${median(delays)} ms, p99 ${percentile(delays, 99)} ms, max ${Math.max(...delays)} ms (target on an idle machine: p99 < 2 ms)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await runWorkersComparison(process.argv.includes('--quick'));
