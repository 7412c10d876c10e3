import { hasWordAt } from './match.ts';
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

/** Key suffixes (after `$.`) by length, so a raw name is compared only with keys as long as itself. */
const SUFFIXES_BY_LENGTH: [suffix: string, friendly: keyof SystemProperties][][] = [];
for (const [friendly, wire] of SYSTEM_ENTRIES) {
  const suffix = wire.slice(2);
  (SUFFIXES_BY_LENGTH[suffix.length] ??= []).push([suffix, friendly]);
}

/**
 * The system property whose key is spelled raw at `s[start, end)`, as `%24.x` (what the hub sends) or `$.x`
 * (what the docs show), PROTOCOL.md §6. Reads the characters in place: no slice, no hashing, which keeps
 * the common C2D bag cheap. Other spellings (`%24%2Emid`) are left to systemKeyOf after decoding.
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
  const candidates = end > at ? SUFFIXES_BY_LENGTH[end - at] : undefined;
  if (candidates === undefined) return undefined;
  for (const [suffix, friendly] of candidates) {
    if (hasWordAt(s, suffix, at)) return friendly;
  }
  return undefined;
}

/** The system property whose decoded key is `name` (`$.mid`), if any. */
export function systemKeyOf(name: string): keyof SystemProperties | undefined {
  return name.charCodeAt(0) === 36 /* $ */ ? FRIENDLY_BY_KEY.get(name) : undefined;
}

/** True when `name` equals a system key ignoring case, so it cannot be an application property. */
export function isSystemKeyFolded(name: string): boolean {
  return FOLDED_KEYS.has(name.toLowerCase());
}
