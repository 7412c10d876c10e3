import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkedDraw, defaultRandom, ridPrefix } from './random.ts';

describe('the default random source', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('draws from WebCrypto in blocks: a thousand engines cost one or two getRandomValues calls, not a thousand', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const draws = Array.from({ length: 4096 }, defaultRandom);
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(4);
    expect(spy.mock.calls.length).toBeLessThanOrEqual(5);
    expect(draws.every((r) => r >= 0 && r < 1)).toBe(true);
    // Fresh CSPRNG words, each used once: no repeats to speak of among 4096 draws of 2^32 values.
    expect(new Set(draws).size).toBeGreaterThan(4090);
  });

  it('gives engines built one after another unrelated rid prefixes', () => {
    const prefixes = Array.from({ length: 2000 }, () => ridPrefix(defaultRandom));
    expect(prefixes.every((p) => /^[0-9a-z]{4}$/.test(p))).toBe(true);
    expect(new Set(prefixes).size).toBeGreaterThan(1990);
  });

  it('refuses a draw outside [0, 1) where it is used', () => {
    for (const bad of [Number.NaN, 1, 1.5, -0.1, Number.POSITIVE_INFINITY, '0.5']) {
      expect(() => checkedDraw(() => bad as number)).toThrow(expect.objectContaining({ code: 'invalid-random' }));
    }
    expect(checkedDraw(() => 0)).toBe(0);
  });
});
