import { describe, expect, test } from 'vitest';
import { OpenHashMap } from '../../engine/util/OpenHashMap.ts';
import { mulberry32 } from '../../engine/rdd/RDD.ts';

describe('OpenHashMap', () => {
  test('get / set / has / delete, as a Map does them', () => {
    const m = new OpenHashMap<unknown, string>();
    const keys: unknown[] = [1, -1, 0, 2 ** 40, 1.5, 'a', '', '1', true, false, null, undefined, 10n, NaN];
    keys.forEach((k, i) => m.set(k, `v${i}`));
    expect(m.size).toBe(keys.length);
    keys.forEach((k, i) => {
      expect(m.has(k)).toBe(true);
      expect(m.get(k)).toBe(`v${i}`);
    });
    // SameValueZero: -0 is 0, NaN is NaN; '1' is not 1.
    expect(m.get(-0)).toBe('v2');
    expect(m.get(0 / 0)).toBe('v13');
    expect(m.get('1')).toBe('v7');
    expect(m.has(2)).toBe(false);
    m.set(1, 'again');
    expect(m.get(1)).toBe('again');
    expect(m.size).toBe(keys.length);
    expect(m.delete(NaN)).toBe(true);
    expect(m.delete(NaN)).toBe(false);
    expect(m.has(NaN)).toBe(false);
    expect(m.delete(undefined)).toBe(true);
    expect(m.get(undefined)).toBeUndefined();
    expect(m.size).toBe(keys.length - 2);
  });

  test('an undefined value is present (find, not get, tells)', () => {
    const m = new OpenHashMap<string, number | undefined>();
    m.set('k', undefined);
    expect(m.find('k')).toBeGreaterThanOrEqual(0);
    expect(m.has('k')).toBe(true);
    expect(m.find('other')).toBeLessThan(0);
  });

  test('find then insertAt / setValueAt / deleteAt probe once per key', () => {
    const m = new OpenHashMap<string, number>();
    const absent = m.find('a');
    expect(absent).toBeLessThan(0);
    m.insertAt(absent, 'a', 1);
    const at = m.find('a');
    expect(m.keyAt(at)).toBe('a');
    expect(m.valueAt(at)).toBe(1);
    m.setValueAt(at, 2);
    expect(m.get('a')).toBe(2);
    m.deleteAt(m.find('a'));
    expect(m.size).toBe(0);
    expect(m.has('a')).toBe(false);
  });

  test('random sets and deletes across many growths agree with a Map (collisions, shifted deletes)', () => {
    const rand = mulberry32(7);
    for (const keySpace of [50, 5_000, 200_000]) {
      const m = new OpenHashMap<number | string, number>();
      const ref = new Map<number | string, number>();
      let deleteMismatches = 0;
      for (let op = 0; op < 60_000; op++) {
        const n = Math.floor(rand() * keySpace);
        const key = n % 3 === 0 ? `s${n}` : n * 1024; // multiples of 1024: equal low bits
        if (rand() < 0.35) deleteMismatches += Number(m.delete(key) !== ref.delete(key));
        else {
          m.set(key, op);
          ref.set(key, op);
        }
      }
      expect(deleteMismatches).toBe(0);
      expect(m.size).toBe(ref.size);
      let mismatches = 0;
      for (const [k, v] of ref) mismatches += Number(m.get(k) !== v);
      let listed = 0;
      for (const [k, v] of m.entries()) {
        listed++;
        mismatches += Number(ref.get(k) !== v);
      }
      expect(mismatches).toBe(0);
      expect(listed).toBe(ref.size);
    }
  });

  test('deleting every key leaves an empty table that still works; clear() empties it', () => {
    const m = new OpenHashMap<number, number>();
    for (let i = 0; i < 1000; i++) m.set(i, i);
    for (let i = 0; i < 1000; i += 2) m.delete(i);
    for (let i = 1; i < 1000; i += 2) expect(m.get(i)).toBe(i);
    for (let i = 1; i < 1000; i += 2) m.delete(i);
    expect(m.size).toBe(0);
    expect([...m.entries()]).toEqual([]);
    m.set(5, 5);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.has(5)).toBe(false);
  });
});
