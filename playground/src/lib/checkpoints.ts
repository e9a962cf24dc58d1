import type { ClockMode, Speed } from '../protocol.ts';

/**
 * The checkpoint switch's memory across reloads (localStorage): whether it is on, and the last
 * checkpointed run — its code, clock and how far it got — so the page can offer to resume it.
 * The checkpoints themselves are in IndexedDB, written by the engine in the worker.
 */
export const CHECKPOINT_DB = 'rivulet-playground';
const SWITCH_KEY = 'rivulet-playground:checkpoints';
const RUN_KEY = 'rivulet-playground:checkpointed-run';

export interface CheckpointedRun {
  code: string;
  mode: ClockMode;
  speed: Speed;
  /** The newest batch time the page saw. */
  lastBatchTime: number;
}

export function checkpointsOn(): boolean {
  return localStorage.getItem(SWITCH_KEY) === '1';
}

export function setCheckpointsOn(on: boolean): void {
  localStorage.setItem(SWITCH_KEY, on ? '1' : '0');
}

export function lastCheckpointedRun(): CheckpointedRun | undefined {
  try {
    const raw = localStorage.getItem(RUN_KEY);
    return raw ? (JSON.parse(raw) as CheckpointedRun) : undefined;
  } catch {
    return undefined;
  }
}

export function saveCheckpointedRun(run: CheckpointedRun): void {
  localStorage.setItem(RUN_KEY, JSON.stringify(run));
}

export function forgetCheckpointedRun(): void {
  localStorage.removeItem(RUN_KEY);
}
