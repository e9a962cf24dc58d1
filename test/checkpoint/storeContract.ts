/**
 * The behaviours every CheckpointStore must have, run against each store by its own test file
 * (fs.test.ts, indexedDB.test.ts) through a harness that can reach the raw bytes.
 */
import { describe, expect, test } from 'vitest';
import type { Checkpoint, CheckpointStore } from '../../engine/checkpoint/CheckpointStore.ts';
import { CheckpointEncodeError, CheckpointNotFoundError, CorruptCheckpointError, NoGoodCheckpointError } from '../../engine/checkpoint/errors.ts';
import { latestGoodCheckpoint } from '../../engine/checkpoint/recover.ts';

export interface StoreHarness<S extends CheckpointStore> {
  /** A new, empty store (closed after the test by the contract). */
  open(): Promise<S>;
  /** A second store on the same place, as after a restart. */
  reopen(store: S): Promise<S>;
  /** The stored bytes of the checkpoint at `time`. */
  rawBytes(store: S, time: number): Promise<Uint8Array>;
  /** Store `bytes` as the checkpoint at `time`, bypassing the codec. */
  putRawBytes(store: S, time: number, bytes: Uint8Array): Promise<void>;
  /** How the store names the checkpoint at `time` in errors. */
  sourceOf(store: S, time: number): string;
}

