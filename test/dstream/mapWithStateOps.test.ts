import { describe, expect, test } from 'vitest';
import { entriesOf, entriesOrThrow } from '../../engine/dstream/mapWithStateOps.ts';
import type { PlainStateRecord } from '../../engine/dstream/mapWithStateRDDs.ts';
import { narrowOpNamed } from '../../engine/rdd/narrowOps.ts';
import { ship } from '../../engine/closure/ship.ts';
import { toWire } from '../../engine/rdd/wireForm.ts';
import { uncloneableRecord } from '../../engine/executor/cloneable.ts';
import type { State } from '../../engine/index.ts';

// mapWithState's state step as the workers run it (stateInWorkers: true), driven directly: each
// batch takes the previous record's map over in place; a record handed out again (its successor's
// batch failed) is rolled back first; a record that crossed a thread (plain entries) is loaded
// into a new map; a throwing function leaves the previous record as it was.

type Rec = PlainStateRecord<string, number, string>;

/** Counts words; `-w` removes w; `boom` throws. */
const count = (key: string, word: string | undefined, state: State<number>): string => {
  if (word === 'boom') throw new Error('boom');
  if (word!.startsWith('-')) {
    state.remove();
    return `${key} removed`;
  }
  const n = (state.getOption() ?? 0) + 1;
  state.update(n);
  return `${key}=${n}`;
};

const stepOp = narrowOpNamed('mapWithStateStep')!;

/** One batch of the step on one partition: the previous record (or initial pairs), then the batch's words. */
function step(prev: Rec | [string, number][], batchTime: number, words: string[]): Rec {
  const pipe = stepOp({ f: ship(count, 'mapWithState'), batchTime, timeout: undefined, fromInitial: Array.isArray(prev) });
  const out: Rec[] = [];
  const sink = pipe((r: Rec) => out.push(r), 0);
  sink.next(prev);
  for (const w of words) sink.next([w.replace(/^-/, ''), w]);
  sink.done!();
  expect(out).toHaveLength(1);
  return out[0]!;
}

const state = (r: Rec) => Object.fromEntries(entriesOrThrow(r).map(([k, s]) => [k, s]));

describe('mapWithState state step in a worker', () => {
  test('batches in, state and mapped values out; each batch takes the previous map over', () => {
    const r1 = step([['z', 9]], 1000, ['a', 'b', 'a']);
    expect(state(r1)).toEqual({ z: 9, a: 2, b: 1 });
    expect(r1.mapped).toEqual(['a=1', 'b=1', 'a=2']);
    const r2 = step(r1, 2000, ['-z', 'b']);
    expect(state(r2)).toEqual({ a: 2, b: 2 });
    expect(r2.mapped).toEqual(['z removed', 'b=2']);
    // r1's map is r2's now: r1's state can still be read through r2's undo log...
    expect(state(r1)).toEqual({ z: 9, a: 2, b: 1 });
    // ...until the next batch takes the map over (and r2's changes are final): then it is gone, its mapped values stay.
    expect(state(step(r2, 3000, ['c']))).toEqual({ a: 2, b: 2, c: 1 });
    expect(entriesOf(r1)).toBeUndefined();
    expect(() => entriesOrThrow(r1)).toThrow('the state at 1000 ms was taken over by batch 2000 ms; only the latest state is kept.');
    expect(r1.mapped).toEqual(['a=1', 'b=1', 'a=2']);
  });

  test('the previous record handed out again (the batch that took it over failed): that batch is rolled back first', () => {
    const r1 = step([], 1000, ['a', 'b']);
    const failed = step(r1, 2000, ['a', '-b', 'c']);
    expect(state(failed)).toEqual({ a: 2, c: 1 });
    const r2 = step(r1, 2000, ['a']); // the same batch run again, or the next batch after it failed
    expect(state(r2)).toEqual({ a: 2, b: 1 });
    expect(() => entriesOrThrow(failed)).toThrow('the state at 2000 ms was rolled back (the driver took its batch as failed or lost)');
    const r3 = step(r2, 3000, ['b']);
    expect(state(r3)).toEqual({ a: 2, b: 2 });
  });

  test('a throwing function: the previous record keeps its state, and the next attempt starts from it', () => {
    const r1 = step([], 1000, ['a']);
    expect(() => step(r1, 2000, ['a', 'b', 'boom'])).toThrow('boom');
    expect(state(r1)).toEqual({ a: 1 });
    expect(state(step(r1, 2000, ['a', 'b']))).toEqual({ a: 2, b: 1 });
  });

  test('across a thread: the plain form carries the state; the receiver loads a new map and the sender keeps its own', () => {
    const r1 = step([], 1000, ['a', 'b', 'b']);
    const [wire] = toWire([r1]) as [Rec];
    expect(uncloneableRecord([wire])).toBeUndefined();
    const cloned = structuredClone(wire);
    expect(cloned.entries!.sort()).toEqual([['a', 1, 1000], ['b', 2, 1000]]);
    expect(cloned.mapped).toEqual(['a=1', 'b=1', 'b=2']);
    const elsewhere = step(structuredClone(wire), 2000, ['a']);
    expect(state(elsewhere)).toEqual({ a: 2, b: 2 });
    expect(state(r1)).toEqual({ a: 1, b: 2 }); // not taken over by a step in another thread
    // A record sent without conversion arrives without its state, and says so instead of being empty.
    expect(() => entriesOrThrow(structuredClone(r1))).toThrow('internal: mapWithState state missing');
    // A record taken over by the next batch, sent to another worker (for a step there: the driver
    // takes the next batch's state as lost): it crosses as it was, read through the next batch's
    // undo log, and the next batch's state is left as it is (it may still be good).
    const r2 = step(r1, 2000, ['b', 'c', '-a']);
    const [before] = toWire([r1]) as [Rec];
    expect(Object.fromEntries(before.entries!.map(([k, s]) => [k, s]))).toEqual({ a: 1, b: 2 });
    expect(state(r2)).toEqual({ b: 3, c: 1 });
    // Handed to a step here again (the driver took batch 2000 as failed): rolled back, then the step.
    expect(state(step(r1, 2000, ['a']))).toEqual({ a: 2, b: 2 });
    expect(() => entriesOrThrow(r2)).toThrow('the state at 2000 ms was rolled back');
    // Taken over by two batches since: it crosses as "unavailable", with the reason.
    step(step(r1, 2000, []), 3000, []);
    const [gone] = toWire([r1]) as [Rec];
    expect(gone.entries).toBeUndefined();
    expect(() => step(structuredClone(gone), 4000, ['a'])).toThrow('taken over by batch 2000 ms');
  });
});
