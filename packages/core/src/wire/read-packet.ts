/**
 * Reads one framed MQTT 3.1.1 packet (decoder.ts found its bounds) into the shape a device acts on:
 * CONNACK, PUBLISH, PUBACK, SUBACK, UNSUBACK and PINGRESP here, every other type's frame checked by
 * read-unexpected.ts. Every rule a packet breaks becomes a DecodeFailure naming it, never an exception.
 *
 * Stricter than mqtt-packet, which accepts all of these: DUP on a QoS 0 PUBLISH [MQTT-3.3.1-2], an
 * empty topic [MQTT-4.7.3-1], wildcards [MQTT-3.3.2-2] or U+0000 [MQTT-1.5.3-2] in a topic,
 * ill-formed UTF-8 (mqtt-packet substitutes U+FFFD) [MQTT-1.5.3-1], packet id 0 [MQTT-2.3.1-1], and
 * a CONNACK, PUBACK, UNSUBACK or PINGRESP whose remaining length is not the fixed one of its type.
 * On valid input both agree (decoder.test.ts).
 */
import { readUint16 } from './fields.ts';
import { malformed } from './packets.ts';
import type { DecodeFailure, InboundPacket, PublishPacket } from './packets.ts';
import { checkUnexpected } from './read-unexpected.ts';
import { decodeShortAscii, decodeUtf8, SHORT_STRING_BYTES } from './utf8.ts';
import { viewOf } from './view.ts';

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Decodes the packet at bytes[start, end); its variable header starts at `body`.
 * Views it returns point into `bytes`.
 */
export function decodePacket(bytes: Uint8Array, start: number, body: number, end: number): InboundPacket | DecodeFailure {
  const first = bytes[start] as number;
  const type = first >>> 4;
  const flags = first & 0x0f;
  const length = end - body;
  if (type === 3) return decodePublish(bytes, flags, body, end);
  switch (type) {
    case 4: // PUBACK: flags 0 [MQTT-2.2.2-1], remaining length 2 (§3.4.1)
      if (flags !== 0) return badFlags('PUBACK');
      if (length !== 2) return malformed(`PUBACK remaining length must be 2, got ${length} (§3.4.1)`);
      return { cmd: 'puback', messageId: readUint16(bytes, body) };
    case 2: {
      // CONNACK: flags 0 [MQTT-2.2.2-1], remaining length 2 (§3.2.1), flag bits 7–1 zero (§3.2.2.1)
      if (flags !== 0) return badFlags('CONNACK');
      if (length !== 2) return malformed(`CONNACK remaining length must be 2, got ${length} (§3.2.1)`);
      const ackFlags = bytes[body] as number;
      if (ackFlags > 1) return malformed('CONNACK acknowledge flags bits 7-1 must be 0 (§3.2.2.1)');
      return { cmd: 'connack', returnCode: bytes[body + 1] as number, sessionPresent: ackFlags === 1 };
    }
    case 9: {
      // SUBACK: flags 0 [MQTT-2.2.2-1], packet id then ≥1 return code 0, 1, 2 or 0x80 [MQTT-3.9.3-2]
      if (flags !== 0) return badFlags('SUBACK');
      if (length < 3) return malformed(`SUBACK needs a packet id and a return code, remaining length ${length}`);
      const granted: number[] = [];
      for (let i = body + 2; i < end; i++) {
        const code = bytes[i] as number;
        if (code > 2 && code !== 0x80) return malformed(`SUBACK return code ${code} is reserved [MQTT-3.9.3-2]`);
        granted.push(code);
      }
      return { cmd: 'suback', messageId: readUint16(bytes, body), granted };
    }
    case 11: // UNSUBACK: flags 0 [MQTT-2.2.2-1], remaining length 2 (§3.11.1)
      if (flags !== 0) return badFlags('UNSUBACK');
      if (length !== 2) return malformed(`UNSUBACK remaining length must be 2, got ${length} (§3.11.1)`);
      return { cmd: 'unsuback', messageId: readUint16(bytes, body) };
    case 13: // PINGRESP: flags 0 [MQTT-2.2.2-1], no variable header or payload (§3.13)
      if (flags !== 0) return badFlags('PINGRESP');
      if (length !== 0) return malformed(`PINGRESP remaining length must be 0, got ${length} (§3.13)`);
      return { cmd: 'pingresp' };
    default:
      return checkUnexpected(first, body, end);
  }
}

