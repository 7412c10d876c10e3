// The SDK percent-encoding of SAS fields and user-name query values (docs/protocol.md §2, §4): UTF-8,
// every byte except the RFC 3986 unreserved set `A-Z a-z 0-9 - _ . ~` becomes `%XX` with
// upper-case hex, so `/` → `%2F`, `+` → `%2B`, `=` → `%3D`. A private copy: `@hubwire/sas`
// stays free of `@hubwire/topics`.

const HEX = '0123456789ABCDEF';
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** True for the bytes left as they are: `A-Z a-z 0-9 - _ . ~`. */
function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x5f ||
    byte === 0x2e ||
    byte === 0x7e
  );
}

/** Returns `text` UTF-8 encoded with every byte but `A-Z a-z 0-9 - _ . ~` as upper-case `%XX`. */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of encoder.encode(text)) {
    out += isUnreserved(byte) ? String.fromCharCode(byte) : '%' + HEX[byte >>> 4]! + HEX[byte & 15]!;
  }
  return out;
}

/** Value of one hex digit (either case), or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * Decodes `%XX` escapes (either hex case) as UTF-8; `+` stays `+` (this is not form encoding).
 * Returns undefined for a truncated or non-hex escape or bytes that are not valid UTF-8.
 */
export function percentDecode(text: string): string | undefined {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25) {
      const high = hexValue(text.charCodeAt(i + 1));
      const low = hexValue(text.charCodeAt(i + 2));
      if (high < 0 || low < 0) return undefined;
      bytes.push((high << 4) | low);
      i += 2;
    } else if (code < 0x80) {
      bytes.push(code);
    } else {
      // A raw non-ASCII character: keep it, as its UTF-8 bytes (surrogate pairs stay whole).
      const point = text.codePointAt(i)!;
      const char = String.fromCodePoint(point);
      bytes.push(...encoder.encode(char));
      i += char.length - 1;
    }
  }
  try {
    return strictDecoder.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}
