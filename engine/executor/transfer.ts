import { columnarTransferables, decodeColumnar, encodeColumnar, isColumnar, type ColumnarPartition } from './columnar.ts';
import type { FromWorker, InputBlock, ResultKind, RunTask, ShuffleInput } from './protocol.ts';

/**
 * The one place where partitions cross a thread: every message to or from a worker goes through
 * `packTask`/`packReply` before it is posted and `unpackTask`/`unpackReply` when it arrives. A
 * partition the rule below picks travels columnar (columnar.ts), its typed arrays moved with the
 * transfer list each pack function returns (for Comlink.transfer, or structuredClone's `transfer`);
 * any other travels as the structured clone postMessage makes.
 * The rest of the executor only ever sees arrays of records.
 *
 * Partitions are the input blocks and relayed shuffle blocks of a task, the records a task
 * returns (collect, take, reduce, the sort sample) and the buckets of a shuffle's map side when
 * they are relayed, and the blocks a worker serves from its store to another worker or to the
 * driver (`packBlocks`/`unpackBlocks`: BlockManager.ts, worker.ts, WorkerPool.fetchBlocks). On the
 * wire each is an array (cloned) or a ColumnarPartition (an object, never an array).
 */

/**
 * Columnar pays from about a hundred records up (`npm run bench`, the partition transfer table):
 * below that, encoding and setting up typed arrays cost more than cloning a few records. A
 * partition of lone strings (lines of text, JSON records) is cloned: a clone copies a string about
 * as fast as memcpy, while the string table hashes and joins every one of them (5-7x slower).
 */
export const MIN_COLUMNAR_RECORDS = 100;

/** Whether `records` should travel columnar: enough of them, and a shape columnar.ts encodes. */
export function prefersColumnar(records: readonly unknown[]): boolean {
  return encodeFor(records) !== undefined;
}

function encodeFor(records: readonly unknown[]): ColumnarPartition | undefined {
  if (records.length < MIN_COLUMNAR_RECORDS || typeof records[0] === 'string') return undefined;
  const encoded = encodeColumnar(records);
  if (encoded && encoded.shape === 'values' && encoded.ends.length > 0) return undefined;
  return encoded;
}

type Wire = readonly unknown[] | ColumnarPartition;

/** A message ready to post, and the buffers to move with it (its transfer list). */
export type Packed<T> = [message: T, transfer: ArrayBuffer[]];

/** Encodes partitions and collects the buffers they move. */
class Packer {
  readonly transfer: ArrayBuffer[] = [];

  partition(records: readonly unknown[]): Wire {
    const encoded = encodeFor(records);
    if (!encoded) return records;
    for (const b of columnarTransferables(encoded)) this.transfer.push(b);
    return encoded;
  }

  block(b: InputBlock): InputBlock {
    return { ...b, records: this.partition(b.records) as unknown[] };
  }

  done<T>(message: T): Packed<T> {
    return [message, this.transfer];
  }
}

function unwire(p: Wire): unknown[] {
  return isColumnar(p) ? decodeColumnar(p) : (p as unknown[]);
}

const unblock = (b: InputBlock): InputBlock => ({ ...b, records: unwire(b.records as Wire) });

/** A task as it is posted: its input and shuffle blocks encoded where that is cheaper. */
export function packTask(task: RunTask): Packed<RunTask> {
  const p = new Packer();
  // A shuffle block is its records (relayed by the driver) or where it is (a BlockLocation, fetched by the worker).
  const shuffleInputs: ShuffleInput[] = task.shuffleInputs.map((s) => ({ ...s, blocks: s.blocks.map((b) => (Array.isArray(b) ? (p.partition(b) as unknown[]) : b)) }));
  return p.done({ ...task, inputs: task.inputs.map((b) => p.block(b)), shuffleInputs });
}

/** A task as the worker received it, with every partition an array again. */
export function unpackTask(task: RunTask): RunTask {
  return {
    ...task,
    inputs: task.inputs.map(unblock),
    shuffleInputs: task.shuffleInputs.map((s) => ({ ...s, blocks: s.blocks.map((b) => (Array.isArray(b) || isColumnar(b as Wire) ? unwire(b as Wire) : b)) })),
  };
}

/** Where a task's result holds partitions: one (records), many (a shuffle's buckets) or none. */
function resultPartitions(result: ResultKind): 'one' | 'many' | 'none' {
  switch (result.kind) {
    case 'collect':
    case 'take':
    case 'reduce':
    case 'sampleKeys':
      return 'one';
    case 'shuffleMap':
      return 'many';
    default:
      return 'none';
  }
}

/** Blocks a worker serves to a peer or to the driver (null: not in its store), as they are posted. */
export function packBlocks(blocks: readonly (readonly unknown[] | null)[]): Packed<(readonly unknown[] | null)[]> {
  const p = new Packer();
  return p.done(blocks.map((b) => (b === null ? null : (p.partition(b) as unknown[]))));
}

/** Served blocks as they arrived, every partition an array again. */
export function unpackBlocks(blocks: readonly (readonly unknown[] | null)[]): (unknown[] | null)[] {
  return blocks.map((b) => (b === null ? null : unwire(b as Wire)));
}

/** A worker's reply to a task of kind `result`, as it is posted. */
export function packReply(reply: FromWorker, result: ResultKind): Packed<FromWorker> {
  if (reply.kind !== 'taskResult') return [reply, []];
  const p = new Packer();
  const where = resultPartitions(result);
  // A shuffle map task answers with its buckets (relayed) or with a MapStatus (kept in its worker).
  const value = where === 'one' ? p.partition(reply.value as unknown[]) : where === 'many' && Array.isArray(reply.value) ? (reply.value as unknown[][]).map((b) => p.partition(b)) : reply.value;
  return p.done({ ...reply, value });
}

/** The reply as the driver received it, with every partition an array again. */
export function unpackReply(reply: FromWorker, result: ResultKind): FromWorker {
  if (reply.kind !== 'taskResult') return reply;
  const where = resultPartitions(result);
  const value = where === 'one' ? unwire(reply.value as Wire) : where === 'many' && Array.isArray(reply.value) ? (reply.value as Wire[]).map(unwire) : reply.value;
  return { ...reply, value };
}
