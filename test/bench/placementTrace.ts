/**
 * `npx tsx test/bench/placementTrace.ts [a|b|c] [full|quick] [auto|workers|local] ['{"warmUpRuns":2}']`:
 * one Rivulet pass of a workers-comparison case (workersCases.ts: its 6 warm-up batches, then its
 * batches) on 2 workers, printing per batch its wall time, each placed stage's side and wall time
 * as the driver measured it (W = workers, L = here), and why each stage went where it did — to see
 * what placement by cost (StagePlacement) decides on this machine, at this load.
 */
import os from 'node:os';
import { ManualClock, StreamingContext } from '../../engine/index.ts';
import { StagePlacement, type StageRun } from '../../engine/rdd/StagePlacement.ts';
import { cases, type BenchSize } from './workersCases.ts';
import { median } from './stats.ts';

const [which = 'b', size = 'full', mode = 'auto', options = '{}'] = process.argv.slice(2);
const c = cases(size as BenchSize).find((x) => x.name.startsWith(`(${which})`));
if (!c || !['auto', 'workers', 'local'].includes(mode)) {
  console.error('usage: placementTrace.ts [a|b|c] [full|quick|tiny] [auto|workers|local] [StagePlacementOptions as JSON]');
  process.exit(2);
}
const warm = c.batches.slice(0, 6);

/** Placement as configured, keeping each run's measured time for the batch's line. */
class Traced extends StagePlacement {
  readonly runs: string[] = [];
  override record(run: StageRun): void {
    super.record(run);
    this.runs.push(`${run.executedOn === 'workers' ? 'W' : 'L'} ${run.wallMs.toFixed(1)}`);
  }
}
const placement = mode === 'local' ? undefined : new Traced({ ...JSON.parse(options), mode: mode as 'auto' | 'workers' });
const clock = new ManualClock();
const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock, defaultParallelism: 4, workers: placement && 2, placement });
c.rivulet(ssc.queueStream([...warm, ...c.batches])).foreachRDD(async (rdd) => void (await rdd.collect()));
if (placement) await ssc.sparkContext.parallelize([0, 1, 2, 3], 4).map((x) => x).collect();
let start = 0;
const times: number[] = [];
ssc.addStreamingListener({
  onBatchStarted: () => void (start = performance.now()),
  onBatchCompleted: ({ batchInfo }) => {
    const t = performance.now() - start;
    const runs = placement ? placement.runs.splice(0).join(', ') : '';
    const why = (batchInfo.stageDecisions ?? []).map((d) => d.reason).join(' | ');
    console.log(`${String(times.length).padStart(3)}${times.length < warm.length ? '*' : ' '} ${t.toFixed(1).padStart(7)} ms  [${runs}]  ${why}`);
    times.push(t);
  },
});
console.log(`${c.name}, placement ${mode} ${options}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} (* = warm-up batch)`);
ssc.start();
await clock.advance((warm.length + c.batches.length) * 1000);
await ssc.stop();
const measured = times.slice(warm.length);
console.log(`measured batches: median ${median(measured).toFixed(1)} ms, total ${measured.reduce((a, b) => a + b, 0).toFixed(0)} ms`);
