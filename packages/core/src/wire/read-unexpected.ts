/**
 * The packets a client never receives: CONNECT, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, UNSUBSCRIBE,
 * PINGREQ, DISCONNECT (a server's, or QoS 2's, which IoT Hub does not use) and the reserved types
 * 0 and 15. A device has no use for their fields, but it must still tell a well-formed packet of the
 * wrong kind (`{ cmd: 'other' }`) from broken framing (a DecodeFailure), so each is checked against
 * its layout in MQTT 3.1.1 §3: fixed-header flags [MQTT-2.2.2-1], lengths that stay inside the packet
 * and account for all of it, UTF-8 strings [MQTT-1.5.3-1, MQTT-1.5.3-2], non-zero packet ids
 * [MQTT-2.3.1-1] and topic rules (§4.7).
 *
 * What this accepts, mqtt-packet's parser accepts too; it refuses more (trailing bytes, a missing
 * filter, packet id 0, a protocol level other than 3.1 or 3.1.1, …). read-unexpected.test.ts proves both
 * halves: every packet mqtt-packet generates from valid fields is `other`, and whatever is `other`
 * mqtt-packet parses without complaint.
 */
import { readUint16 } from './fields.ts';
import { malformed } from './packets.ts';
import type { DecodeFailure, OtherPacket } from './packets.ts';
import { wildcardProblem } from './topic-rules.ts';
import { decodeUtf8 } from './utf8.ts';

/** mqtt-packet's names for the control packet types, index = type (MQTT 3.1.1 table 2.1). */
const TYPE_NAMES: readonly string[] = [
  'reserved', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth',
];

/**
 * Checks the packet of type 0, 1, 5–8, 10, 12, 14 or 15 at bytes[body − header, end) (first byte
 * `first`, variable header from `body`): `{ cmd: 'other' }` when it is well-formed, else the failure.
 */
export function checkUnexpected(bytes: Uint8Array, first: number, body: number, end: number): OtherPacket | DecodeFailure {
  const type = first >>> 4;
  const name = TYPE_NAMES[type] as string;
  const problem = problemOf(bytes, type, first & 0x0f, body, end);
  if (problem === undefined) return { cmd: 'other', type, name };
  const label = type === 0 || type === 15 ? `packet type ${type}` : name.toUpperCase();
  return malformed(`${label} ${problem}`);
}

/** What is wrong with the packet, or undefined. */
function problemOf(bytes: Uint8Array, type: number, flags: number, body: number, end: number): string | undefined {
  switch (type) {
    case 1: // CONNECT (§3.1)
      return flags !== 0 ? 'fixed-header flags must be 0 [MQTT-2.2.2-1]' : connectProblem(bytes, body, end);
    case 5: // PUBREC (§3.5)
    case 7: // PUBCOMP (§3.7)
      return flags !== 0 ? 'fixed-header flags must be 0 [MQTT-2.2.2-1]' : packetIdOnlyProblem(bytes, body, end);
    case 6: // PUBREL (§3.6)
      return flags !== 2 ? 'fixed-header flags must be 0010 [MQTT-3.6.1-1]' : packetIdOnlyProblem(bytes, body, end);
    case 8: // SUBSCRIBE (§3.8)
      return flags !== 2 ? 'fixed-header flags must be 0010 [MQTT-3.8.1-1]' : filtersProblem(bytes, body, end, true);
    case 10: // UNSUBSCRIBE (§3.10)
      return flags !== 2 ? 'fixed-header flags must be 0010 [MQTT-3.10.1-1]' : filtersProblem(bytes, body, end, false);
    case 12: // PINGREQ (§3.12)
    case 14: // DISCONNECT (§3.14)
      if (flags !== 0) return 'fixed-header flags must be 0 [MQTT-2.2.2-1]';
      return end === body ? undefined : `remaining length must be 0, got ${end - body}`;
    default: // 0 and 15
      return 'is reserved (§2.2.1)';
  }
}

/** PUBREC, PUBREL, PUBCOMP: a non-zero packet id and nothing else. */
function packetIdOnlyProblem(bytes: Uint8Array, body: number, end: number): string | undefined {
  if (end - body !== 2) return `remaining length must be 2, got ${end - body}`;
  return readUint16(bytes, body) === 0 ? 'packet id must be non-zero [MQTT-2.3.1-1]' : undefined;
}

/** Where the length-prefixed field at bytes[at] ends, or -1 when it runs past `end`. */
function fieldEnd(bytes: Uint8Array, at: number, end: number): number {
  if (at + 2 > end) return -1;
  const stop = at + 2 + readUint16(bytes, at);
  return stop > end ? -1 : stop;
}

