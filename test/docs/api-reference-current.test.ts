/**
 * docs/api/ is TypeDoc's output for the current sources: the test generates the reference into a
 * temporary directory with the project's typedoc.json and compares it with the committed one,
 * file by file. When it fails, run `npm run docs:api` and commit docs/api/.
 */
import { afterAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(path.join(tmpdir(), 'rivulet-api-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function contents(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const file = path.join(d, name);
      if (statSync(file).isDirectory()) walk(file);
      else files.set(path.relative(dir, file), readFileSync(file, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

it('docs/api/ is what `npm run docs:api` generates from the current sources', () => {
  const typedoc = path.join(root, 'node_modules/typedoc/bin/typedoc');
  const result = spawnSync(process.execPath, [typedoc, '--out', out, '--logLevel', 'Error'], { cwd: root, encoding: 'utf8' });
  expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  const generated = contents(out);
  const committed = contents(path.join(root, 'docs/api'));
  const stale = [...new Set([...generated.keys(), ...committed.keys()])]
    .filter((file) => generated.get(file) !== committed.get(file))
    .sort();
  expect(stale, 'docs/api/ is out of date: run `npm run docs:api` and commit docs/api/').toEqual([]);
});
