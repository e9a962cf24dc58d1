import { describe, expect, test } from 'vitest';
import { PIDRateEstimator } from '../../engine/index.ts';

// Spark's PIDRateEstimator (proportional 1.0, integral 0.2, derivative 0, minRate 100), as a
// table: each row a completed batch in, the new rate out.
describe('PIDRateEstimator', () => {
  test('batch after batch', () => {
    const e = new PIDRateEstimator(1000);
    const rows: [time: number, records: number, processingDelay: number, schedulingDelay: number, rate: number | undefined][] = [
      [1000, 5000, 2000, 0, undefined], // the first batch only learns the processing rate: 2500/s
      [2000, 2500, 1000, 1000, 2000], // on pace (error 0), but 1 s waited: 2500 - 0.2 × 2500
      [3000, 1000, 1000, 0, 1000], // processing 1000/s: 2000 - (2000 - 1000)
      [3000, 1000, 1000, 0, undefined], // not a later batch
      [4000, 0, 100, 0, undefined], // an empty batch teaches nothing
      [5000, 10, 1000, 0, 100], // never below minRate
    ];
    expect(rows.map(([t, n, p, s]) => e.compute(t, n, p, s))).toEqual(rows.map((r) => r[4]));
  });

  test('bad settings are refused', () => {
    expect(() => new PIDRateEstimator(0)).toThrow('PIDRateEstimator: the batch interval must be positive, got 0.');
    expect(() => new PIDRateEstimator(1000, 1, 0.2, 0, 0)).toThrow('PIDRateEstimator: minRate must be positive, got 0.');
  });
});
