import type { RDD } from '../rdd/index.ts';

const DASHES = '-'.repeat(43);

/** Spark's DStream.print: dashes, `Time: <ms> ms`, dashes, up to num records, `...` if more, a blank line. */
export async function printRDD<T>(rdd: RDD<T>, time: number, num: number): Promise<void> {
  const first = await rdd.take(num + 1);
  const lines = [DASHES, `Time: ${time} ms`, DASHES, ...first.slice(0, num).map(formatRecord)];
  if (first.length > num) lines.push('...');
  lines.push('');
  console.log(lines.join('\n'));
}

/** Scala-like rendering: tuples as (a,b), arrays as [a, b], strings bare. */
export function formatRecord(x: unknown): string {
  if (typeof x === 'string') return x;
  if (Array.isArray(x)) return x.length === 2 ? `(${formatRecord(x[0])},${formatRecord(x[1])})` : `[${x.map(formatRecord).join(', ')}]`;
  if (x instanceof Map) return `Map(${[...x].map(([k, v]) => `${formatRecord(k)} -> ${formatRecord(v)}`).join(', ')})`;
  if (x instanceof Set) return `Set(${[...x].map(formatRecord).join(', ')})`;
  if (typeof x === 'object' && x !== null) {
    try {
      return JSON.stringify(x);
    } catch {
      return String(x);
    }
  }
  return String(x);
}
