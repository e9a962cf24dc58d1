/**
 * The context's side of a checkpoint location's lock (CheckpointStore.lock): taken before the
 * context reads or writes the location, released at stop(). Only the driver takes it: an
 * executor never opens the checkpoint store.
 *
 * When: in getOrCreate, before the checkpoint is read — a second process must not restore a state
 * that a running one is about to change, nor read files it is replacing; and in start(), for a
 * context given checkpoint() and started without getOrCreate (start() is synchronous, so the
 * lock is taken in the background and the initial checkpoint, which every batch waits for, waits
 * for it). Not in checkpoint(): it is synchronous, it is also called inside createContext, whose
 * location getOrCreate replaces, and a context given a location may never start.
 */
import type { CheckpointLock, CheckpointStore } from '../checkpoint/CheckpointStore.ts';

/** Take `store`'s lock; undefined for a store that has none (a custom store without lock()). */
export async function takeCheckpointLock(store: CheckpointStore): Promise<CheckpointLock | undefined> {
  return typeof store.lock === 'function' ? store.lock() : undefined;
}

/** Release a lock being taken or taken; nothing when it was refused. */
export async function releaseCheckpointLock(lock: Promise<CheckpointLock | undefined> | undefined): Promise<void> {
  const held = await lock?.catch(() => undefined);
  await held?.release();
}
