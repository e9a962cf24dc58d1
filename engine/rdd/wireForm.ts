/**
 * A record that holds something a structured clone cannot carry (mapWithState's live state map in
 * a worker) gives, under this key, a function returning its plain form; the plain form is what
 * crosses a thread (to the driver, to another worker). A symbol-keyed field is invisible to a
 * structured clone and to the record check, so a record sent without this conversion arrives
 * without the field, never with a broken copy of it.
 */
export const TO_WIRE: unique symbol = Symbol.for('rivulet.toWire') as never;

/** The records as they cross a thread: each one's plain form when the records have one (judged by the first). */
export function toWire(records: readonly unknown[]): readonly unknown[] {
  const first = records[0] as { [TO_WIRE]?: unknown } | null | undefined;
  if (typeof first !== 'object' || first === null || typeof first[TO_WIRE] !== 'function') return records;
  return records.map((r) => (r as { [TO_WIRE]: () => unknown })[TO_WIRE]());
}
