/**
 * playClock (rivulet/playground): a ManualClock that moves on its own, as the playground's virtual
 * time does — the batches a run by hand (clock.advance) gives, at any speed; never faster than
 * `speed` × the wall clock; still until a context starts on it; stopped by its signal; and an idle
 * clock keeps no Node process alive.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock, Milliseconds, Seconds, StreamingContext, type DStream } from 'rivulet';
import { clickStream, playClock } from 'rivulet/playground';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A pipeline: clicks per page per batch, and the batch times it printed. */
function pipeline(clock: ManualClock): { ssc: StreamingContext; out: [number, [string, number][]][] } {
  const ssc = new StreamingContext({ batchInterval: Seconds(1), scheduler: clock });
  const out: [number, [string, number][]][] = [];
  const pages: DStream<[string, number]> = clickStream(ssc, { perSecond: 12 })
    .map((c) => [c.page, 1] as [string, number])
    .reduceByKey((a, b) => a + b);
  pages.foreachRDD(async (rdd, time) => void out.push([time, (await rdd.collect()).sort(([a], [b]) => a.localeCompare(b))]));
  return { ssc, out };
}

/** Resolves once `out` holds `n` batches. */
async function batches(out: unknown[], n: number): Promise<void> {
  await expect.poll(() => out.length, { interval: 5 }).toBeGreaterThanOrEqual(n);
}

describe('playClock', () => {
  it("at 'max', gives the batches that clock.advance gives", async () => {
    const byHand = new ManualClock();
    const expected = pipeline(byHand);
    expected.ssc.start();
    await byHand.advance(Seconds(4));
    await expected.ssc.stop();

    const played = new ManualClock();
    const controller = new AbortController();
    playClock(played, { speed: 'max', signal: controller.signal });
    const actual = pipeline(played);
    actual.ssc.start();
    await batches(actual.out, 4);
    controller.abort();
    await actual.ssc.stop();
    expect(actual.out.slice(0, 4)).toEqual(expected.out);
    expect(expected.out.map(([t]) => t)).toEqual([1000, 2000, 3000, 4000]);
  });

  it('stands still until a context starts on it: the first batch is one interval after start(), wherever the code stood', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    playClock(clock, { speed: 'max', signal: controller.signal });
    const { ssc, out } = pipeline(clock);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(clock.now()).toBe(0);
    ssc.start();
    await batches(out, 1);
    controller.abort();
    await ssc.stop();
    expect(out[0]![0]).toBe(1000);
  });

  it('is never faster than speed × the wall clock', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    playClock(clock, { speed: 10, signal: controller.signal });
    const ssc = new StreamingContext({ batchInterval: Milliseconds(500), scheduler: clock });
    const times: number[] = [];
    ssc.queueStream([[1], [2], [3], [4]]).foreachRDD((_, time) => void times.push(time));
    const started = performance.now();
    ssc.start();
    await batches(times, 4);
    const wall = performance.now() - started;
    controller.abort();
    await ssc.stop();
    // 2 s of virtual time at 10×: at least 200 ms of wall time (a loaded machine only takes longer).
    expect(times.slice(0, 4)).toEqual([500, 1000, 1500, 2000]);
    expect(wall).toBeGreaterThanOrEqual(200 - 5);
  });

  it('stops moving when its signal aborts', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    playClock(clock, { speed: 'max', signal: controller.signal });
    const { ssc, out } = pipeline(clock);
    ssc.start();
    await batches(out, 2);
    controller.abort();
    // The step under way may finish; after that, time stands.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const at = clock.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(clock.now()).toBe(at);
    await ssc.stop();
  });

  it('refuses a speed that is not a positive number or max', () => {
    expect(() => playClock(new ManualClock(), { speed: 0 })).toThrow("playClock: speed must be a positive number or 'max', got 0.");
    expect(() => playClock(new ManualClock(), { speed: Number.NaN })).toThrow(/got NaN/);
  });

  it('keeps no Node process alive once its contexts have stopped', () => {
    const dir = mkdtempSync(path.join(root, 'test/playground/.tmp-'));
    try {
      const script = path.join(dir, 'stops.ts');
      writeFileSync(
        script,
        `import { ManualClock, Seconds, StreamingContext } from 'rivulet';
import { playClock } from 'rivulet/playground';
const clock = new ManualClock();
playClock(clock, { speed: 'max' });
const ssc = new StreamingContext({ batchInterval: Seconds(1), scheduler: clock });
ssc.queueStream([['a'], ['b', 'c']]).count().foreachRDD(async (rdd, time) => console.log(time, (await rdd.collect())[0]));
ssc.start();
await ssc.awaitTerminationOrTimeout(2500);
await ssc.stop();
`,
      );
      const run = spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['--tsconfig', path.join(root, 'tsconfig.json'), script], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(run.stderr).toBe('');
      expect({ status: run.status, signal: run.signal, stdout: run.stdout }).toEqual({ status: 0, signal: null, stdout: '1000 1\n2000 2\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
