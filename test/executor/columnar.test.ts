import { describe, expect, test } from 'vitest';
import { columnarTransferables, decodeColumnar, encodeColumnar } from '../../engine/executor/columnar.ts';
import { MIN_COLUMNAR_RECORDS, packReply, packTask, prefersColumnar, unpackReply, unpackTask } from '../../engine/executor/transfer.ts';
import type { FromWorker, RunTask } from '../../engine/executor/protocol.ts';
import { mulberry32 } from '../../engine/rdd/RDD.ts';

/** What a worker receives for a columnar partition: encoded, posted with its transfer list, decoded. */
function crossed(records: unknown[]): { shape: string; records: unknown[] } {
  const encoded = encodeColumnar(records);
  if (!encoded) return { shape: 'clone', records: structuredClone(records) };
  const transfer = columnarTransferables(encoded);
  const received = structuredClone(encoded, { transfer });
  expect(transfer.every((b) => b.byteLength === 0)).toBe(true); // moved, not copied
  return { shape: encoded.shape, records: decodeColumnar(received) };
}

class Point {
  constructor(readonly x: number) {}
}
const sparse = [1, 2];
delete (sparse as unknown as Record<number, unknown>)[0];

describe('columnar partitions: encoded, transferred and decoded exactly as a structured clone', () => {
  // partition in → shape it travels as ('clone' = the fallback); out = the structured clone of in.
  const cases: [string, unknown[], string][] = [
    ['numbers, with -0, NaN and Infinity', [1, -0, 0, NaN, Infinity, -Infinity, 2.5, Number.MAX_VALUE], 'values'],
    ['mixed primitives', [1, 'a', true, false, null, undefined, '', 'a'], 'values'],
    ['booleans only', [true, false, true], 'values'],
    ['undefined only', [undefined, undefined], 'values'],
    ['null only', [null], 'values'],
    ['[string, number] pairs', [['a', 1], ['b', 2], ['a', 3]], 'pairs'],
    ['pairs of mixed primitives', [[1, 'x'], [null, undefined], [-0, NaN], ['é🙂', true]], 'pairs'],
    ['flat objects, same keys', [{ id: 1, name: 'a', ok: true, at: undefined }, { id: -0, name: 'b', ok: false, at: null }], 'objects'],
    ['objects with integer-like keys', [{ 2: 'b', 1: 'a', z: 0 }, { 1: 'c', 2: 'd', z: 1 }], 'objects'],
    ['empty partition', [], 'clone'],
    ['nested arrays', [[1, [2]], [3, [4]]], 'clone'],
    ['triples', [[1, 2, 3]], 'clone'],
    ['a pair with a hole', [sparse, [1, 2]], 'clone'],
    ['pairs, then a non-pair', [['a', 1], 'b'], 'clone'],
    ['objects with different keys', [{ a: 1 }, { b: 1 }], 'clone'],
    ['objects with keys in another order', [{ a: 1, b: 2 }, { b: 2, a: 1 }], 'clone'],
    ['objects with an extra key', [{ a: 1 }, { a: 1, b: 2 }], 'clone'],
    ['objects with a nested value', [{ a: { b: 1 } }], 'clone'],
    ['an own __proto__ key', JSON.parse('[{"__proto__": 1}]') as unknown[], 'clone'],
    ['empty objects', [{}, {}], 'clone'],
    ['class instances', [new Point(1)], 'clone'],
    ['bigints', [1n, 2n], 'clone'],
    ['Dates', [new Date(0)], 'clone'],
  ];
  test.each(cases)('%s', (_name, records, shape) => {
    const out = crossed(records);
    expect(out.shape).toBe(shape);
    expect(out.records).toStrictEqual(structuredClone(records));
    if (shape !== 'clone') expect(out.records.every((r, i) => typeof r !== 'number' || Object.is(r, records[i]))).toBe(true);
  });

  test('-0 and NaN survive inside pairs and objects', () => {
    const [pair, obj] = [crossed([[-0, NaN]]).records[0] as number[], crossed([{ v: -0 }]).records[0] as { v: number }];
    expect(Object.is(pair[0], -0) && Number.isNaN(pair[1]) && Object.is(obj.v, -0)).toBe(true);
  });

  test('property: random partitions of every shape round-trip (seeded)', () => {
    const rand = mulberry32(42);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const primitive = (): unknown => pick<() => unknown>([() => rand() * 1e6 - 5e5, () => Math.floor(rand() * 100), () => pick([-0, NaN, Infinity, -Infinity]), () => pick(['', 'a', 'héllo', '🙂', `k${Math.floor(rand() * 50)}`]), () => rand() < 0.5, () => null, () => undefined])();
    const spoiler = (): unknown => pick<() => unknown>([() => [1], () => ({ x: 1 }), () => new Date(3), () => 7n, () => new Point(2)])();
    for (let run = 0; run < 300; run++) {
      const n = Math.floor(rand() * 40);
      const keys = pick([['a'], ['a', 'b'], ['id', 'name', 'score', 'x1']]);
      const shape = pick(['values', 'pairs', 'objects'] as const);
      const records: unknown[] = Array.from({ length: n }, () =>
        shape === 'values' ? primitive() : shape === 'pairs' ? [primitive(), primitive()] : Object.fromEntries(keys.map((k) => [k, primitive()])),
      );
      const spoiled = n > 0 && rand() < 0.2;
      if (spoiled) {
        const i = Math.floor(rand() * n);
        if (shape === 'values') records[i] = spoiler();
        else if (shape === 'pairs') (records[i] as unknown[])[Math.floor(rand() * 2)] = spoiler();
        else (records[i] as Record<string, unknown>)[keys[0]!] = spoiler();
      }
      const out = crossed(records);
      expect(out.shape, `run ${run}`).toBe(n === 0 || spoiled ? 'clone' : shape);
      expect(out.records, `run ${run}`).toStrictEqual(structuredClone(records));
    }
  });
});

