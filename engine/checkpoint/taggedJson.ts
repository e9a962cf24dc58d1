import { RivuletError } from '../util/errors.ts';
/**
 * Values ↔ JSON trees, keeping what structured clone keeps and a restored state needs: undefined
 * (also in arrays and as a property value), NaN, ±Infinity, -0, bigint, Date, RegExp, Map, Set,
 * ArrayBuffer, typed arrays and DataView, nested in arrays and plain objects.
 *
 * Strings, booleans, null, finite numbers, arrays and plain objects are themselves. Everything
 * else becomes an object with a `"~"` key naming its type:
 *
 *   {"~":"u"}                          undefined (array holes too)
 *   {"~":"n","v":"NaN"}                NaN, "Infinity", "-Infinity", "-0"
 *   {"~":"b","v":"123"}                bigint, in decimal
 *   {"~":"d","v":1700000000000}        Date (ms since the epoch; null for an invalid Date)
 *   {"~":"r","v":["a+","gi"]}          RegExp (source, flags)
 *   {"~":"m","v":[[k,v],…]}            Map, entries in order
 *   {"~":"s","v":[x,…]}                Set, elements in order
 *   {"~":"a","v":"<base64>"}           ArrayBuffer
 *   {"~":"t","c":"Float64Array","v":"<base64>"}  typed array or DataView: its bytes, little-endian
 *   {"~":"o","v":[[key,v],…]}          a plain object that has a "~" key of its own (escaped)
 *
 * Encoding copies only the containers that hold a tagged value somewhere inside; the rest of the
 * tree is the caller's own objects, read once by JSON.stringify. A tagged object always has "~" as
 * its first key, so the text `{"~":` occurs in the JSON exactly where a tagged value starts (a
 * quote inside a string is escaped): decoders may skip the walk over JSON without it.
 *
 * Unlike structured clone, an object reached twice is written twice (restored as two copies), and
 * a cycle, a function, a symbol or a class instance (whose class would be lost) is refused with
 * the path of the offending value.
 */

import { base64ToBytes, bytesToBase64 } from './base64.ts';

/** The key that marks a tagged value. */
export const TAG = '~';

/** Deeper than this is refused: the value is probably cyclic, and decoding recurses as deep. */
export const MAX_DEPTH = 1000;

/** Why a value cannot be encoded, and where: `segments` lead from the encoded root to it. */
export class UnencodableValue extends RivuletError {
  static override get code(): string {
    return 'RIVULET_UNENCODABLE_VALUE';
  }
  override name = 'UnencodableValue';
  segments: string[] = [];
  constructor(
    readonly reason: string,
    readonly tooDeep = false,
    /** For a cycle: the path of the container that the value refers back to. */
    readonly cycleTo?: string[],
  ) {
    super(reason);
  }
}

/** A tagged value that cannot be decoded (the payload passed its checksum, so the writer was wrong). */
export class MalformedValue extends RivuletError {
  static override get code(): string {
    return 'RIVULET_MALFORMED_VALUE';
  }
  override name = 'MalformedValue';
}

const UNDEFINED = Object.freeze({ [TAG]: 'u' });

const VIEW_KINDS = new Set([
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'DataView',
]);

/** The JSON tree of `value`; throws UnencodableValue (with the path inside `value`) when it holds something a checkpoint cannot keep. */
export function encodeValue(value: unknown): unknown {
  try {
    return enc(value, 0);
  } catch (e) {
    if (e instanceof UnencodableValue && e.tooDeep) {
      const cycle = findCycle(value, []);
      if (cycle) {
        const error = new UnencodableValue('refers back to one of its own containers (a cycle)', false, cycle.target);
        error.segments = cycle.at;
        throw error;
      }
    }
    throw e;
  }
}

/** Format the path of an UnencodableValue under `root`, and its reason. */
export function describeUnencodable(e: UnencodableValue, root: string): { path: string; reason: string } {
  const segments = e.segments.length > 24 ? [...e.segments.slice(0, 12), '…', ...e.segments.slice(-6)] : e.segments;
  const reason = e.cycleTo ? `${e.reason}: it is ${root}${e.cycleTo.join('')} again` : e.reason;
  return { path: root + segments.join(''), reason };
}

function enc(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (Number.isFinite(v) && !Object.is(v, -0)) return v;
      return { [TAG]: 'n', v: Object.is(v, -0) ? '-0' : String(v) };
    case 'undefined':
      return UNDEFINED;
    case 'bigint':
      return { [TAG]: 'b', v: v.toString() };
    case 'object':
      return v === null ? null : encObject(v, depth);
    default:
      throw new UnencodableValue(`is a ${typeof v}`);
  }
}