export function checkpointAt(time: number, extra: Record<string, unknown> = {}): Checkpoint {
  return {
    time,
    metadata: { batchInterval: 1000, pending: [time + 1000] },
    data: { counts: [['a', time], ['b', NaN], ['c', undefined]], sessions: new Map([[1n, new Date(time)]]), ...extra },
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function describeStoreContract<S extends CheckpointStore>(name: string, harness: StoreHarness<S>): void {
  const withStore = (body: (store: S) => Promise<void>) => async () => {
    const store = await harness.open();
    try {
      await body(store);
    } finally {
      await store.close();
    }
  };

  describe(`${name}: the CheckpointStore contract`, () => {
    test('an empty store lists nothing and has no checkpoint to recover', withStore(async (store) => {
      expect(await store.list()).toEqual([]);
      const warnings: string[] = [];
      expect(await latestGoodCheckpoint(store, (m) => warnings.push(m))).toBeUndefined();
      expect(warnings).toEqual([]);
    }));

    test('write then read gives back the checkpoint, also from a reopened store', withStore(async (store) => {
      const checkpoint = { ...checkpointAt(3000), createdAt: 1_700_000_000_000 };
      await store.write(checkpoint);
      expect(await store.read(3000)).toEqual(checkpoint);
      const again = await harness.reopen(store);
      try {
        expect(await again.read(3000)).toEqual(checkpoint);
      } finally {
        await again.close();
      }
    }));

    test('write takes the checkpoint as it is at the call: changing the state right after does not matter', withStore(async (store) => {
      const checkpoint = checkpointAt(1000);
      const written = store.write(checkpoint);
      (checkpoint.data.counts as unknown[][]).push(['late', 1]);
      checkpoint.metadata.batchInterval = 5;
      await written;
      expect(await store.read(1000)).toEqual(checkpointAt(1000));
    }));

    test('list is newest first, by number (not by text)', withStore(async (store) => {
      for (const time of [900, 10_000, 1000, 0, 2000]) await store.write(checkpointAt(time));
      expect(await store.list()).toEqual([10_000, 2000, 1000, 900, 0]);
    }));

    test('writing the same time again replaces the checkpoint', withStore(async (store) => {
      await store.write(checkpointAt(1000, { version: [1] }));
      await store.write(checkpointAt(1000, { version: [2] }));
      expect(await store.list()).toEqual([1000]);
      expect((await store.read(1000)).data.version).toEqual([2]);
    }));

    test('reading a time that has no checkpoint: CheckpointNotFoundError', withStore(async (store) => {
      await expect(store.read(5000)).rejects.toThrow(CheckpointNotFoundError);
      await expect(store.read(5000)).rejects.toThrow(`No checkpoint at time 5000 in ${store.location}`);
    }));

    test('delete removes one checkpoint; deleting an absent one is fine', withStore(async (store) => {
      await store.write(checkpointAt(1000));
      await store.write(checkpointAt(2000));
      await store.delete(1000);
      await store.delete(1000);
      await store.delete(7000);
      expect(await store.list()).toEqual([2000]);
    }));

    test('prune keeps the newest N and returns the times it deleted', withStore(async (store) => {
      for (const time of [1000, 2000, 3000, 4000, 5000]) await store.write(checkpointAt(time));
      expect(await store.prune(2)).toEqual([3000, 2000, 1000]);
      expect(await store.list()).toEqual([5000, 4000]);
      expect(await store.prune(5)).toEqual([]);
      expect(await store.list()).toEqual([5000, 4000]);
      await expect(store.prune(0)).rejects.toThrow(/keepLast must be a positive integer .*got 0; use delete\(time\)/);
    }));

    test('times must be batch times', withStore(async (store) => {
      await expect(store.read(-1)).rejects.toThrow(/read\(time\): a checkpoint time must be a batch time in ms/);
      await expect(store.delete(1.5)).rejects.toThrow(/delete\(time\): a checkpoint time must be/);
    }));

    test('a checkpoint that cannot be encoded is refused and nothing is stored', withStore(async (store) => {
      const write = store.write({ time: 1000, metadata: {}, data: { op: [['k', () => 1]] } });
      await expect(write).rejects.toThrow(CheckpointEncodeError);
      await expect(store.write({ time: 1000, metadata: {}, data: { op: [['k', () => 1]] } })).rejects.toThrow(/checkpoint\.data\.op\[0\]\[1\] is a function/);
      expect(await store.list()).toEqual([]);
    }));

    test('a large state (50,000 pairs) round-trips', withStore(async (store) => {
      const pairs = Array.from({ length: 50_000 }, (_, i) => [`user-${i}`, { visits: i, last: new Date(i) }]);
      await store.write({ time: 1000, metadata: {}, data: { sessions: pairs } });
      expect((await store.read(1000)).data.sessions).toEqual(pairs);
    }));

    test('a flipped byte in the newest checkpoint: recovery falls back to the previous one, with a warning naming it', withStore(async (store) => {
      for (const time of [1000, 2000, 3000]) await store.write(checkpointAt(time));
      const bytes = await harness.rawBytes(store, 3000);
      bytes[bytes.length - 20]! ^= 0x20;
      await harness.putRawBytes(store, 3000, bytes);

      await expect(store.read(3000)).rejects.toThrow(CorruptCheckpointError);
      const warnings: string[] = [];
      const recovered = await latestGoodCheckpoint(store, (message) => warnings.push(message));
      expect(recovered).toEqual(checkpointAt(2000));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        new RegExp(`^Skipping the checkpoint at time 3000: Checkpoint ${escape(harness.sourceOf(store, 3000))} is corrupt: checksum mismatch: .*Falling back to the checkpoint at time 2000\\.$`),
      );
    }));

    test('a truncated newest checkpoint (a torn write) is skipped too', withStore(async (store) => {
      await store.write(checkpointAt(1000));
      await store.write(checkpointAt(2000));
      const bytes = await harness.rawBytes(store, 2000);
      await harness.putRawBytes(store, 2000, bytes.slice(0, Math.floor(bytes.length / 2)));
      const warnings: string[] = [];
      expect(await latestGoodCheckpoint(store, (m) => warnings.push(m))).toEqual(checkpointAt(1000));
      expect(warnings[0]).toMatch(/time 2000: .* is corrupt: it is truncated: its header announces \d+ payload bytes, only \d+ are there/);
    }));

    test('the bytes of one time filed under another are corrupt', withStore(async (store) => {
      await store.write(checkpointAt(1000));
      await harness.putRawBytes(store, 2000, await harness.rawBytes(store, 1000));
      await expect(store.read(2000)).rejects.toThrow(/is corrupt: it holds the checkpoint of time 1000, not of time 2000 as filed/);
    }));

    test('all checkpoints corrupt: a clear error listing each, never an empty state', withStore(async (store) => {
      for (const time of [1000, 2000]) await store.write(checkpointAt(time));
      await harness.putRawBytes(store, 2000, new Uint8Array());
      const bytes = await harness.rawBytes(store, 1000);
      bytes[0] = 'X'.charCodeAt(0);
      await harness.putRawBytes(store, 1000, bytes);

      const warnings: string[] = [];
      const recovery = latestGoodCheckpoint(store, (m) => warnings.push(m));
      await expect(recovery).rejects.toThrow(NoGoodCheckpointError);
      const error = (await latestGoodCheckpoint(store, () => {}).then(
        () => expect.fail('recovery should have failed'),
        (e: unknown) => e,
      )) as NoGoodCheckpointError;
      expect(error.message).toContain(`None of the 2 checkpoints in ${store.location} can be read (newest first):`);
      expect(error.message).toContain(`  - Checkpoint ${harness.sourceOf(store, 2000)} is corrupt: it is empty (0 bytes)`);
      expect(error.message).toContain(`  - Checkpoint ${harness.sourceOf(store, 1000)} is corrupt: it does not start with "RVCK"`);
      expect(error.message).toMatch(/will not start from an empty or guessed state/);
      expect(error.failures).toHaveLength(2);
      expect(warnings.at(-1)).toMatch(/No older checkpoint is left\.$/);
    }));

    test('close waits for a write in progress; a closed store refuses work', async () => {
      const store = await harness.open();
      const write = store.write(checkpointAt(1000));
      await store.close();
      await write;
      await expect(store.list()).rejects.toThrow(/list: the checkpoint store in .* is closed/);
      await expect(store.write(checkpointAt(2000))).rejects.toThrow(/write: the checkpoint store in .* is closed/);
      const again = await harness.reopen(store);
      try {
        expect(await again.read(1000)).toEqual(checkpointAt(1000));
      } finally {
        await again.close();
      }
    });
  });
}