describe('transfer.ts: the executor packs partitions where they cross', () => {
  const pairs = Array.from({ length: MIN_COLUMNAR_RECORDS }, (_, i) => [`w${i % 7}`, i] as [string, number]);

  test.each([
    ['pairs at the threshold', pairs, true],
    ['fewer pairs than the threshold', pairs.slice(1), false],
    ['lines of text (lone strings are cloned)', pairs.map(([w]) => `${w} ${w}`), false],
    ['numbers', pairs.map(([, n]) => n), true],
    ['nested values', pairs.map((p) => [p]), false],
  ] as const)('rule: %s → columnar %s', (_name, records, columnar) => {
    expect(prefersColumnar(records as unknown[])).toBe(columnar);
  });

  test('a task: input and shuffle blocks packed, moved and unpacked', () => {
    const task = {
      kind: 'runTask', taskId: 1, stageId: 0, partition: 0, attempt: 0, functions: [],
      rdd: { id: 1, kind: 'input', operation: 'parallelize', callSite: 'x', numPartitions: 1, params: {}, parents: [] },
      inputs: [{ rddId: 1, partition: 0, records: pairs }, { rddId: 2, partition: 0, records: ['a'] }],
      shuffleInputs: [{ shuffleId: 3, blocks: [pairs, []] }],
      result: { kind: 'collect' },
    } as unknown as RunTask;
    const [wire, transfer] = packTask(task);
    expect(transfer.length).toBeGreaterThan(0);
    expect(Array.isArray(wire.inputs[0]!.records)).toBe(false);
    expect(wire.inputs[1]!.records).toEqual(['a']);
    expect(unpackTask(structuredClone(wire, { transfer }))).toStrictEqual(task);
  });

  test.each([
    ['collect', { kind: 'collect' }, pairs],
    ['take', { kind: 'take', limit: 500 }, pairs],
    ['shuffleMap: every bucket', { kind: 'shuffleMap' }, [pairs, [], pairs.slice(0, 3)]],
    ['count: not a partition', { kind: 'count' }, 256],
    ['fold: not a partition', { kind: 'fold' }, [1, 2]],
  ] as const)('a reply to %s', (_name, result, value) => {
    const reply = { kind: 'taskResult', taskId: 1, value, cached: [{ rddId: 4, partition: 0, records: pairs }] } as unknown as FromWorker;
    const [wire, transfer] = packReply(reply, result as unknown as RunTask['result']);
    expect(unpackReply(structuredClone(wire, { transfer }), result as unknown as RunTask['result'])).toStrictEqual(reply);
  });
});