function encObject(v: object, depth: number): unknown {
  if (depth >= MAX_DEPTH) throw new UnencodableValue(`is nested more than ${MAX_DEPTH} levels deep`, true);
  const d = depth + 1;
  if (Array.isArray(v)) {
    // Copy on write: an array that needs no tag anywhere inside is returned as it is.
    let out: unknown[] | undefined;
    let i = 0;
    try {
      for (; i < v.length; i++) {
        const x = v[i];
        const e = enc(x, d);
        if (out) out[i] = e;
        else if (e !== x) {
          out = v.slice(0, i);
          out[i] = e;
        }
      }
    } catch (e) {
      throw within(e, `[${i}]`);
    }
    return out ?? v;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return encPlainObject(v as Record<string, unknown>, d);
  if (v instanceof Map) {
    const out: unknown[] = [];
    let i = 0;
    for (const [key, value] of v) {
      let k: unknown;
      try {
        k = enc(key, d);
      } catch (e) {
        throw within(e, `<key #${i} of a Map>`);
      }
      try {
        out.push([k, enc(value, d)]);
      } catch (e) {
        throw within(e, `.get(${previewKey(key)})`);
      }
      i++;
    }
    return { [TAG]: 'm', v: out };
  }
  if (v instanceof Set) {
    const out: unknown[] = [];
    for (const element of v) {
      try {
        out.push(enc(element, d));
      } catch (e) {
        throw within(e, `<element #${out.length} of a Set>`);
      }
    }
    return { [TAG]: 's', v: out };
  }
  if (v instanceof Date) {
    const t = v.getTime();
    return { [TAG]: 'd', v: Number.isNaN(t) ? null : t };
  }
  if (v instanceof RegExp) return { [TAG]: 'r', v: [v.source, v.flags] };
  if (v instanceof ArrayBuffer) return { [TAG]: 'a', v: bytesToBase64(new Uint8Array(v)) };
  if (ArrayBuffer.isView(v)) {
    const kind = Object.prototype.toString.call(v).slice(8, -1);
    if (VIEW_KINDS.has(kind)) {
      requireLittleEndian(kind);
      return { [TAG]: 't', c: kind, v: bytesToBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    }
  }
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  throw new UnencodableValue(`is ${typeof name === 'string' && name ? `a ${name}` : 'an object with a custom prototype'}, whose class would be lost on recovery (keep its fields in a plain object)`);
}

function encPlainObject(v: Record<string, unknown>, d: number): unknown {
  const keys = Object.keys(v);
  if (Object.hasOwn(v, TAG)) {
    const entries: unknown[] = [];
    for (const k of keys) {
      try {
        entries.push([k, enc(v[k], d)]);
      } catch (e) {
        throw within(e, keySegment(k));
      }
    }
    return { [TAG]: 'o', v: entries };
  }
  // Copy on write, as for arrays: JSON.stringify then reads the original object.
  let out: Record<string, unknown> | undefined;
  let i = 0;
  try {
    for (; i < keys.length; i++) {
      const k = keys[i]!;
      const x = v[k];
      const e = enc(x, d);
      if (out) setOwn(out, k, e);
      else if (e !== x) {
        out = {};
        for (let j = 0; j < i; j++) setOwn(out, keys[j]!, v[keys[j]!]);
        setOwn(out, k, e);
      }
    }
  } catch (e) {
    throw within(e, keySegment(keys[i]!));
  }
  return out ?? v;
}

/** `o[k] = x`, also for k = "__proto__" (which would otherwise set the prototype). */
export function setOwn(o: Record<string, unknown>, k: string, x: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: x, writable: true, enumerable: true, configurable: true });
  else o[k] = x;
}

function within(e: unknown, segment: string): unknown {
  if (e instanceof UnencodableValue) e.segments.unshift(segment);
  return e;
}

/** `.name` when it is an identifier, else `["some key"]`. */
export function keySegment(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

function previewKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key.length > 40 ? key.slice(0, 40) + '…' : key);
  if (typeof key === 'number' || typeof key === 'boolean' || key == null) return String(key);
  if (typeof key === 'bigint') return `${key}n`;
  return `<${Array.isArray(key) ? 'an array' : `a ${typeof key}`} key>`;
}

