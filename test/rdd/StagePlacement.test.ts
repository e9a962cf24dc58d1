import { describe, expect, test } from 'vitest';
import { StagePlacement, type StageRun } from '../../engine/rdd/StagePlacement.ts';

// Where a stage runs, run after run, from the times measured on its previous runs (injected here:
// each row is one run of the same stage and what the driver measured for it).

type Measured = { workers: { wallMs: number; computeMs?: number }; local: { wallMs: number } };

/** The decisions for `runs` runs of one stage, each measured as `measure(i)` says. */
function decisions(placement: StagePlacement, runs: number, measure: (i: number) => Measured): string[] {
  const out: string[] = [];
  for (let i = 0; i < runs; i++) {
    const d = placement.choose('stage', 'map at job.ts:1:1 (collect)');
    out.push(d.executedOn);
    const m = measure(i);
    const run: StageRun = d.executedOn === 'workers' ? { key: 'stage', executedOn: 'workers', ...m.workers } : { key: 'stage', executedOn: 'local', ...m.local };
    placement.record(run);
  }
  return out;
}

const W = 'workers';
const L = 'local';
// Shipping dominates: 100 ms waiting for the workers for 10 ms of work.
const cheap = () => ({ workers: { wallMs: 100, computeMs: 10 }, local: { wallMs: 12 } });
// Work dominates: 80 ms of work done in 50 ms on two workers.
const heavy = () => ({ workers: { wallMs: 50, computeMs: 80 }, local: { wallMs: 85 } });

describe('StagePlacement: runs in, decisions out', () => {
  test.each([
    ['a cheap stage moves here after the warm-up runs', {}, 6, cheap, [W, W, L, L, L, L]],
    ['a CPU-heavy stage stays on the workers', {}, 6, heavy, [W, W, W, W, W, W]],
    ["placement: 'workers' never moves a stage", { mode: 'workers' as const }, 5, cheap, [W, W, W, W, W]],
    ['a stage running here is measured on workers again every probeEvery runs', { probeEvery: 3 }, 10, cheap, [W, W, L, L, W, L, L, W, L, L]],
    ['a longer warm-up', { warmUpRuns: 4 }, 6, cheap, [W, W, W, W, L, L]],
    // The first run on workers is slow (starting workers, compiling): the second replaces it.
    ['a slow first run on workers does not decide', {}, 4, (i: number) => (i === 0 ? { workers: { wallMs: 1000, computeMs: 10 }, local: { wallMs: 12 } } : cheap()), [W, W, L, L]],
    // The data grows heavier while the stage runs here: its local estimate passes the workers'.
    ['a stage that becomes heavy goes back to the workers', {}, 7, (i: number) => (i < 3 ? cheap() : { workers: { wallMs: 100, computeMs: 400 }, local: { wallMs: 400 } }), [W, W, L, L, W, W, W]],
    ['without compute times from the executor, the stage stays on workers', {}, 4, () => ({ workers: { wallMs: 100 }, local: { wallMs: 1 } }), [W, W, W, W]],
  ])('%s', (_name, options, runs, measure, expected) => {
    expect(decisions(new StagePlacement(options), runs, measure)).toEqual(expected);
  });

  test('each decision says why, with the estimates', () => {
    const p = new StagePlacement();
    decisions(p, 3, cheap);
    const d = p.choose('stage', 'map at job.ts:1:1 (collect)');
    expect(d).toMatchObject({ stage: 'map at job.ts:1:1 (collect)', executedOn: 'local', localMs: 12, workersMs: 100 });
    expect(d.reason).toBe('shipping costs more than it saves: estimated 12 ms here vs 100 ms on workers');
    expect(p.estimates()).toEqual([{ ...d, workersRuns: 2, localRuns: 1 }]);
  });

  test.each([
    [{ mode: 'sometimes' }, "placement must be 'auto' or 'workers', got sometimes."],
    [{ warmUpRuns: 0 }, 'placement warmUpRuns must be a positive integer, got 0.'],
    [{ probeEvery: 1.5 }, 'placement probeEvery must be a positive integer, got 1.5.'],
    [{ weight: 0 }, 'placement weight must be in (0, 1], got 0.'],
  ])('bad options: %o', (options, message) => {
    expect(() => new StagePlacement(options as never)).toThrow(message);
  });
});
