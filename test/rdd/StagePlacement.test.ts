import { describe, expect, test } from 'vitest';
import { StagePlacement, type StageRun } from '../../engine/rdd/StagePlacement.ts';

// Where a stage runs, run after run, from the times measured on its previous runs (injected here:
// each row is one stage's runs, and what the driver measured for run i on each side).

type Measured = { workers: number; local: number };
/** Runs so far on each side, before this one: a fresh worker isolate warms up with the runs it gets. */
type Runs = { workers: number; local: number };

/** The decisions for `runs` runs of one stage, run i measured as `measure(i, runs so far per side)` says. */
function decisions(placement: StagePlacement, runs: number, measure: (i: number, before: Runs) => Measured): string[] {
  const out: string[] = [];
  const before: Runs = { workers: 0, local: 0 };
  for (let i = 0; i < runs; i++) {
    const d = placement.choose('stage', 'map at job.ts:1:1 (collect)');
    out.push(d.executedOn === 'workers' ? 'W' : 'L');
    const run: StageRun = { key: 'stage', executedOn: d.executedOn, wallMs: measure(i, before)[d.executedOn] };
    before[d.executedOn]++;
    placement.record(run);
  }
  return out;
}

// Shipping dominates: 100 ms waiting for the workers for what takes 12 ms here.
const cheap = () => ({ workers: 100, local: 12 });
// Work dominates: 50 ms on two workers for what takes 85 ms here.
const heavy = () => ({ workers: 50, local: 85 });
// A heavy stage on fresh worker isolates: its first runs there are slow (compiling), then 50 ms.
const coldWorkers = (_: number, before: Runs) => ({ workers: [300, 120][before.workers] ?? 50, local: 85 });
const runs = (s: string) => s.replace(/ /g, '').split('');

describe('StagePlacement: runs in, decisions out', () => {
  test.each([
    // Warm-up: 2 runs on the workers, then here (2 runs each here; with more, the sides alternate).
    ['a cheap stage runs here after the warm-up runs on each side', {}, 8, cheap, 'WWLL LLLL'],
    ['a CPU-heavy stage goes back to the workers after the warm-up', {}, 8, heavy, 'WWLL WWWW'],
    ['the default warm-up: 3 runs on each side, alternating after the first 2 on the workers', { warmUpRuns: undefined }, 8, heavy, 'WWLWLL WW'],
    ["placement: 'workers' never moves a stage", { mode: 'workers' as const }, 6, cheap, 'WWWWWW'],
    // The workers must be estimated 10% faster to take a stage; in between, the workers are
    // measured again every 3 runs (a close call costs little to measure and is the least certain).
    ['a close call stays here, and the workers are measured again soon', {}, 12, () => ({ workers: 92, local: 100 }), 'WWLL LLL W LLL W'],
    ['a stage 10% faster on workers goes to the workers', {}, 6, () => ({ workers: 89, local: 100 }), 'WWLL WW'],
    // The other side is measured again after probeEvery runs (twice as many when it is 1.8 times
    // slower or more), then after twice as many each time the choice stands.
    ['a cheap stage is measured on the workers again, less and less often', { probeEvery: 3 }, 24, cheap, 'WWLL LLLLLL W LLLLLLLLLLLL W'],
    ['a heavy stage is measured here again, less and less often', { probeEvery: 3 }, 20, heavy, 'WWLL WWW L WWWWWW L WWWWW'],
    ['after a move, the side left is measured again after probeEvery runs', { probeEvery: 2 }, 18, (i: number) => (i < 6 ? cheap() : { workers: 100, local: 150 }), 'WWLL LLLL W L WW L WWWW L'],
    // The first run on a side is slow (starting workers, compiling): the second replaces it.
    ['a slow first run on workers does not decide', {}, 6, (i: number) => (i === 0 ? { workers: 1000, local: 85 } : heavy()), 'WWLL WW'],
    ['a slow first run here does not decide', {}, 6, (i: number) => (i === 2 ? { workers: 100, local: 900 } : cheap()), 'WWLL LL'],
    // Fresh worker isolates keep getting faster for several runs: the first probe that finds them
    // warm moves the stage (their slow runs from the warm-up do not outvote it).
    ['a heavy stage measured on cold workers moves there at the first probe', { probeEvery: 3 }, 12, coldWorkers, 'WWLL LLL W WWW L'],
    // The data grows heavier while the stage runs here: once most recent runs here are slow, it moves.
    ['a stage that becomes heavy goes back to the workers', {}, 12, (i: number) => (i < 5 ? cheap() : { workers: 100, local: 400 }), 'WWLL L LL WWWWW'],
    // One slow run here (a GC pause) does not move the median.
    ['a single slow run does not move a stage', {}, 10, (i: number) => (i === 6 ? { workers: 100, local: 5000 } : cheap()), 'WWLL LLLLLL'],
    // On a busy machine the workers' times vary more: every other run there is slow. Their
    // estimate leans on their faster runs, and here must be 10% faster to take the stage back.
    ['a CPU-heavy stage stays on noisy workers', {}, 16, (_: number, b: Runs) => ({ workers: b.workers >= 3 && b.workers % 2 === 1 ? 95 : 50, local: 85 }), 'WWLL WWWWWWWWWW L W'],
    // Hysteresis: a stage on the workers stays there while here is not 10% faster (here measured
    // again every 3 runs once it is estimated cheaper at all); it moves back once here is 10% faster.
    ['a stage on the workers moves back only when here is 10% faster', {}, 20, (i: number) => (i < 8 ? heavy() : { workers: i < 14 ? 90 : 120, local: 85 }), 'WWLL WWWWWWWWWW L WWW LL'],
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
    // [runs measured as, decisions, the reason of the next one]
    ['the warm-up on the workers', heavy, 1, 'W', 'measuring the workers (run 2 of 2)'],
    ['the warm-up here', heavy, 3, 'L', 'measuring here (run 2 of 2)'],
    ['workers cheaper, but not by 10%', () => ({ workers: 92, local: 100 }), 4, 'L', 'shipping saves too little: estimated 92 ms on workers vs 100 ms here (the workers must be 10% faster)'],
    ['a probe of the workers', () => ({ workers: 92, local: 100 }), 7, 'W', 'measuring the workers again (after 3 runs here); estimated 100 ms here vs 92 ms on workers'],
    ['a probe here', heavy, 14, 'L', 'measuring here again (after 10 runs on workers); estimated 50 ms on workers vs 85 ms here'],
    // On the workers (50 ms), then the workers slow down to 90 ms: here is cheaper, but not by 10%.
    ['staying on the workers', (i: number) => (i < 5 ? heavy() : { workers: 90, local: 85 }), 10, 'W', 'staying on workers: estimated 90 ms on workers vs 85 ms here (here must be 10% faster to take it back)'],
  ])('the reason given: %s', (_name, measure, before, side, reason) => {
    const p = new StagePlacement({ warmUpRuns: 2 });
    decisions(p, before, measure);
    const d = p.choose('stage', 'map at job.ts:1:1 (collect)');
    expect([d.executedOn === 'workers' ? 'W' : 'L', d.reason]).toEqual([side, reason]);
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
