import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { expect, test } from 'vitest';
import { IndexedDBCheckpointStore, StateSpec } from '../../engine/index.ts';
import { expectSameOutputs, record, runUninterrupted, runWithCrash, type Build } from './recoveryHarness.ts';

// The same recovery with checkpoints in IndexedDB (fake-indexeddb here; the reload test in
// test/e2e drives a real browser).

test('updateStateByKey, mapWithState and an inverse window resume from an IndexedDB store', async () => {
  const input = Array.from({ length: 16 }, (_, k) => ['a', 'b', 'c', 'd'].slice(0, (k * 7) % 5));
  const build: Build = (ssc, sink) => {
    const pairs = ssc.queueStream(input.map((b) => [...b])).name('letters').map((w) => [w, 1] as [string, number]);
    record(sink, 'totals', pairs.updateStateByKey((vs: number[], s: number | undefined) => vs.reduce((a, b) => a + b, s ?? 0)).checkpoint(3000));
    record(sink, 'runs', pairs.mapWithState(StateSpec.function((_k: string, v: number | undefined, s) => {
      const n = ((s.getOption() as number | undefined) ?? 0) + (v ?? 0);
      s.update(n);
      return n;
    })));
    record(sink, 'recent', pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 4000, 2000));
  };
  const factory = new IDBFactory();
  const { sink, warnings } = await runWithCrash({
    store: () => new IndexedDBCheckpointStore('pipeline', { indexedDB: factory }),
    first: build,
    crashAt: 8000,
    resumeAt: 11_000,
    until: 16_000,
  });
  expectSameOutputs(sink, await runUninterrupted(build, 16_000));
  expect(sink.rewritten()).toMatchObject({ totals: [7000, 8000] });
  expect(warnings).toEqual([]);
  expect((await factory.databases()).map((d) => d.name).sort()).toEqual(['pipeline', 'pipeline-wal']);
});
