import { TopicError } from './errors.ts';

/**
 * 1 for the characters a property bag leaves as they are: `A-Z a-z 0-9 - _ . ~` (PROTOCOL.md §6,
 * the RFC 3986 unreserved set azure-sdk-for-c emits). Everything else becomes `%XX`.
 */
const UNRESERVED: Uint8Array = (() => {
  const table = new Uint8Array(128);
  const keep = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~';
  for (let i = 0; i < keep.length; i++) table[keep.charCodeAt(i)] = 1;
  return table;
})();

const HEX_DIGITS = '0123456789ABCDEF';
const LONE_SURROGATE_RULE = 'must be well-formed UTF-16: a lone surrogate has no UTF-8 form [MQTT-1.5.3-1]';

/** `%XX` with upper-case hex, as azure-sdk-for-c writes it (PROTOCOL.md §6). */
function escapeByte(byte: number): string {
  return '%' + HEX_DIGITS.charAt(byte >> 4) + HEX_DIGITS.charAt(byte & 15);
}

/** The UTF-8 bytes of one code point as `%XX` escapes (code points ≥ 0x80 only). */
function escapeCodePoint(cp: number): string {
  if (cp < 0x800) return escapeByte(0xc0 | (cp >> 6)) + escapeByte(0x80 | (cp & 63));
  if (cp < 0x10000) {
    return escapeByte(0xe0 | (cp >> 12)) + escapeByte(0x80 | ((cp >> 6) & 63)) + escapeByte(0x80 | (cp & 63));
  }
  return (
    escapeByte(0xf0 | (cp >> 18)) +
    escapeByte(0x80 | ((cp >> 12) & 63)) +
    escapeByte(0x80 | ((cp >> 6) & 63)) +
    escapeByte(0x80 | (cp & 63))
  );
}

/** True when `s` would come out of `percentEncode` unchanged. */
export function isUnreserved(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || UNRESERVED[c] === 0) return false;
  }
  return true;
}

/**
 * Percent-encodes every UTF-8 byte of `s` except `A-Z a-z 0-9 - _ . ~`, upper-case hex (PROTOCOL.md §6);
 * `$` becomes `%24`. Throws TopicError `invalid-property` on a lone surrogate, which has no UTF-8 form
 * [MQTT-1.5.3-1].
 */
export function percentEncode(s: string): string {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 128 || UNRESERVED[c] === 0) break;
    i++;
  }
  if (i === n) return s; // the common case: nothing to escape, no allocation
  let out = s.slice(0, i);
  let run = i; // start of the pending run of unreserved characters
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (UNRESERVED[c] === 1) continue;
      out += s.slice(run, i) + escapeByte(c);
    } else if (c < 0xd800 || c > 0xdfff) {
      out += s.slice(run, i) + escapeCodePoint(c);
    } else {
      const low = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || low < 0xdc00 || low > 0xdfff) {
        throw new TopicError('invalid-property', s, LONE_SURROGATE_RULE);
      }
      out += s.slice(run, i) + escapeCodePoint(0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00));
      i++;
    }
    run = i + 1;
  }
  return out + s.slice(run);
}

/** Value of one hex digit, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * Percent-decodes `s` (UTF-8 escapes, either hex case); undefined when an escape is malformed or the bytes
 * are not valid UTF-8. `+` stays `+`: bags are not form-encoded (PROTOCOL.md §6). Never throws.
 */
export function percentDecode(s: string): string | undefined {
  let i = s.indexOf('%');
  if (i === -1) return s; // decodeURIComponent costs ~250 ns even with nothing to do
  let out = '';
  let run = 0;
  while (i !== -1) {
    if (i + 2 >= s.length) return undefined;
    const high = hexValue(s.charCodeAt(i + 1));
    const low = hexValue(s.charCodeAt(i + 2));
    if (high < 0 || low < 0) return undefined;
    const byte = (high << 4) | low;
    // A multi-byte sequence: let the engine's decoder check the UTF-8 (overlong forms, surrogates, truncation).
    if (byte >= 0x80) return decodeUtf8Escapes(s);
    out += s.slice(run, i) + String.fromCharCode(byte);
    run = i + 3;
    i = s.indexOf('%', run);
  }
  return out + s.slice(run);
}

/** decodeURIComponent, with its URIError turned into undefined. */
function decodeUtf8Escapes(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
