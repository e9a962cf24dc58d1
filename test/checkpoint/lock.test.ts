/**
 * Issue 13, item 5, in one process: the lock of a checkpoint directory (FileSystemCheckpointStore.lock,
 * the file rivulet.lock) and the StreamingContext's use of it — taken before getOrCreate reads the
 * checkpoint and at start() of a context given checkpoint(), released at stop(). The holder's
 * liveness rules (dead pid taken over, live pid and other hosts refused) are exercised with lock
 * files written here as another process would leave them; processes/lock.test.ts runs real
 * processes against each other.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { CheckpointLockedError, FileSystemCheckpointStore, ManualClock, Seconds, StreamingContext, type CheckpointStore } from '../../engine/index.ts';
import { enterExecutorMode } from '../../engine/platform/executorMode.ts';

const directories: string[] = [];
function tempDirectory(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-lock-'));
  directories.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of directories.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const lockFileOf = (dir: string) => path.join(dir, 'rivulet.lock');
const readLock = (dir: string) => JSON.parse(fs.readFileSync(lockFileOf(dir), 'utf8')) as Record<string, unknown>;
/** A lock file as another process would leave it. */
function writeLock(dir: string, content: Record<string, unknown>): void {
  fs.writeFileSync(lockFileOf(dir), JSON.stringify({ host: os.hostname(), since: '2024-05-01T10:00:00.000Z', thread: 0, token: 'theirs', ...content }));
}
/** A pid no process has: that of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('FileSystemCheckpointStore.lock()', () => {
  test('creates rivulet.lock naming this process; a second lock in this process is refused until the first is released', async () => {
    const dir = path.join(tempDirectory(), 'not-yet-created');
    const first = new FileSystemCheckpointStore(dir);
    const lock = await first.lock();
    expect(first.lockFile).toBe(lockFileOf(dir));
    expect(readLock(dir)).toMatchObject({ pid: process.pid, host: os.hostname(), since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), thread: threadId });

    const second = new FileSystemCheckpointStore(dir);
    const error = await rejection(second.lock());
    expect(error).toBeInstanceOf(CheckpointLockedError);
    expect(error.name).toBe('CheckpointLockedError');
    expect((error as CheckpointLockedError).holder).toMatchObject({ pid: process.pid, host: os.hostname(), lockFile: lockFileOf(dir) });
    expect(error.message).toContain(`is in use by process ${process.pid}`);
    expect(error.message).toContain('This process already holds it');

    await lock.release();
    await lock.release(); // a second release does nothing
    expect(fs.existsSync(lockFileOf(dir))).toBe(false);
    await (await second.lock()).release();
  });

  test('two lock() calls at once on one directory: exactly one gets it', async () => {
    const dir = tempDirectory();
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => new FileSystemCheckpointStore(dir).lock()));
    const held = results.filter((r) => r.status === 'fulfilled');
    expect(held).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(CheckpointLockedError);
    await (held[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
    expect(fs.existsSync(lockFileOf(dir))).toBe(false);
  });

  test('close() releases the locks the store took', async () => {
    const dir = tempDirectory();
    const store = new FileSystemCheckpointStore(dir);
    await store.lock();
    await store.close();
    expect(fs.existsSync(lockFileOf(dir))).toBe(false);
  });

  test('a lock left by a process that is no longer running is taken over', async () => {
    const dir = tempDirectory();
    const dead = deadPid();
    writeLock(dir, { pid: dead, script: '/srv/old.js' });
    const lock = await new FileSystemCheckpointStore(dir).lock();
    expect(readLock(dir)).toMatchObject({ pid: process.pid });
    expect(fs.readdirSync(dir)).toEqual(['rivulet.lock']); // the stale one is gone, set aside under no other name
    await lock.release();
  });

  test('a lock of a running process is refused, naming its pid, script, host, since when and the lock file; the file is left alone', async () => {
    const dir = tempDirectory();
    writeLock(dir, { pid: process.ppid, script: '/srv/clicks.js' });
    const before = fs.readFileSync(lockFileOf(dir), 'utf8');
    const error = (await rejection(new FileSystemCheckpointStore(dir).lock())) as CheckpointLockedError;
    expect(error).toBeInstanceOf(CheckpointLockedError);
    expect(error.message).toBe(
      `The checkpoint directory ${dir} is in use by process ${process.ppid} (/srv/clicks.js) on host ${os.hostname()} since 2024-05-01T10:00:00.000Z (lock file ${lockFileOf(dir)}). ` +
        "One application runs per checkpoint directory: two would process the same input twice and write over each other's checkpoints. " +
        'Stop that process first (its lock goes when it stops or exits, and a lock left by a process that died is taken over), or give this one a directory of its own.',
    );
    expect(error.holder).toEqual({ pid: process.ppid, host: os.hostname(), since: '2024-05-01T10:00:00.000Z', script: '/srv/clicks.js', lockFile: lockFileOf(dir) });
    expect(error.location).toBe(dir);
    expect(fs.readFileSync(lockFileOf(dir), 'utf8')).toBe(before);
  });

  test("a lock of another host is refused, whatever its pid, saying how to remove it", async () => {
    const dir = tempDirectory();
    writeLock(dir, { pid: deadPid(), host: 'worker-7.example' });
    const error = (await rejection(new FileSystemCheckpointStore(dir).lock())) as CheckpointLockedError;
    expect(error).toBeInstanceOf(CheckpointLockedError);
    expect(error.holder.host).toBe('worker-7.example');
    expect(error.message).toContain('on host worker-7.example since 2024-05-01T10:00:00.000Z');
    expect(error.message).toContain(`cannot be checked from here (${os.hostname()})`);
    expect(error.message).toContain(`if no process on worker-7.example uses this directory any more (it was stopped or the host is gone), delete ${lockFileOf(dir)} and start again`);
    expect(fs.existsSync(lockFileOf(dir))).toBe(true);
  });

  test('a lock with this process\'s pid written before it started (an earlier process with the same pid) is taken over', async () => {
    const dir = tempDirectory();
    writeLock(dir, { pid: process.pid, thread: threadId, since: '2000-01-01T00:00:00.000Z' });
    const lock = await new FileSystemCheckpointStore(dir).lock();
    expect(readLock(dir)).toMatchObject({ pid: process.pid, since: expect.not.stringMatching(/^2000/) });
    await lock.release();
  });

  test.runIf(fs.existsSync('/proc/sys/kernel/random/boot_id'))('a lock of an earlier boot of this host is taken over, even if its pid runs now', async () => {
    const dir = tempDirectory();
    writeLock(dir, { pid: process.ppid, boot: '00000000-0000-0000-0000-000000000000' });
    const lock = await new FileSystemCheckpointStore(dir).lock();
    expect(readLock(dir)).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  test('a lock file that names no holder is refused, saying how to remove it', async () => {
    const dir = tempDirectory();
    fs.writeFileSync(lockFileOf(dir), '');
    const error = (await rejection(new FileSystemCheckpointStore(dir).lock())) as CheckpointLockedError;
    expect(error).toBeInstanceOf(CheckpointLockedError);
    expect(error.message).toContain('which names no holder (it is empty)');
    expect(error.message).toContain(`If no process uses this directory, delete ${lockFileOf(dir)}`);
  });

  test('release() leaves alone a lock file that another process holds now', async () => {
    const dir = tempDirectory();
    const lock = await new FileSystemCheckpointStore(dir).lock();
    writeLock(dir, { pid: process.ppid }); // as if it had been taken over
    await lock.release();
    expect(readLock(dir)).toMatchObject({ pid: process.ppid, token: 'theirs' });
  });

  test('the write-ahead log and checkpoints are unaffected by the lock file: list() and prune() never see it', async () => {
    const dir = tempDirectory();
    const store = new FileSystemCheckpointStore(dir);
    const lock = await store.lock();
    await store.write({ time: 1000, metadata: {}, data: {} });
    expect(await store.list()).toEqual([1000]);
    expect(await store.writeAheadLog().list()).toEqual([]);
    await store.prune(1);
    expect(fs.existsSync(lockFileOf(dir))).toBe(true);
    await lock.release();
  });
});

/** A small pipeline: sums of ones, a checkpoint every batch. */
function pipeline(clock: ManualClock, checkpoint: string | CheckpointStore, outputs: number[][] = []): StreamingContext {
  const ssc = new StreamingContext({ batchInterval: Seconds(1), scheduler: clock });
  ssc.checkpoint(checkpoint);
  ssc
    .queueStream([[1], [1, 1], [1]])
    .name('ones')
    .map((n) => ['n', n] as [string, number])
    .updateStateByKey((values: number[], sum: number | undefined) => values.reduce((a, b) => a + b, sum ?? 0))
    .name('sum')
    .checkpoint(Seconds(1))
    .foreachRDD(async (rdd) => void outputs.push((await rdd.collect()).map(([, n]) => n)));
  return ssc;
}

