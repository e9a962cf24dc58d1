import { describe, expect, test } from 'vitest';
import type { Checkpoint, CheckpointStore } from '../../engine/checkpoint/CheckpointStore.ts';
import { CheckpointNotFoundError, CorruptCheckpointError } from '../../engine/checkpoint/errors.ts';
import { latestGoodCheckpoint } from '../../engine/checkpoint/recover.ts';

/** A store whose read() answers from a table: a checkpoint or an error per time. */
function storeOf(entries: [number, Checkpoint | Error][]): CheckpointStore & { reads: number[] } {
  const reads: number[] = [];
  return {
    location: 'table',
    reads,
    list: async () => entries.map(([t]) => t).sort((a, b) => b - a),
    read: async (time) => {
      reads.push(time);
      const found = entries.find(([t]) => t === time)?.[1];
      if (found instanceof Error) throw found;
      if (!found) throw new CheckpointNotFoundError('table', time);
      return found;
    },
    write: async () => {},
    delete: async () => {},
    prune: async () => [],
    close: async () => {},
  };
}
const cp = (time: number): Checkpoint => ({ time, metadata: {}, data: {} });

describe('latestGoodCheckpoint', () => {
  test('reads newest first and stops at the first good one', async () => {
    const store = storeOf([[1000, cp(1000)], [3000, cp(3000)], [2000, cp(2000)]]);
    expect(await latestGoodCheckpoint(store, () => expect.fail('no warning expected'))).toEqual(cp(3000));
    expect(store.reads).toEqual([3000]);
  });

  test('an error that is not about the checkpoint (the disk, permissions) is not a reason to fall back', async () => {
    const io = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    const store = storeOf([[1000, cp(1000)], [2000, io]]);
    await expect(latestGoodCheckpoint(store, () => {})).rejects.toBe(io);
  });

  test('a checkpoint deleted between list and read is skipped with a warning', async () => {
    const store = storeOf([[1000, cp(1000)]]);
    const list = store.list;
    store.list = async () => [2000, ...(await list())];
    const warnings: [string, Error][] = [];
    expect(await latestGoodCheckpoint(store, (m, e) => warnings.push([m, e]))).toEqual(cp(1000));
    expect(warnings[0]![0]).toBe('Skipping the checkpoint at time 2000: No checkpoint at time 2000 in table. Falling back to the checkpoint at time 1000.');
    expect(warnings[0]![1]).toBeInstanceOf(CheckpointNotFoundError);
  });

  test('several bad ones in a row are each reported, in order', async () => {
    const store = storeOf([
      [1000, cp(1000)],
      [2000, new CorruptCheckpointError('b', 'it is empty (0 bytes): it was never completely written', 2000)],
      [3000, new CorruptCheckpointError('c', 'checksum mismatch', 3000)],
    ]);
    const warnings: string[] = [];
    expect(await latestGoodCheckpoint(store, (m) => warnings.push(m))).toEqual(cp(1000));
    expect(warnings).toEqual([
      'Skipping the checkpoint at time 3000: Checkpoint c is corrupt: checksum mismatch. Falling back to the checkpoint at time 2000.',
      'Skipping the checkpoint at time 2000: Checkpoint b is corrupt: it is empty (0 bytes): it was never completely written. Falling back to the checkpoint at time 1000.',
    ]);
  });
});
