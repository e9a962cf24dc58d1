import { InvalidArgumentError } from '../util/errors.ts';
/**
 * The one format of a checkpoint, shared by every store (Spark serializes its Checkpoint object
 * with Java serialization and a compression codec, with no checksum). Format version 1:
 *
 *   RVCK 1 <payload length in bytes> <CRC-32 of the payload, 8 hex digits>\n
 *   <payload>
 *
 * The header is ASCII, so `head -1 checkpoint-1000.rvck` shows it. The payload is UTF-8 JSON
 * lines, each ending in "\n", with values in taggedJson.ts's encoding:
 *
 *   {"time":1000,"createdAt":…,"metadata":{…}}      line 1: everything but the state
 *   {"op":"counts","items":[["a",1],["b",2],…]}     up to 4,096 elements of an array state
 *   {"op":"counts","items":[…]}                      …continued: items are appended
 *   {"op":"config","value":…}                        a state that is not an array
 *
 * Splitting large states into lines keeps every JSON string far below the engine's maximum
 * string length and lets the payload be built and checked piece by piece. Reading checks, in
 * order: not empty, the magic, the header's shape, the version, the length (truncation or extra
 * bytes), the checksum, then the lines; any failure is a CorruptCheckpointError saying which.
 */
import type { Checkpoint } from './CheckpointStore.ts';
import { requireCheckpointTime } from './CheckpointStore.ts';
import { crc32 } from './crc32.ts';
import { CheckpointEncodeError, CorruptCheckpointError } from './errors.ts';
import { decodeValue, describeUnencodable, encodeValue, keySegment, setOwn, TAG, UnencodableValue, MalformedValue } from './taggedJson.ts';

/**
 * The format version this code writes and the only one it reads. Spark has no counterpart: its
 * checkpoints are Java-serialized objects with no format version of their own.
 *
 * @example
 * ```ts
 * import { CHECKPOINT_FORMAT_VERSION } from 'rivulet';
 * console.log(`this Rivulet reads checkpoints of format ${CHECKPOINT_FORMAT_VERSION}`);
 * ```
 */
export const CHECKPOINT_FORMAT_VERSION = 1;
/**
 * The first bytes of every checkpoint. Spark has no counterpart: its checkpoint files start with
 * whatever the compression codec and Java serialization write.
 *
 * @example
 * ```ts
 * import { CHECKPOINT_MAGIC } from 'rivulet';
 * const isRivulet = new TextDecoder().decode(bytes.subarray(0, 4)) === CHECKPOINT_MAGIC;
 * ```
 */
export const CHECKPOINT_MAGIC = 'RVCK';
/** Elements of an array state per payload line. */
export const ITEMS_PER_LINE = 4096;

