import type { ClockMode } from '../protocol.ts';

/** The gallery: playground/examples/*.ts, type-checked with the rest of the repository. */
const files = import.meta.glob('../../examples/*.ts', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export interface Example {
  id: string;
  title: string;
  code: string;
}

export const examples: Example[] = Object.entries(files)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([path, code]) => {
    const id = path.replace(/^.*\/\d+-/, '').replace(/\.ts$/, '');
    // The title is the first comment line, up to its colon.
    const first = /^\/\/ (?!@playground)(.+)$/m.exec(code)?.[1] ?? id;
    return { id, title: first.replace(/[:.].*$/, ''), code };
  });

/** `// @playground mode=realtime` in an example picks its clock. */
export function exampleMode(code: string): ClockMode | undefined {
  const m = /^\/\/ @playground mode=(virtual|realtime)/m.exec(code);
  return m ? (m[1] as ClockMode) : undefined;
}
