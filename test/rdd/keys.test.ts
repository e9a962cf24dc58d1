import { describe, expect, test } from 'vitest';
import { HashPartitioner, KeyedMap, RangePartitioner, canonicalKey, compareKeys, hashKey } from '../../engine/rdd/index.ts';

describe('hashKey: Java hashCode for the keys Spark users know', () => {
  test.each([
    ['', 0],
    ['a', 97],
    ['ab', 3105],
    ['hello', 99162322],
    ['polygenelubricants', -2147483648],
    [0, 0],
    [-0, 0],
    [42, 42],
    [-7, -7],
    [true, 1231],
    [false, 1237],
    [null, 0],
    [undefined, 0],
  ])('hashKey(%j) = %i', (key, hash) => {
    expect(hashKey(key)).toBe(hash);
  });

  test.each([
    [[1, 2], [1, 2]],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }],
    [new Date(5), new Date(5)],
    [new Map([[1, 'x'], [2, 'y']]), new Map([[2, 'y'], [1, 'x']])],
    [new Set(['b', 'a']), new Set(['a', 'b'])],
    [1.5, 1.5],
    [2 ** 40, 2 ** 40],
  ])('equal values hash equally and share a canonical key: %j', (a, b) => {
    expect(hashKey(a)).toBe(hashKey(b));
    expect(canonicalKey(a)).toBe(canonicalKey(b));
    expect(Number.isInteger(hashKey(a))).toBe(true);
  });

  test.each([
    [[1, 2], [2, 1]],
    [[1], 1],
    [['1'], [1]],
    [{ a: 1 }, { a: '1' }],
    [[null], [undefined]],
  ])('different values have different canonical keys: %j vs %j', (a, b) => {
    expect(canonicalKey(a)).not.toBe(canonicalKey(b));
  });

  test('primitives are their own canonical key', () => {
    for (const k of ['a', 1, true, null, undefined, 10n]) expect(canonicalKey(k)).toBe(k);
  });
});

describe('compareKeys', () => {
  test.each([
    [1, 2, -1],
    [2, 10, -1],
    ['10', '2', -1],
    ['a', 'B', 1],
    [false, true, -1],
    [1n, 2, -1],
    [undefined, false, -1],
    [null, 0, -1],
    [true, 0, -1],
    [9, 'a', -1],
    ['z', [0], -1],
    [[1, 2], [1, 3], -1],
    [[1], [1, 0], -1],
    [[2], [1, 9], 1],
    [new Date(1), new Date(2), -1],
    [{ a: 1 }, { a: 1 }, 0],
    [[1, 'x'], [1, 'x'], 0],
  ])('compareKeys(%s, %s) has sign %i', (a, b, sign) => {
    expect(Math.sign(compareKeys(a, b))).toBe(sign);
    expect(Math.sign(compareKeys(b, a))).toBe(-sign || 0);
  });
});

describe('KeyedMap', () => {
  test('value semantics for object keys, first key object kept', () => {
    const m = new KeyedMap<unknown, number>();
    const first = ['u', 1];
    m.set(first, 1);
    m.set(['u', 1], 2);
    m.combine(['u', 2], 5, (v) => v, (c, v) => c + v);
    m.combine(['u', 2], 5, (v) => v, (c, v) => c + v);
    expect(m.size).toBe(2);
    expect(m.get(['u', 1])).toEqual([first, 2]);
    expect(m.get(['u', 1])![0]).toBe(first);
    expect(m.get(['u', 2])![1]).toBe(10);
    expect(m.delete(['u', 1])).toBe(true);
    expect(m.get(['u', 1])).toBeUndefined();
    expect([...m.values()]).toEqual([[['u', 2], 10]]);
  });
});

describe('partitioners', () => {
  test('HashPartitioner: non-negative partitions; equal when the counts are equal', () => {
    const p = new HashPartitioner(3);
    for (const k of ['a', 'polygenelubricants', -1, -2147483648, [1, 2], 1.25, null]) {
      const i = p.getPartition(k);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(i).toBeLessThan(3);
    }
    expect(p.equals(new HashPartitioner(3))).toBe(true);
    expect(p.equals(new HashPartitioner(4))).toBe(false);
    expect(p.equals(undefined)).toBe(false);
  });

  test('RangePartitioner: bounds from the sample, computed before use', async () => {
    const p = new RangePartitioner(3, async () => [5, 1, 9, 3, 7, 2, 8, 4, 6]);
    expect(() => p.getPartition(1)).toThrow(/before its bounds were computed/);
    await p.prepare();
    const placed = [-100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100].map((k) => p.getPartition(k));
    expect(placed).toEqual([...placed].sort((a, b) => a - b));
    expect(new Set(placed)).toEqual(new Set([0, 1, 2]));
    expect(p.equals(p)).toBe(true);
    expect(p.equals(new RangePartitioner(3, async () => []))).toBe(false);
  });

  test('RangePartitioner descending places larger keys first', async () => {
    const p = new RangePartitioner(2, async () => [1, 2, 3, 4], false);
    await p.prepare();
    expect(p.getPartition(4)).toBeLessThan(p.getPartition(1) + 1);
    expect(p.getPartition(1)).toBe(1);
    expect(p.getPartition(4)).toBe(0);
  });

  test('RangePartitioner over no keys sends everything to one partition', async () => {
    const p = new RangePartitioner(4, async () => []);
    await p.prepare();
    expect(new Set([1, 'a', [2]].map((k) => p.getPartition(k))).size).toBe(1);
  });
});
