import { InvalidArgumentError } from '../util/errors.ts';
/**
 * Key semantics for shuffles. Spark compares keys with equals/hashCode; JavaScript's Map compares
 * objects by identity. Rivulet gives keys value semantics: primitives are used as they are, and
 * arrays / plain objects (e.g. a composite key `[user, day]`) are compared by content through a
 * canonical string. The same rules hold in every thread, so a key lands in the same partition
 * wherever it is hashed.
 */

/**
 * The value used as a Map key for `key`: the key itself when primitive, else a canonical string.
 * Spark has no counterpart: JVM keys compare by their own `equals`/`hashCode`; this gives
 * JavaScript arrays and plain objects that value semantics.
 *
 * @example
 * ```ts
 * import { canonicalKey } from 'rivulet';
 * canonicalKey(['u1', 3]) === canonicalKey(['u1', 3]); // true
 * canonicalKey(7); // 7
 * ```
 */
export function canonicalKey(key: unknown): unknown {
  return typeof key === 'object' && key !== null ? '\u0000' + stableStringify(key) : key;
}

export function stableStringify(v: unknown, depth = 0): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '0' : String(v);
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  if (v instanceof Date) return `D${v.getTime()}`;
  // A cycle would recurse until the stack overflows; it is found once the nesting is implausible.
  if (depth > MAX_KEY_DEPTH) throw new KeyError(isCircular(v) ? 'is a circular object (it contains itself)' : `is nested more than ${MAX_KEY_DEPTH} levels deep`);
  const d = depth + 1;
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i === 0 ? '' : ',') + stableStringify(v[i], d);
    return s + ']';
  }
  if (v instanceof Map) return 'M' + stableStringify([...v.entries()].sort(compareEntries), d);
  if (v instanceof Set) return 'S' + stableStringify([...v].map((x) => stableStringify(x, d)).sort(), d);
  const keys = Object.keys(v).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + stableStringify((v as Record<string, unknown>)[k], d)).join(',') + '}';
}

const MAX_KEY_DEPTH = 100;

/**
 * A key that cannot be compared by content (see canonicalKey): a function, a class instance, a
 * cyclic object. Thrown where the key is hashed or compared; the shuffle or operation that met it
 * adds its name (withOperation). An {@link InvalidArgumentError} (so a TypeError, named
 * `TypeError`) with its own code, `RIVULET_UNCOMPARABLE_KEY`.
 *
 * Spark: none (the JVM compares any key by its `hashCode`/`equals`); the nearest is the
 * `SparkException` "HashPartitioner cannot partition array keys".
 *
 * @example
 * ```ts
 * import { KeyError } from 'rivulet';
 * await ssc.awaitTermination().catch((e) => {
 *   for (let c = e; c; c = c.cause) if (c instanceof KeyError) console.error(c.operation, c.problem);
 * });
 * ```
 */
export class KeyError extends InvalidArgumentError {
  static override get code(): string {
    return 'RIVULET_UNCOMPARABLE_KEY';
  }
  constructor(
    readonly problem: string,
    readonly operation?: string,
  ) {
    super(
      `${operation === undefined ? '' : `${operation}: `}a key ${problem}, so it cannot be compared by content. ` +
        'Keys must be primitives, or arrays and plain objects without cycles (e.g. [user.id, day] rather than the user object).',
    );
  }

  /** The same error, naming the operation whose records held the key (unless one already does). */
  withOperation(operation: string): KeyError {
    return this.operation === undefined ? new KeyError(this.problem, operation) : this;
  }
}

/** Whether `v` reaches itself through arrays, plain objects, Maps or Sets. */
function isCircular(v: unknown): boolean {
  const path = new Set<unknown>();
  const visit = (x: unknown): boolean => {
    if (typeof x !== 'object' || x === null) return false;
    if (path.has(x)) return true;
    path.add(x);
    const children = Array.isArray(x) ? x : x instanceof Map ? [...x.keys(), ...x.values()] : x instanceof Set ? [...x] : Object.values(x);
    const found = children.some(visit);
    path.delete(x);
    return found;
  };
  return visit(v);
}

