/**
 * The linter and formatter (Biome, biome.jsonc) pass on the repository: `biome ci` reports every
 * lint rule that is an error and every file the formatter would change (those its configuration
 * covers). `npm run lint` runs the same check; `npm run lint:fix` applies the safe fixes.
 */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

it('biome ci passes: no lint error, nothing to format', () => {
  const result = spawnSync(path.join(root, 'node_modules/.bin/biome'), ['ci', '--colors=off', '--max-diagnostics=50', '.'], { cwd: root, encoding: 'utf8' });
  expect(result.error).toBeUndefined();
  expect(result.status, `${result.stdout}\n${result.stderr}\n(npm run lint shows the same; npm run lint:fix applies the safe fixes)`).toBe(0);
  // It checked the sources, not an empty selection.
  expect(`${result.stdout}${result.stderr}`).toMatch(/Checked [1-9]\d{2,} files/);
});
