import { PlatformUnsupportedError } from '../util/errors.ts';
/**
 * A columnar encoding of a partition for crossing a thread: typed arrays (moved with a transfer
 * list, not copied) plus one packed string table, instead of a structured clone of every record.
 * Three shapes are encoded — a partition of primitives, of `[K, V]` pairs of primitives, of flat
 * plain objects with the same keys in the same order and primitive values — and anything else is
 * left to the structured clone (`encodeColumnar` returns undefined). Decoding gives back exactly
 * what a structured clone would: the same types, -0, NaN, undefined vs null, key order.
 *
 * Primitives are numbers, strings, booleans, null and undefined (a bigint, a symbol, a nested
 * array or object makes the partition fall back). Holes in pairs fall back too.
 */

/** One column: a value per record. `tag` when every value has the same kind, else `tags` per record. */
export interface Column {
  /** Every value's kind, when they all have the same one. */
  readonly tag?: number;
  /** Each value's kind, when they differ. */
  readonly tags?: Uint8Array;
  /** The number, or the string's index in the string table; unused for the other kinds. */
  readonly data: Float64Array;
}

/** A partition in columns; `kind` tells it apart from an array of records on the wire. */
export interface ColumnarPartition {
  readonly kind: 'columnar';
  readonly shape: 'values' | 'pairs' | 'objects';
  readonly length: number;
  /** Objects: the keys of every record, in order. */
  readonly keys: readonly string[];
  /** One column (values), two (pairs: key, value) or one per key (objects). */
  readonly columns: readonly Column[];
  /** The distinct strings, packed: string i is `text.slice(ends[i - 1] ?? 0, ends[i])`. */
  readonly text: string;
  readonly ends: Uint32Array;
}

/** A value's kind in a column. */
const Tag = { Undefined: 0, Null: 1, False: 2, True: 3, Number: 4, String: 5 } as const;
type Tag = (typeof Tag)[keyof typeof Tag];
const MIXED = 255;

/** Builds columns record by record; `add` returns false at the first value that is not a primitive. */
class ColumnBuilder {
  readonly tags: Uint8Array;
  readonly data: Float64Array;
  tag = -1;

  constructor(length: number) {
    this.tags = new Uint8Array(length);
    this.data = new Float64Array(length);
  }

  add(i: number, v: unknown, strings: StringTable): boolean {
    let t: Tag;
    switch (typeof v) {
      case 'number':
        t = Tag.Number;
        this.data[i] = v;
        break;
      case 'string':
        t = Tag.String;
        this.data[i] = strings.index(v);
        break;
      case 'boolean':
        t = v ? Tag.True : Tag.False;
        break;
      case 'undefined':
        t = Tag.Undefined;
        break;
      default:
        if (v !== null) return false;
        t = Tag.Null;
    }
    this.tags[i] = t;
    if (t !== this.tag) this.tag = this.tag === -1 ? t : MIXED;
    return true;
  }

  build(): Column {
    return this.tag === MIXED ? { tags: this.tags, data: this.data } : { tag: this.tag === -1 ? Tag.Undefined : (this.tag as Tag), data: this.data };
  }
}

class StringTable {
  private readonly ids = new Map<string, number>();
  readonly list: string[] = [];

  index(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.list.length;
      this.ids.set(s, id);
      this.list.push(s);
    }
    return id;
  }

  pack(): { text: string; ends: Uint32Array } {
    const ends = new Uint32Array(this.list.length);
    let end = 0;
    for (let i = 0; i < this.list.length; i++) ends[i] = end += this.list[i]!.length;
    return { text: this.list.join(''), ends };
  }
}

function isPair(r: unknown): r is [unknown, unknown] {
  if (!Array.isArray(r) || r.length !== 2 || Object.getPrototypeOf(r) !== Array.prototype) return false;
  // A hole reads as undefined but a structured clone keeps it a hole.
  return (r[0] !== undefined || 0 in r) && (r[1] !== undefined || 1 in r);
}

function isPlainObject(r: unknown): r is Record<string, unknown> {
  return typeof r === 'object' && r !== null && !Array.isArray(r) && Object.getPrototypeOf(r) === Object.prototype;
}

/** The partition in columns, or undefined when its shape is not one of the three (send it as a clone). */
export function encodeColumnar(records: readonly unknown[]): ColumnarPartition | undefined {
  const n = records.length;
  if (n === 0) return undefined;
  const first = records[0];
  const strings = new StringTable();
  let shape: ColumnarPartition['shape'];
  let keys: string[] = [];
  let columns: ColumnBuilder[];
  if (isPair(first)) {
    shape = 'pairs';
    const k = new ColumnBuilder(n);
    const v = new ColumnBuilder(n);
    columns = [k, v];
    for (let i = 0; i < n; i++) {
      const r = records[i];
      if (!isPair(r) || !k.add(i, r[0], strings) || !v.add(i, r[1], strings)) return undefined;
    }
  } else if (isPlainObject(first)) {
    shape = 'objects';
    keys = Object.keys(first);
    // '__proto__' as an own key would set the prototype when decoded by assignment.
    if (keys.length === 0 || keys.includes('__proto__')) return undefined;
    columns = keys.map(() => new ColumnBuilder(n));
    const width = keys.length;
    for (let i = 0; i < n; i++) {
      const r = records[i];
      if (!isPlainObject(r)) return undefined;
      let j = 0;
      for (const key in r) {
        if (j >= width || key !== keys[j] || !columns[j]!.add(i, r[key], strings)) return undefined;
        j++;
      }
      if (j !== width) return undefined;
    }
  } else {
    shape = 'values';
    const c = new ColumnBuilder(n);
    columns = [c];
    for (let i = 0; i < n; i++) if (!c.add(i, records[i], strings)) return undefined;
  }
  return { kind: 'columnar', shape, length: n, keys, columns: columns.map((c) => c.build()), ...strings.pack() };
}

