/**
 * The field encodings every MQTT 3.1.1 packet is built from, with their limits, shared by the encoders:
 * the remaining length (§2.2.3), two-byte integers and packet identifiers (§1.5.2, §2.3.1), UTF-8
 * strings (§1.5.3) and binary data (§3.1.3.5). Every check throws InvalidIntentError naming the packet
 * and the field before a byte is written, so an encoder either refuses a value or emits a packet whose
 * every length prefix, and whose remaining length, counts exactly the bytes that follow it.
 */
import { InvalidIntentError } from '../shared/errors.ts';
import { isWellFormed } from '../shared/well-formed.ts';
import { encodeMeasuredInto, LONE_SURROGATE_FOUND, strictUtf8Length } from './utf8.ts';

/** Largest value the 4-byte remaining-length field can carry (MQTT 3.1.1 §2.2.3). */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** Largest UTF-8 string or binary field in bytes: its length prefix is a uint16 (§1.5.3, §3.1.3.5). */
export const MAX_FIELD_BYTES = 65_535;

/** Bytes the remaining-length field takes for `n` (1–4). */
export function remainingLengthBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4;
}

/** Writes `n` as a remaining length (7 bits a byte, least significant group first); returns the next offset. */
export function writeRemainingLength(target: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    target[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  target[at++] = n;
  return at;
}

/** Writes `n` (0–65535) big-endian; returns the next offset. */
export function writeUint16(target: Uint8Array, at: number, n: number): number {
  target[at] = n >>> 8;
  target[at + 1] = n & 0xff;
  return at + 2;
}

/** The uint16 at bytes[at], big-endian (a packet id or a length prefix). */
export function readUint16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
}

/** Throws `packet-too-large` when a remaining length of `n` bytes cannot be encoded. */
export function checkRemainingLength(packet: string, n: number): void {
  if (n > MAX_REMAINING_LENGTH) {
    throw new InvalidIntentError(
      'packet-too-large',
      `${packet} would have a remaining length of ${n} bytes; MQTT allows at most ${MAX_REMAINING_LENGTH} (§2.2.3)`,
    );
  }
}

/** The packet identifier, checked: an integer 1–65535 [MQTT-2.3.1-1]; throws `invalid-packet-id`. */
export function checkPacketId(packet: string, id: unknown): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 0xffff) {
    throw new InvalidIntentError('invalid-packet-id', `${packet} packet id must be an integer 1–65535 [MQTT-2.3.1-1], got ${shown(id)}`);
  }
  return id;
}

/**
 * UTF-8 length of `s` as the MQTT string field `field` of `packet`, checked: a string [MQTT-1.5.3-1]
 * without lone surrogates (no UTF-8 form) or U+0000 [MQTT-1.5.3-2], at most 65,535 bytes. Throws
 * `invalid-argument`, `invalid-string` or `field-too-long`.
 */
export function stringFieldLength(packet: string, field: string, s: unknown): number {
  return measuredField(packet, field, s, false);
}

/** The checks and the length of a string field; U+0000 is refused unless `allowNul` (binary data sent as text). */
function measuredField(packet: string, field: string, s: unknown, allowNul: boolean): number {
  if (typeof s !== 'string') {
    throw new InvalidIntentError('invalid-argument', `${packet} ${field} must be a string, got ${shown(s)}`);
  }
  // Every code unit takes at least one byte: a longer string is too long without measuring it.
  if (s.length > MAX_FIELD_BYTES) throw fieldTooLong(packet, field, s.length);
  const bytes = strictUtf8Length(s, allowNul);
  if (bytes < 0) throw invalidString(packet, field, bytes === LONE_SURROGATE_FOUND);
  if (bytes > MAX_FIELD_BYTES) throw fieldTooLong(packet, field, bytes);
  return bytes;
}

/** The error for a lone surrogate [MQTT-1.5.3-1] or U+0000 [MQTT-1.5.3-2] in a string field. */
function invalidString(packet: string, field: string, loneSurrogate: boolean): InvalidIntentError {
  return loneSurrogate
    ? new InvalidIntentError('invalid-string', `${packet} ${field} holds a lone surrogate, which has no UTF-8 form [MQTT-1.5.3-1]`)
    : new InvalidIntentError('invalid-string', `${packet} ${field} must not contain U+0000 [MQTT-1.5.3-2]`);
}

/** Throws `invalid-string` when `s` holds a lone surrogate [MQTT-1.5.3-1] or U+0000 [MQTT-1.5.3-2]. */
export function checkMqttString(packet: string, field: string, s: string): void {
  if (s.includes('\0')) throw invalidString(packet, field, false);
  if (!isWellFormed(s)) throw invalidString(packet, field, true);
}

/**
 * UTF-8 length of `s` as a binary field that travels as text (a SAS token password): any code point but
 * a lone surrogate (no UTF-8 form), at most 65,535 bytes. Throws `invalid-argument`, `invalid-string` or
 * `field-too-long`.
 */
export function textBinaryFieldLength(packet: string, field: string, s: unknown): number {
  return measuredField(packet, field, s, true);
}

/** Length of binary field `field`, checked: a Uint8Array of at most 65,535 bytes (§1.5.3 applies to its prefix too). */
export function binaryFieldLength(packet: string, field: string, b: unknown): number {
  if (!(b instanceof Uint8Array)) {
    throw new InvalidIntentError('invalid-argument', `${packet} ${field} must be a Uint8Array, got ${shown(b)}`);
  }
  if (b.length > MAX_FIELD_BYTES) throw fieldTooLong(packet, field, b.length);
  return b.length;
}

/** Writes a string field of `bytes` UTF-8 bytes (as measured) with its length prefix; returns the next offset. */
export function writeStringField(target: Uint8Array, at: number, s: string, bytes: number): number {
  at = writeUint16(target, at, bytes);
  encodeMeasuredInto(s, bytes, target, at);
  return at + bytes;
}

/** Writes a binary field with its length prefix; returns the next offset. */
export function writeBinaryField(target: Uint8Array, at: number, b: Uint8Array): number {
  at = writeUint16(target, at, b.length);
  target.set(b, at);
  return at + b.length;
}

/** The error for a field of `bytes` bytes over the uint16 limit. */
export function fieldTooLong(packet: string, field: string, bytes: number): InvalidIntentError {
  return new InvalidIntentError(
    'field-too-long',
    `${packet} ${field} is ${bytes} bytes; an MQTT string or binary field holds at most ${MAX_FIELD_BYTES} (§1.5.3)`,
  );
}

/** A value for an error message; never throws, whatever the value (String() of an object may). */
export function shown(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'undefined') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
