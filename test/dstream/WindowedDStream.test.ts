import { describe, expect, test } from 'vitest';
import { runStreams, expectBatches, createTestContext } from '../support/TestSuiteBase.ts';
import type { DStream } from '../../engine/index.ts';

// Window operations, in Spark's WindowOperationsSuite style. Batch interval 1000 ms throughout.

const ones = (n: number) => Array.from({ length: n }, (_, i) => [i + 1]);

describe('window(w, s)', () => {
  test('window of 2 batches sliding by 1: the first window holds one batch', async () => {
    const { output, times } = await runStreams({
      input: [[1], [2], [3], [4], [5], [6]],
      operation: (s) => s.window(2000, 1000),
    });
    expectBatches(output, [[1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6]]);
    expect(times).toEqual([1000, 2000, 3000, 4000, 5000, 6000]);
  });

  test('window of 3 batches, default slide (the parent interval)', async () => {
    const { output } = await runStreams({
      input: [[1], [2], [3], [4], [], [6]],
      operation: (s) => s.window(3000),
    });
    expectBatches(output, [[1], [1, 2], [1, 2, 3], [2, 3, 4], [3, 4], [4, 6]]);
  });

  test('window of 4 sliding by 2: outputs only every 2 batches, at the slide times', async () => {
    const { output, times } = await runStreams({
      input: [[1], [2], [3], [4], [5], [6], [7]],
      operation: (s) => s.window(4000, 2000),
    });
    expect(times).toEqual([2000, 4000, 6000]);
    expectBatches(output, [[1, 2], [1, 2, 3, 4], [3, 4, 5, 6]]);
  });

  test('tumbling window: window = slide = 3 batches', async () => {
    const { output, times } = await runStreams({
      input: [[1], [2], [3], [4], [5], [6], [7], [8], [9]],
      operation: (s) => s.window(3000, 3000),
    });
    expect(times).toEqual([3000, 6000, 9000]);
    expectBatches(output, [[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  });

  test('window smaller than slide skips batches (hopping)', async () => {
    const { output, times } = await runStreams({
      input: [[1], [2], [3], [4], [5], [6]],
      operation: (s) => s.window(1000, 3000),
    });
    expect(times).toEqual([3000, 6000]);
    expectBatches(output, [[3], [6]]);
  });

  test('window of a window', async () => {
    const { output, times } = await runStreams({
      input: ones(8),
      operation: (s) => s.window(2000, 2000).window(4000, 4000),
    });
    expect(times).toEqual([4000, 8000]);
    expectBatches(output, [[1, 2, 3, 4], [5, 6, 7, 8]]);
  });

  test('a windowed stream of transformed batches (persisted parent) gives the same windows', async () => {
    const { output } = await runStreams({
      input: [[1], [2], [3], [4]],
      operation: (s) => s.map((x) => x * 10).window(2000),
    });
    expectBatches(output, [[10], [10, 20], [20, 30], [30, 40]]);
  });

  test('window after a shuffle keeps working across many batches (old batches are forgotten, windows are not)', async () => {
    const input = Array.from({ length: 20 }, (_, i) => [['k', i] as [string, number]]);
    const { output } = await runStreams({
      input,
      operation: (s) => s.reduceByKey((a, b) => a + b).window(3000).reduceByKey((a, b) => a + b),
    });
    const expected = input.map((_, i) => [['k', [i, i - 1, i - 2].filter((x) => x >= 0).reduce((a, b) => a + b, 0)]] as [string, number][]);
    expectBatches(output, expected);
  });

  for (const [w, s, what] of [
    [1500, 1000, 'window duration (1500 ms)'],
    [2000, 500, 'slide duration (500 ms)'],
    [2000, 2500, 'slide duration (2500 ms)'],
  ] as const) {
    test(`window(${w}, ${s}) is refused at definition with a helpful message`, () => {
      const { ssc } = createTestContext();
      const stream = ssc.queueStream<number>([]);
      expect(() => stream.window(w, s)).toThrow(RangeError);
      expect(() => stream.window(w, s)).toThrow(new RegExp(`${what.replace(/[()]/g, '\\$&')} must be a multiple of the parent stream's slide duration \\(1000 ms\\)`));
    });
  }

  test('non-positive or fractional durations are refused', () => {
    const { ssc } = createTestContext();
    const stream = ssc.queueStream<number>([]);
    expect(() => stream.window(0)).toThrow(/positive whole number/);
    expect(() => stream.window(-1000)).toThrow(RangeError);
    expect(() => stream.window(2000, 0)).toThrow(RangeError);
    expect(() => stream.window(NaN)).toThrow(RangeError);
  });

  test('the multiple is checked against the parent slide, not the batch interval', () => {
    const { ssc } = createTestContext();
    const windowed = ssc.queueStream<number>([]).window(2000, 2000);
    expect(() => windowed.window(3000, 2000)).toThrow(/multiple of the parent stream's slide duration \(2000 ms\)/);
    expect(() => windowed.window(4000, 2000)).not.toThrow();
  });
});

describe('countByWindow / reduceByWindow', () => {
  test('countByWindow: one count per window, 0 once the window is empty', async () => {
    const { output } = await runStreams({
      input: [[1], [1, 2], [], [], [], [3]],
      operation: (s) => s.countByWindow(2000, 1000),
      numBatches: 6,
    });
    expectBatches(output, [[1], [3], [2], [0], [0], [1]]);
  });

  test('countByWindow before any data: no element, as in Spark (it is built on the inverse-function window)', async () => {
    const { output } = await runStreams({
      input: [[], [], [1], [], [], []],
      operation: (s) => s.countByWindow(2000),
    });
    expectBatches(output, [[], [], [1], [1], [0], [0]]);
  });

  test('countByWindow at the start of the stream, with a slide of 2', async () => {
    const { output, times } = await runStreams({
      input: [[1, 1], [1], [1, 1, 1], [], [1]],
      operation: (s) => s.countByWindow(3000, 2000),
      numBatches: 6,
    });
    expect(times).toEqual([2000, 4000, 6000]);
    expectBatches(output, [[3], [4], [1]]);
  });

  test('reduceByWindow without inverse', async () => {
    const { output } = await runStreams({
      input: [[1, 2], [3], [], [4], []],
      operation: (s) => s.reduceByWindow((a, b) => a + b, 2000, 1000),
    });
    // An all-empty window has no element, as reduce has none for an empty batch.
    expectBatches(output, [[3], [6], [3], [4], [4]]);
  });

  test('reduceByWindow without inverse: an empty window yields nothing', async () => {
    const { output } = await runStreams({
      input: [[1], [], [], [2]],
      operation: (s) => s.reduceByWindow((a, b) => a + b, 2000, 1000),
    });
    expectBatches(output, [[1], [1], [], [2]]);
  });

  test('reduceByWindow with inverse gives the same sums', async () => {
    const { output } = await runStreams({
      input: [[1, 2], [3], [], [4], []],
      operation: (s) => s.reduceByWindow((a, b) => a + b, (a, b) => a - b, 2000, 1000),
    });
    expectBatches(output, [[3], [6], [3], [4], [4]]);
  });

  test('reduceByWindow with inverse and slide 2', async () => {
    const { output, times } = await runStreams({
      input: [[1], [2], [3], [4], [5], [6]],
      operation: (s) => s.reduceByWindow((a, b) => a + b, (a, b) => a - b, 4000, 2000),
    });
    expect(times).toEqual([2000, 4000, 6000]);
    expectBatches(output, [[3], [10], [18]]);
  });

  test('reduceByWindow checks its durations at definition', () => {
    const { ssc } = createTestContext();
    const s = ssc.queueStream<number>([]);
    expect(() => s.reduceByWindow((a, b) => a + b, 2500, 1000)).toThrow(/multiple of the parent stream's slide duration/);
    expect(() => s.reduceByWindow((a, b) => a + b, (a, b) => a - b, 2500, 1000)).toThrow(/multiple of the parent stream's slide duration/);
    expect(() => s.countByWindow(2000, 1500)).toThrow(RangeError);
  });
});

describe('groupByKeyAndWindow / countByValueAndWindow', () => {
  test('groupByKeyAndWindow', async () => {
    const { output } = await runStreams({
      input: [[['a', 1]], [['a', 2], ['b', 1]], [], [['b', 3]]] as [string, number][][],
      operation: (s) => s.groupByKeyAndWindow(2000).mapValues((vs) => vs.sort()),
    });
    expectBatches(output, [
      [['a', [1]]],
      [['a', [1, 2]], ['b', [1]]],
      [['a', [2]], ['b', [1]]],
      [['b', [3]]],
    ]);
  });

  test('groupByKeyAndWindow with a slide of 2', async () => {
    const { output, times } = await runStreams({
      input: [[['a', 1]], [['a', 2]], [['b', 3]], [['a', 4]]] as [string, number][][],
      operation: (s) => s.groupByKeyAndWindow(2000, 2000).mapValues((vs) => vs.sort()),
    });
    expect(times).toEqual([2000, 4000]);
    expectBatches(output, [[['a', [1, 2]]], [['a', [4]], ['b', [3]]]]);
  });

  test('countByValueAndWindow drops zero counts', async () => {
    const { output } = await runStreams({
      input: [['a', 'b'], ['a'], [], [], ['b', 'b']],
      operation: (s) => s.countByValueAndWindow(2000, 1000),
    });
    expectBatches(output, [
      [['a', 1], ['b', 1]],
      [['a', 2], ['b', 1]],
      [['a', 1]],
      [],
      [['b', 2]],
    ]);
  });

  test('countByValueAndWindow: a value whose count falls to 0 as it enters again stays', async () => {
    const { output } = await runStreams({
      input: [['a'], ['b'], ['a'], ['a', 'b'], []],
      operation: (s) => s.countByValueAndWindow(2000, 1000),
    });
    expectBatches(output, [
      [['a', 1]],
      [['a', 1], ['b', 1]],
      [['a', 1], ['b', 1]],
      [['a', 2], ['b', 1]],
      [['a', 1], ['b', 1]],
    ]);
  });

  test('countByValueAndWindow counts objects by value', async () => {
    const { output } = await runStreams({
      input: [[{ id: 1 }], [{ id: 1 }, { id: 2 }], [], []],
      operation: (s) => s.countByValueAndWindow(2000, 1000),
    });
    expectBatches(output, [[[{ id: 1 }, 1]], [[{ id: 1 }, 2], [{ id: 2 }, 1]], [[{ id: 1 }, 1], [{ id: 2 }, 1]], []]);
  });

  test('countByValueAndWindow with slide 2', async () => {
    const { output, times } = await runStreams({
      input: [['a'], ['a', 'b'], ['b'], [], ['c'], []],
      operation: (s) => s.countByValueAndWindow(3000, 2000),
    });
    expect(times).toEqual([2000, 4000, 6000]);
    expectBatches(output, [[['a', 2], ['b', 1]], [['a', 1], ['b', 2]], [['c', 1]]]);
  });
});

describe('windowed streams downstream', () => {
  test('a windowed stream joined with another windowed stream of the same slide', async () => {
    const { output } = await runStreams({
      inputs: [[[['a', 1]], [['b', 2]], []], [[], [['a', 'x']], [['b', 'y']]]] as [[string, number][][], [string, string][][]],
      operation: (l: DStream<[string, number]>, r: DStream<[string, string]>) => l.window(2000).join(r.window(2000)),
    });
    expectBatches(output, [[], [['a', [1, 'x']]], [['b', [2, 'y']]]]);
  });

  test('count() on a window with slide 2 fires every 2 batches', async () => {
    const { output, times } = await runStreams({
      input: [[1, 2], [3], [4, 5, 6], []],
      operation: (s) => s.window(2000, 2000).count(),
    });
    expect(times).toEqual([2000, 4000]);
    expectBatches(output, [[3], [3]]);
  });
});