function compareEntries(a: [unknown, unknown], b: [unknown, unknown]): number {
  const x = stableStringify(a[0]);
  const y = stableStringify(b[0]);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Java's String.hashCode, so string keys are placed as Spark's HashPartitioner places them. */
export function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * A 32-bit hash with value semantics (see canonicalKey). Spark: the key's `hashCode()`, as
 * `HashPartitioner` uses it (strings hash as Java's `String.hashCode`).
 *
 * @example
 * ```ts
 * import { hashKey } from 'rivulet';
 * hashKey('a'); // 97, as "a".hashCode() in Java
 * hashKey(['u1', 3]) === hashKey(['u1', 3]); // true
 * ```
 */
export function hashKey(key: unknown): number {
  switch (typeof key) {
    case 'string':
      return stringHash(key);
    case 'number':
      return Number.isInteger(key) && key >= -2147483648 && key <= 2147483647 ? key | 0 : stringHash(stableStringify(key));
    case 'boolean':
      return key ? 1231 : 1237;
    case 'undefined':
      return 0;
    case 'object':
      return key === null ? 0 : stringHash(stableStringify(key));
    default:
      return stringHash(String(key));
  }
}

export function nonNegativeMod(x: number, mod: number): number {
  const r = x % mod;
  return r < 0 ? r + mod : r;
}

const TYPE_ORDER: Record<string, number> = { undefined: 0, boolean: 1, number: 2, bigint: 2, string: 3, object: 4 };

/**
 * Natural ordering used by sortBy/sortByKey: numbers numerically, strings by code unit, arrays element-wise.
 * Spark: the implicit `Ordering[K]` that `sortByKey` / `RangePartitioner` use.
 *
 * @example
 * ```ts
 * import { compareKeys } from 'rivulet';
 * [[2, 'b'], [1, 'z'], [1, 'a']].sort(compareKeys); // [[1, 'a'], [1, 'z'], [2, 'b']]
 * ```
 */
export function compareKeys(a: unknown, b: unknown, depth = 0): number {
  if (a === b) return 0;
  const ta = a === null ? 'undefined' : typeof a;
  const tb = b === null ? 'undefined' : typeof b;
  if (ta !== tb && !(TYPE_ORDER[ta] === 2 && TYPE_ORDER[tb] === 2)) return (TYPE_ORDER[ta] ?? 5) - (TYPE_ORDER[tb] ?? 5);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (depth > MAX_KEY_DEPTH) throw new KeyError(isCircular(a) || isCircular(b) ? 'is a circular object (it contains itself)' : `is nested more than ${MAX_KEY_DEPTH} levels deep`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareKeys(a[i], b[i], depth + 1);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (ta === 'object') {
    const x = stableStringify(a);
    const y = stableStringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/**
 * Groups records by key with value semantics. Entries are `[key, value]` tuples updated in place,
 * so combining a key costs one Map lookup. Spark has no counterpart as such: JVM keys bring their
 * own equals/hashCode; the closest is `org.apache.spark.util.collection.AppendOnlyMap`, which
 * Spark's shuffle aggregation combines into.
 *
 * @example
 * ```ts
 * import { KeyedMap } from 'rivulet';
 * const m = new KeyedMap<[string, number], number>();
 * m.combine(['u1', 3], 5, (v) => v, (c, v) => c + v);
 * m.get(['u1', 3]); // [['u1', 3], 5]
 * ```
 */
export class KeyedMap<K, C> {
  private readonly entries = new Map<unknown, [K, C]>();

  get size(): number {
    return this.entries.size;
  }

  get(key: K): [K, C] | undefined {
    return this.entries.get(typeof key === 'object' && key !== null ? canonicalKey(key) : key);
  }

  set(key: K, value: C): void {
    const mk = typeof key === 'object' && key !== null ? canonicalKey(key) : key;
    const e = this.entries.get(mk);
    if (e === undefined) this.entries.set(mk, [key, value]);
    else e[1] = value;
  }

  /** createCombiner for a new key, else mergeValue into the existing combiner. */
  combine<V>(key: K, value: V, create: (v: V) => C, merge: (c: C, v: V) => C): void {
    const mk = typeof key === 'object' && key !== null ? canonicalKey(key) : key;
    const e = this.entries.get(mk);
    if (e === undefined) this.entries.set(mk, [key, create(value)]);
    else e[1] = merge(e[1], value);
  }

  delete(key: K): boolean {
    return this.entries.delete(typeof key === 'object' && key !== null ? canonicalKey(key) : key);
  }

  values(): IterableIterator<[K, C]> {
    return this.entries.values();
  }
}
