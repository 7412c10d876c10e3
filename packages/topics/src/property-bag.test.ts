import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopicError, type TopicErrorCode } from './errors.ts';
import { decodePropertyBag, encodePropertyBag, type PropertyPair } from './property-bag.ts';

/** The code of the TopicError `run` throws; fails the test when it throws nothing or something else. */
function codeOf(run: () => unknown): TopicErrorCode {
  try {
    run();
  } catch (error) {
    if (error instanceof TopicError) return error.code;
    throw error;
  }
  throw new Error('expected a TopicError');
}

/** Characters that stress the codec: delimiters, escapes, `$`, space, `+`, non-ASCII and astral. */
const nasty = fc.constantFrom('a', 'Z', '0', '-', '_', '.', '~', '%', '&', '=', '/', '+', '$', ' ', '?', '#', 'é', '€', '😀', '\u0000');
const names = fc.string({ unit: nasty, minLength: 1, maxLength: 12 });
const values = fc.option(fc.string({ unit: nasty, maxLength: 16 }), { nil: null });
/** Bags whose names differ case-insensitively, as encodePropertyBag requires (docs/protocol.md §6). */
const bags = fc.uniqueArray(fc.tuple(names, values), { selector: ([name]) => name.toLowerCase(), maxLength: 8 });

describe('encodePropertyBag', () => {
  it('joins pairs with & in the given order, bare names for null values', () => {
    expect(encodePropertyBag([['b', '1'], ['a', null], ['c', '']])).toBe('b=1&a&c=');
  });

  it('percent-encodes names and values, including the $ of system names', () => {
    expect(encodePropertyBag([['$.ct', 'application/json;charset=utf-8']])).toBe('%24.ct=application%2Fjson%3Bcharset%3Dutf-8');
    expect(encodePropertyBag([['a b', 'x&y=z']])).toBe('a%20b=x%26y%3Dz');
  });

  it('returns an empty string for no pairs', () => {
    expect(encodePropertyBag([])).toBe('');
  });

  it('rejects names that differ only in case with duplicate-property', () => {
    expect(codeOf(() => encodePropertyBag([['Name', '1'], ['nAME', '2']]))).toBe('duplicate-property');
    expect(codeOf(() => encodePropertyBag([['x', '1'], ['y', '1'], ['x', null]]))).toBe('duplicate-property');
  });

  it('rejects an empty name, a non-string value and a lone surrogate with invalid-property', () => {
    expect(codeOf(() => encodePropertyBag([['', 'v']]))).toBe('invalid-property');
    expect(codeOf(() => encodePropertyBag([['n', 5 as unknown as string]]))).toBe('invalid-property');
    expect(codeOf(() => encodePropertyBag([['n', '\uD800']]))).toBe('invalid-property');
  });
});

describe('decodePropertyBag', () => {
  it('reads the documentation example: leading ?, bare key = null, key= = empty, escapes decoded', () => {
    expect(decodePropertyBag('?prop1&prop2=&prop3=a%20string')).toEqual({
      ok: true,
      pairs: [
        ['prop1', null],
        ['prop2', ''],
        ['prop3', 'a string'],
      ],
    });
  });

  it('drops a trailing / as in the Edge example and accepts $. and %24. alike', () => {
    expect(decodePropertyBag('%24.on=alert/')).toEqual({ ok: true, pairs: [['$.on', 'alert']] });
    expect(decodePropertyBag('$.on=alert')).toEqual({ ok: true, pairs: [['$.on', 'alert']] });
  });

  it('splits each pair at the first = only, and skips empty segments', () => {
    expect(decodePropertyBag('a=b=c&&d=&')).toEqual({ ok: true, pairs: [['a', 'b=c'], ['d', '']] });
  });

  it('keeps repeated names in wire order', () => {
    expect(decodePropertyBag('k=1&k=2')).toEqual({ ok: true, pairs: [['k', '1'], ['k', '2']] });
  });

  it('returns malformed-escape results for bad escapes in names or values, never throwing', () => {
    for (const bag of ['a=%ZZ', '%4=1', 'x=%E2%82', 'ok=1&bad=%']) {
      const result = decodePropertyBag(bag);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('malformed-escape');
    }
  });

  it('decodes a long run of bare keys, each to null', () => {
    const result = decodePropertyBag('a&'.repeat(30000) + 'z=1');
    expect(result.ok && result.pairs.length).toBe(30001);
    expect(result.ok && result.pairs.at(-2)).toEqual(['a', null]);
    expect(result.ok && result.pairs.at(-1)).toEqual(['z', '1']);
  });

  it('inverts encodePropertyBag for bags with unicode, %, &, =, /, +, $ and spaces', () => {
    fc.assert(
      fc.property(bags, (pairs: PropertyPair[]) => {
        expect(decodePropertyBag(encodePropertyBag(pairs))).toEqual({ ok: true, pairs });
      }),
    );
  });

  it('decodes the same pairs with a leading ? and a trailing /', () => {
    fc.assert(
      fc.property(bags, (pairs: PropertyPair[]) => {
        const bag = encodePropertyBag(pairs);
        expect(decodePropertyBag(`?${bag}/`)).toEqual(decodePropertyBag(bag));
      }),
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (bag) => typeof decodePropertyBag(bag).ok === 'boolean'));
  });
});
