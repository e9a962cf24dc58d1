import { describe, expect, test } from 'vitest';
import { runStreams, expectBatches } from '../support/TestSuiteBase.ts';
import { HashPartitioner, type DStream } from '../../engine/index.ts';

// Pair operations (records are [key, value] tuples), per batch.

type KV<V = number> = [string, V];

describe('mapValues / flatMapValues', () => {
  test('mapValues keeps keys', async () => {
    const { output } = await runStreams({
      input: [[['a', 1], ['b', 2]], [], [['a', 3]]] as KV[][],
      operation: (s) => s.mapValues((v) => v * 10),
    });
    expectBatches(output, [[['a', 10], ['b', 20]], [], [['a', 30]]]);
  });

  test('flatMapValues', async () => {
    const { output } = await runStreams({
      input: [[['a', 2], ['b', 0]], [['c', 1]]] as KV[][],
      operation: (s) => s.flatMapValues((n) => Array.from({ length: n }, (_, i) => i)),
    });
    expectBatches(output, [[['a', 0], ['a', 1]], [['c', 0]]]);
  });

  test('mapValues keeps the partitioner (no second shuffle)', async () => {
    const { output } = await runStreams({
      input: [[['a', 1], ['b', 2], ['a', 3]]] as KV[][],
      operation: (s) => s.reduceByKey((a, b) => a + b, 3).mapValues((v) => -v).transform((rdd) => rdd.glom().map((p) => p.length).map((n) => [String(n), n] as KV)),
    });
    expect(output[0]).toHaveLength(3);
  });
});

describe('groupByKey / reduceByKey / combineByKey', () => {
  const input: KV[][] = [[['a', 1], ['a', 1], ['b', 1]], [['a', 1], ['b', 1], ['b', 1]], [], [['c', 5]]];

  test('groupByKey', async () => {
    const { output } = await runStreams({ input, operation: (s) => s.groupByKey().mapValues((vs) => vs.sort()) });
    expectBatches(output, [[['a', [1, 1]], ['b', [1]]], [['a', [1]], ['b', [1, 1]]], [], [['c', [5]]]]);
  });

  test('reduceByKey', async () => {
    const { output } = await runStreams({ input, operation: (s) => s.reduceByKey((a, b) => a + b) });
    expectBatches(output, [[['a', 2], ['b', 1]], [['a', 1], ['b', 2]], [], [['c', 5]]]);
  });

  test('reduceByKey with numPartitions and with a partitioner', async () => {
    const a = await runStreams({ input, operation: (s) => s.reduceByKey((x, y) => x + y, 4).glom() });
    expect(a.output.map((b) => b.length)).toEqual([4, 4, 4, 4]);
    const b = await runStreams({ input, operation: (s) => s.reduceByKey((x, y) => x + y, new HashPartitioner(3)).glom() });
    expect(b.output.map((x) => x.length)).toEqual([3, 3, 3, 3]);
  });

  test('reduceByKey refuses a bad partition count at definition', async () => {
    await expect(runStreams({ input, operation: (s) => s.reduceByKey((a, b) => a + b, 0) })).rejects.toThrow(RangeError);
  });

  test('reduceByKey groups composite keys by content', async () => {
    const { output } = await runStreams({
      input: [[[['u', 1], 1], [['u', 1], 2], [['u', 2], 3]]] as [[string, number], number][][],
      operation: (s) => s.reduceByKey((a, b) => a + b),
    });
    expectBatches(output, [[[['u', 1], 3], [['u', 2], 3]]]);
  });

  test('combineByKey (average per key)', async () => {
    const { output } = await runStreams({
      input: [[['a', 1], ['a', 3], ['b', 4]], [['b', 1]]] as KV[][],
      operation: (s) =>
        s.combineByKey(
          (v) => [v, 1] as [number, number],
          (c, v) => [c[0] + v, c[1] + 1] as [number, number],
          (x, y) => [x[0] + y[0], x[1] + y[1]] as [number, number],
        ).mapValues(([sum, n]) => sum / n),
    });
    expectBatches(output, [[['a', 2], ['b', 4]], [['b', 1]]]);
  });

  test('combineByKey without map-side combine gives the same result', async () => {
    const { output } = await runStreams({
      input: [[['a', 1], ['a', 3], ['b', 4], ['a', 5]]] as KV[][],
      operation: (s) => s.combineByKey((v) => [v], (c: number[], v) => [...c, v], (x, y) => [...x, ...y], 2, false).mapValues((vs) => vs.sort()),
    });
    expectBatches(output, [[['a', [1, 3, 5]], ['b', [4]]]]);
  });
});

