import { describe, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

// Scripts as users run them, each in a process of its own: a script that works in local mode
// works with `workers: 2` added and nothing else (each worker re-imports it, as Node's cluster
// re-runs the main script), and a service names its pipeline module so that the rest of it does
// not run in the workers.

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = (name: string) => fileURLToPath(new URL(`./fixtures/scripts/${name}`, import.meta.url));
const run = async (command: string, args: string[]) => (await promisify(execFile)(command, args, { cwd: root, timeout: 150_000 })).stdout;
const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

/** The word count of wordhash.ts, computed here without the engine. */
function expectedWordHash(): unknown[] {
  const stop = new Set(['the', 'a']);
  return [['the quick fox', 'a lazy dog'], ['quick quick']].map((batch, i) => {
    const counts = new Map<string, number>();
    for (const w of batch.flatMap((l) => l.split(' '))) if (!stop.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
    return [(i + 1) * 1000, [...counts].map(([w, n]) => [createHash('sha256').update(w).digest('hex').slice(0, 8), w, n]).sort()];
  });
}

describe('scripts', () => {
  test.each([
    ['tsx script.ts', 'node_modules/.bin/tsx', [script('wordhash.ts')]],
    ['node --import tsx script.ts', process.execPath, ['--import', 'tsx', script('wordhash.ts')]],
  ])('%s: workers: 2 and nothing else; closures, node:crypto and an npm package work on the workers', async (_name, command, args) => {
    const out = lines(await run(command, args));
    // The script ran once on the driver and once in each worker (as cluster does); its side
    // effects guarded by isDriver() ran once.
    expect(out.filter((l) => 'loaded' in l).map((l) => l.loaded).sort()).toEqual(['driver', 'worker', 'worker']);
    const result = out.find((l) => 'batches' in l)!;
    expect(result.batches).toEqual(expectedWordHash());
    expect((result.remoteTasks as number[]).some((n) => n > 0)).toBe(true);
    expect(out.filter((l) => 'batches' in l)).toHaveLength(1);
  });

  test('a service names its pipeline module: the rest of the service does not run in the workers', async () => {
    const out = lines(await run('node_modules/.bin/tsx', [script('service.ts')]));
    expect(out.filter((l) => 'serviceStarted' in l)).toHaveLength(1);
    expect(out.find((l) => 'results' in l)!.results).toEqual([111, 200]);
  });
});
