import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyString } from '../../test/mqtt-oracle.ts';
import { decodeShortAscii, decodeUtf8, encodeUtf8Into, SHORT_STRING_BYTES, utf8Length } from './utf8.ts';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The reference answer: TextDecoder in fatal mode, undefined where it throws. */
function reference(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Byte strings biased towards UTF-8 lead and continuation bytes and their edge values. */
const utf8ish = fc.uint8Array({ maxLength: 80 }).chain((base) =>
  fc
    .array(fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90), {
      maxLength: 10,
    })
    .map((extra) => Uint8Array.from([...base, ...extra].sort(() => 0))),
);

describe('decodeShortAscii', () => {
  /** Refuses every non-ASCII byte plus '#' (as the decoder's topic table does with its own set). */
  const refused = new Uint8Array(256).fill(1, 0x80);
  refused[0x23] = 1;

  it('decodes exactly as TextDecoder when no byte is refused, and declines otherwise', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: SHORT_STRING_BYTES }), fc.nat(8), (bytes, pad) => {
        const framed = new Uint8Array(pad + bytes.length + pad).fill(0x23);
        framed.set(bytes, pad);
        const clean = bytes.every((b) => b < 0x80 && b !== 0x23);
        expect(decodeShortAscii(framed, pad, pad + bytes.length, refused)).toBe(clean ? reference(bytes) : undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('declines a string whose only refused byte is its last one', () => {
    const bytes = Uint8Array.from([0x61, 0x2f, 0x62, 0x23]); // 'a/b#'
    expect(decodeShortAscii(bytes, 0, 3, refused)).toBe('a/b');
    expect(decodeShortAscii(bytes, 0, 4, refused)).toBeUndefined();
  });
});

describe('decodeUtf8', () => {
  it('agrees with a fatal TextDecoder on arbitrary bytes, short and long', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), utf8ish), fc.nat(8), (bytes, pad) => {
        const framed = new Uint8Array(pad + bytes.length + pad);
        framed.set(bytes, pad);
        expect(decodeUtf8(framed, pad, pad + bytes.length)).toBe(reference(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes every well-formed string, on both sides of the short-string threshold', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const bytes = new TextEncoder().encode(s);
        expect(decodeUtf8(bytes, 0, bytes.length)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects overlong forms, surrogates, and code points above U+10FFFF [MQTT-1.5.3-1]', () => {
    const bad = [
      [0xc0, 0x80], // overlong U+0000
      [0xe0, 0x80, 0x80], // overlong U+0000 in three bytes
      [0xed, 0xa0, 0x80], // U+D800, a surrogate
      [0xf0, 0x80, 0x80, 0x80], // overlong in four bytes
      [0xf4, 0x90, 0x80, 0x80], // U+110000
      [0xe2, 0x82], // truncated U+20AC
      [0x80], // continuation without a lead byte
    ];
    for (const b of bad) expect(decodeUtf8(Uint8Array.from(b), 0, b.length)).toBeUndefined();
    expect(decodeUtf8(Uint8Array.of(0xf4, 0x8f, 0xbf, 0xbf), 0, 4)).toBe('\u{10ffff}');
  });
});

describe('decodeUtf8 on ASCII', () => {
  it('decodes ASCII of any length like TextDecoder', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 3 * SHORT_STRING_BYTES }), fc.nat(4), (s, pad) => {
        const ascii = s.replace(/[^\x00-\x7f]/g, 'a');
        const bytes = new Uint8Array(pad + ascii.length);
        bytes.set(new TextEncoder().encode(ascii), pad);
        expect(decodeUtf8(bytes, pad, bytes.length)).toBe(ascii);
      }),
    );
  });
});

describe('utf8Length and encodeUtf8Into', () => {
  it('match TextEncoder for any string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.string({ unit: 'grapheme', maxLength: 100 })), fc.nat(5), (s, offset) => {
        const expected = new TextEncoder().encode(s);
        expect(utf8Length(s)).toBe(expected.length);
        const target = new Uint8Array(offset + expected.length + 2);
        expect(encodeUtf8Into(s, target, offset)).toBe(expected.length);
        expect(target.subarray(offset, offset + expected.length)).toEqual(expected);
        expect(target[offset + expected.length]).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('count a lone surrogate as U+FFFD, like Buffer.byteLength', () => {
    expect(utf8Length('\ud800')).toBe(Buffer.byteLength('\ud800'));
    expect(utf8Length('a\udc00b')).toBe(5);
    expect(utf8Length('\u{1f600}')).toBe(4);
  });
});
