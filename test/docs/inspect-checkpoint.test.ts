/**
 * docs/examples/inspect-checkpoint.ts, the checkpoint inspector of docs/checkpoints.md: run as the
 * docs say (`npx tsx docs/examples/inspect-checkpoint.ts <dir>`) on the directory the first
 * example of docs/checkpoints.md leaves after its first run, its output is the ```console block
 * shown there (RIVULET_DOCS_UPDATE=1 rewrites that block); a corrupt checkpoint is reported, and
 * a directory where none can be read exits 1.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock, Seconds, StreamingContext } from '../../engine/index.ts';
import { buildLibrary } from '../../engine/build/library.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = path.join(root, 'docs/checkpoints.md');
const cli = 'docs/examples/inspect-checkpoint.ts';
let tmp: string;
let dir: string;

/** The first example of docs/checkpoints.md, first run: three batches, a checkpoint after each. */
async function firstExampleFirstRun(directory: string): Promise<void> {
  const clock = new ManualClock();
  const ssc = await StreamingContext.getOrCreate(directory, () => {
    const ssc = new StreamingContext({ batchInterval: Seconds(1), scheduler: clock });
    ssc.checkpoint(directory);
    const words = ssc.queueStream([['a', 'b'], ['a'], ['c', 'a'], ['b'], ['a', 'c'], ['c']]).name('words');
    const totals = words
      .map((w) => [w, 1] as [string, number])
      .updateStateByKey((values: number[], total: number | undefined) => values.reduce((x, y) => x + y, total ?? 0))
      .name('totals');
    totals.checkpoint(Seconds(1));
    totals.foreachRDD(() => {});
    return ssc;
  });
  ssc.start();
  await clock.advance(Seconds(3));
  await ssc.stop();
}

function inspect(...args: string[]) {
  // From the temporary directory, so the path printed is the relative one the docs show.
  const run = spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, cli), ...args], { cwd: tmp, encoding: 'utf8', timeout: 150_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(async () => {
  // The example imports 'rivulet', which the repository resolves to its own build (package.json
  // "exports"): a fresh clone has none yet.
  if (!fs.existsSync(path.join(root, 'dist/esm/index.js'))) await buildLibrary({ targets: ['esm'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-inspect-cli-'));
  dir = path.join(tmp, 'word-counts');
  await firstExampleFirstRun(dir);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The ```console block after the `npx tsx docs/examples/inspect-checkpoint.ts` command in the doc: its lines' range. */
function consoleBlock(lines: string[]): { from: number; to: number } {
  const command = lines.findIndex((l) => l.startsWith('npx tsx docs/examples/inspect-checkpoint.ts '));
  const open = lines.findIndex((l, i) => i > command && l.startsWith('```console'));
  const close = lines.findIndex((l, i) => i > open && l.startsWith('```'));
  if (command < 0 || open < 0 || close < 0) throw new Error('docs/checkpoints.md has no ```console block after the inspect-checkpoint command');
  return { from: open + 1, to: close };
}

describe('docs/examples/inspect-checkpoint.ts', () => {
  test('prints what docs/checkpoints.md shows', () => {
    const { status, stdout, stderr } = inspect('word-counts');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const lines = fs.readFileSync(doc, 'utf8').split('\n');
    const { from, to } = consoleBlock(lines);
    if (process.env.RIVULET_DOCS_UPDATE === '1') {
      lines.splice(from, to - from, ...stdout.replace(/\n$/, '').split('\n'));
      fs.writeFileSync(doc, lines.join('\n'));
      return;
    }
    expect(stdout).toBe(lines.slice(from, to).join('\n') + '\n');
  });

  test('reports a corrupt checkpoint and describes the newest good one', () => {
    const copy = path.join(tmp, 'one-corrupt');
    fs.cpSync(dir, copy, { recursive: true });
    const newest = path.join(copy, 'checkpoint-3000.rvck');
    const bytes = fs.readFileSync(newest);
    bytes[bytes.length - 2] ^= 0x01;
    fs.writeFileSync(newest, bytes);
    const { status, stdout } = inspect('one-corrupt');
    expect(status).toBe(0);
    expect(stdout).toMatch(/3000 ms {2}CORRUPT {2}.*checksum/);
    expect(stdout).toContain('Checkpoint at batch time 2000 ms');
  });

  test('exits 1 when no checkpoint can be read, 2 on bad usage', () => {
    const copy = path.join(tmp, 'all-corrupt');
    fs.cpSync(dir, copy, { recursive: true });
    for (const f of fs.readdirSync(copy).filter((f) => f.startsWith('checkpoint-'))) fs.writeFileSync(path.join(copy, f), 'RVCK 1 9');
    const all = inspect('all-corrupt');
    expect(all.status).toBe(1);
    expect(all.stdout).toContain('None of them can be read: recovery from this directory fails.');
    expect(inspect().status).toBe(2);
  });
});
