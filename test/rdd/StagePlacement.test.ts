import { describe, expect, test } from 'vitest';
import { StagePlacement, type StageRun } from '../../engine/rdd/StagePlacement.ts';

// Where a stage runs, run after run, from the times measured on its previous runs (injected here:
// each row is one stage's runs, and what the driver measured for run i on each side).

type Measured = { workers: number; local: number };

/** The decisions for `runs` runs of one stage, run i measured as `measure(i)` says. */
function decisions(placement: StagePlacement, runs: number, measure: (i: number) => Measured): string[] {
  const out: string[] = [];
  for (let i = 0; i < runs; i++) {
    const d = placement.choose('stage', 'map at job.ts:1:1 (collect)');
    out.push(d.executedOn === 'workers' ? 'W' : 'L');
    const run: StageRun = { key: 'stage', executedOn: d.executedOn, wallMs: measure(i)[d.executedOn] };
    placement.record(run);
  }
  return out;
}

// Shipping dominates: 100 ms waiting for the workers for what takes 12 ms here.
const cheap = () => ({ workers: 100, local: 12 });
// Work dominates: 50 ms on two workers for what takes 85 ms here.
const heavy = () => ({ workers: 50, local: 85 });
const runs = (s: string) => s.split('');

describe('StagePlacement: runs in, decisions out', () => {
  test.each([
    ['a cheap stage runs here after the warm-up runs on each side', {}, 8, cheap, 'WWLLLLLL'],
    ['a CPU-heavy stage goes back to the workers after the warm-up', {}, 8, heavy, 'WWLLWWWW'],
    ['a close call stays here: the workers must be estimated 10% faster', {}, 6, () => ({ workers: 92, local: 100 }), 'WWLLLL'],
    ['a stage 10% faster on workers goes to the workers', {}, 6, () => ({ workers: 89, local: 100 }), 'WWLLWW'],
    ["placement: 'workers' never moves a stage", { mode: 'workers' as const }, 6, cheap, 'WWWWWW'],
    // The other side is measured again after probeEvery runs, then twice as many while the choice stands.
    ['a cheap stage is measured on the workers again, less and less often', { probeEvery: 3 }, 20, cheap, 'WWLLLWLLLLLLWLLLLLLL'],
    ['a heavy stage is measured here again, less and less often', { probeEvery: 3 }, 20, heavy, 'WWLLWWWLWWWWWWLWWWWW'],
    ['after a move, the side left is measured again after probeEvery runs', { probeEvery: 2 }, 14, (i: number) => (i < 6 ? cheap() : { workers: 100, local: 400 }), 'WWLLWLLLWWWWLW'],
    ['the default warm-up: 3 runs on each side', { warmUpRuns: undefined }, 8, heavy, 'WWWLLLWW'],
    // The first run on a side is slow (starting workers, compiling): the second replaces it.
    ['a slow first run on workers does not decide', {}, 6, (i: number) => (i === 0 ? { workers: 1000, local: 12 } : heavy()), 'WWLLWW'],
    ['a slow first run here does not decide', {}, 6, (i: number) => (i === 2 ? { workers: 100, local: 900 } : cheap()), 'WWLLLL'],
    // The data grows heavier while the stage runs here: once most recent runs here are slow, it moves.
    ['a stage that becomes heavy goes back to the workers', {}, 12, (i: number) => (i < 5 ? cheap() : { workers: 100, local: 400 }), 'WWLLLLLWWWWW'],
    // One slow run here (a GC pause) does not move the median.
    ['a single slow run does not move a stage', {}, 10, (i: number) => (i === 6 ? { workers: 100, local: 5000 } : cheap()), 'WWLLLLLLLL'],
  ])('%s', (_name, options, n, measure, expected) => {
    // Two runs on each side before choosing (the default is 3), to keep the rows short.
    expect(decisions(new StagePlacement({ warmUpRuns: 2, ...options }), n, measure)).toEqual(runs(expected));
  });

  test('each decision says why, with the estimates', () => {
    const p = new StagePlacement({ warmUpRuns: 2 });
    decisions(p, 4, cheap);
    const d = p.choose('stage', 'map at job.ts:1:1 (collect)');
    expect(d).toMatchObject({ stage: 'map at job.ts:1:1 (collect)', executedOn: 'local', localMs: 12, workersMs: 100 });
    expect(d.reason).toBe('shipping costs more than it saves: estimated 12 ms here vs 100 ms on workers');
    expect(p.estimates()).toEqual([{ ...d, workersRuns: 2, localRuns: 2 }]);
    const h = new StagePlacement({ warmUpRuns: 2 });
    decisions(h, 4, heavy);
    expect(h.choose('stage', 'x').reason).toBe('estimated 50 ms on workers vs 85 ms here');
  });

  test.each([
    [{ mode: 'sometimes' }, "placement must be 'auto' or 'workers', got sometimes."],
    [{ warmUpRuns: 0 }, 'placement warmUpRuns must be a positive integer, got 0.'],
    [{ probeEvery: 1.5 }, 'placement probeEvery must be a positive integer, got 1.5.'],
    [{ window: 0 }, 'placement window must be a positive integer, got 0.'],
  ])('bad options: %o', (options, message) => {
    expect(() => new StagePlacement(options as never)).toThrow(message);
  });
});
