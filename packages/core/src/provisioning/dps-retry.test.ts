import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DPS_POLL_WINDOW_MS, DPS_POLLS_PER_WINDOW, DpsRequestLimiter, dpsRetryDelayMs } from './dps-retry.ts';

describe('dpsRetryDelayMs', () => {
  it('honours retry-after between 1 and 300 seconds', () => {
    expect(dpsRetryDelayMs(1)).toBe(1000);
    expect(dpsRetryDelayMs(3)).toBe(3000);
    expect(dpsRetryDelayMs(300)).toBe(300_000);
  });

  it('falls back to 1 s when retry-after is absent or outside 1–300 s, like the C SDK', () => {
    for (const seconds of [undefined, 0, -5, 301, 86_400, Number.NaN, Infinity]) {
      expect(dpsRetryDelayMs(seconds)).toBe(1000);
    }
  });
});

describe('DpsRequestLimiter', () => {
  it('lets the first five requests go at once and holds the sixth until ten seconds after the first', () => {
    const limiter = new DpsRequestLimiter();
    for (let i = 0; i < 5; i++) {
      expect(limiter.earliest(1000 + i)).toBe(1000 + i);
      limiter.record(1000 + i);
    }
    expect(limiter.earliest(1005)).toBe(11_000);
    limiter.record(11_000);
    expect(limiter.earliest(11_000)).toBe(11_001);
  });

  it('never lets more than five requests into any ten-second window', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 60 }), (gaps) => {
        const limiter = new DpsRequestLimiter();
        const sent: number[] = [];
        let now = 0;
        for (const gap of gaps) {
          now = limiter.earliest(now + gap);
          limiter.record(now);
          sent.push(now);
        }
        for (let i = DPS_POLLS_PER_WINDOW; i < sent.length; i++) {
          expect((sent[i] as number) - (sent[i - DPS_POLLS_PER_WINDOW] as number)).toBeGreaterThanOrEqual(DPS_POLL_WINDOW_MS);
        }
      }),
    );
  });
});
