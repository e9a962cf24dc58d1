import type { ClockMode } from '../protocol.ts';

/** An example of the gallery (playground/examples/*.ts). */
export interface Example {
  /** `wordcount` for 1-wordcount.ts. */
  id: string;
  /** The first comment line up to its colon: `Word count`. */
  title: string;
  /** The rest of that line: what it shows, in one line. */
  description: string;
  /** What it needs besides the page (a server, a broker), when it needs something. */
  needs?: string;
  code: string;
}

/**
 * An example's file as the gallery shows it. Its first comment line (after `// @playground …`)
 * is `// Title: one-line description.`; a file without one is refused, so the gallery never
 * shows an example without its description.
 */
export function exampleInfo(file: string, code: string): Example {
  const id = file.replace(/^.*\//, '').replace(/^\d+-/, '').replace(/\.ts$/, '');
  const first = /^\/\/ (?!@playground)(.+)$/m.exec(code)?.[1];
  const m = first === undefined ? null : /^([^:]+):\s+(.+)$/.exec(first);
  if (!m) throw new Error(`${file}: the first comment line must be "// Title: one-line description.", found ${JSON.stringify(first ?? '')}`);
  const needs = /from 'rivulet\/mqtt'/.test(code) ? 'an MQTT broker' : /from 'rivulet\/nats'/.test(code) ? 'a NATS server' : /\.webSocketStream\(/.test(code) ? 'a WebSocket server' : undefined;
  return { id, title: m[1]!, description: m[2]!, ...(needs ? { needs } : {}), code };
}

/** `// @playground mode=realtime` in an example picks its clock. */
export function exampleMode(code: string): ClockMode | undefined {
  const m = /^\/\/ @playground mode=(virtual|realtime)/m.exec(code);
  return m ? (m[1] as ClockMode) : undefined;
}
