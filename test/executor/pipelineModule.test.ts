import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import LZString from 'lz-string';

// Every worker loads the same pipeline code as the driver (a pipeline module, as every Spark
// executor loads the application's jar) and tasks name its functions by their place in it. The
// fixtures under fixtures/pipelines/ are such modules: this test imports each on the driver, and
// the workers import it again.

describe('a pipeline module loaded in every worker', () => {
  test('functions close over values and call node:crypto, an npm package and the application\'s own modules, on the workers', async () => {
    const p = await import('./fixtures/pipelines/closures.ts');
    try {
      await p.clock.advance(p.input.length * 1000);
      // The expectation, computed here without the engine.
      const stop = new Set(['the', 'a', 'of']);
      const expected = p.input.map((lines, i) => {
        const counts = new Map<string, number>();
        for (const w of lines.flatMap((l) => l.split(' ')).map((w) => w.toLowerCase().replace(/[^a-z]/g, ''))) {
          if (w.length >= 2 && !stop.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
        }
        const records = [...counts].map(([w, n]) => [createHash('sha1').update('rivulet' + w).digest('hex').slice(0, 10), LZString.compressToBase64(w), n]);
        return [(i + 1) * 1000, records.sort()];
      });
      expect(p.output.map(([t, rs]) => [t, [...rs].sort()])).toEqual(expected);
      // Every batch with data ran its tasks on the workers.
      const withData = p.infos.filter((info) => info.numRecords > 0);
      expect(withData.length).toBe(3);
      for (const info of withData) expect([info.batchTime, info.executedOn, info.localReason]).toEqual([info.batchTime, 'workers', undefined]);
    } finally {
      await p.ssc.stop();
    }
  });

  test('a pipeline whose definition differs in the workers is refused, naming the first differing operation and its call site', async () => {
    const p = await import('./fixtures/pipelines/differs.ts');
    const stopped = p.ssc.awaitTermination().then(() => undefined, (e: unknown) => e);
    await p.clock.advance(1000);
    const error = (await stopped) as Error;
    expect(error).toBeInstanceOf(Error);
    const cause = error.cause as Error;
    expect(cause.name).toBe('PipelineMismatchError');
    expect(cause.message).toMatch(
      /^The pipeline defined in the worker differs from the driver's at definition \d+: the driver defined function map at differs\.ts:11:7, the worker \(which loaded file:\/\/.*differs\.ts\) defined function filter at differs\.ts:10:34\./,
    );
  });

  test('a pipeline built from Math.random() (a window drawn in each thread) is refused, naming the window', async () => {
    const p = await import('./fixtures/pipelines/random.ts');
    const stopped = p.ssc.awaitTermination().then(() => undefined, (e: unknown) => e);
    await p.clock.advance(1000);
    const cause = ((await stopped) as Error).cause as Error;
    expect(cause.name).toBe('PipelineMismatchError');
    expect(cause.message).toMatch(/the driver defined window \d+\/1000 of window at random\.ts:12:4, the worker \(which loaded file:\/\/.*random\.ts\) defined window \d+\/1000 of window at random\.ts:12:4\./);
  });

  test('a worker that never finishes loading the pipeline is refused after the task timeout, saying what to look for', async () => {
    const p = await import('./fixtures/pipelines/waits.ts');
    const stopped = p.ssc.awaitTermination().then(() => undefined, (e: unknown) => e);
    await p.clock.advance(1000);
    const cause = ((await stopped) as Error).cause as Error;
    expect(cause.name).toBe('PipelineMismatchError');
    expect(cause.message).toMatch(/^Worker 0 did not finish loading the pipeline within the task timeout \(2000 ms\).*Does the module wait at its top level/);
  });

  test('a pipeline module that throws in a worker: the batch fails with its error and stack', async () => {
    const p = await import('./fixtures/pipelines/throws.ts');
    const stopped = p.ssc.awaitTermination().then(() => undefined, (e: unknown) => e);
    await p.clock.advance(1000);
    const cause = ((await stopped) as Error).cause as Error;
    expect(cause.name).toBe('PipelineMismatchError');
    expect(cause.message).toBe('The pipeline failed to load in a worker: no configuration in this thread');
    expect(cause.stack).toMatch(/RangeError: no configuration in this thread[^]*readConfig[^]*throws\.ts/);
  });

  test('functions created at batch time: self-contained ones travel as text, others run on the driver and the listener says why', async () => {
    const p = await import('./fixtures/pipelines/batchTime.ts');
    try {
      await p.clock.advance(2000);
      expect(p.selfContained.map((b) => [...b].sort())).toEqual([[2, 4, 6], [8]]);
      expect(p.closing.map((b) => [...b].sort())).toEqual([[1001, 1002, 1003], [2004]]);
      for (const info of p.infos) {
        expect(info.executedOn).toBe('mixed');
        expect(info.localReason).toMatch(/map at batchTime\.ts:\d+:\d+ .*uses `time` from its surroundings, and it was created after the pipeline was defined \(at batch time, in transform or foreachRDD\)/);
      }
    } finally {
      await p.ssc.stop();
    }
  });
});