const HEADER_MAX = 64;
/** Where a tagged value starts in the JSON text (see taggedJson.ts); a line without it needs no decoding walk. */
const TAGGED_VALUE_START = `{"${TAG}":`;
const NEWLINE = 0x0a;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes of `checkpoint` in format version 1. Throws CheckpointEncodeError naming the path of a
 * value that cannot be kept (a function, a symbol, a class instance, a cycle). The result owns its
 * whole buffer (offset 0), so a store can hand it on without copying more than it.
 * Spark: serializing a `org.apache.spark.streaming.Checkpoint` (`Checkpoint.serialize`).
 *
 * @example
 * ```ts
 * import { encodeCheckpoint } from 'rivulet';
 * const bytes = encodeCheckpoint({ time: 1000, metadata: {}, data: { counts: [['a', 1]] } });
 * ```
 */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array<ArrayBuffer> {
  requireShape(checkpoint);
  const { time } = checkpoint;
  const parts: Uint8Array[] = [];
  let length = 0;
  let crc = 0;
  const line = (tree: unknown) => {
    const bytes = utf8.encode(JSON.stringify(tree) + '\n');
    parts.push(bytes);
    length += bytes.length;
    crc = crc32(bytes, crc);
  };
  const encode = (value: unknown, path: string) => {
    try {
      return encodeValue(value);
    } catch (e) {
      throw encodeError(e, time, path);
    }
  };

  const head: Record<string, unknown> = { time };
  if ('createdAt' in checkpoint) head.createdAt = encode(checkpoint.createdAt, 'checkpoint.createdAt');
  head.metadata = encode(checkpoint.metadata, 'checkpoint.metadata');
  line(head);

  for (const op of Object.keys(checkpoint.data)) {
    const state = checkpoint.data[op];
    const path = `checkpoint.data${keySegment(op)}`;
    if (!Array.isArray(state)) {
      line({ op, value: encode(state, path) });
      continue;
    }
    for (let start = 0; start === 0 || start < state.length; start += ITEMS_PER_LINE) {
      const items = new Array(Math.min(ITEMS_PER_LINE, state.length - start));
      let i = 0;
      try {
        for (; i < items.length; i++) items[i] = encodeValue(state[start + i]);
      } catch (e) {
        throw encodeError(e, time, `${path}[${start + i}]`);
      }
      line({ op, items });
    }
  }

  const header = utf8.encode(`${CHECKPOINT_MAGIC} ${CHECKPOINT_FORMAT_VERSION} ${length} ${crc.toString(16).padStart(8, '0')}\n`);
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let offset = header.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The checkpoint in `bytes`, after checking them all. `source` names where they came from (a
 * file path, a database key) in errors; `expectedTime`, when given, is the time the store files it
 * under, and a checkpoint of another time is reported as corrupt too.
 * Spark: `Checkpoint.deserialize` (as used by `CheckpointReader.read`).
 *
 * @example
 * ```ts
 * import { decodeCheckpoint, encodeCheckpoint } from 'rivulet';
 * const bytes = encodeCheckpoint({ time: 1000, metadata: {}, data: {} });
 * const checkpoint = decodeCheckpoint(bytes, 'checkpoint-1000.rvck', 1000);
 * ```
 */
export function decodeCheckpoint(bytes: Uint8Array, source: string, expectedTime?: number): Checkpoint {
  const corrupt = (reason: string, cause?: unknown) => new CorruptCheckpointError(source, reason, expectedTime, { cause });
  if (bytes.length === 0) throw corrupt('it is empty (0 bytes): it was never completely written');

  const magic = utf8.encode(`${CHECKPOINT_MAGIC} `);
  for (let i = 0; i < magic.length && i < bytes.length; i++) {
    if (bytes[i] !== magic[i]) throw corrupt(`it does not start with "${CHECKPOINT_MAGIC}", so it is not a Rivulet checkpoint (it starts with ${preview(bytes)})`);
  }
  const end = bytes.subarray(0, HEADER_MAX).indexOf(NEWLINE);
  if (end < 0) {
    throw corrupt(bytes.length < HEADER_MAX ? `it is truncated inside its header (${bytes.length} bytes in all)` : `its header is damaged: ${preview(bytes)}`);
  }
  const headerText = new TextDecoder().decode(bytes.subarray(0, end));
  const header = /^RVCK (\d{1,9}) (\d{1,15}) ([0-9a-f]{8})$/.exec(headerText);
  if (!header) throw corrupt(`its header is damaged: ${JSON.stringify(headerText)}`);
  const version = Number(header[1]);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    throw corrupt(
      version > CHECKPOINT_FORMAT_VERSION
        ? `it is in format version ${version}, newer than this Rivulet reads (${CHECKPOINT_FORMAT_VERSION}): read it with the Rivulet that wrote it, or a newer one`
        : `it claims format version ${version}, which never existed (this Rivulet reads ${CHECKPOINT_FORMAT_VERSION})`,
    );
  }
  const length = Number(header[2]);
  const payload = bytes.subarray(end + 1);
  if (payload.length < length) throw corrupt(`it is truncated: its header announces ${length} payload bytes, only ${payload.length} are there`);
  if (payload.length > length) throw corrupt(`it has ${payload.length - length} unexpected bytes after the ${length} payload bytes its header announces`);
  const expected = header[3]!;
  const actual = crc32(payload).toString(16).padStart(8, '0');
  if (actual !== expected) throw corrupt(`checksum mismatch: its header says CRC-32 ${expected}, its payload's is ${actual} (its bytes changed after it was written)`);

  let checkpoint: Checkpoint;
  try {
    checkpoint = decodePayload(payload);
  } catch (e) {
    throw corrupt(`its payload is malformed although its checksum matches (a faulty writer?): ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (expectedTime !== undefined && checkpoint.time !== expectedTime) {
    throw corrupt(`it holds the checkpoint of time ${checkpoint.time}, not of time ${expectedTime} as filed`);
  }
  return checkpoint;
}

const untouched = (tree: unknown) => tree;

function decodePayload(payload: Uint8Array): Checkpoint {
  const data = new Map<string, unknown>();
  let head: Record<string, unknown> | undefined;
  for (let start = 0, n = 1; start < payload.length; n++) {
    const end = payload.indexOf(NEWLINE, start);
    if (end < 0) throw new MalformedValue(`line ${n} does not end with a newline`);
    let tree: unknown;
    let tagged: boolean;
    try {
      const text = utf8Strict.decode(payload.subarray(start, end));
      tagged = text.includes(TAGGED_VALUE_START);
      tree = JSON.parse(text);
    } catch (e) {
      throw new MalformedValue(`line ${n} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    start = end + 1;
    if (!isPlainRecord(tree)) throw new MalformedValue(`line ${n} is not a JSON object`);
    const decode = tagged ? decodeValue : untouched;
    if (!head) {
      head = { time: tree.time, metadata: decode(tree.metadata) };
      if ('createdAt' in tree) head.createdAt = decode(tree.createdAt);
      continue;
    }
    const { op } = tree;
    if (typeof op !== 'string') throw new MalformedValue(`line ${n} names no operator ("op")`);
    if (Array.isArray(tree.items)) {
      const items = decode(tree.items) as unknown[];
      const previous = data.get(op);
      if (!data.has(op)) data.set(op, items);
      else if (Array.isArray(previous)) for (const item of items) previous.push(item);
      else throw new MalformedValue(`line ${n} continues the state of ${JSON.stringify(op)}, which is not an array`);
    } else if ('value' in tree) {
      if (data.has(op)) throw new MalformedValue(`line ${n} repeats the state of ${JSON.stringify(op)}`);
      data.set(op, decode(tree.value));
    } else {
      throw new MalformedValue(`line ${n} has neither "items" nor "value"`);
    }
  }
  if (!head) throw new MalformedValue('it has no lines');
  const time = head.time;
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) throw new MalformedValue(`line 1 has no valid "time" (${JSON.stringify(time)})`);
  const metadata = head.metadata;
  if (!isPlainRecord(metadata)) throw new MalformedValue('line 1 has no "metadata" object');
  const checkpoint: Checkpoint = { time, metadata, data: {} };
  if ('createdAt' in head) checkpoint.createdAt = head.createdAt as number;
  for (const [op, state] of data) setOwn(checkpoint.data, op, state);
  return checkpoint;
}