describe('joins and cogroup (per batch)', () => {
  const left: KV<number>[][] = [[['a', 1], ['b', 2]], [['a', 3], ['a', 4]], [], [['x', 9]]];
  const right: KV<string>[][] = [[['a', 'x'], ['c', 'z']], [['a', 'y'], ['b', 'w']], [['a', 'q']], []];
  const run = <R>(op: (l: DStream<KV<number>>, r: DStream<KV<string>>) => DStream<R>) =>
    runStreams({ inputs: [left, right], operation: (l: DStream<KV<number>>, r: DStream<KV<string>>) => op(l, r) });

  test('join', async () => {
    const { output } = await run((l, r) => l.join(r));
    expectBatches(output, [[['a', [1, 'x']]], [['a', [3, 'y']], ['a', [4, 'y']]], [], []]);
  });

  test('leftOuterJoin', async () => {
    const { output } = await run((l, r) => l.leftOuterJoin(r));
    expectBatches(output, [
      [['a', [1, 'x']], ['b', [2, undefined]]],
      [['a', [3, 'y']], ['a', [4, 'y']]],
      [],
      [['x', [9, undefined]]],
    ]);
  });

  test('rightOuterJoin', async () => {
    const { output } = await run((l, r) => l.rightOuterJoin(r));
    expectBatches(output, [
      [['a', [1, 'x']], ['c', [undefined, 'z']]],
      [['a', [3, 'y']], ['a', [4, 'y']], ['b', [undefined, 'w']]],
      [['a', [undefined, 'q']]],
      [],
    ]);
  });

  test('fullOuterJoin', async () => {
    const { output } = await run((l, r) => l.fullOuterJoin(r));
    expectBatches(output, [
      [['a', [1, 'x']], ['b', [2, undefined]], ['c', [undefined, 'z']]],
      [['a', [3, 'y']], ['a', [4, 'y']], ['b', [undefined, 'w']]],
      [['a', [undefined, 'q']]],
      [['x', [9, undefined]]],
    ]);
  });

  test('cogroup', async () => {
    const { output } = await run((l, r) => l.cogroup(r).mapValues(([vs, ws]) => [vs.sort(), ws.sort()] as [number[], string[]]));
    expectBatches(output, [
      [['a', [[1], ['x']]], ['b', [[2], []]], ['c', [[], ['z']]]],
      [['a', [[3, 4], ['y']]], ['b', [[], ['w']]]],
      [['a', [[], ['q']]]],
      [['x', [[9], []]]],
    ]);
  });

  test('join with numPartitions', async () => {
    const { output } = await run((l, r) => l.join(r, 3).glom());
    expect(output.map((b) => b.length)).toEqual([3, 3, 3, 3]);
  });

  test('join refuses something that is not a DStream', async () => {
    await expect(runStreams({ input: left, operation: (l) => l.join([] as any) })).rejects.toThrow(/join expects another DStream/);
  });
});

describe('pair operations on records that are not pairs', () => {
  for (const [name, op] of <[string, (s: DStream<any>) => DStream<unknown>][]>[
    ['reduceByKey', (s: DStream<any>) => s.reduceByKey((a: number, b: number) => a + b)],
    ['groupByKey', (s: DStream<any>) => s.groupByKey()],
    ['mapValues', (s: DStream<any>) => s.mapValues((v: number) => v)],
    ['join', (s: DStream<any>) => s.join(s)],
  ]) {
    test(`${name} fails the batch with a TypeError that says what to do`, async () => {
      const { error } = await runStreams({ input: [[1, 2, 3]], operation: op });
      let e: unknown = error;
      while (e && !(e instanceof TypeError)) e = (e as Error).cause;
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(new RegExp(`${name} needs records that are \\[key, value\\] pairs, got 1`));
      expect((e as Error).message).toMatch(/\.map\(x => \[key\(x\), x\]\)/);
    });
  }
});
