/**
 * Issue 13, item 6: a checkpoint written by another application with the same graph shape was
 * restored in silence, mixing two applications' states. Each checkpoint now records the writer's
 * identity (appName, else the main module) and recovery refuses another application's
 * checkpoint with ApplicationMismatchError, unless getOrCreate is given allowOtherApplication.
 * A checkpoint of an older Rivulet, without an identity, is restored with a warning.
 * processes/application.test.ts does the same with two real scripts told apart by their main module.
 *
 * The batch tables are Spark's TestSuiteBase shape: input batches in, output batches out, on a
 * ManualClock, through a stop and a getOrCreate.
 */
import { afterEach, describe, expect, test } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationMismatchError, FileSystemCheckpointStore, ManualClock, Seconds, StreamingContext, type CheckpointMetadata } from '../../engine/index.ts';
import type { ApplicationIdentity } from '../../engine/streaming/application.ts';
import { checkApplication } from '../../engine/streaming/applicationCheck.ts';

const directories: string[] = [];
function tempDirectory(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rivulet-application-'));
  directories.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of directories.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const input = [['a'], ['a', 'b'], ['b'], ['a'], ['c'], ['a']];

/** Word counts (the same graph shape for every app: only the name differs), each batch's sorted output pushed to `out`. */
function counts(dir: string, clock: ManualClock, out: [string, unknown][][], appName?: string): StreamingContext {
  const ssc = new StreamingContext({ batchInterval: Seconds(1), scheduler: clock, ...(appName !== undefined ? { appName } : {}) });
  ssc.checkpoint(dir);
  ssc
    .queueStream(input.map((b) => [...b]))
    .name('words')
    .map((w) => [w, 1] as [string, number])
    .updateStateByKey((values: number[], n: number | undefined) => values.reduce((a, b) => a + b, n ?? 0))
    .name('counts')
    .checkpoint(Seconds(1))
    .foreachRDD(async (rdd) => void out.push((await rdd.collect()).sort(([a], [b]) => (a < b ? -1 : 1))));
  return ssc;
}

/** Run `appName` for `batches` batches from `at`, through getOrCreate, then stop. */
async function run(dir: string, at: number, batches: number, appName: string | undefined, options: Parameters<typeof StreamingContext.getOrCreate>[2] = {}) {
  const out: [string, unknown][][] = [];
  const warnings: string[] = [];
  const clock = new ManualClock(at);
  const ssc = await StreamingContext.getOrCreate(dir, () => counts(dir, clock, out, appName), { onWarning: (m) => void warnings.push(m), ...options });
  ssc.start();
  await clock.advance(Seconds(batches));
  await ssc.stop();
  return { out, warnings };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('the application identity in a checkpoint', () => {
  test('recorded in every checkpoint: the appName given (and no main module under a test runner)', async () => {
    const dir = tempDirectory();
    await run(dir, 0, 2, 'clicks');
    const store = new FileSystemCheckpointStore(dir);
    for (const time of await store.list()) expect(((await store.read(time)).metadata as unknown as CheckpointMetadata).application).toEqual({ name: 'clicks' });
    await store.close();
  });

  test('the same application resumes, after a code change that keeps its operators too (no warning)', async () => {
    const dir = tempDirectory();
    expect((await run(dir, 0, 2, 'clicks')).out).toEqual([[['a', 1]], [['a', 2], ['b', 1]]]);
    const again = await run(dir, Seconds(2), 2, 'clicks');
    expect(again.out).toEqual([[['a', 2], ['b', 2]], [['a', 3], ['b', 2]]]);
    expect(again.warnings).toEqual([]);
  });

  test("another application's checkpoint is refused with ApplicationMismatchError, before anything is restored or written; the lock is released", async () => {
    const dir = tempDirectory();
    await run(dir, 0, 2, 'clicks');
    const files = fs.readdirSync(dir).sort();
    const error = await rejection(run(dir, Seconds(2), 2, 'orders'));
    expect(error).toBeInstanceOf(ApplicationMismatchError);
    expect(error.name).toBe('ApplicationMismatchError');
    const mismatch = error as ApplicationMismatchError;
    expect(mismatch.checkpointed).toEqual({ name: 'clicks' });
    expect(mismatch.current).toEqual({ name: 'orders' });
    expect(mismatch.checkpoint).toBe(`at 2000 ms in ${dir}`);
    expect(error.message).toBe(
      `The checkpoint at 2000 ms in ${dir} was written by another application, "clicks" (appName); this one is "orders" (appName). ` +
        "Restoring it would put that application's state into this one. Give each application a checkpoint location of its own. " +
        'If it is this application under another name or main module, pass { allowOtherApplication: true } to StreamingContext.getOrCreate once: ' +
        "the checkpoints written from then on carry this application's identity.",
    );
    expect(fs.readdirSync(dir).sort(), 'nothing written, the lock released').toEqual(files);
  });

  test('allowOtherApplication restores it, with a warning; the checkpoints written from then on carry the new name', async () => {
    const dir = tempDirectory();
    // batch:        1         2                  | 3 (as "orders")     4
    // input:        [a]       [a, b]             | [b]                 [a]
    // output:       a:1       a:2 b:1            | a:2 b:2             a:3 b:2
    expect((await run(dir, 0, 2, 'clicks')).out).toEqual([[['a', 1]], [['a', 2], ['b', 1]]]);
    const renamed = await run(dir, Seconds(2), 2, 'orders', { allowOtherApplication: true });
    expect(renamed.out).toEqual([[['a', 2], ['b', 2]], [['a', 3], ['b', 2]]]);
    expect(renamed.warnings).toEqual([
      `The checkpoint at 2000 ms in ${dir} was written by another application, "clicks" (appName); it is restored into this one, "orders" (appName), as allowOtherApplication asks. ` +
        "The checkpoints written from now on carry this application's identity.",
    ]);
    // Now "orders" owns it: it resumes without the option and without a warning; "clicks" is refused.
    const next = await run(dir, Seconds(4), 1, 'orders');
    expect(next.out).toEqual([[['a', 3], ['b', 2], ['c', 1]]]);
    expect(next.warnings).toEqual([]);
    expect(await rejection(run(dir, Seconds(5), 1, 'clicks'))).toBeInstanceOf(ApplicationMismatchError);
  });

  test('a checkpoint of an older Rivulet, which records no application, is restored with a warning', async () => {
    const dir = tempDirectory();
    await run(dir, 0, 2, 'clicks');
    // As Rivulet wrote them before the identity: the same metadata without `application`.
    const store = new FileSystemCheckpointStore(dir);
    for (const time of await store.list()) {
      const checkpoint = await store.read(time);
      delete checkpoint.metadata.application;
      await store.write(checkpoint);
    }
    await store.close();
    const resumed = await run(dir, Seconds(2), 1, 'orders');
    expect(resumed.out).toEqual([[['a', 2], ['b', 2]]]);
    expect(resumed.warnings).toEqual([
      `The checkpoint at 2000 ms in ${dir} does not say which application wrote it (an older Rivulet wrote it): it is restored without that check. ` +
        'The checkpoints written from now on record this one, "orders" (appName).',
    ]);
  });

  test('appName must be a non-empty string', () => {
    expect(() => new StreamingContext({ batchInterval: 1000, appName: '' })).toThrow('StreamingContext: appName must be a non-empty string, got "".');
    expect(() => new StreamingContext({ batchInterval: 1000, appName: 42 as unknown as string })).toThrow('got 42');
  });
});

describe('which identities match', () => {
  // checkpointed                            current                                 restored?
  const cases: [string, ApplicationIdentity, ApplicationIdentity, boolean][] = [
    ['same name, main module moved', { name: 'clicks', module: 'shop:src/clicks' }, { name: 'clicks', module: 'shop:dist/clicks' }, true],
    ['another name, same main module', { name: 'clicks', module: 'shop:jobs' }, { name: 'orders', module: 'shop:jobs' }, false],
    ['a name given since', { module: 'shop:jobs/clicks' }, { name: 'clicks', module: 'shop:jobs/clicks' }, true],
    ['the name taken away since', { name: 'clicks', module: 'shop:jobs/clicks' }, { module: 'shop:jobs/clicks' }, true],
    ['no names, another main module', { module: 'shop:jobs/clicks' }, { module: 'shop:jobs/orders' }, false],
    ['no names, another package', { module: 'shop:main' }, { module: 'billing:main' }, false],
    ['a name given since, another main module', { module: 'shop:jobs/clicks' }, { name: 'clicks', module: 'shop:jobs/orders' }, false],
    ['nothing to compare (a browser without appName)', { name: 'clicks' }, {}, true],
    ['nothing to compare (neither side identified)', {}, {}, true],
  ];
  test.each(cases)('%s', (_what, checkpointed, current, restored) => {
    const warnings: string[] = [];
    const check = () => checkApplication(checkpointed, current, 'at 1000 ms in /ckpt', false, (m) => void warnings.push(m));
    if (restored) expect(check).not.toThrow();
    else expect(check).toThrow(ApplicationMismatchError);
    expect(warnings).toEqual([]);
  });

  test('names the main modules when there are no names', () => {
    expect(() => checkApplication({ module: 'shop:jobs/clicks' }, { module: 'shop:jobs/orders' }, 'at 1000 ms in /ckpt', false, () => {})).toThrow(
      'The checkpoint at 1000 ms in /ckpt was written by another application, main module shop:jobs/clicks (no appName); this one is main module shop:jobs/orders (no appName).',
    );
  });
});
