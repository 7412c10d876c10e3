/**
 * The wire keys of the system properties (`$.mid`, `$.ct`, …) and their look-up in both spellings the
 * hub uses (`$.x`, `%24.x`), in place.
 */
import type { SystemProperties } from './system-properties.ts';

/** Friendly name → wire key of every system property, in the order encoders emit them (docs/protocol.md §7, §8). */
export const SYSTEM_PROPERTY_KEYS: Readonly<Record<keyof SystemProperties, string>> = Object.freeze({
  messageId: '$.mid',
  correlationId: '$.cid',
  userId: '$.uid',
  contentType: '$.ct',
  contentEncoding: '$.ce',
  to: '$.to',
  expiryTimeUtc: '$.exp',
  creationTimeUtc: '$.ctime',
  component: '$.sub',
  outputName: '$.on',
  interfaceId: '$.ifid',
  diagnosticId: '$.diagid',
  diagnosticContext: '$.diagctx',
  connectionDeviceId: '$.cdid',
  connectionModuleId: '$.cmid',
});

/** The same table as [friendly, wire] pairs, in order. */
export const SYSTEM_ENTRIES: readonly (readonly [keyof SystemProperties, string])[] = Object.entries(
  SYSTEM_PROPERTY_KEYS,
) as [keyof SystemProperties, string][];

/** Decoded wire key (`$.mid`) → friendly name. */
const FRIENDLY_BY_KEY: ReadonlyMap<string, keyof SystemProperties> = new Map(
  SYSTEM_ENTRIES.map(([friendly, wire]) => [wire, friendly]),
);

/** Lower-cased wire keys: IoT Hub reads property names case-insensitively (docs/protocol.md §6). */
const FOLDED_KEYS: ReadonlySet<string> = new Set(SYSTEM_ENTRIES.map(([, wire]) => wire.toLowerCase()));

/** Key suffixes after `$.` (`mid`), by SYSTEM_ENTRIES index. */
const SUFFIXES: readonly string[] = SYSTEM_ENTRIES.map(([, wire]) => wire.slice(2));

/**
 * Where systemKeyAt looks a suffix up: its first two characters, each folded to 5 bits. Two suffixes may
 * share a slot (`ct` and `ctime`, `diagid` and `diagctx`), so a slot holds up to two entries.
 */
function suffixSlot(first: number, second: number): number {
  return ((first & 31) << 5) | (second & 31);
}

/** Per slot, SYSTEM_ENTRIES index + 1 of its first and second suffix (0 for none), at 2·slot and 2·slot + 1. */
const SUFFIX_SLOTS: Uint8Array = new Uint8Array(2 << 10);
/** Every suffix's character codes, concatenated, and where each starts (index = SYSTEM_ENTRIES index). */
const SUFFIX_CODES: Uint8Array = Uint8Array.from(SUFFIXES.join(''), (c) => c.charCodeAt(0));
const SUFFIX_STARTS: Uint8Array = Uint8Array.from(SUFFIXES, (_, i) => SUFFIXES.slice(0, i).join('').length);
const SUFFIX_LENGTHS: Uint8Array = Uint8Array.from(SUFFIXES, (suffix) => suffix.length);
SUFFIXES.forEach((suffix, i) => {
  const slot = 2 * suffixSlot(suffix.charCodeAt(0), suffix.charCodeAt(1));
  const free = SUFFIX_SLOTS[slot] === 0 ? slot : slot + 1;
  if (SUFFIX_SLOTS[free] !== 0) throw new Error(`system key suffix ${suffix} needs a new slot`);
  SUFFIX_SLOTS[free] = i + 1;
});

/** True when `s[at…]` holds suffix `entry` followed by `=`, `&` or `end`. */
function suffixAt(s: string, at: number, end: number, entry: number): boolean {
  const length = SUFFIX_LENGTHS[entry]!;
  const keyEnd = at + length;
  if (keyEnd > end) return false;
  const codes = SUFFIX_STARTS[entry]!;
  for (let i = 0; i < length; i++) {
    if (s.charCodeAt(at + i) !== SUFFIX_CODES[codes + i]) return false;
  }
  const next = keyEnd === end ? 61 /* = */ : s.charCodeAt(keyEnd);
  return next === 61 /* = */ || next === 38 /* & */;
}

/**
 * The system property whose key is spelled raw at `s[start…]`, as `%24.x` (what the hub sends) or `$.x`
 * (what the docs show), docs/protocol.md §6, and ends at an `=`, an `&` or `end`: its SYSTEM_ENTRIES index times
 * 16 plus the key's length, or -1. Reads the characters in place, so the caller needs no slice and no search
 * for the `=`; other spellings (`%24%2Emid`) are left to systemKeyOf after decoding.
 */
export function systemKeyAt(s: string, start: number, end: number): number {
  let at: number;
  const first = s.charCodeAt(start);
  if (first === 37 /* % */ && s.charCodeAt(start + 1) === 50 /* 2 */ && s.charCodeAt(start + 2) === 52 /* 4 */) {
    at = start + 3;
  } else if (first === 36 /* $ */) {
    at = start + 1;
  } else {
    return -1;
  }
  if (s.charCodeAt(at) !== 46 /* . */) return -1;
  at++;
  if (at + 2 > end) return -1;
  const slot = 2 * suffixSlot(s.charCodeAt(at), s.charCodeAt(at + 1));
  for (let k = slot; k < slot + 2; k++) {
    const entry = SUFFIX_SLOTS[k]! - 1;
    if (entry < 0) return -1;
    if (suffixAt(s, at, end, entry)) return entry * 16 + (at - start) + SUFFIX_LENGTHS[entry]!;
  }
  return -1;
}

/** Friendly names by SYSTEM_ENTRIES index. */
const FRIENDLY_NAMES: readonly (keyof SystemProperties)[] = SYSTEM_ENTRIES.map(([friendly]) => friendly);

/** The system property of a systemKeyAt match. */
export function matchedProperty(match: number): keyof SystemProperties {
  return FRIENDLY_NAMES[match >>> 4]!;
}

/** The key's length in a systemKeyAt match (at most 11, `%24.diagctx`). */
export function matchedKeyLength(match: number): number {
  return match & 15;
}

/** The system property whose decoded key is `name` (`$.mid`), if any. */
export function systemKeyOf(name: string): keyof SystemProperties | undefined {
  return name.charCodeAt(0) === 36 /* $ */ ? FRIENDLY_BY_KEY.get(name) : undefined;
}

/** True when `name` equals a system key ignoring case, so it cannot be an application property. */
export function isSystemKeyFolded(name: string): boolean {
  return FOLDED_KEYS.has(name.toLowerCase());
}
