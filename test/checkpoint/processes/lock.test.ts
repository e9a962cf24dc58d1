/**
 * Issue 13, item 5, with real processes: two processes of one application on one checkpoint
 * directory. Before the lock, both ran, processed the same input twice, and one died with an
 * ENOENT from a rename (the other had pruned its file). Now the second is refused with an error
 * naming the first; a process that stops or exits releases the lock; one killed with SIGKILL
 * leaves it behind, and the next process takes it over. Every wait is on a line the process
 * prints or on its exit.
 */
import { afterEach, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, startsWith } from './child.ts';

const running: App[] = [];
const directories: string[] = [];
function tempDirectory(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-lock-processes-'));
  directories.push(dir);
  return path.join(dir, 'checkpoints');
}
function start(args: string[]): App {
  const app = new App('sums', args);
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

const lockOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'rivulet.lock'), 'utf8')) as { pid: number; host: string; since: string };
const pidOf = (ready: string) => Number(/pid=(\d+)/.exec(ready)![1]);
/** The sum in a batch line of sums.ts: `batch <time> [["k",<sum>]]`. */
const sumOf = (line: string) => (JSON.parse(line.slice(line.indexOf('['))) as [string, number][])[0]![1];

describe('two processes on one checkpoint directory', () => {
  test('the second is refused, naming the first (pid, host, since when, lock file), and processes nothing; the first goes on; once it stops, a third resumes exactly after it', async () => {
    const dir = tempDirectory();
    const first = start(['--checkpoint', dir]);
    const pid = pidOf(await first.line(startsWith('ready ')));
    await first.line(startsWith('batch '));
    expect(lockOf(dir)).toMatchObject({ pid, host: os.hostname() });

    const second = start(['--checkpoint', dir]);
    expect(await second.exited).toEqual({ code: 1, signal: null });
    const error = second.lines.find(startsWith('error '));
    const { since } = lockOf(dir);
    expect(error).toBe(
      `error CheckpointLockedError The checkpoint directory ${dir} is in use by process ${pid} (${path.resolve('test/checkpoint/processes/sums.ts')}) on host ${os.hostname()} since ${since} (lock file ${path.join(dir, 'rivulet.lock')}). ` +
        "One application runs per checkpoint directory: two would process the same input twice and write over each other's checkpoints. " +
        'Stop that process first (its lock goes when it stops or exits, and a lock left by a process that died is taken over), or give this one a directory of its own.',
    );
    expect(second.lines.filter(startsWith('batch ')), 'the second process ran no batch').toEqual([]);
    expect(second.lines.filter(startsWith('ready '))).toEqual([]);

    // The first is unaffected: it goes on batch after batch, then stops cleanly.
    const seen = first.lines.filter(startsWith('batch ')).length;
    await first.line((l) => l.startsWith('batch ') && first.lines.filter(startsWith('batch ')).length >= seen + 3);
    first.send('stop');
    await first.line((l) => l === 'stopped');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.lines.filter(startsWith('error '))).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'rivulet.lock')), 'stop() released the lock').toBe(false);
    const sums = first.lines.filter(startsWith('batch ')).map(sumOf);
    expect(sums, 'one record per batch, each counted once').toEqual(sums.map((_, i) => i + 1));

    const third = start(['--checkpoint', dir]);
    expect(pidOf(await third.line(startsWith('ready ')))).toBe(third.process.pid);
    const next = await third.line(startsWith('batch '));
    expect(sumOf(next), 'the third resumes after the last batch the first completed').toBe(sums.length + 1);
    third.send('stop');
    expect(await third.exited).toEqual({ code: 0, signal: null });
  });

  test('a process killed with SIGKILL leaves its lock; the next process takes it over and resumes from its checkpoint', async () => {
    const dir = tempDirectory();
    const first = start(['--checkpoint', dir]);
    const pid = pidOf(await first.line(startsWith('ready ')));
    await first.line((l) => l.startsWith('batch ') && sumOf(l) >= 3);
    first.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(lockOf(dir).pid, 'the dead process left its lock').toBe(pid);
    const lastSum = Math.max(...first.lines.filter(startsWith('batch ')).map(sumOf));

    const second = start(['--checkpoint', dir]);
    const secondPid = pidOf(await second.line(startsWith('ready ')));
    expect(lockOf(dir).pid, 'taken over').toBe(secondPid);
    expect(second.lines.filter(startsWith('warning '))).toEqual([]);
    // Batches after the last checkpoint run again (their outputs are keyed by batch time); none is lost.
    const next = sumOf(await second.line(startsWith('batch ')));
    expect(next).toBeGreaterThanOrEqual(2);
    expect(next).toBeLessThanOrEqual(lastSum + 1);
    second.send('stop');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(dir, 'rivulet.lock'))).toBe(false);
  });

  test('a lock held from another host (a shared file system) is refused, saying how to remove it; nothing is written', async () => {
    const dir = tempDirectory();
    fs.mkdirSync(dir, { recursive: true });
    const lock = path.join(dir, 'rivulet.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: 4242, host: 'batch-2.example', since: '2025-03-02T09:14:07.311Z', script: '/srv/clicks/main.js', thread: 0, token: 'theirs' }));
    const app = start(['--checkpoint', dir]);
    expect(await app.exited).toEqual({ code: 1, signal: null });
    expect(app.lines.find(startsWith('error '))).toBe(
      `error CheckpointLockedError The checkpoint directory ${dir} is in use by process 4242 (/srv/clicks/main.js) on host batch-2.example since 2025-03-02T09:14:07.311Z (lock file ${lock}). ` +
        `It is a process of another host, which cannot be checked from here (${os.hostname()}). One application runs per checkpoint directory: ` +
        `if no process on batch-2.example uses this directory any more (it was stopped or the host is gone), delete ${lock} and start again.`,
    );
    expect(fs.readdirSync(dir)).toEqual(['rivulet.lock']);
  });

  test('a process that exits without stop() releases its lock as it exits', async () => {
    const dir = tempDirectory();
    const first = start(['--checkpoint', dir]);
    await first.line(startsWith('batch '));
    expect(fs.existsSync(path.join(dir, 'rivulet.lock'))).toBe(true);
    first.send('exit');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(dir, 'rivulet.lock'))).toBe(false);
  });
});
