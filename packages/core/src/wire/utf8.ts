/**
 * UTF-8 for MQTT strings (topics), tuned for the short strings IoT Hub traffic carries.
 *
 * Decoding is strict: MQTT 3.1.1 requires well-formed UTF-8 [MQTT-1.5.3-1] (no overlong forms,
 * no encoded surrogates, nothing above U+10FFFF), so every decoder here returns `undefined`
 * for ill-formed input instead of substituting U+FFFD as `TextDecoder` would by default.
 *
 * Why hand-written code at all: a `TextDecoder.decode` call costs ~200 ns whatever the length
 * and needs a view object (96 bytes of garbage per topic), while `String.fromCharCode` over a
 * few bytes costs tens of ns. The measured crossover (Node 20; bench/utf8.ts) lies between 40
 * and 48 bytes; 44 covers most method-request and twin-response topics, so those take the
 * hand-written path and longer ones (C2D topics with a property bag) go to `TextDecoder`. Encoding mirrors
 * Node's byteLength and write of its buffer class (WHATWG UTF-8: a lone surrogate becomes U+FFFD,
 * EF BF BD), so encoders built on it stay byte-identical to mqtt-packet.
 */

import { viewOf } from './view.ts';

/** Strings up to this many bytes are decoded by hand; longer ones by `TextDecoder`. */
export const SHORT_STRING_BYTES = 44;

const fromCharCode = String.fromCharCode;
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const textEncoder = new TextEncoder();

/**
 * One reusable argument array per short length: `fromCharCode.apply` over an array of exactly
 * the right length builds the string in one allocation, with no intermediate strings.
 */
const CODE_UNITS: number[][] = Array.from({ length: SHORT_STRING_BYTES + 1 }, (_, n) => Array.from({ length: n }, () => 0));

/** Decodes bytes[start, end) as strict UTF-8; `undefined` when ill-formed [MQTT-1.5.3-1]. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string | undefined {
  const length = end - start;
  if (length > SHORT_STRING_BYTES) {
    // No JS pre-scan: the native decoder validates (and finds ASCII) far faster than a byte loop.
    try {
      return strictDecoder.decode(viewOf(bytes, start, end));
    } catch {
      return undefined;
    }
  }
  // One pass: copy code units while checking for ASCII; the first non-ASCII byte switches paths.
  const units = CODE_UNITS[length] as number[];
  for (let i = 0; i < length; i++) {
    const b = bytes[start + i] as number;
    if (b > 0x7f) return decodeShortUtf8(bytes, start, end);
    units[i] = b;
  }
  return fromCharCode.apply(null, units);
}

/**
 * Decodes bytes[start, end) when it is at most SHORT_STRING_BYTES long, every byte is ASCII and none
 * is marked in `refused` (a 256-entry table; entries 0x80–0xFF must be marked); `undefined` otherwise,
 * so the caller can take the careful path. One pass over the bytes and no view: a topic's checks
 * ride along with its decoding.
 */
export function decodeShortAscii(bytes: Uint8Array, start: number, end: number, refused: Uint8Array): string | undefined {
  const length = end - start;
  if (length > SHORT_STRING_BYTES) return undefined;
  const units = CODE_UNITS[length] as number[];
  let marked = 0;
  let i = 0;
  // Four bytes a turn: the loop's own overhead is most of the cost of a byte.
  for (; i + 4 <= length; i += 4) {
    const b0 = bytes[start + i] as number;
    const b1 = bytes[start + i + 1] as number;
    const b2 = bytes[start + i + 2] as number;
    const b3 = bytes[start + i + 3] as number;
    marked |= (refused[b0] as number) | (refused[b1] as number) | (refused[b2] as number) | (refused[b3] as number);
    units[i] = b0;
    units[i + 1] = b1;
    units[i + 2] = b2;
    units[i + 3] = b3;
  }
  for (; i < length; i++) {
    const b = bytes[start + i] as number;
    marked |= refused[b] as number;
    units[i] = b;
  }
  return marked === 0 ? fromCharCode.apply(null, units) : undefined;
}

/** Code units of a short non-ASCII string, before they are moved to an exact-length array. */
const scratch: number[] = Array.from({ length: SHORT_STRING_BYTES }, () => 0);

