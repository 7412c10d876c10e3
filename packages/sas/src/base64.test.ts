import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('encodeBase64', () => {
  it('matches the RFC 4648 §10 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(encodeBase64(bytes(plain))).toBe(encoded);
      expect(decodeBase64(encoded)).toEqual(bytes(plain));
    }
  });

  it('uses + and / for sextets 62 and 63', () => {
    expect(encodeBase64(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('+/+/');
  });

  it('equals the platform encoder for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        expect(encodeBase64(data)).toBe(Buffer.from(data).toString('base64'));
      }),
    );
  });
});

describe('decodeBase64', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        expect(decodeBase64(encodeBase64(data))).toEqual(data);
      }),
    );
  });

  it('accepts a mutated encoding exactly when it is canonical, then agreeing with the platform decoder', () => {
    const mutated = fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.constantFrom(...'AQgw/+=Zz9-_ \n'.split('')))
      .map(([data, at, char]) => {
        const text = Buffer.from(data).toString('base64');
        const i = at % text.length;
        return text.slice(0, i) + char + text.slice(i + 1);
      });
    fc.assert(
      fc.property(mutated, (text) => {
        const platform = Buffer.from(text, 'base64');
        const canonical = platform.toString('base64') === text;
        const decoded = decodeBase64(text);
        expect(decoded !== undefined).toBe(canonical);
        if (decoded !== undefined) expect(decoded).toEqual(new Uint8Array(platform));
      }),
    );
  });

  it.each([
    ['a length that is not a multiple of 4', 'Zm9'],
    ['missing padding', 'Zg'],
    ['whitespace', 'Zm9v\nYmFy'],
    ['a space', 'Zm9 '],
    ['the URL-safe alphabet', 'ab-_'],
    ['padding in the middle', 'Zg==Zm9v'],
    ['three padding characters', 'Z==='],
    ['non-zero bits under one pad', 'Zm9='],
    ['non-zero bits under two pads', 'Zh=='],
    ['a non-ASCII character', 'Zm9é'],
  ])('rejects %s', (_why, text) => {
    expect(decodeBase64(text)).toBeUndefined();
  });
});
