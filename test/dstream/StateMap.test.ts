import { describe, expect, test } from 'vitest';
import { StateMap, mapKey } from '../../engine/dstream/StateMap.ts';

type Key = string | [string, number];

/** Apply a change as a batch does: one probe for the key, then put or remove at that slot. */
function put(map: StateMap<Key, number>, key: Key, state: number, time: number): void {
  const mk = mapKey(key);
  const slot = map.states.find(mk);
  map.put(slot, key, mk, state, slot >= 0 ? map.states.valueAt(slot) : undefined, time);
}
function remove(map: StateMap<Key, number>, key: Key): void {
  const mk = mapKey(key);
  const slot = map.states.find(mk);
  map.removeAt(slot, key, mk, map.states.valueAt(slot));
}

describe('StateMap', () => {
  test.each([false, true])('withUpdateTimesBeforeLog (update times kept: %s) reads the map as rollback() would make it, and changes nothing', (timed) => {
    const map = new StateMap<Key, number>(timed);
    map.load('a', 1, 500);
    map.load(['u', 1], 10, 0);
    map.load('z', 7, 900);
    put(map, 'a', 2, 1000);
    put(map, 'a', 3, 1000);
    put(map, 'b', 1, 1000);
    remove(map, ['u', 1]);
    if (timed) map.touchExisting('z', mapKey('z'), 7, 1000); // only with a timeout (applyBatch)
    const after = [...map.withUpdateTimes(1000)];
    const before = map.withUpdateTimesBeforeLog(1000);
    expect([...map.withUpdateTimes(1000)]).toEqual(after); // unchanged
    map.rollback();
    const order = (entries: [Key, number, number][]) => (timed ? entries : [...entries].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))));
    expect(order(before)).toEqual(order([...map.withUpdateTimes(1000)]));
    // Without update times every key's time is the one given; with them, least recently updated first.
    expect(before).toEqual(timed ? [[['u', 1], 10, 0], ['a', 1, 500], ['z', 7, 900]] : expect.arrayContaining([['a', 1, 1000], [['u', 1], 10, 1000], ['z', 7, 1000]]));
  });

  test('rollback undoes puts and removes, composite keys included; a key changed twice gets its first state back', () => {
    const map = new StateMap<Key, number>(false);
    map.load('a', 1, 0);
    map.load(['u', 1], 10, 0);
    put(map, 'a', 2, 1000);
    put(map, 'a', 3, 1000);
    put(map, 'b', 1, 1000);
    put(map, ['u', 2], 20, 1000);
    remove(map, ['u', 1]);
    expect(new Map(map.snapshot())).toEqual(new Map<Key, number>([['a', 3], ['b', 1], [['u', 2], 20]]));
    map.rollback();
    expect(new Map(map.snapshot())).toEqual(new Map<Key, number>([['a', 1], [['u', 1], 10]]));
    expect(map.objectKeys.size).toBe(1);
    expect(map.logLength).toBe(0);
  });

  test('rollback(mark) undoes only what was logged after the mark; commit forgets the log', () => {
    const map = new StateMap<Key, number>(false);
    put(map, 'a', 1, 1000);
    const mark = map.logLength;
    put(map, 'a', 2, 2000);
    put(map, 'b', 1, 2000);
    map.rollback(mark);
    expect([...map.snapshot()]).toEqual([['a', 1]]);
    map.commit();
    map.rollback();
    expect([...map.snapshot()]).toEqual([['a', 1]]);
  });

  test('the log and the batch buffer are reused from batch to batch: a longer log after a shorter one, a rollback after a commit, nothing left behind', () => {
    const map = new StateMap<Key, number>(false);
    for (const k of ['a', 'b', 'c', 'd']) put(map, k, 1, 1000);
    map.commit();
    put(map, 'a', 2, 2000); // a shorter batch: the slots past it held the last batch's changes
    map.rollback();
    expect(new Map(map.snapshot())).toEqual(new Map([['a', 1], ['b', 1], ['c', 1], ['d', 1]]));
    for (const k of ['a', 'b', 'c', 'd', 'e']) put(map, k, 3, 3000); // a longer one
    map.rollback();
    expect(new Map(map.snapshot())).toEqual(new Map([['a', 1], ['b', 1], ['c', 1], ['d', 1]]));
    map.addToBatch(['a', 9], 'a', map.states.find('a'));
    map.addToBatch(['z', 9], 'z', map.states.find('z'));
    expect(map.batch.length).toBe(2);
    map.clearBatch();
    expect(map.batch.length).toBe(0);
    expect(map.batch.records.filter((r) => r !== undefined)).toEqual([]); // the batch's records are not held
    expect(map.batch.records.length).toBe(2); // kept for the next batch
    // A batch far larger than usual (an initial load) does not leave its buffers behind.
    for (let i = 0; i < 70_000; i++) map.addToBatch([`k${i}`, 1], `k${i}`, -1);
    map.clearBatch();
    expect(map.batch.records.length).toBe(0);
  });

  test('without a timeout no update times are kept: saved with the time asked for', () => {
    const map = new StateMap<Key, number>(false);
    put(map, 'a', 1, 1000);
    expect(map.updatedAt).toBeUndefined();
    expect([...map.withUpdateTimes(5000)]).toEqual([['a', 1, 5000]]);
  });

  test('with a timeout: keys in order of last update, and a rollback puts the order back', () => {
    const map = new StateMap<Key, number>(true);
    map.load('a', 1, 1000);
    map.load('b', 1, 2000);
    map.load('c', 1, 3000);
    map.commit();
    put(map, 'a', 2, 4000);
    map.touchExisting('b', 'b', 1, 4000);
    remove(map, 'c');
    expect([...map.withUpdateTimes(0)]).toEqual([['a', 2, 4000], ['b', 1, 4000]]);
    map.rollback();
    expect([...map.withUpdateTimes(0)]).toEqual([['a', 1, 1000], ['b', 1, 2000], ['c', 1, 3000]]);
  });
});
