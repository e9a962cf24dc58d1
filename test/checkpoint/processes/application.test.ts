/**
 * Issue 13, item 6, with real processes: sums.ts and labels.ts are two applications with the same
 * graph shape and no appName, run one after the other on one checkpoint directory. Before the
 * identity, labels restored the sums' state in silence and concatenated strings onto numbers.
 * Now each checkpoint records its writer's main module (`rivulet:test/checkpoint/processes/sums`)
 * and labels is refused, unless it opts in with allowOtherApplication.
 */
import { afterEach, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, startsWith } from './child.ts';

const running: App[] = [];
const directories: string[] = [];
function tempDirectory(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-application-processes-'));
  directories.push(dir);
  return path.join(dir, 'checkpoints');
}
function start(script: 'sums' | 'labels', args: string[]): App {
  const app = new App(script, args);
  running.push(app);
  return app;
}
afterEach(async () => {
  for (const app of running.splice(0)) {
    app.kill();
    await app.exited;
  }
  for (const dir of directories.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The state in a batch line: `batch <time> [["k",<state>]]`. */
const stateOf = (line: string) => (JSON.parse(line.slice(line.indexOf('['))) as [string, unknown][])[0]![1];

/** Wait for `batches` batch lines, then stop the process; the states it printed. */
async function runFor(app: App, batches: number): Promise<unknown[]> {
  await app.line(startsWith('ready '));
  await app.line(() => app.lines.filter(startsWith('batch ')).length >= batches);
  app.send('stop');
  expect(await app.exited).toEqual({ code: 0, signal: null });
  return app.lines.filter(startsWith('batch ')).map(stateOf);
}

describe('two applications with the same graph shape, one after the other on one directory', () => {
  test("the other application is refused, naming both main modules; the same application resumes; allowOtherApplication restores the other's state all the same", async () => {
    const dir = tempDirectory();
    const sums = await runFor(start('sums', ['--checkpoint', dir]), 3);
    expect(sums.slice(0, 3)).toEqual([1, 2, 3]);

    // The same application again: resumes after the last batch, without a warning.
    const again = start('sums', ['--checkpoint', dir]);
    const resumed = await runFor(again, 1);
    expect(resumed[0]).toBe(sums.length + 1);
    expect(again.lines.filter(startsWith('warning '))).toEqual([]);

    // Another application: refused before it restores or runs anything.
    const labels = start('labels', ['--checkpoint', dir]);
    expect(await labels.exited).toEqual({ code: 1, signal: null });
    const error = labels.lines.find(startsWith('error '))!;
    expect(error).toMatch(/^error ApplicationMismatchError The checkpoint at \d+ ms in /);
    expect(error).toContain(
      'was written by another application, main module rivulet:test/checkpoint/processes/sums (no appName); this one is main module rivulet:test/checkpoint/processes/labels (no appName).',
    );
    expect(labels.lines.filter(startsWith('batch '))).toEqual([]);

    // Opted in: the sums' number becomes the start of a label — what the refusal protects from.
    const allowed = start('labels', ['--checkpoint', dir, '--allow-other-application', 'true']);
    const mixed = await runFor(allowed, 1);
    expect(mixed[0]).toBe(`${resumed[resumed.length - 1]}1`);
    expect(allowed.lines.filter(startsWith('warning '))).toEqual([
      expect.stringContaining('was written by another application, main module rivulet:test/checkpoint/processes/sums (no appName); it is restored into this one, main module rivulet:test/checkpoint/processes/labels (no appName), as allowOtherApplication asks.'),
    ]);

    // The checkpoints are the labels' now: the sums are refused in turn.
    const sumsLater = start('sums', ['--checkpoint', dir]);
    expect(await sumsLater.exited).toEqual({ code: 1, signal: null });
    expect(sumsLater.lines.find(startsWith('error '))).toContain('another application, main module rivulet:test/checkpoint/processes/labels');
  });
});
