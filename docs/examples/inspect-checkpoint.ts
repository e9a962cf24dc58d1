/**
 * Look inside a checkpoint directory (docs/checkpoints.md, "Inspecting a checkpoint"):
 *
 *   npx tsx docs/examples/inspect-checkpoint.ts <directory> [<batch time in ms>]
 *
 * Lists the checkpoints, newest first, each verified (a corrupt one says what is wrong with it),
 * and the write-ahead log's records; then describes the newest good checkpoint (or the one at the
 * time given): its batch grid, pending batches, each input's position and each stateful
 * operator's state, with its first entries. Exits 1 when the directory holds checkpoints but none
 * can be read (recovery would refuse them too).
 */
import { pathToFileURL } from 'node:url';
import { CorruptCheckpointError, FileSystemCheckpointStore, describeCheckpoint, type Checkpoint, type CheckpointMetadata } from 'rivulet';

const SHOWN_ENTRIES = 3;

/** The report for `directory`, as text; `ok` is false when no checkpoint can be read. */
export async function inspectCheckpointDirectory(directory: string, time?: number): Promise<{ text: string; ok: boolean }> {
  const store = new FileSystemCheckpointStore(directory);
  const log = store.writeAheadLog();
  const lines: string[] = [];
  try {
    const times = await store.list();
    if (times.length === 0) return { text: `No checkpoints in ${directory}.`, ok: true };
    lines.push(`Checkpoints in ${directory} (newest first):`);
    const good = new Map<number, Checkpoint>();
    const width = Math.max(...times.map((t) => String(t).length));
    for (const t of times) {
      try {
        const checkpoint = await store.read(t);
        good.set(t, checkpoint);
        const meta = checkpoint.metadata as unknown as CheckpointMetadata;
        const states = Object.keys(checkpoint.data).length;
        const pending = meta.pendingBatches.length;
        const what = meta.initial ? 'initial (before the first batch)' : `${states} operator state${states === 1 ? '' : 's'}, ${pending} pending batch${pending === 1 ? '' : 'es'}`;
        lines.push(`  ${String(t).padStart(width)} ms  ok       ${what}`);
      } catch (e) {
        if (!(e instanceof CorruptCheckpointError)) throw e;
        lines.push(`  ${String(t).padStart(width)} ms  CORRUPT  ${e.reason}`);
      }
    }
    const logTimes = (await log.list()).sort((a, b) => a - b);
    lines.push(
      logTimes.length === 0
        ? 'Write-ahead log: empty'
        : `Write-ahead log: ${logTimes.length} batch record${logTimes.length === 1 ? '' : 's'}, ${logTimes[0]} … ${logTimes[logTimes.length - 1]} ms`,
    );
    const chosen = time === undefined ? good.get(times.find((t) => good.has(t)) ?? -1) : good.get(time);
    if (!chosen) {
      lines.push('', time === undefined ? 'None of them can be read: recovery from this directory fails.' : `No readable checkpoint at ${time} ms.`);
      return { text: lines.join('\n'), ok: false };
    }
    lines.push('', describeCheckpoint(chosen), ...describeMetadata(chosen));
    return { text: lines.join('\n'), ok: true };
  } finally {
    await log.close();
    await store.close();
  }
}

function describeMetadata(checkpoint: Checkpoint): string[] {
  const meta = checkpoint.metadata as unknown as CheckpointMetadata;
  const pending = meta.pendingBatches.length === 0 ? 'none' : meta.pendingBatches.map((t) => `${t}`).join(', ') + ' ms';
  const out = [
    `batch grid: zero time ${meta.zeroTime} ms, every ${meta.batchInterval} ms; last completed batch: ${meta.lastCompletedBatchTime ?? 'none'}${meta.lastCompletedBatchTime === null ? '' : ' ms'}; pending: ${pending}`,
    'inputs:',
  ];
  const inputs = Object.entries(meta.inputs);
  const inputWidth = Math.max(0, ...inputs.map(([id]) => id.length));
  for (const [id, input] of inputs) out.push(`  ${id.padEnd(inputWidth)}  ${input.operation}, position ${JSON.stringify(input.position)}`);
  out.push('operators:');
  const operators = Object.entries(meta.operators);
  const opWidth = Math.max(0, ...operators.map(([id]) => id.length));
  for (const [id, op] of operators) {
    const state = checkpoint.data[id];
    const at = op.time === null ? 'no state yet' : `state at ${op.time} ms`;
    out.push(`  ${id.padEnd(opWidth)}  ${op.operation}, ${at}${state === undefined ? '' : `: ${firstEntries(state)}`}`);
  }
  return out;
}

/** The first few entries of a state, in the shape it is saved (see docs/checkpoints.md, "What is saved"). */
function firstEntries(state: unknown): string {
  const pairs = Array.isArray(state) ? state : (state as { window?: unknown[] }).window;
  if (!Array.isArray(pairs)) return JSON.stringify(state);
  const shown = pairs.slice(0, SHOWN_ENTRIES).map((e) => JSON.stringify(e));
  return `${shown.join(' ')}${pairs.length > SHOWN_ENTRIES ? ` … (${pairs.length} in all)` : ''}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [directory, time] = process.argv.slice(2);
  if (!directory || (time !== undefined && !/^\d+$/.test(time))) {
    console.error('usage: npx tsx docs/examples/inspect-checkpoint.ts <checkpoint directory> [<batch time in ms>]');
    process.exit(2);
  }
  const { text, ok } = await inspectCheckpointDirectory(directory, time === undefined ? undefined : Number(time));
  console.log(text);
  process.exit(ok ? 0 : 1);
}
