/**
 * Percent-encoding of property-bag names and values (docs/protocol.md §6): azure-sdk-for-c's encoding out
 * (upper-case hex, only `A-Z a-z 0-9 - _ . ~` raw), and decoding of `%XX` escapes in either hex case that
 * must make valid UTF-8.
 */
import { requireString } from './arguments.ts';
import { TopicError } from './errors.ts';

/**
 * 1 for the characters a property bag leaves as they are: `A-Z a-z 0-9 - _ . ~` (docs/protocol.md §6,
 * the RFC 3986 unreserved set azure-sdk-for-c emits). Everything else becomes `%XX`.
 */
const UNRESERVED: Uint8Array = (() => {
  const table = new Uint8Array(128);
  const keep = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~';
  for (let i = 0; i < keep.length; i++) table[keep.charCodeAt(i)] = 1;
  return table;
})();

/** Slots of the memos of percentEncode and percentDecodeAt (a power of two), and the longest string kept. */
const RECENT_SLOTS = 16;
const MAX_RECENT_LENGTH = 256;

const LONE_SURROGATE_RULE = 'must be well-formed UTF-16: a lone surrogate has no UTF-8 form [MQTT-1.5.3-1]';

/** `%00`…`%FF` with upper-case hex, as azure-sdk-for-c writes them (docs/protocol.md §6); built once, not per byte. */
const ESCAPES: readonly string[] = Array.from(
  { length: 256 },
  (_, byte) => '%' + byte.toString(16).toUpperCase().padStart(2, '0'),
);

/** `%XX` of one byte. */
function escapeByte(byte: number): string {
  return ESCAPES[byte]!;
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
 * Percent-encodes every UTF-8 byte of `s` except `A-Z a-z 0-9 - _ . ~`, upper-case hex (docs/protocol.md §6);
 * `$` becomes `%24`. Throws TopicError `invalid-property` on a lone surrogate, which has no UTF-8 form
 * [MQTT-1.5.3-1].
 */
export function percentEncode(s: string): string {
  requireString(s, 'invalid-text', 'percentEncode input');
  const slot = s.length & (RECENT_SLOTS - 1);
  if (s === recentPlain[slot]) return recentEncoded[slot]!;
  const encoded = encode(s);
  if (s.length <= MAX_RECENT_LENGTH) {
    recentPlain[slot] = s;
    recentEncoded[slot] = encoded;
  }
  return encoded;
}

/**
 * Strings encoded lately and their encodings, one slot per length modulo RECENT_SLOTS: senders pass the same
 * content types, names and values again and again, and the same string object compares in one step.
 */
const recentPlain: string[] = new Array<string>(RECENT_SLOTS).fill('');
const recentEncoded: string[] = new Array<string>(RECENT_SLOTS).fill('');

/** percentEncode past the memo. */
function encode(s: string): string {
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

/** Value of each ASCII hex digit (either case); -1 for every other character below 128. */
const HEX_VALUES: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 16; i++) {
    table['0123456789abcdef'.charCodeAt(i)] = i;
    table['0123456789ABCDEF'.charCodeAt(i)] = i;
  }
  return table;
})();

/** Value of one hex digit, or -1. */
function hexValue(c: number): number {
  return c < 128 ? HEX_VALUES[c]! : -1;
}

/**
 * Percent-decodes `s` (UTF-8 escapes, either hex case); undefined when an escape is malformed or the bytes
 * are not valid UTF-8. `+` stays `+`: bags are not form-encoded (docs/protocol.md §6). Never throws on what
 * the wire brings; a value that is not a string is the caller's mistake (TopicError `invalid-text`).
 */
export function percentDecode(s: string): string | undefined {
  requireString(s, 'invalid-text', 'percentDecode input');
  return percentDecodeAt(s, 0, s.length, s.indexOf('%'));
}

/**
 * percentDecode of `s[start, end)` without slicing it out first; `percent` is the index of the first `%` at or
 * after `start` (-1 or ≥ `end` when there is none), which bag parsers already know. ASCII escapes, nearly the
 * only ones on the wire, are decoded here; a byte ≥ 0x80 hands the whole range to decodeURIComponent, which
 * checks the UTF-8 (overlong forms, surrogates, truncation) — it also costs ~250 ns even with nothing to do.
 */
export function percentDecodeAt(s: string, start: number, end: number, percent: number): string | undefined {
  if (percent === -1 || percent >= end) return s.slice(start, end); // the whole of `s` comes back as itself
  const escaped = s.slice(start, end); // slice and === beat startsWith, which V8 runs a character at a time
  const slot = escaped.length & (RECENT_SLOTS - 1);
  if (escaped === recentEscaped[slot]) return recentDecoded[slot];
  const decoded = decodeEscapes(s, start, end, percent);
  if (decoded !== undefined && escaped.length <= MAX_RECENT_LENGTH) {
    recentEscaped[slot] = escaped;
    recentDecoded[slot] = decoded;
  }
  return decoded;
}

/**
 * Escaped strings decoded lately and their results, one slot per length modulo RECENT_SLOTS. A hub repeats
 * the same escaped values on every message (`$.to`, a `$.ct` with `/`): comparing costs a tenth of decoding.
 * Decoding is a pure function of the string, so a result can be handed out again. Long strings are not kept
 * (a kept slice may still pin its topic: at most RECENT_SLOTS of them).
 */
const recentEscaped: string[] = new Array<string>(RECENT_SLOTS).fill('');
const recentDecoded: string[] = new Array<string>(RECENT_SLOTS).fill('');

/** percentDecodeAt past the memo: `s[start, end)` with its first `%` at `percent`. */
function decodeEscapes(s: string, start: number, end: number, percent: number): string | undefined {
  let out = '';
  let run = start;
  let i = percent;
  do {
    if (i + 2 >= end) return undefined;
    const high = hexValue(s.charCodeAt(i + 1));
    const low = hexValue(s.charCodeAt(i + 2));
    if (high < 0 || low < 0) return undefined;
    if (high >= 8) return decodeUtf8Escapes(s.slice(start, end));
    out += s.slice(run, i) + String.fromCharCode((high << 4) | low);
    run = i + 3;
    i = s.indexOf('%', run);
  } while (i !== -1 && i < end);
  return run === end ? out : out + s.slice(run, end);
}

/** decodeURIComponent, with its URIError turned into undefined. */
function decodeUtf8Escapes(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
