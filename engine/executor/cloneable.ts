/**
 * What a structured clone silently breaks or refuses: functions (refused) and class instances
 * (cloned as plain objects without their methods). Records are checked where they cross a
 * thread, so the error names the operation instead of a DataCloneError or a missing method later.
 * Checked to a small depth (a record, a pair's key and value, their fields): enough for the
 * shapes pipelines use, at a cost proportional to the records.
 */
const PLAIN = new Set<unknown>([Object.prototype, Array.prototype, Map.prototype, Set.prototype, Date.prototype, RegExp.prototype, ArrayBuffer.prototype, DataView.prototype, null]);

function problem(x: unknown, depth: number): string | undefined {
  if (typeof x === 'function') return 'it is a function';
  if (typeof x === 'symbol') return 'it is a symbol';
  if (typeof x !== 'object' || x === null || depth > 2) return undefined;
  const proto = Object.getPrototypeOf(x);
  if (!PLAIN.has(proto) && !ArrayBuffer.isView(x) && !(x instanceof Error)) return `it is an instance of ${proto?.constructor?.name ?? 'a class'}, whose methods a structured clone drops`;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length && i < 8; i++) {
      const p = problem(x[i], depth + 1);
      if (p) return `element ${i}: ${p}`;
    }
  } else if (proto === Object.prototype) {
    for (const k in x) {
      const p = problem((x as Record<string, unknown>)[k], depth + 1);
      if (p) return `field ${k}: ${p}`;
    }
  }
  return undefined;
}

/** A description of the first record that cannot cross a thread boundary intact, if any. */
export function uncloneableRecord(records: readonly unknown[]): string | undefined {
  for (let i = 0; i < records.length; i++) {
    const p = problem(records[i], 0);
    if (p) return `record ${i} (${preview(records[i])}): ${p}`;
  }
  return undefined;
}

function preview(x: unknown): string {
  if (typeof x === 'function') return `function ${x.name || '(anonymous)'}`;
  try {
    const s = JSON.stringify(x);
    return s === undefined ? String(x) : s.length > 60 ? s.slice(0, 60) + '…' : s;
  } catch {
    return String(x);
  }
}