function requireShape(checkpoint: Checkpoint): void {
  if (typeof checkpoint !== 'object' || checkpoint === null) throw new InvalidArgumentError(`write(checkpoint): expected { time, metadata, data }, got ${String(checkpoint)}`);
  requireCheckpointTime(checkpoint.time, 'write(checkpoint)');
  if (!isPlainRecord(checkpoint.metadata)) throw new InvalidArgumentError(`write(checkpoint): checkpoint.metadata must be a plain object (checkpoint at time ${checkpoint.time})`);
  if (!isPlainRecord(checkpoint.data)) throw new InvalidArgumentError(`write(checkpoint): checkpoint.data must be a plain object of state per operator id (checkpoint at time ${checkpoint.time})`);
  if (checkpoint.createdAt !== undefined && typeof checkpoint.createdAt !== 'number') {
    throw new InvalidArgumentError(`write(checkpoint): checkpoint.createdAt must be a number of ms when given (checkpoint at time ${checkpoint.time})`);
  }
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function encodeError(e: unknown, time: number, root: string): unknown {
  if (!(e instanceof UnencodableValue)) return e;
  const { path, reason } = describeUnencodable(e, root);
  return new CheckpointEncodeError(time, path, reason);
}

/** The first bytes, printable, for an error message. */
function preview(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 16), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return JSON.stringify(head + (bytes.length > 16 ? '…' : ''));
}
