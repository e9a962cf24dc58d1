/**
 * `npm run bench:browser` in a tiny size: the workers comparison page (test/bench/fixtures/
 * workers-comparison) built, opened in headless Chromium with Web Workers, and its table read
 * back. Checks the table's shape — every job, every variant, a number in every measured column —
 * never the numbers themselves.
 */
import { expect, test } from 'vitest';
import { runBrowserBench } from '../bench/browser.ts';
import { COLUMNS, VARIANTS } from '../bench/workersCases.ts';

test('the workers comparison runs in Chromium and gives a full table', async () => {
  const r = await runBrowserBench('tiny');
  expect(r.browser).toMatch(/^Chromium \d+/);
  expect(r.columns).toEqual(COLUMNS);
  const jobs = [...new Set(r.rows.map((row) => row[0]))];
  expect(jobs.map((j) => String(j).slice(0, 3))).toEqual(['(a)', '(b)', '(c)']);
  expect(r.rows.map((row) => `${String(row[0]).slice(0, 3)} ${row[1]}`)).toEqual(jobs.flatMap((j) => VARIANTS.map((v) => `${String(j).slice(0, 3)} ${v}`)));
  for (const row of r.rows) {
    expect(row).toHaveLength(COLUMNS.length);
    for (const n of row.slice(2, 5)) expect(Number.isFinite(n) && (n as number) >= 0, `${row[0]} / ${row[1]}: ${n}`).toBe(true);
    // Rivulet's rows say where the batches ran; the others have nothing to say.
    expect(row[5]).toMatch(String(row[1]).startsWith('Rivulet') ? /^((workers|local|mixed) \d+(, )?)+$/ : /^—$/);
  }
  expect(r.delays.length).toBe(20);
  expect(r.delays.every((d) => Number.isFinite(d) && d >= 0)).toBe(true);
});