/** The MQTT string bytes[start, stop), or what is wrong with it. */
function readString(bytes: Uint8Array, start: number, stop: number, what: string): { value: string } | string {
  const value = decodeUtf8(bytes, start, stop);
  if (value === undefined) return `${what} is not well-formed UTF-8 [MQTT-1.5.3-1]`;
  if (value.includes('\0')) return `${what} contains U+0000 [MQTT-1.5.3-2]`;
  return { value };
}

/** SUBSCRIBE (`withQos`) or UNSUBSCRIBE: a non-zero packet id, then one or more filters (with a QoS byte each). */
function filtersProblem(bytes: Uint8Array, body: number, end: number, withQos: boolean): string | undefined {
  if (end - body < 2) return 'is too short for its packet id';
  if (readUint16(bytes, body) === 0) return 'packet id must be non-zero [MQTT-2.3.1-1]';
  let at = body + 2;
  if (at === end) return withQos ? 'needs at least one filter [MQTT-3.8.3-3]' : 'needs at least one filter [MQTT-3.10.3-2]';
  for (let n = 0; at < end; n++) {
    const stop = fieldEnd(bytes, at, end);
    if (stop === -1) return `filter ${n} runs past the packet`;
    const filter = readString(bytes, at + 2, stop, `filter ${n}`);
    if (typeof filter === 'string') return filter;
    if (filter.value === '') return `filter ${n} must not be empty [MQTT-4.7.3-1]`;
    const wildcards = wildcardProblem(filter.value);
    if (wildcards !== undefined) return `filter ${n} ${wildcards}`;
    at = stop;
    if (withQos) {
      if (at === end) return `filter ${n} lacks its requested QoS byte (§3.8.3)`;
      const options = bytes[at++] as number;
      if (options > 2) return `filter ${n} requested QoS byte must be 0, 1 or 2 [MQTT-3.8.3-4]`;
    }
  }
  return undefined;
}

/** Protocol names and the level each comes with: 3.1.1 (level 4), and 3.1 (level 3) which 3.1.1 servers often take. */
const PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['MQTT', 4],
  ['MQIsdp', 3],
]);

/** CONNECT: protocol name and level, flags, keep alive, then the fields its flags announce, and nothing more. */
function connectProblem(bytes: Uint8Array, body: number, end: number): string | undefined {
  const nameEnd = fieldEnd(bytes, body, end);
  if (nameEnd === -1) return 'protocol name runs past the packet (§3.1.2.1)';
  const protocol = decodeUtf8(bytes, body + 2, nameEnd);
  const level = PROTOCOLS.get(protocol ?? '');
  if (level === undefined) return 'protocol name must be MQTT (§3.1.2.1)';
  if (nameEnd + 4 > end) return 'is too short for its variable header (§3.1.2)';
  if (bytes[nameEnd] !== level) return `protocol level must be ${level} for ${protocol} (§3.1.2.2)`;
  const flags = bytes[nameEnd + 1] as number;
  if ((flags & 0x01) !== 0) return 'reserved connect flag must be 0 [MQTT-3.1.2-3]';
  const will = (flags & 0x04) !== 0;
  const willQos = (flags >>> 3) & 0x03;
  if (!will && (willQos !== 0 || (flags & 0x20) !== 0)) return 'will QoS and retain must be 0 without a will [MQTT-3.1.2-13, MQTT-3.1.2-15]';
  if (willQos === 3) return 'will QoS must not be 3 [MQTT-3.1.2-14]';
  if ((flags & 0xc0) === 0x40) return 'password flag needs the user name flag [MQTT-3.1.2-22]';
  // Payload fields in order (§3.1.3): client id, will topic, will payload, user name, password.
  const fields: [string, 'string' | 'topic' | 'binary'][] = [['client id', 'string']];
  if (will) fields.push(['will topic', 'topic'], ['will payload', 'binary']);
  if ((flags & 0x80) !== 0) fields.push(['user name', 'string']);
  if ((flags & 0x40) !== 0) fields.push(['password', 'binary']);
  let at = nameEnd + 4;
  for (const [what, kind] of fields) {
    const stop = fieldEnd(bytes, at, end);
    if (stop === -1) return `${what} runs past the packet (§3.1.3)`;
    if (kind !== 'binary') {
      const text = readString(bytes, at + 2, stop, what);
      if (typeof text === 'string') return text;
      if (kind === 'topic' && (text.value === '' || text.value.includes('+') || text.value.includes('#'))) {
        return 'will topic must be a non-empty topic name without wildcards [MQTT-3.1.2-9]';
      }
    }
    at = stop;
  }
  return at === end ? undefined : `has ${end - at} bytes after its last field (§3.1.3)`;
}
