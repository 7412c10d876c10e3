import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReconnectBackoff } from './backoff.ts';
import type { BackoffReason } from './backoff.ts';

describe('ReconnectBackoff', () => {
  it('stops on CONNACK 1, 2 and 4, which only a configuration change can fix', () => {
    const backoff = new ReconnectBackoff({ random: () => 0.5 });
    for (const reason of ['unacceptable-protocol-version', 'identifier-rejected', 'bad-username-or-password'] as const) {
      expect(backoff.next(reason)).toBeUndefined();
    }
    expect(backoff.attempts).toBe(0);
  });

  it('doubles the jitter window per attempt up to maxMs, drawing full jitter from the random source', () => {
    const backoff = new ReconnectBackoff({ random: () => 0.999999, baseMs: 100, maxMs: 1000 });
    const waits = Array.from({ length: 6 }, () => backoff.next('connection-lost'));
    expect(waits).toEqual([99, 199, 399, 799, 999, 999]);
    backoff.reset();
    expect(backoff.next('connection-lost')).toBe(99);
    expect(new ReconnectBackoff({ random: () => 0, baseMs: 100 }).next('connection-lost')).toBe(0);
  });

  it('waits at least the throttled floor after throttling, server-unavailable and not-authorized', () => {
    for (const reason of ['throttled', 'server-unavailable', 'not-authorized'] as const) {
      const backoff = new ReconnectBackoff({ random: () => 0, throttledFloorMs: 30_000 });
      expect(backoff.next(reason)).toBe(30_000);
    }
  });

  it('stays within [floor, floor + maxMs] for any draw in [0, 1), and refuses a faulty draw, changing nothing', () => {
    const reasons: BackoffReason[] = ['connection-lost', 'throttled', 'server-unavailable', 'not-authorized', 'unknown'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...reasons), fc.double())), (draws) => {
        let draw = 0;
        const backoff = new ReconnectBackoff({ random: () => draw, baseMs: 10, maxMs: 500, throttledFloorMs: 1000 });
        for (const [reason, r] of draws) {
          draw = r;
          const attempts = backoff.attempts;
          if (!(r >= 0 && r < 1)) {
            expect(() => backoff.next(reason)).toThrow(expect.objectContaining({ code: 'invalid-random' }));
            expect(backoff.attempts).toBe(attempts);
            continue;
          }
          const wait = backoff.next(reason)!;
          expect(Number.isInteger(wait)).toBe(true);
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(wait).toBeLessThan(1000 + 500);
          expect(backoff.attempts).toBe(attempts + 1);
        }
      }),
    );
  });

  it('refuses negative or non-finite times', () => {
    expect(() => new ReconnectBackoff({ random: () => 0, baseMs: -1 })).toThrow(expect.objectContaining({ code: 'invalid-base-ms' }));
    expect(() => new ReconnectBackoff({ random: () => 0, maxMs: Infinity })).toThrow(/maxMs/);
  });
});