/** The first cycle under `v`: where it closes (`at`) and which container it returns to (`target`). */
function findCycle(root: unknown, rootPath: string[]): { at: string[]; target: string[] } | undefined {
  const ancestors = new Map<object, string[]>();
  const visit = (v: unknown, at: string[]): { at: string[]; target: string[] } | undefined => {
    if (typeof v !== 'object' || v === null) return undefined;
    const seen = ancestors.get(v);
    if (seen) return { at, target: seen };
    ancestors.set(v, at);
    let found: { at: string[]; target: string[] } | undefined;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && !found; i++) found = visit(v[i], [...at, `[${i}]`]);
    } else if (v instanceof Map) {
      for (const [k, x] of v) if (!found) found = visit(k, [...at, '<a Map key>']) ?? visit(x, [...at, `.get(${previewKey(k)})`]);
    } else if (v instanceof Set) {
      for (const x of v) if (!found) found = visit(x, [...at, '<a Set element>']);
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) {
        for (const k of Object.keys(v)) if (!found) found = visit((v as Record<string, unknown>)[k], [...at, keySegment(k)]);
      }
    }
    ancestors.delete(v);
    return found;
  };
  return visit(root, rootPath);
}

/** The value of a JSON tree made by encodeValue. Decodes in place: `tree` is consumed. Throws MalformedValue. */
export function decodeValue(tree: unknown): unknown {
  return typeof tree === 'object' && tree !== null ? dec(tree) : tree;
}

function dec(v: object): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === 'object' && x !== null) v[i] = dec(x);
    }
    return v;
  }
  if (Object.hasOwn(v, TAG)) return decTagged(v as Record<string, unknown>);
  const o = v as Record<string, unknown>;
  // JSON.parse made `__proto__` an own property if present, so plain assignment is safe here.
  for (const k in o) {
    const x = o[k];
    if (typeof x === 'object' && x !== null) o[k] = dec(x);
  }
  return o;
}

const NUMBERS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

function decTagged(o: Record<string, unknown>): unknown {
  const tag = o[TAG];
  const v = o.v;
  switch (tag) {
    case 'u':
      return undefined;
    case 'n':
      if (typeof v === 'string' && Object.hasOwn(NUMBERS, v)) return NUMBERS[v];
      break;
    case 'b':
      if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
      break;
    case 'd':
      if (v === null || typeof v === 'number') return new Date(v ?? NaN);
      break;
    case 'r':
      if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string') return new RegExp(v[0], v[1]);
      break;
    case 'm':
      if (isEntries(v)) return new Map(v.map(([k, x]) => [decodeValue(k), decodeValue(x)]));
      break;
    case 's':
      if (Array.isArray(v)) return new Set(v.map(decodeValue));
      break;
    case 'a':
      if (typeof v === 'string') return base64ToBytes(v).buffer;
      break;
    case 't':
      if (typeof v === 'string' && typeof o.c === 'string') return decodeView(o.c, v);
      break;
    case 'o':
      if (isEntries(v) && v.every(([k]) => typeof k === 'string')) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of v) setOwn(out, k as string, decodeValue(x));
        return out;
      }
      break;
    default:
      throw new MalformedValue(`unknown type tag ${JSON.stringify(tag)}`);
  }
  throw new MalformedValue(`a value tagged ${JSON.stringify(tag)} has a malformed body: ${JSON.stringify(v)?.slice(0, 80)}`);
}

function isEntries(v: unknown): v is [unknown, unknown][] {
  return Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2);
}

function decodeView(kind: string, base64: string): ArrayBufferView {
  if (!VIEW_KINDS.has(kind)) throw new MalformedValue(`unknown typed array kind ${JSON.stringify(kind)}`);
  requireLittleEndian(kind);
  const bytes = base64ToBytes(base64);
  if (kind === 'DataView') return new DataView(bytes.buffer);
  const View = (globalThis as Record<string, unknown>)[kind] as { new (b: ArrayBuffer, o: number, n: number): ArrayBufferView; BYTES_PER_ELEMENT: number } | undefined;
  if (!View) throw new MalformedValue(`it holds a ${kind}, which this JavaScript engine does not have`);
  if (bytes.length % View.BYTES_PER_ELEMENT !== 0) throw new MalformedValue(`a ${kind} of ${bytes.length} bytes, not a multiple of ${View.BYTES_PER_ELEMENT}`);
  return new View(bytes.buffer, 0, bytes.length / View.BYTES_PER_ELEMENT);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Typed arrays are kept in the platform's byte order, which is little-endian wherever Rivulet runs; refuse rather than swap silently elsewhere. */
function requireLittleEndian(kind: string): void {
  if (!LITTLE_ENDIAN && kind !== 'Int8Array' && kind !== 'Uint8Array' && kind !== 'Uint8ClampedArray') {
    throw new UnencodableValue(`is a ${kind}, and this big-endian platform cannot keep typed arrays in the checkpoint's little-endian layout`);
  }
}
