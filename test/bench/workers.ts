/**
 * `npx tsx test/bench/workers.ts [--quick]`: the same jobs in local mode and on 2 worker threads,
 * measured side by side in one run (interleaved rounds, medians). (a) word count, (b) a CPU-heavy
 * map: parse a 1 KB JSON record and hash it. Workers pay for moving every input partition and
 * every result both ways (relayed through the driver; columnar where cheaper), so (a) is bounded
 * by transfer and (b) shows the parallel speed-up. "auto" may run a stage on the driver after its
 * first runs (placement by cost); "forced" ships every stage (placement: 'workers').
 */
import os from 'node:os';
import { RDDContext } from '../../engine/index.ts';
import { median, table } from './stats.ts';

const quick = process.argv.includes('--quick');
const rounds = quick ? 3 : 5;

const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa'];
const lines = Array.from({ length: quick ? 50_000 : 200_000 }, (_, i) => Array.from({ length: 8 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' '));
const records = Array.from({ length: quick ? 5_000 : 20_000 }, (_, i) =>
  JSON.stringify({ id: i, user: `user-${i % 997}`, tags: words.slice(0, 1 + (i % 8)), payload: 'x'.repeat(900 - (i % 50)), at: 1_700_000_000_000 + i }),
);

const jobs: [string, number, (sc: RDDContext) => Promise<unknown>][] = [
  ['(a) word count', lines.length, (sc) => sc.parallelize(lines, 8).flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b).collect()],
  ['(b) parse + hash 1 KB JSON', records.length, (sc) => sc.parallelize(records, 8).map((r) => {
    const o = JSON.parse(r) as { id: number; payload: string; tags: string[] };
    let h = 2166136261;
    for (let k = 0; k < 20; k++) {
      const s = JSON.stringify(o) + k;
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
    }
    return [o.id % 16, h >>> 0] as [number, number];
  }).reduceByKey((a, b) => (a ^ b) >>> 0).collect()],
];

const local = new RDDContext();
const workers = new RDDContext({ workers: 2 });
const forced = new RDDContext({ workers: 2, placement: 'workers' });
await workers.parallelize([0, 1], 2).collect(); // start the workers before measuring
await forced.parallelize([0, 1], 2).collect();

const rows: (string | number)[][] = [];
for (const [name, n, job] of jobs) {
  const t: Record<'local' | 'workers' | 'forced', number[]> = { local: [], workers: [], forced: [] };
  for (let r = 0; r < rounds + 1; r++) {
    for (const [mode, sc] of [['local', local], ['workers', workers], ['forced', forced]] as const) {
      const start = performance.now();
      await job(sc);
      if (r > 0) t[mode].push(performance.now() - start); // round 0 warms up (JIT, function caches)
    }
  }
  const l = median(t.local);
  const w = median(t.workers);
  const f = median(t.forced);
  rows.push([name, n, (n / l) * 1000, (n / w) * 1000, (n / f) * 1000, l / w, l / f]);
}
await workers.close();
await forced.close();

console.log(`Rivulet local vs 2 workers — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, median of ${rounds} interleaved rounds`);
console.log(table(['job', 'records', 'local rec/s', '2 workers (auto) rec/s', '2 workers (forced) rec/s', 'speed-up auto', 'speed-up forced'], rows));
