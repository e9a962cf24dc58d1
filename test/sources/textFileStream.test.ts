import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StreamingContext } from '../../engine/streaming/StreamingContext.ts';
import { ManualClock } from '../../engine/streaming/ManualClock.ts';
import type { DStream } from '../../engine/dstream/DStream.ts';
import type { StreamingListenerEvent } from '../../engine/streaming/listener.ts';
import { collectBatches, sleep, union, until } from './helpers.ts';

let ssc: StreamingContext | undefined;
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-textFileStream-'));
});
afterEach(async () => {
  await ssc?.stop();
  ssc = undefined;
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Write `name` with `text`, its modification time set to `mtime` (ms). */
function put(name: string, text: string, mtime?: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  if (mtime !== undefined) fs.utimesSync(file, new Date(mtime), new Date(mtime));
  return file;
}

function partitionsPerBatch<T>(stream: DStream<T>): Map<number, T[][]> {
  const out = new Map<number, T[][]>();
  stream.glom().foreachRDD(async (rdd, time) => void out.set(time, await rdd.collect()));
  return out;
}

describe('textFileStream on a ManualClock (file times set by hand)', () => {
  // Files carry wall-clock times, so the virtual clock starts at one.
  const T0 = 1_700_000_000_000;

  test('which files each batch takes', async () => {
    const clock = new ManualClock(T0);
    ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
    const stream = ssc.textFileStream(dir, { minRememberDuration: 5000 });
    const batches = partitionsPerBatch(stream);
    const numRecords = new Map<number, number>();
    ssc.addStreamingListener({ onBatchCompleted: ({ batchInfo }) => void numRecords.set(batchInfo.batchTime - T0, batchInfo.numRecords) });

    put('before-start.txt', 'old\n', T0 - 5000);
    put('at-start.txt', 'old too\n', T0); // not after the start time
    ssc.start();

    put('a.txt', 'a1\na2\n', T0 + 300);
    put('b.txt', 'b1', T0 + 700); // no final newline: still a line
    put('.hidden.txt', 'hidden\n', T0 + 300);
    put('_temporary', 'temporary\n', T0 + 300);
    put('from-the-future.txt', 'f1\n', T0 + 1500); // modified after batch 1000: waits for batch 2000
    fs.mkdirSync(path.join(dir, 'subdir'));
    await clock.advanceTo(T0 + 1000);

    put('empty.txt', '', T0 + 1200);
    await clock.advanceTo(T0 + 2000);

    put('a.txt', 'a1 changed\n', T0 + 2500); // changed after it was taken: not read again
    put('renamed-in-late.txt', 'late\n', T0 + 800); // appears now, modified before batch 1000
    await clock.advanceTo(T0 + 3000);

    await clock.advanceTo(T0 + 8000);
    put('copied.txt', 'old time kept\n', T0 + 2900); // moved in now with a time behind the 5 s window (cp -p): new all the same
    put('fresh.txt', 'fresh\n', T0 + 8500);
    await clock.advanceTo(T0 + 9000);
    await clock.advanceTo(T0 + 15000); // a.txt (modified 2500) is forgotten by now, and behind the threshold

    const byBatch = Object.fromEntries([...batches].map(([t, parts]) => [t - T0, parts]));
    expect(byBatch).toEqual({
      1000: [['a1', 'a2'], ['b1']],
      2000: [[], ['f1']], // empty.txt (1200) then from-the-future.txt (1500): oldest first
      3000: [['late']],
      4000: [], 5000: [], 6000: [], 7000: [], 8000: [],
      9000: [['old time kept'], ['fresh']],
      10000: [], 11000: [], 12000: [], 13000: [], 14000: [], 15000: [],
    });
    expect(numRecords.get(1000)).toBe(3);
    expect(numRecords.get(2000)).toBe(1);
  });

  test('newFilesOnly: false takes the files already there in the first batch, whatever their age', async () => {
    const clock = new ManualClock(T0);
    ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
    const batches = partitionsPerBatch(ssc.textFileStream(dir, { newFilesOnly: false }));
    put('last-year.txt', 'x\n', T0 - 365 * 24 * 3600_000);
    put('just-now.txt', 'y\n', T0);
    ssc.start();
    put('new.txt', 'z\n', T0 + 1500);
    await clock.advanceTo(T0 + 3000);
    expect([...batches.values()]).toEqual([[['x'], ['y']], [['z']], []]);
  });

  test('a file moved in with its old modification time (cp -p, rsync -t, tar) is read once; one there at the start is not; one deleted and put back is new again', async () => {
    const clock = new ManualClock(T0);
    ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
    const batches = partitionsPerBatch(ssc.textFileStream(dir, { minRememberDuration: 2000 }));
    const lastYear = T0 - 365 * 24 * 3600_000;
    put('there-before.txt', 'before\n', lastYear);
    ssc.start();
    await clock.advanceTo(T0 + 1000);
    put('archive.txt', 'from last year\n', lastYear); // tar -x keeps the time it was written
    await clock.advanceTo(T0 + 2000);
    await clock.advanceTo(T0 + 6000); // long past the remember window: still not taken again
    fs.rmSync(path.join(dir, 'archive.txt'));
    await clock.advanceTo(T0 + 7000);
    put('archive.txt', 'put back\n', lastYear);
    await clock.advanceTo(T0 + 8000);

    const byBatch = Object.fromEntries([...batches].map(([t, parts]) => [t - T0, parts]));
    expect(byBatch).toEqual({
      1000: [],
      2000: [['from last year']],
      3000: [], 4000: [], 5000: [], 6000: [], 7000: [],
      8000: [['put back']],
    });
  });

  test('after a restart from a checkpoint, the files there before it are not new; one moved in meanwhile with an old time is', async () => {
    const checkpoints = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-textFileStream-ckpt-'));
    const lastYear = T0 - 365 * 24 * 3600_000;
    const create = (clock: ManualClock, out: Map<number, string[][]>) => () => {
      const ctx = new StreamingContext({ batchInterval: 1000, scheduler: clock });
      ctx.checkpoint(checkpoints);
      ctx.textFileStream(dir, { minRememberDuration: 2000 }).name('files').glom().foreachRDD(async (rdd, time) => void out.set(time - T0, await rdd.collect()));
      return ctx;
    };
    try {
      put('there-before.txt', 'before\n', lastYear);
      const first = new Map<number, string[][]>();
      const clock1 = new ManualClock(T0);
      ssc = await StreamingContext.getOrCreate(checkpoints, create(clock1, first));
      ssc.start();
      put('copied.txt', 'copied\n', lastYear);
      await clock1.advanceTo(T0 + 4000);
      await ssc.stop(); // a checkpoint at 4000
      put('copied-while-down.txt', 'while down\n', lastYear);

      const second = new Map<number, string[][]>();
      const clock2 = new ManualClock(T0 + 6500);
      ssc = await StreamingContext.getOrCreate(checkpoints, create(clock2, second));
      ssc.start();
      await clock2.advanceTo(T0 + 8000);
      expect(Object.fromEntries(first)).toEqual({ 1000: [['copied']], 2000: [], 3000: [], 4000: [] });
      expect(Object.fromEntries(second)).toEqual({ 5000: [['while down']], 6000: [], 7000: [], 8000: [] });
    } finally {
      await ssc?.stop();
      ssc = undefined;
      fs.rmSync(checkpoints, { recursive: true, force: true });
    }
  });

  test('filter skips files by path', async () => {
    const clock = new ManualClock(T0);
    ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
    const batches = partitionsPerBatch(ssc.textFileStream(dir, { filter: (p) => p.endsWith('.log') }));
    ssc.start();
    put('app.log', 'kept\n', T0 + 100);
    put('app.txt', 'skipped\n', T0 + 100);
    await clock.advanceTo(T0 + 1000);
    expect(batches.get(T0 + 1000)).toEqual([['kept']]);
  });

  test('a directory that cannot be listed gives empty batches, a warning once and a listener event each time, until it exists', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const clock = new ManualClock(T0);
    ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
    const missing = path.join(dir, 'not-yet');
    const batches = partitionsPerBatch(ssc.textFileStream(missing));
    const errors: StreamingListenerEvent[] = [];
    ssc.addStreamingListener({ onReceiverError: (e) => void errors.push(e) });
    ssc.start();
    await clock.advanceTo(T0 + 2000);
    fs.mkdirSync(missing);
    fs.writeFileSync(path.join(missing, 'f.txt'), 'found\n');
    fs.utimesSync(path.join(missing, 'f.txt'), new Date(T0 + 2500), new Date(T0 + 2500));
    await clock.advanceTo(T0 + 3000);

    expect([...batches.values()]).toEqual([[], [], [['found']]]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ message: expect.stringContaining(`textFileStream: cannot list ${missing}`) });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('textFileStream on the wall clock', () => {
  test('files renamed in after start arrive; files there before start and partial writes under hidden names do not', async () => {
    put('existing.txt', 'was here before\n');
    ssc = new StreamingContext({ batchInterval: 100 });
    const batches = collectBatches(ssc.textFileStream(dir));
    ssc.start();
    // File system timestamps can lag the process clock by a few ms; keep clear of the start time.
    await sleep(50);

    // Written in two parts under a hidden name, across several batches, then renamed in.
    const temp = path.join(dir, '.incoming.txt.tmp');
    fs.writeFileSync(temp, 'first half\n');
    await sleep(250);
    fs.appendFileSync(temp, 'second half\n');
    fs.renameSync(temp, path.join(dir, 'incoming.txt'));

    const temp2 = path.join(dir, '_other.tmp');
    fs.writeFileSync(temp2, 'other 1\r\nother 2\r\n');
    fs.renameSync(temp2, path.join(dir, 'other.txt'));

    await until(() => union(batches).length >= 4, 'the lines of both files');
    await sleep(250); // a few more batches: nothing is taken twice
    expect(union(batches)).toEqual(['first half', 'second half', 'other 1', 'other 2']);
    const withData = batches.filter((b) => b.records.length > 0);
    expect(withData.length).toBeLessThanOrEqual(2);
  });

  test('checks its arguments when defined', () => {
    ssc = new StreamingContext({ batchInterval: 100 });
    expect(() => ssc!.textFileStream('')).toThrow(/directory must be a non-empty path/);
    expect(() => ssc!.textFileStream(dir, { encoding: 'nope' })).toThrow(/unknown encoding "nope"/);
    expect(() => ssc!.textFileStream(dir, { minRememberDuration: 0 })).toThrow(/minRememberDuration must be a positive whole number/);
    expect(() => ssc!.textFileStream(dir, { filter: 'x' as never })).toThrow(/filter must be a function/);
  });
});
