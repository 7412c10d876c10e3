import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidTimeError } from './errors.ts';
import { checkNow } from './now.ts';

describe('checkNow', () => {
  it('accepts every finite number, negative and fractional ones too', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (now) => checkNow(now) === undefined));
  });

  it('throws InvalidTimeError for NaN, infinities and anything that is not a number', () => {
    for (const now of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '5', undefined, null, 5n, {}]) {
      expect(() => checkNow(now as number)).toThrow(InvalidTimeError);
    }
  });
});
