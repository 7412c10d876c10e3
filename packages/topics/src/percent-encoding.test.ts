import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopicError } from './errors.ts';
import { isUnreserved, percentDecode, percentEncode } from './percent-encoding.ts';

/** The oracle: encodeURIComponent, plus the five marks it leaves alone that docs/protocol.md §6 encodes. */
function oracleEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

describe('percentEncode', () => {
  it('leaves A-Z a-z 0-9 - _ . ~ alone and returns the same string when nothing needs escaping', () => {
    const s = 'AZaz09-_.~';
    expect(percentEncode(s)).toBe(s);
    expect(isUnreserved(s)).toBe(true);
  });

  it('encodes the system-name dollar, the delimiters and space with upper-case hex', () => {
    expect(percentEncode('$.mid')).toBe('%24.mid');
    expect(percentEncode('a string')).toBe('a%20string');
    expect(percentEncode('&=/+#?%')).toBe('%26%3D%2F%2B%23%3F%25');
    expect(percentEncode('application/json;charset=utf-8')).toBe('application%2Fjson%3Bcharset%3Dutf-8');
    expect(percentEncode("!'()*")).toBe('%21%27%28%29%2A');
  });

  it('encodes two-, three- and four-byte UTF-8 sequences', () => {
    expect(percentEncode('é')).toBe('%C3%A9');
    expect(percentEncode('€')).toBe('%E2%82%AC');
    expect(percentEncode('😀')).toBe('%F0%9F%98%80');
    expect(percentEncode('a€b')).toBe('a%E2%82%ACb');
  });

  it('throws invalid-property on a lone surrogate, which has no UTF-8 form', () => {
    for (const s of ['\uD800', 'a\uDC00', '\uD83Dx']) {
      const error = (() => {
        try {
          percentEncode(s);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(TopicError);
      expect((error as TopicError).code).toBe('invalid-property');
    }
  });

  it('equals encodeURIComponent with !\'()* also escaped, for any well-formed string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => percentEncode(s) === oracleEncode(s)));
  });

  it('emits only unreserved characters and %XX escapes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => /^(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*$/.test(percentEncode(s))),
    );
  });
});

describe('percentDecode', () => {
  it('returns the input itself when it holds no %', () => {
    const s = 'plain+text with spaces';
    expect(percentDecode(s)).toBe(s);
  });

  it('decodes ASCII and multi-byte escapes in either hex case and keeps + as +', () => {
    expect(percentDecode('a%20string')).toBe('a string');
    expect(percentDecode('%2fdevices%2Fd')).toBe('/devices/d');
    expect(percentDecode('%E2%82%ACx%c3%a9')).toBe('€xé');
    expect(percentDecode('%F0%9F%98%80')).toBe('😀');
    expect(percentDecode('a+b%2B')).toBe('a+b+');
  });

  it('returns undefined for malformed escapes and invalid UTF-8', () => {
    const broken = ['%', '%4', 'abc%', '%ZZ', '%G1', '%%41', '%C3', '%C3%28', '%ED%A0%80', '%C0%AF', '%FF', 'ok%E2%82'];
    for (const s of broken) expect(percentDecode(s), s).toBeUndefined();
  });

  it('inverts percentEncode for any well-formed string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => percentDecode(percentEncode(s)) === s));
  });

  it('agrees with decodeURIComponent on any input, undefined where it throws', () => {
    const pieces = fc.constantFrom('%', '%2', '%41', '%e2', '%82', '%AC', '%C3', '%A9', '%FF', 'a', '+', '€', 'Z');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
        const s = parts.join('');
        let expected: string | undefined;
        try {
          expected = decodeURIComponent(s);
        } catch {
          expected = undefined;
        }
        return percentDecode(s) === expected;
      }),
    );
  });
});
