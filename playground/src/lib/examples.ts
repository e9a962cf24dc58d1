import { exampleInfo } from './exampleInfo.ts';

export { exampleMode, type Example } from './exampleInfo.ts';

/** The gallery: playground/examples/*.ts, type-checked with the rest of the repository, in the order of their file names. */
const files = import.meta.glob('../../examples/*.ts', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export const examples = Object.entries(files)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([path, code]) => exampleInfo(path, code));