/** The buffers to move (not copy) when posting an encoded partition. */
export function columnarTransferables(p: ColumnarPartition): ArrayBuffer[] {
  const out: ArrayBuffer[] = [p.ends.buffer as ArrayBuffer];
  for (const c of p.columns) {
    out.push(c.data.buffer as ArrayBuffer);
    if (c.tags) out.push(c.tags.buffer as ArrayBuffer);
  }
  return out;
}

export function isColumnar(x: unknown): x is ColumnarPartition {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && (x as { kind?: unknown }).kind === 'columnar';
}

/** A column as a function from record index to value. */
function reader(c: Column, strings: readonly string[]): (i: number) => unknown {
  const { data } = c;
  if (c.tags) {
    const tags = c.tags;
    return (i) => {
      switch (tags[i] as Tag) {
        case Tag.Number:
          return data[i];
        case Tag.String:
          return strings[data[i]!];
        case Tag.True:
          return true;
        case Tag.False:
          return false;
        case Tag.Null:
          return null;
        default:
          return undefined;
      }
    };
  }
  switch (c.tag) {
    case Tag.Number:
      return (i) => data[i];
    case Tag.String:
      return (i) => strings[data[i]!];
    case Tag.True:
      return () => true;
    case Tag.False:
      return () => false;
    case Tag.Null:
      return () => null;
    default:
      return () => undefined;
  }
}

function stringsOf(p: ColumnarPartition): string[] {
  const strings = new Array<string>(p.ends.length);
  let start = 0;
  for (let i = 0; i < p.ends.length; i++) strings[i] = p.text.slice(start, (start = p.ends[i]!));
  return strings;
}

/** The records an encoded partition holds, exactly as a structured clone would have given them. */
export function decodeColumnar(p: ColumnarPartition): unknown[] {
  const strings = stringsOf(p);
  const n = p.length;
  const out = new Array<unknown>(n);
  if (p.shape === 'values') {
    const c = p.columns[0]!;
    if (c.tag === Tag.Number) for (let i = 0; i < n; i++) out[i] = c.data[i];
    else if (c.tag === Tag.String) for (let i = 0; i < n; i++) out[i] = strings[c.data[i]!];
    else {
      const read = reader(c, strings);
      for (let i = 0; i < n; i++) out[i] = read(i);
    }
  } else if (p.shape === 'pairs') {
    const k = reader(p.columns[0]!, strings);
    const v = reader(p.columns[1]!, strings);
    for (let i = 0; i < n; i++) out[i] = [k(i), v(i)];
  } else {
    const build = objectBuilder(p, strings);
    for (let i = 0; i < n; i++) out[i] = build(i);
  }
  return out;
}

/**
 * Node compiles object builders (below); a browser never does, since a page's Content-Security-Policy
 * may forbid it and even a refused attempt is reported as a violation: no eval on a browser's path.
 */
const COMPILE_BUILDERS = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * A function from record index to the decoded object, compiled once per partition in Node: an
 * object literal with the partition's keys builds records several times faster than assigning
 * keys one by one. In browsers (and where code cannot be compiled) the keys are assigned.
 */
function objectBuilder(p: ColumnarPartition, strings: readonly string[]): (i: number) => Record<string, unknown> {
  const readers = p.columns.map((c) => reader(c, strings));
  const { keys } = p;
  try {
    if (!COMPILE_BUILDERS) throw new PlatformUnsupportedError('no eval in browsers');
    // Uniform number and string columns are read inline; the others through their reader.
    const fields = p.columns.map((c, j) => {
      const value = c.tag === Tag.Number ? `d${j}[i]` : c.tag === Tag.String ? `s[d${j}[i]]` : `r${j}(i)`;
      return `${JSON.stringify(keys[j])}: ${value}`;
    });
    const params = ['s', ...p.columns.flatMap((_, j) => [`d${j}`, `r${j}`])];
    const args = [strings, ...p.columns.flatMap((c, j) => [c.data, readers[j]])];
    return new Function(...params, `return (i) => ({ ${fields.join(', ')} });`)(...args) as (i: number) => Record<string, unknown>;
  } catch {
    return (i) => {
      const o: Record<string, unknown> = {};
      for (let j = 0; j < keys.length; j++) o[keys[j]!] = readers[j]!(i);
      return o;
    };
  }
}