/** Failure for fixed-header flags other than 0000. */
function badFlags(name: string): DecodeFailure {
  return malformed(`${name} fixed-header flags must be 0 [MQTT-2.2.2-1]`);
}

/** PUBLISH (§3.3): topic, packet id when QoS > 0, payload = the rest (a view). */
function decodePublish(bytes: Uint8Array, flags: number, body: number, end: number): PublishPacket | DecodeFailure {
  const qos = (flags >>> 1) & 0x03;
  if (qos === 3) return malformed('PUBLISH must not have both QoS bits set [MQTT-3.3.1-4]');
  const dup = (flags & 0x08) !== 0;
  if (dup && qos === 0) return malformed('PUBLISH with QoS 0 must have DUP 0 [MQTT-3.3.1-2]');
  if (body + 2 > end) return malformed('PUBLISH too short for its topic length (§3.3.2.1)');
  const topicStart = body + 2;
  const topicEnd = topicStart + readUint16(bytes, body);
  if (topicEnd > end) return malformed('PUBLISH topic runs past the packet (§3.3.2.1)');
  const topic = decodeTopic(bytes, topicStart, topicEnd);
  if (typeof topic !== 'string') return topic;
  const retain = (flags & 0x01) !== 0;
  if (qos === 0) {
    const payload = topicEnd === end ? EMPTY : viewOf(bytes, topicEnd, end);
    return { cmd: 'publish', topic, payload, qos, dup, retain };
  }
  if (topicEnd + 2 > end) return malformed('PUBLISH with QoS > 0 lacks its packet identifier (§3.3.2.2)');
  const messageId = readUint16(bytes, topicEnd);
  if (messageId === 0) return malformed('PUBLISH packet identifier must be non-zero [MQTT-2.3.1-1]');
  const payloadStart = topicEnd + 2;
  const payload = payloadStart === end ? EMPTY : viewOf(bytes, payloadStart, end);
  return { cmd: 'publish', topic, payload, qos: qos as 1 | 2, dup, retain, messageId };
}

/**
 * Topic bytes that send a short topic to the careful path: `#`, `+` [MQTT-3.3.2-2], NUL
 * [MQTT-1.5.3-2] (all refused there) and every byte ≥ 0x80 (multi-byte UTF-8, validated there).
 */
const TOPIC_CAREFUL_BYTES: Uint8Array = (() => {
  const table = new Uint8Array(256).fill(1, 0x80);
  table[0x00] = table[0x23] = table[0x2b] = 1;
  return table;
})();

/**
 * A topic name: non-empty [MQTT-4.7.3-1], well-formed UTF-8 [MQTT-1.5.3-1], no wildcards
 * [MQTT-3.3.2-2], no U+0000 [MQTT-1.5.3-2]. A short plain-ASCII topic (nearly every twin and
 * method topic) is checked while it is decoded, in one pass; others are decoded first and checked
 * on the string, where native `includes` beats a JS byte loop on 100+ byte topics.
 */
function decodeTopic(bytes: Uint8Array, start: number, end: number): string | DecodeFailure {
  if (start === end) return malformed('PUBLISH topic must not be empty [MQTT-4.7.3-1]');
  if (end - start <= SHORT_STRING_BYTES) {
    const ascii = decodeShortAscii(bytes, start, end, TOPIC_CAREFUL_BYTES);
    if (ascii !== undefined) return ascii;
  }
  const topic = decodeUtf8(bytes, start, end);
  if (topic === undefined) return malformed('PUBLISH topic is not well-formed UTF-8 [MQTT-1.5.3-1]');
  if (topic.includes('#') || topic.includes('+')) return wildcard();
  if (topic.includes('\0')) return nul();
  return topic;
}

function wildcard(): DecodeFailure {
  return malformed('PUBLISH topic must not contain wildcards [MQTT-3.3.2-2]');
}

function nul(): DecodeFailure {
  return malformed('PUBLISH topic must not contain U+0000 [MQTT-1.5.3-2]');
}
