import { describe, expect, test } from 'vitest';
import { HashPartitioner } from '../../engine/index.ts';
import { expectBatches, runStreams } from '../support/TestSuiteBase.ts';

// updateStateByKey in local mode changes the previous state in place (UpdateStateRDD); a batch
// that fails part-way must leave it exactly as it was: changed values, removed keys and new keys
// all put back. Each table: the input batches, then the states every batch outputs; the failed
// batch has none and its data is not applied (Spark's skipped batch), 2 partitions.

type KV = [string, number];

const partitioner = new HashPartitioner(2);
const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
const [p0a, p0b] = keys.filter((k) => partitioner.getPartition(k) === 0) as [string, string];
const [p1a, p1b] = keys.filter((k) => partitioner.getPartition(k) === 1) as [string, string];

/** A running sum; a value of 0 removes the key; a value of 13 throws the first time it is seen. */
function updateFailingOnce() {
  let failed = false;
  return (values: number[], state: number | undefined): number | undefined => {
    if (!failed && values.includes(13)) {
      failed = true;
      throw new Error('13 fails once');
    }
    if (values.includes(0)) return undefined;
    return values.reduce((a, b) => a + b, state ?? 0);
  };
}

describe('updateStateByKey: a batch that fails part-way is undone exactly', () => {
  test('a changed value, a removed key and a new key are put back; the next batches go on from the state before', async () => {
    // The batch at 2000 ms changes p0a, removes p0b (partition 0), adds p1b, then fails on p1a's 13 (partition 1).
    const input: KV[][] = [
      [[p0a, 1], [p0b, 1], [p1a, 1]],
      [[p0a, 5], [p0b, 0], [p1b, 7], [p1a, 13]],
      [[p0a, 2], [p1a, 2]],
      [[p1b, 3]],
    ];
    const { output, times } = await runStreams({ input, context: { skipFailedBatches: true }, operation: (s) => s.updateStateByKey(updateFailingOnce()) });
    expect(times).toEqual([1000, 3000, 4000]);
    expectBatches(output, [
      [[p0a, 1], [p0b, 1], [p1a, 1]],
      [[p0a, 3], [p0b, 1], [p1a, 3]],
      [[p0a, 3], [p0b, 1], [p1a, 3], [p1b, 3]],
    ]);
  });

  test('the same with an initial state, the first batch failing', async () => {
    const input: KV[][] = [
      [[p0a, 5], [p0b, 0], [p1b, 7], [p1a, 13]],
      [[p0a, 2]],
    ];
    const { output, times } = await runStreams({
      input,
      context: { skipFailedBatches: true },
      operation: (s) => s.updateStateByKey(updateFailingOnce(), { initialState: [[p0a, 10], [p0b, 20], [p1a, 30]] as KV[] }),
    });
    expect(times).toEqual([2000]);
    expectBatches(output, [[[p0a, 12], [p0b, 20], [p1a, 30]]]);
  });

  test('an output failing after the state was made undoes it too (as a failed batch)', async () => {
    const input: KV[][] = [[[p0a, 1], [p1a, 1]], [[p0a, 1], [p1b, 1]], [[p0a, 1]]];
    const { output, times } = await runStreams({
      input,
      context: { skipFailedBatches: true },
      operation: (s) => {
        const state = s.updateStateByKey<string, number, number>((values, st) => values.reduce((a, b) => a + b, st ?? 0));
        state.foreachRDD((_rdd, time) => { if (time === 2000) throw new Error('sink down'); });
        return state;
      },
    });
    expect(times).toEqual([1000, 2000, 3000]);
    expectBatches(output, [[[p0a, 1], [p1a, 1]], [[p0a, 2], [p1a, 1], [p1b, 1]], [[p0a, 2], [p1a, 1]]]);
  });
});
