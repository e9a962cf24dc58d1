import { hashKey } from '../rdd/keys.ts';

/** Marks a free slot; never a key. */
const FREE: unique symbol = Symbol('free slot');

/** Largest share of slots in use before the table doubles (Spark's OpenHashSet uses the same). */
const MAX_LOAD = 0.7;

/**
 * A hash map with open addressing and linear probing (Spark's OpenHashMap), for mapWithState's
 * state. Keys are primitives compared as a Map compares them (SameValueZero); an object key must
 * be given as its canonical form (rdd/keys.ts). Key and value sit side by side in one array, so a
 * lookup in a table much bigger than the CPU caches costs about one cache miss, where a `Map`
 * pays two that depend on each other (its bucket, then its entry). Iteration follows the slots,
 * not insertion order.
 *
 * Lookups return a slot, so that reading a key and then writing it probes once:
 * `const i = m.find(k)`; `i >= 0`: the key is at slot i (`valueAt(i)`, `setValueAt(i, v)`,
 * `deleteAt(i)`); `i < 0`: absent, and `insertAt(i, k, v)` puts it where it belongs. A slot is
 * valid until the next insertion or deletion (`modCount` changes); a key found at slot i is still
 * there as long as `keyAt(i) === key`.
 */
export class OpenHashMap<K, V> {
  /** `[key, value]` pairs: slot i is `slots[2i]`, `slots[2i + 1]`. */
  private slots: unknown[];
  private mask: number;
  private shift: number;
  private count = 0;
  /** Counts insertions and deletions: a slot `find` gave is still valid while this is unchanged. */
  modCount = 0;

  constructor(initialCapacity = 16) {
    let bits = 4;
    while (1 << bits < initialCapacity / MAX_LOAD && bits < 30) bits++;
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    this.slots = new Array<unknown>(2 << bits).fill(FREE);
  }

  get size(): number {
    return this.count;
  }

  /** The slot holding `key` (≥ 0), or, when absent, `-1 - slot` where it would be inserted. */
  find(key: K): number {
    const slots = this.slots;
    let i = this.home(key);
    if (key !== key) {
      // NaN: the only key not equal to itself.
      for (;;) {
        const k = slots[2 * i];
        if (k === FREE) return -1 - i;
        if (k !== k) return i;
        i = (i + 1) & this.mask;
      }
    }
    for (;;) {
      const k = slots[2 * i];
      if (k === key) return i;
      if (k === FREE) return -1 - i;
      i = (i + 1) & this.mask;
    }
  }

  valueAt(slot: number): V {
    return this.slots[2 * slot + 1] as V;
  }

  keyAt(slot: number): K {
    return this.slots[2 * slot] as K;
  }

  setValueAt(slot: number, value: V): void {
    this.slots[2 * slot + 1] = value;
  }

  /** Insert `key`, absent, at the slot `find` gave for it (a negative number). */
  insertAt(found: number, key: K, value: V): void {
    const i = -1 - found;
    this.slots[2 * i] = key;
    this.slots[2 * i + 1] = value;
    this.modCount++;
    if (++this.count > MAX_LOAD * (this.mask + 1)) this.grow();
  }

  /** Remove the key at `slot`, shifting back the keys after it that probed past it (no tombstones). */
  deleteAt(slot: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let hole = slot;
    for (let j = (hole + 1) & mask; slots[2 * j] !== FREE; j = (j + 1) & mask) {
      const home = this.home(slots[2 * j] as K);
      // The key at j may move to the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      slots[2 * hole] = slots[2 * j];
      slots[2 * hole + 1] = slots[2 * j + 1];
      hole = j;
    }
    slots[2 * hole] = FREE;
    slots[2 * hole + 1] = undefined;
    this.count--;
    this.modCount++;
  }

  get(key: K): V | undefined {
    const i = this.find(key);
    return i >= 0 ? this.valueAt(i) : undefined;
  }

  has(key: K): boolean {
    return this.find(key) >= 0;
  }

  set(key: K, value: V): void {
    const i = this.find(key);
    if (i >= 0) this.setValueAt(i, value);
    else this.insertAt(i, key, value);
  }

  delete(key: K): boolean {
    const i = this.find(key);
    if (i < 0) return false;
    this.deleteAt(i);
    return true;
  }

  clear(): void {
    this.slots.fill(FREE);
    this.count = 0;
    this.modCount++;
  }

  *entries(): Generator<[K, V]> {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += 2) {
      if (slots[i] !== FREE) yield [slots[i] as K, slots[i + 1] as V];
    }
  }

  /** `f(key, value, slot)` for every key, in slot order, without an entry per key; `f` may change values (setValueAt), not insert or delete. */
  forEach(f: (key: K, value: V, slot: number) => void): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += 2) {
      const k = slots[i];
      if (k !== FREE) f(k as K, slots[i + 1] as V, i >> 1);
    }
  }

  [Symbol.iterator](): Generator<[K, V]> {
    return this.entries();
  }

  /** Fibonacci hashing of the key's hash: the top bits of its product with 2^32 / φ. */
  private home(key: K): number {
    return Math.imul(hashKey(key), 0x9e3779b1) >>> this.shift;
  }

  private grow(): void {
    const old = this.slots;
    this.mask = this.mask * 2 + 1;
    this.shift--;
    this.slots = new Array<unknown>(2 * (this.mask + 1)).fill(FREE);
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] === FREE) continue;
      let j = this.home(old[i] as K);
      while (this.slots[2 * j] !== FREE) j = (j + 1) & this.mask;
      this.slots[2 * j] = old[i];
      this.slots[2 * j + 1] = old[i + 1];
    }
  }
}
