/** Records as text for the page: a compact JavaScript-like literal, cut at `max` characters. */
export function formatRecord(x: unknown, max = 400): string {
  const s = literal(x, 0);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

function literal(x: unknown, depth: number): string {
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'function') return `[function ${x.name || 'anonymous'}]`;
  if (typeof x !== 'object' || x === null) return String(x);
  if (depth > 4) return Array.isArray(x) ? '[…]' : '{…}';
  if (Array.isArray(x)) return `[${x.slice(0, 50).map((v) => literal(v, depth + 1)).join(', ')}${x.length > 50 ? ', …' : ''}]`;
  if (x instanceof Map) return `Map(${x.size}) {${[...x].slice(0, 20).map(([k, v]) => `${literal(k, depth + 1)} => ${literal(v, depth + 1)}`).join(', ')}}`;
  if (x instanceof Set) return `Set(${x.size}) {${[...x].slice(0, 20).map((v) => literal(v, depth + 1)).join(', ')}}`;
  if (x instanceof Date) return x.toISOString();
  if (x instanceof Error) return `${x.name}: ${x.message}`;
  const entries = Object.entries(x).slice(0, 30);
  const name = Object.getPrototypeOf(x)?.constructor?.name;
  const prefix = name && name !== 'Object' ? `${name} ` : '';
  return `${prefix}{ ${entries.map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${literal(v, depth + 1)}`).join(', ')} }`;
}

/** console.log's way of joining its arguments: strings bare, everything else as a literal. */
export function formatArgs(args: unknown[]): string {
  return args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.stack ?? String(a) : literal(a, 0))).join(' ');
}
