import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './histogram.ts';

/** The exact nearest-rank percentile. */
function exact(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] as number;
}

describe('LatencyHistogram', () => {
  it('reports every percentile at or above the exact value and within 2.5 % above it', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.002, max: 500_000, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 100 }), (values, p) => {
        const h = new LatencyHistogram();
        for (const v of values) h.record(v);
        const truth = exact(values, p);
        const got = h.percentile(p);
        expect(got).toBeGreaterThanOrEqual(truth * (1 - 1e-9));
        expect(got).toBeLessThanOrEqual(truth * 1.025 + 1e-9);
      }),
    );
  });

  it('keeps exact count, min, max and mean, and merging equals recording both', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const both = new LatencyHistogram();
    [3, 1, 40].forEach((v) => (a.record(v), both.record(v)));
    [0.5, 900].forEach((v) => (b.record(v), both.record(v)));
    a.merge(b);
    expect([a.count, a.min, a.max, a.mean]).toEqual([5, 0.5, 900, 944.5 / 5]);
    expect(a.buckets()).toEqual(both.buckets());
    expect(a.percentile(99)).toBe(both.percentile(99));
  });

  it('ignores values that are not latencies and counts cumulative buckets for Prometheus', () => {
    const h = new LatencyHistogram();
    for (const v of [NaN, -1, Infinity]) h.record(v);
    expect(h.count).toBe(0);
    expect(h.percentile(50)).toBe(0);
    for (const v of [0.5, 1, 2, 10, 100]) h.record(v);
    expect([h.countAtOrBelow(1), h.countAtOrBelow(10), h.countAtOrBelow(1000)]).toEqual([2, 4, 5]);
  });
});
