/**
 * Worker start-up (issue 11): the first job on two new workers, from the pool's start to its
 * result, when the workers load no pipeline (the engine's own worker only), and when they also
 * import the pipeline module — TypeScript through tsx, or a JavaScript module bundled with the
 * engine as a service ships it (the workers then start from that file). Runs alternate, medians.
 */
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { median, table } from './stats.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A child process runs one first job and prints its time: each start is cold (no module cache, no worker bundle in memory). */
async function bundledService(dir: string): Promise<string> {
  const out = path.join(dir, 'service.mjs');
  await build({
    stdin: {
      contents: `
        import { RDDContext } from ${JSON.stringify(path.join(root, 'engine/index.ts'))};
        const offset = 1;
        const sc = new RDDContext({ workers: 2, placement: 'workers', pipelineModule: new URL(import.meta.url) });
        const job = sc.parallelize([1, 2, 3, 4], 4).map((x) => x + offset);
        if (!process.env.RIVULET_STARTUP_SKIP) {
          const start = performance.now();
          const r = await job.collect();
          if (r.join() !== '2,3,4,5') throw new Error('wrong result ' + r);
          console.log(performance.now() - start);
          await sc.close();
        }
      `,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['node'],
    minify: true,
    // CommonJS dependencies (ws) require() Node's built-ins: the usual banner of an ESM service bundle.
    banner: { js: "import { createRequire as __rivuletRequire } from 'node:module'; const require = __rivuletRequire(import.meta.url);" },
    outfile: out,
    external: ['esbuild', 'tsx', 'tsx/*'],
    logLevel: 'silent',
  });
  return out;
}

const variants: [string, () => number][] = [];
const dir = mkdtempSync(path.join(tmpdir(), 'rivulet-startup-'));

export async function runWorkerStartup(quick: boolean): Promise<void> {
  const service = await bundledService(dir);
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  const fixture = (name: string) => path.join(root, 'test/bench/fixtures/startup', name);
  const time = (args: string[]) => Number(execFileSync(args[0]!, args.slice(1), { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop());
  variants.length = 0;
  variants.push(
    ["no pipeline (the engine's worker only), tsx", () => time([tsx, fixture('none.ts')])],
    ['pipeline module, TypeScript through tsx', () => time([tsx, fixture('withModule.ts')])],
    ['bundled service (one minified .mjs), workers from its own file', () => time([process.execPath, service])],
  );
  const runs = quick ? 3 : 7;
  const results = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let r = 0; r < runs; r++) for (const [name, run] of variants) results.get(name)!.push(run());
  const base = median(results.get(variants[0]![0])!);
  const load = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  console.log(`\nWorker start-up (issue 11): the first job on 2 new workers, pool start to result, in a new process each run; ${runs} alternating runs, load average ${load}`);
  console.log(table(['workers load', 'median ms', 'min ms', 'vs no pipeline'], variants.map(([name]) => {
    const ts = results.get(name)!;
    return [name, median(ts), Math.min(...ts), `${(median(ts) / base).toFixed(2)}x`];
  })));
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await runWorkerStartup(process.argv.includes('--quick'));
