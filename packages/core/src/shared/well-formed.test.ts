import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWellFormed, scanWellFormed } from './well-formed.ts';

/** Whether `s` survives UTF-8 unchanged: the definition both checks must agree with. */
const roundTrips = (s: string): boolean => new TextDecoder().decode(new TextEncoder().encode(s)) === s;

describe('isWellFormed', () => {
  it('is true exactly when the string survives a UTF-8 round trip, natively and by scan', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'), fc.string({ unit: 'grapheme', maxLength: 1 })), maxLength: 12 }), (s) => {
        expect(isWellFormed(s)).toBe(roundTrips(s));
        expect(scanWellFormed(s)).toBe(roundTrips(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a lone high surrogate at the end, a lone low one, and a reversed pair', () => {
    for (const s of ['a\ud800', '\udc00a', '\udc00\ud800']) expect([isWellFormed(s), scanWellFormed(s)]).toEqual([false, false]);
    expect([isWellFormed('a\ud83d\ude00b'), scanWellFormed('a\ud83d\ude00b')]).toEqual([true, true]);
  });
});
