/** Records as text for the page: a compact JavaScript-like literal, cut at `max` characters. */
export function formatRecord(x: unknown, max = 400): string {
  const s = literal(x, 0);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** A console line longer than this is cut, saying how much was left out. */
export const MAX_CONSOLE_LINE = 4000;

export function clipLine(text: string): string {
  return text.length > MAX_CONSOLE_LINE ? `${text.slice(0, MAX_CONSOLE_LINE)}… (${(text.length - MAX_CONSOLE_LINE).toLocaleString('en-US')} more characters)` : text;
}

/** Strings longer than this are cut before they are quoted: a 2 MB string costs what a short one does. */
const MAX_STRING = 1000;

function literal(x: unknown, depth: number): string {
  if (typeof x === 'string') return x.length > MAX_STRING ? `${JSON.stringify(x.slice(0, MAX_STRING)).slice(0, -1)}…" (${x.length.toLocaleString('en-US')} characters)` : JSON.stringify(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'function') return `[function ${x.name || 'anonymous'}]`;
  if (typeof x !== 'object' || x === null) return String(x);
  if (depth > 4) return Array.isArray(x) ? '[…]' : '{…}';
  if (Array.isArray(x))
    return `[${x
      .slice(0, 50)
      .map((v) => literal(v, depth + 1))
      .join(', ')}${x.length > 50 ? ', …' : ''}]`;
  if (x instanceof Map)
    return `Map(${x.size}) {${[...x]
      .slice(0, 20)
      .map(([k, v]) => `${literal(k, depth + 1)} => ${literal(v, depth + 1)}`)
      .join(', ')}}`;
  if (x instanceof Set)
    return `Set(${x.size}) {${[...x]
      .slice(0, 20)
      .map((v) => literal(v, depth + 1))
      .join(', ')}}`;
  if (x instanceof Date) return x.toISOString();
  if (x instanceof Error) return `${x.name}: ${x.message}`;
  const entries = Object.entries(x).slice(0, 30);
  const name = Object.getPrototypeOf(x)?.constructor?.name;
  const prefix = name && name !== 'Object' ? `${name} ` : '';
  return `${prefix}{ ${entries.map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${literal(v, depth + 1)}`).join(', ')} }`;
}

/** console.log's way of joining its arguments: strings bare, everything else as a literal. */
export function formatArgs(args: unknown[]): string {
  // A huge string argument is cut here already (lines are cut again after the split).
  const clip = (a: string) => (a.length > MAX_CONSOLE_LINE * 4 ? a.slice(0, MAX_CONSOLE_LINE * 4) + `… (${(a.length - MAX_CONSOLE_LINE * 4).toLocaleString('en-US')} more characters)` : a);
  return args.map((a) => (typeof a === 'string' ? clip(a) : a instanceof Error ? clip(a.stack ?? String(a)) : literal(a, 0))).join(' ');
}
