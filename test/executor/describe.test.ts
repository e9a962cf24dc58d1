// Reads functions' source for workers (loaded with the first job on workers; here, directly).
import '../../engine/closure/sourceText.ts';
import { describe, expect, test } from 'vitest';
import { newContext } from '../rdd/helpers.ts';
import type { RDD, RDDDescriptor } from '../../engine/rdd/index.ts';

/** Every descriptor must survive structuredClone: that is how it reaches a worker. */
function described(rdd: RDD<any>): RDDDescriptor | undefined {
  const d = rdd.describe();
  if (d) expect(structuredClone(d)).toEqual(d);
  return d;
}

function kinds(d: RDDDescriptor): string[] {
  return [d.kind + (d.params.op ? `:${d.params.op}` : ''), ...d.parents.flatMap(kinds)];
}

describe('describe()', () => {
  const sc = newContext();
  const lines = sc.parallelize(['a b', 'b c'], 2);
  const cases: [string, () => RDD<any>, string[] | undefined][] = [
    ['input', () => lines, ['input']],
    ['a narrow chain', () => lines.flatMap((l) => l.split(' ')).filter((w) => w !== 'c').map((w) => [w, 1]), ['mapPartitions:map', 'mapPartitions:filter', 'mapPartitions:flatMap', 'input']],
    ['reduceByKey stops at the shuffle', () => lines.map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b).mapValues((n) => n * 2), ['mapPartitions:mapValues', 'shuffled']],
    ['join: cogroup with two shuffle reads', () => lines.keyBy((l) => l).join(lines.keyBy((l) => l.toUpperCase())), ['mapPartitions:join', 'cogroup', 'shuffleRead', 'shuffleRead']],
    ['union and coalesce', () => lines.union(lines).coalesce(1), ['coalesce', 'union', 'input', 'input']],
    ['sortBy', () => lines.sortBy((l) => l), ['mapPartitions:pairValue', 'mapPartitions:sortPartition', 'shuffled']],
    ['an engine closure cannot be described', () => lines.pipe('custom', (emit) => ({ next: emit })).map((x) => x), undefined],
  ];
  test.each(cases)('%s', (_name, build, expected) => {
    const d = described(build());
    expect(d && kinds(d)).toEqual(expected);
  });

  test('a self-contained user function travels as its source, with a hash', () => {
    const d = described(lines.filter((w) => w.length > 1))!;
    const f = (d.params.args as Record<string, any>).f;
    expect(f).toMatchObject({ kind: 'fn', how: { kind: 'source', source: '(w) => w.length > 1' }, operation: 'filter' });
    expect(typeof f.hash).toBe('string');
  });

  test('a user function that uses its surroundings cannot be described without the pipeline in the workers, and says why', () => {
    const stop = new Set(['c']);
    const rdd = lines.filter((w) => !stop.has(w));
    expect(rdd.describe()).toBeUndefined();
    expect(rdd.whyNotDescribed()).toMatch(/^filter at describe\.test\.ts:\d+:\d+ uses `stop` from its surroundings, and the workers have not loaded the pipeline code/);
  });

  test('a persisted, computed RDD is an input', async () => {
    const cached = lines.map((l) => l.length).persist();
    await cached.count();
    expect(described(cached.map((n) => n + 1))!.parents[0]!.kind).toBe('input');
  });
});