describe('the StreamingContext and the lock', () => {
  test('getOrCreate takes the lock before reading, and stop() releases it', async () => {
    const dir = tempDirectory();
    const clock = new ManualClock();
    const ssc = await StreamingContext.getOrCreate(dir, () => pipeline(clock, dir));
    expect(readLock(dir)).toMatchObject({ pid: process.pid });
    ssc.start();
    await clock.advance(Seconds(2));
    expect(readLock(dir)).toMatchObject({ pid: process.pid });
    await ssc.stop();
    expect(fs.existsSync(lockFileOf(dir))).toBe(false);
  });

  test('a second getOrCreate on a location in use is refused before createContext runs, and writes nothing', async () => {
    const dir = tempDirectory();
    const clock = new ManualClock();
    const first = await StreamingContext.getOrCreate(dir, () => pipeline(clock, dir));
    first.start();
    await clock.advance(Seconds(2));
    const files = fs.readdirSync(dir).sort();
    let created = false;
    const error = await rejection(
      StreamingContext.getOrCreate(dir, () => {
        created = true;
        return pipeline(new ManualClock(), dir);
      }),
    );
    expect(error).toBeInstanceOf(CheckpointLockedError);
    expect(error.message).toContain('This process already holds it: another StreamingContext (or checkpoint store) here uses the directory.');
    expect(created).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(files);
    // The first goes on, unaffected.
    await clock.advance(Seconds(1));
    await first.stop();
    expect(fs.existsSync(lockFileOf(dir))).toBe(false);
  });

  test('checkpoint() and start() without getOrCreate: refused as the context starts, before any batch runs; awaitTermination() rejects with the error', async () => {
    const dir = tempDirectory();
    writeLock(dir, { pid: process.ppid, script: '/srv/clicks.js' });
    const clock = new ManualClock();
    const outputs: number[][] = [];
    const ssc = pipeline(clock, dir, outputs);
    ssc.start();
    const error = await rejection(ssc.awaitTermination());
    expect(error).toBeInstanceOf(CheckpointLockedError);
    expect(error.message).toContain(`is in use by process ${process.ppid} (/srv/clicks.js)`);
    expect(ssc.getState()).toBe('stopped');
    await clock.advance(Seconds(3));
    expect(outputs).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual(['rivulet.lock']);
    expect(readLock(dir)).toMatchObject({ token: 'theirs' });
  });

  test('checkpoint() and start() without getOrCreate: the lock is held while running and released by stop()', async () => {
    const dir = tempDirectory();
    const clock = new ManualClock();
    const outputs: number[][] = [];
    const ssc = pipeline(clock, dir, outputs);
    ssc.start();
    await clock.advance(Seconds(2));
    expect(outputs).toEqual([[1], [3]]);
    expect(readLock(dir)).toMatchObject({ pid: process.pid });
    await ssc.stop();
    expect(fs.existsSync(lockFileOf(dir))).toBe(false);
  });

  test('released when getOrCreate fails after taking it, and when a context made by getOrCreate is stopped before it starts', async () => {
    const dir = tempDirectory();
    const clock = new ManualClock();
    const first = await StreamingContext.getOrCreate(dir, () => pipeline(clock, dir));
    first.start();
    await clock.advance(Seconds(1));
    await first.stop();
    // Another batch interval: recovery refuses it, after the lock was taken.
    const error = await rejection(StreamingContext.getOrCreate(dir, () => new StreamingContext({ batchInterval: Seconds(2), scheduler: new ManualClock() })));
    expect(error.message).toContain('batch interval');
    expect(fs.existsSync(lockFileOf(dir))).toBe(false);
    const unstarted = await StreamingContext.getOrCreate(dir, () => pipeline(new ManualClock(Seconds(1)), dir));
    expect(fs.existsSync(lockFileOf(dir))).toBe(true);
    await unstarted.stop();
    expect(fs.existsSync(lockFileOf(dir))).toBe(false);
  });

  test('a store passed as an object: its lock is released at stop(), and the store stays open', async () => {
    const dir = tempDirectory();
    const store = new FileSystemCheckpointStore(dir);
    const clock = new ManualClock();
    const ssc = await StreamingContext.getOrCreate(store, () => pipeline(clock, store));
    ssc.start();
    await clock.advance(Seconds(1));
    await ssc.stop();
    expect(fs.existsSync(lockFileOf(dir))).toBe(false);
    expect(await store.list()).toEqual([1000, 0]);
    await store.close();
  });

  test('a custom store without lock() is used unlocked', async () => {
    const dir = tempDirectory();
    const inner = new FileSystemCheckpointStore(dir);
    const unlocked: CheckpointStore = {
      location: inner.location,
      write: (c) => inner.write(c),
      list: () => inner.list(),
      read: (t) => inner.read(t),
      delete: (t) => inner.delete(t),
      prune: (n) => inner.prune(n),
      close: () => inner.close(),
      writeAheadLog: () => inner.writeAheadLog(),
    };
    const clock = new ManualClock();
    const ssc = await StreamingContext.getOrCreate(unlocked, () => pipeline(clock, unlocked));
    ssc.start();
    await clock.advance(Seconds(1));
    expect(fs.existsSync(lockFileOf(dir))).toBe(false);
    await ssc.stop();
  });

  test('in an executor (a worker that loaded the pipeline), getOrCreate and start() never take the lock', async () => {
    const dir = tempDirectory();
    writeLock(dir, { pid: process.ppid }); // held by the driver, as it would be
    const key = Symbol.for('rivulet.executor');
    enterExecutorMode();
    try {
      const ssc = await StreamingContext.getOrCreate(dir, () => pipeline(new ManualClock(), dir));
      ssc.start();
      await ssc.stop();
    } finally {
      delete (globalThis as Record<symbol, unknown>)[key];
    }
    expect(readLock(dir)).toMatchObject({ pid: process.ppid, token: 'theirs' });
    expect(fs.readdirSync(dir)).toEqual(['rivulet.lock']);
  });
});
