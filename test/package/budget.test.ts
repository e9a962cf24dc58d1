/**
 * The size budget of issue 6, as a check: the minimal browser app of test/bench/budgets.ts (a
 * queue-stream word count importing StreamingContext from the built package, bundled and minified
 * by Vite) must load less than PAGE_BUDGET_GZIP (50 KB) gzipped at start. The bench prints the figure; this fails
 * when it grows past the budget. A size, measured exactly; nothing here is timed.
 *
 * The library is built first (a fresh clone has no dist/), into a directory of its own under dist/
 * (inside the repository, so the built modules' imports resolve): a build empties its directories
 * first, and another (`npm run build:lib`, the bench) may run at the same time.
 */
import { afterAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGE_BUDGET_GZIP, measureMinimalPage } from '../bench/budgets.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
mkdirSync(path.join(root, 'dist'), { recursive: true });
// Inside the repository, so the built modules' imports (rxjs…) resolve from its node_modules.
const dist = mkdtempSync(path.join(root, 'dist', 'budget-test-'));
const work = mkdtempSync(path.join(tmpdir(), 'rivulet-budget-'));
afterAll(() => {
  rmSync(dist, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

it(`the minimal app built from the package loads less than ${PAGE_BUDGET_GZIP / 1024} KB gzipped at start`, async () => {
  const page = await measureMinimalPage(work, dist);
  const measured = `the minimal app's page at start is ${page.pageGzip} bytes gzipped (${(page.pageGzip / 1024).toFixed(2)} KB; ${page.page} bytes minified); the budget is under ${PAGE_BUDGET_GZIP} bytes (${PAGE_BUDGET_GZIP / 1024} KB)`;
  console.log(measured);
  // Not an empty or broken bundle: the engine and RxJS are in it.
  expect(page.pageGzip, measured).toBeGreaterThan(10 * 1024);
  // What only a pool needs loads with it: the placement code with the first job on workers.
  expect([...page.lazy.keys()].filter((chunk) => /StagePlacement/.test(chunk)), 'StagePlacement.ts is a chunk loaded on first use').toHaveLength(1);
  expect(page.pageGzip, `${measured}. Move what a minimal app does not need behind a dynamic import() (see docs/performance.md, Package).`).toBeLessThan(PAGE_BUDGET_GZIP);
}, 300_000);
