/**
 * What the NATS JetStream and Redis Streams kill tests share (issue 12, item 3): the pipeline
 * bundled for Node, the loop that SIGKILLs and restarts it at seeded random moments, and the
 * outputs a word-count pipeline with mapWithState must leave in its sink.
 */
import { expect } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child, sleep } from '../../checkpoint/kill/harness.ts';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * `pipeline` and the engine in one ES module for Node, so each restart is a Node start, not a tsx
 * compile. The `external` clients stay imports (Kafka's reads a .wasm file next to its own module;
 * ioredis is CommonJS), so the bundle is written inside the repository, where node_modules
 * resolves them.
 */
export async function bundlePipeline(pipeline: string, outDir: string, external: string[]): Promise<string> {
  const { build } = await import('vite');
  await build({
    root: ROOT,
    configFile: false,
    logLevel: 'warn',
    ssr: { noExternal: true, external, target: 'node' },
    build: { ssr: pipeline, outDir, emptyOutDir: true, minify: false, target: 'node20', rolldownOptions: { output: { entryFileNames: 'pipeline.mjs', codeSplitting: false } } },
  });
  return path.join(outDir, 'pipeline.mjs');
}

export interface KillSchedule {
  bundle: string;
  args: string[];
  kills: number;
  rand: () => number;
  /** The line a run prints as a batch begins writing to the sink (`publish <time>`, `write <time>`). */
  writeLine: string;
  /** Where to keep every run's stdout (RIVULET_KILL_KEEP=1), if anywhere. */
  keepDir?: string;
}

/**
 * Runs the pipeline until one run finishes, SIGKILLing the first `kills` runs at a seeded moment:
 * while it starts (loading, reading the checkpoint, recovering), some time after it is ready, or
 * right as a batch begins writing (part of its output may be out, the rest not). Checks that the
 * finishing run ended cleanly and no batch failed. Returns the batch times killed mid-write.
 */
export async function killAndRestart(s: KillSchedule): Promise<{ runs: Child[]; killedMidWrite: number[] }> {
  const runs: Child[] = [];
  const killedMidWrite: number[] = [];
  let kills = 0;
  for (;;) {
    const child = new Child(s.bundle, s.args);
    runs.push(child);
    if (kills < s.kills) {
      const mode = s.rand();
      if (mode < 0.2) {
        await sleep(20 + s.rand() * 400);
        child.kill();
      } else if (mode < 0.5) {
        const ready = await child.next((l) => l.startsWith('ready '));
        if (ready !== undefined) await sleep(s.rand() * 600);
        child.kill();
      } else {
        let skip = Math.floor(s.rand() * 6);
        const arm = () =>
          child.onNext(
            (l) => l.startsWith(s.writeLine),
            (line) => {
              if (line === undefined) return;
              if (skip-- > 0) return arm();
              killedMidWrite.push(Number(line.split(' ')[1]));
              child.kill();
            },
          );
        arm();
      }
    }
    const exit = await child.exited;
    if (s.keepDir) fs.writeFileSync(path.join(s.keepDir, `run-${String(runs.length).padStart(2, '0')}.log`), `${child.lines.join('\n')}\nexit ${JSON.stringify(exit)}\nstderr:\n${child.stderr}`);
    if (exit.signal === 'SIGKILL') {
      kills++;
      continue;
    }
    expect(child.stderr, 'the finishing run').toBe('');
    expect(exit.code).toBe(0);
    expect(child.lines).toContain('finished');
    break;
  }
  expect(kills).toBe(s.kills);
  expect(runs.flatMap((r) => r.lines).filter((l) => l.startsWith('batch-failed'))).toEqual([]);
  return { runs, killedMidWrite };
}

/**
 * Checks a word-count sink against the input: mapWithState calls its function once per record, so
 * each word occurrence writes the word's count up to it — one output per input record, none
 * missing and none twice — and each word's last count is its number in the input.
 */
export function expectExactlyOnce(written: string[], words: string[]): void {
  const counts: Record<string, number> = {};
  const pairs = words.map((w) => JSON.stringify([w, (counts[w] = (counts[w] ?? 0) + 1)])).sort();
  expect(written.length).toBe(pairs.length);
  expect([...written].sort()).toEqual(pairs);
  const last: Record<string, number> = {};
  for (const p of written) {
    const [w, n] = JSON.parse(p) as [string, number];
    last[w] = Math.max(last[w] ?? 0, n);
  }
  expect(last).toEqual(counts);
}
