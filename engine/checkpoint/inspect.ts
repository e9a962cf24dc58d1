/**
 * What a checkpoint holds, for people: the batch time, the metadata's fields, and each stateful
 * operator with its number of keys. Used by docs/checkpoints.md and the checkpoint CLI. Spark has
 * no counterpart (its checkpoints are Java-serialized objects).
 */
import type { Checkpoint } from './CheckpointStore.ts';

/**
 * One operator's state in a checkpoint. Spark has no counterpart: its checkpointed state is in
 * opaque RDD checkpoint files.
 *
 * @example
 * ```ts
 * import { summarizeCheckpoint, type OperatorSummary } from 'rivulet';
 * const ops: OperatorSummary[] = summarizeCheckpoint(checkpoint).operators;
 * for (const op of ops) console.log(op.id, op.kind, op.keys ?? '-');
 * ```
 */
export interface OperatorSummary {
  /** The operator's stable id (DStream.name() or derived from the graph). */
  id: string;
  /** Number of keys: entries of an array of [key, state] pairs, of a window's pairs, of a Map, or of a Set; undefined for any other value. */
  keys: number | undefined;
  /** What the state is: "pairs", "window" (a window with an inverse function: its pairs), "Map", "Set", or the kind of another value. */
  kind: string;
}

/**
 * The facts describeCheckpoint prints, as data. Spark has no counterpart (its checkpoints are
 * Java-serialized objects, not meant to be inspected).
 *
 * @example
 * ```ts
 * import { summarizeCheckpoint, type CheckpointSummary } from 'rivulet';
 * const s: CheckpointSummary = summarizeCheckpoint(checkpoint);
 * console.log(s.time, s.metadataKeys, s.totalKeys);
 * ```
 */
export interface CheckpointSummary {
  time: number;
  createdAt: number | undefined;
  metadataKeys: string[];
  operators: OperatorSummary[];
  totalKeys: number;
}

/**
 * The batch time, creation time, metadata fields and per-operator key counts of `checkpoint`.
 * Spark has no counterpart: its checkpoints are Java-serialized objects with no inspector.
 *
 * @example
 * ```ts
 * import { latestGoodCheckpoint, summarizeCheckpoint } from 'rivulet';
 * const checkpoint = await latestGoodCheckpoint(store);
 * if (checkpoint) console.log(summarizeCheckpoint(checkpoint).totalKeys);
 * ```
 */
export function summarizeCheckpoint(checkpoint: Checkpoint): CheckpointSummary {
  const operators = Object.keys(checkpoint.data).map((id) => summarizeState(id, checkpoint.data[id]));
  return {
    time: checkpoint.time,
    createdAt: checkpoint.createdAt,
    metadataKeys: Object.keys(checkpoint.metadata),
    operators,
    totalKeys: operators.reduce((sum, op) => sum + (op.keys ?? 0), 0),
  };
}

function summarizeState(id: string, state: unknown): OperatorSummary {
  if (Array.isArray(state)) return { id, keys: state.length, kind: 'pairs' };
  // A window with an inverse function: { window: pairs, batches: [[time, pairs], …] }.
  if (isWindowState(state)) return { id, keys: state.window.length, kind: 'window' };
  if (state instanceof Map) return { id, keys: state.size, kind: 'Map' };
  if (state instanceof Set) return { id, keys: state.size, kind: 'Set' };
  return { id, keys: undefined, kind: state === null ? 'null' : typeof state === 'object' ? 'object' : typeof state };
}

function isWindowState(state: unknown): state is { window: unknown[]; batches: unknown[] } {
  if (typeof state !== 'object' || state === null) return false;
  const s = state as { window?: unknown; batches?: unknown };
  return Array.isArray(s.window) && Array.isArray(s.batches);
}

/**
 * A few lines for people, e.g.
 *
 *   Checkpoint at batch time 12000 ms (created 2024-05-01T10:00:00.000Z)
 *   metadata: batchInterval, graph, pendingBatches
 *   state: 2 operators, 1,234 keys
 *     wordCounts  1,200 keys
 *     sessions       34 keys
 *
 * Spark has no counterpart: its checkpoints are Java-serialized objects with no inspector.
 *
 * @example
 * ```ts
 * import { describeCheckpoint, latestGoodCheckpoint } from 'rivulet';
 * const checkpoint = await latestGoodCheckpoint(store);
 * if (checkpoint) console.log(describeCheckpoint(checkpoint));
 * ```
 */
export function describeCheckpoint(checkpoint: Checkpoint): string {
  const s = summarizeCheckpoint(checkpoint);
  const created = s.createdAt === undefined ? '' : ` (created ${Number.isFinite(s.createdAt) ? new Date(s.createdAt).toISOString() : String(s.createdAt)})`;
  const lines = [`Checkpoint at batch time ${s.time} ms${created}`, `metadata: ${s.metadataKeys.length ? s.metadataKeys.join(', ') : '(none)'}`];
  const n = s.operators.length;
  lines.push(`state: ${n} operator${n === 1 ? '' : 's'}, ${count(s.totalKeys, 'key')}`);
  const idWidth = Math.max(0, ...s.operators.map((op) => op.id.length));
  const counts = s.operators.map((op) => (op.keys === undefined ? '' : op.keys.toLocaleString('en-US')));
  const countWidth = Math.max(0, ...counts.map((c) => c.length));
  s.operators.forEach((op, i) => {
    const what = op.keys === undefined ? `(${op.kind}, not keyed)` : `${counts[i]!.padStart(countWidth)} key${op.keys === 1 ? '' : 's'}${op.kind === 'pairs' ? '' : ` (${op.kind})`}`;
    lines.push(`  ${op.id.padEnd(idWidth)}  ${what}`);
  });
  return lines.join('\n');
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}
