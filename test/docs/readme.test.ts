/**
 * The README is a user's first page (issue 15): it opens with the install command, then a first
 * program that needs nothing else running (test/docs/examples.test.ts runs it with the docs'
 * examples), then the three ways to use Rivulet; contributors' set-up comes after, with the two
 * commands CI and the repository's checks look for; it and the guide link the API reference.
 */
import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { blocksOf } from './blocks.ts';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const guide = readFileSync(fileURLToPath(new URL('../../docs/guide.md', import.meta.url)), 'utf8');

it('opens with `npm install rivulet`, then a first program that runs (no `no-run`, no socket), then the three ways in, then the set-up', () => {
  const fences = [...readme.matchAll(/^```(\w+)[^\n]*\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1], code: m[2]!.trim(), at: m.index! }));
  expect(fences[0]).toMatchObject({ lang: 'sh', code: 'npm install rivulet' });
  const first = blocksOf('README.md', readme)[0]!;
  expect(first.run).toBe(true);
  expect(first.code).toMatch(/from 'rivulet'/);
  expect(first.code).not.toMatch(/socketTextStream|webSocketStream|textFileStream/);
  // Each in turn, after the one before.
  let at = 0;
  const missing = ['npm install rivulet', first.code.trim(), '## Three ways to use it', '## Contributing', '```sh\nnpm install && npm start\n```', '```sh\nnpm install && npm test\n```'].filter((text) => {
    const found = readme.indexOf(text, at);
    if (found >= 0) at = found + text.length;
    return found < 0;
  });
  expect(missing, 'README.md: these are missing or out of order').toEqual([]);
});

it('links the API reference from the README and the guide', () => {
  expect(readme).toContain('(docs/api/README.md)');
  expect(guide).toContain('(api/README.md)');
});
