import { State } from './State.ts';
import type { StateMap } from './StateMap.ts';
import type { MappingFunction } from './StateSpec.ts';
import type { ShippedFunction } from '../closure/ship.ts';
import { thrownBy } from '../closure/attribution.ts';

/**
 * Applies the batch in `map.batch` (one partition's records, their map keys and the slots
 * `map.states.find` gave for them, probed as the records arrived: StateMap.addToBatch) to the
 * state map: the mapping function for each record in order, then (with a timeout) for each key
 * idle since before `time - timeout`, least recently updated first. Returns what the function
 * returned. Changes are logged in the map; on a throw the caller rolls back. The caller clears the
 * batch (StateMap.clearBatch) either way.
 */
export function applyBatch<K, V, S, M>(map: StateMap<K, S>, shipped: ShippedFunction<MappingFunction<K, V, S, M>>, time: number, timeout: number | undefined): M[] {
  // Called unwrapped (ShippedFunction.raw), a throw attributed here.
  const f = shipped.raw;
  const { records, mks, slots, length: n } = map.batch as { records: [K, V][]; mks: unknown[]; slots: number[]; length: number };
  const states = map.states;
  // Sized for one result per record (grown past that by timeouts, cut to what was returned).
  const mapped: M[] = new Array(n);
  let m = 0;
  const state = new State<S>();
  const timed = map.updatedAt !== undefined;
  const probedAt = states.modCount;
  for (let i = 0; i < n; i++) {
    const kv = records[i]!;
    const key = kv[0];
    const mk = mks[i];
    let slot = slots[i]!;
    // The slot found when the record arrived, unless the table changed since (a key inserted or removed: probe again).
    if (slot >= 0 ? states.keyAt(slot) !== mk : states.modCount !== probedAt) slot = states.find(mk);
    const existed = slot >= 0;
    const old = existed ? states.valueAt(slot) : undefined;
    let out: M;
    try {
      out = f(key, kv[1], state.wrap(existed, old));
    } catch (e) {
      throw thrownBy(e, shipped);
    }
    if (out !== undefined) mapped[m++] = out;
    if (state.isRemoved) {
      if (existed) map.removeAt(slot, key, mk, old as S);
    } else if (state.isUpdated) map.put(slot, key, mk, state.get(), old, time);
    else if (timed && existed) map.touchExisting(key, mk, old as S, time);
  }
  if (timed) {
    const threshold = time - timeout!;
    for (const [mk, updatedAt] of map.updatedAt!) {
      if (updatedAt >= threshold) break;
      const key = map.keyOf(mk);
      const old = states.get(mk) as S;
      let out: M;
      try {
        out = f(key, undefined, state.wrap(true, old, true));
      } catch (e) {
        throw thrownBy(e, shipped);
      }
      if (out !== undefined) mapped[m++] = out;
      map.removeAt(states.find(mk), key, mk, old);
    }
  }
  mapped.length = m;
  return mapped;
}