/** Hand-written strict decoder (Unicode table 3-7 of well-formed byte sequences). */
function decodeShortUtf8(bytes: Uint8Array, start: number, end: number): string | undefined {
  let count = 0;
  let i = start;
  while (i < end) {
    const b0 = bytes[i++] as number;
    if (b0 < 0x80) {
      scratch[count++] = b0;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      if (i >= end) return undefined;
      const b1 = bytes[i++] as number;
      if ((b1 & 0xc0) !== 0x80) return undefined;
      scratch[count++] = ((b0 & 0x1f) << 6) | (b1 & 0x3f);
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      if (i + 1 >= end) return undefined;
      const b1 = bytes[i++] as number;
      const b2 = bytes[i++] as number;
      // E0 needs A0..BF (no overlong), ED needs 80..9F (no surrogates).
      const low = b0 === 0xe0 ? 0xa0 : 0x80;
      const high = b0 === 0xed ? 0x9f : 0xbf;
      if (b1 < low || b1 > high || (b2 & 0xc0) !== 0x80) return undefined;
      scratch[count++] = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      if (i + 2 >= end) return undefined;
      const b1 = bytes[i++] as number;
      const b2 = bytes[i++] as number;
      const b3 = bytes[i++] as number;
      // F0 needs 90..BF (no overlong), F4 needs 80..8F (nothing above U+10FFFF).
      const low = b0 === 0xf0 ? 0x90 : 0x80;
      const high = b0 === 0xf4 ? 0x8f : 0xbf;
      if (b1 < low || b1 > high || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) return undefined;
      const point = (((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f)) - 0x10000;
      scratch[count++] = 0xd800 | (point >> 10);
      scratch[count++] = 0xdc00 | (point & 0x3ff);
    } else {
      return undefined;
    }
  }
  // UTF-16 never needs more code units than UTF-8 needs bytes, so count ≤ SHORT_STRING_BYTES.
  const units = CODE_UNITS[count] as number[];
  for (let k = 0; k < count; k++) units[k] = scratch[k] as number;
  return fromCharCode.apply(null, units);
}

/** Strings up to this many code units are encoded by hand; longer ones by `TextEncoder.encodeInto`. */
const SHORT_STRING_UNITS = 24;

/** Number of bytes `s` takes in UTF-8 (lone surrogates count as U+FFFD, as Node's byteLength counts them). */
export function utf8Length(s: string): number {
  const n = s.length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 2; // a pair: 2 code units, 4 bytes
      i++;
    } else {
      bytes += 2; // BMP character or lone surrogate (U+FFFD): 3 bytes
    }
  }
  return bytes;
}

/** What `strictUtf8Length` returns for a string with a lone surrogate, which has no UTF-8 form. */
export const LONE_SURROGATE_FOUND = -1;
/** What `strictUtf8Length` returns for a string holding U+0000 when it is not allowed. */
export const NUL_FOUND = -2;

/**
 * Number of bytes `s` takes in UTF-8, or LONE_SURROGATE_FOUND [MQTT-1.5.3-1], or NUL_FOUND when `s` holds
 * U+0000 and `allowNul` is false [MQTT-1.5.3-2]: the checks of an MQTT string and its length in one pass,
 * where `includes`, `isWellFormed` and `utf8Length` took three.
 */
export function strictUtf8Length(s: string, allowNul: boolean): number {
  const n = s.length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0 && !allowNul) return NUL_FOUND;
      continue;
    }
    if (c < 0x800) {
      bytes += 1;
    } else if (c < 0xd800 || c > 0xdfff) {
      bytes += 2;
    } else if (c <= 0xdbff && i + 1 < n && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 2; // a pair: 2 code units, 4 bytes
      i++;
    } else {
      return LONE_SURROGATE_FOUND;
    }
  }
  return bytes;
}

/** ASCII strings up to this long are written by a loop in `encodeMeasuredInto`; past it `TextEncoder` is faster. */
const ASCII_LOOP_UNITS = 256;

/**
 * Writes `s`, measured at `bytes` UTF-8 bytes, at `target[offset]`. An all-ASCII string (as many bytes
 * as code units) is copied a code unit a byte: `encodeInto` costs a view and a native call, more
 * than the loop for the user names, tokens and filters CONNECT and SUBSCRIBE carry.
 */
export function encodeMeasuredInto(s: string, bytes: number, target: Uint8Array, offset: number): void {
  const n = s.length;
  if (bytes !== n || n > ASCII_LOOP_UNITS) {
    encodeUtf8Into(s, target, offset);
    return;
  }
  for (let i = 0; i < n; i++) target[offset + i] = s.charCodeAt(i);
}

/** Writes `s` as UTF-8 at `target[offset]`, returns the bytes written; the caller sized the target. */
export function encodeUtf8Into(s: string, target: Uint8Array, offset: number): number {
  const n = s.length;
  let pos = offset;
  if (n > SHORT_STRING_UNITS) {
    // Longer strings: TextEncoder's native loop wins despite its view allocation, and it copes
    // with concatenated (rope) strings, on which charCodeAt is slow.
    return textEncoder.encodeInto(s, target.subarray(offset)).written;
  }
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      target[pos++] = c;
    } else if (c < 0x800) {
      target[pos++] = 0xc0 | (c >> 6);
      target[pos++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && isLowSurrogate(next)) {
          const point = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          target[pos++] = 0xf0 | (point >> 18);
          target[pos++] = 0x80 | ((point >> 12) & 0x3f);
          target[pos++] = 0x80 | ((point >> 6) & 0x3f);
          target[pos++] = 0x80 | (point & 0x3f);
          i++;
          continue;
        }
        c = 0xfffd; // lone surrogate, as TextEncoder and Buffer do
      }
      target[pos++] = 0xe0 | (c >> 12);
      target[pos++] = 0x80 | ((c >> 6) & 0x3f);
      target[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos - offset;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
