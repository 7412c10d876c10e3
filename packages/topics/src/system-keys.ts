import type { SystemProperties } from './message-properties.ts';

/** Friendly name → wire key of every system property, in the order encoders emit them (PROTOCOL.md §7, §8). */
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

/** Lower-cased wire keys: IoT Hub reads property names case-insensitively (PROTOCOL.md §6). */
const FOLDED_KEYS: ReadonlySet<string> = new Set(SYSTEM_ENTRIES.map(([, wire]) => wire.toLowerCase()));

/**
 * Where systemKeyAt looks a suffix up: the suffix's length and first two characters (each folded to 5 bits),
 * which tell all 15 suffixes apart; a hit is then compared in full.
 */
function suffixSlot(length: number, first: number, second: number): number {
  return ((length & 7) << 10) | ((first & 31) << 5) | (second & 31);
}

/** Index into SYSTEM_ENTRIES + 1 by suffixSlot, 0 for none. */
const SUFFIX_SLOTS: Uint8Array = new Uint8Array(1 << 13);
/** Key suffixes after `$.` (`mid`), by SYSTEM_ENTRIES index. */
const SUFFIXES: readonly string[] = SYSTEM_ENTRIES.map(([, wire]) => wire.slice(2));
SUFFIXES.forEach((suffix, i) => {
  const slot = suffixSlot(suffix.length, suffix.charCodeAt(0), suffix.charCodeAt(1));
  if (suffix.length > 7 || SUFFIX_SLOTS[slot] !== 0) throw new Error(`system key suffix ${suffix} needs a new slot`);
  SUFFIX_SLOTS[slot] = i + 1;
});

/**
 * The system property whose key is spelled raw at `s[start, end)`, as `%24.x` (what the hub sends) or `$.x`
 * (what the docs show), PROTOCOL.md §6. Reads the characters in place: no slice, no hashing, one table
 * look-up, which keeps the common C2D bag cheap. Other spellings (`%24%2Emid`) are left to systemKeyOf
 * after decoding.
 */
export function systemKeyAt(s: string, start: number, end: number): keyof SystemProperties | undefined {
  let at: number;
  const first = s.charCodeAt(start);
  if (first === 37 /* % */ && s.charCodeAt(start + 1) === 50 /* 2 */ && s.charCodeAt(start + 2) === 52 /* 4 */) {
    at = start + 3;
  } else if (first === 36 /* $ */) {
    at = start + 1;
  } else {
    return undefined;
  }
  if (s.charCodeAt(at) !== 46 /* . */) return undefined;
  at++;
  const length = end - at;
  if (length < 2 || length > 7) return undefined;
  const entry = SUFFIX_SLOTS[suffixSlot(length, s.charCodeAt(at), s.charCodeAt(at + 1))]!;
  if (entry === 0) return undefined;
  // The slot matched the length and the first two characters when folded; compare them all.
  const suffix = SUFFIXES[entry - 1]!;
  for (let i = 0; i < length; i++) {
    if (s.charCodeAt(at + i) !== suffix.charCodeAt(i)) return undefined;
  }
  return SYSTEM_ENTRIES[entry - 1]![0];
}

/** The system property whose decoded key is `name` (`$.mid`), if any. */
export function systemKeyOf(name: string): keyof SystemProperties | undefined {
  return name.charCodeAt(0) === 36 /* $ */ ? FRIENDLY_BY_KEY.get(name) : undefined;
}

/** True when `name` equals a system key ignoring case, so it cannot be an application property. */
export function isSystemKeyFolded(name: string): boolean {
  return FOLDED_KEYS.has(name.toLowerCase());
}
