import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentDecode, percentEncode } from './percent.ts';

/** Reference: encodeURIComponent leaves `! ' ( ) *` alone; the SDK rule encodes them too. */
const oracle = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

describe('percentEncode', () => {
  it('keeps only A-Z a-z 0-9 - _ . ~ and writes upper-case hex', () => {
    expect(percentEncode('AZaz09-_.~')).toBe('AZaz09-_.~');
    expect(percentEncode('a/b+c=d e;f:g')).toBe('a%2Fb%2Bc%3Dd%20e%3Bf%3Ag');
    expect(percentEncode("!'()*")).toBe('%21%27%28%29%2A');
    expect(percentEncode('é€😀')).toBe('%C3%A9%E2%82%AC%F0%9F%98%80');
  });

  it('equals encodeURIComponent plus the five characters it skips, for any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        expect(percentEncode(text)).toBe(oracle(text));
      }),
    );
  });
});

describe('percentDecode', () => {
  it('round-trips any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        expect(percentDecode(percentEncode(text))).toBe(text);
      }),
    );
  });

  it('accepts lower-case hex, keeps + as +, and passes raw characters through', () => {
    expect(percentDecode('a%2fb')).toBe('a/b');
    expect(percentDecode('a+b')).toBe('a+b');
    expect(percentDecode('é%20x')).toBe('é x');
  });

  it.each([
    ['a truncated escape', 'abc%2'],
    ['a bare percent sign', '%'],
    ['non-hex digits', '%G1'],
    ['bytes that are not UTF-8', '%FF%FE'],
    ['a lone continuation byte', '%80'],
  ])('returns undefined for %s', (_why, text) => {
    expect(percentDecode(text)).toBeUndefined();
  });
});
