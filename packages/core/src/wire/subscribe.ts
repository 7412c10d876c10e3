/**
 * SUBSCRIBE (MQTT 3.1.1 §3.8) and UNSUBSCRIBE (§3.10), the two packets that carry topic filters. Byte
 * for byte what mqtt-packet's `generate` makes of the same filters (subscribe.test.ts proves it), but
 * checked against the wire limits and the filter rules first.
 *
 * Layout of SUBSCRIBE:   0x82, remaining length, packet id (uint16), then per filter:
 *                        length (uint16), filter (UTF-8), requested QoS (one byte, bits 7–2 zero)
 * Layout of UNSUBSCRIBE: 0xA2, remaining length, packet id (uint16), then per filter:
 *                        length (uint16), filter (UTF-8)
 * Both carry fixed-header flags 0010 [MQTT-3.8.1-1, MQTT-3.10.1-1] and at least one filter
 * [MQTT-3.8.3-3, MQTT-3.10.3-2].
 */
import { InvalidIntentError } from '../shared/errors.ts';
import {
  checkPacketId,
  checkRemainingLength,
  remainingLengthBytes,
  shown,
  writeRemainingLength,
  writeStringField,
  writeUint16,
} from './fields.ts';
import { outboundSlab } from './slab.ts';
import { topicFilterLength } from './topic-rules.ts';

/** One SUBSCRIBE entry; IoT Hub grants at most QoS 1 (docs/protocol.md §5). */
export interface SubscriptionRequest {
  readonly topic: string;
  readonly qos: 0 | 1;
}

/** UTF-8 lengths of the filters, checked; throws when there are none or one breaks a rule. */
function filterLengths(packet: string, filters: readonly unknown[], field: (i: number) => string): number[] {
  if (!Array.isArray(filters)) {
    throw new InvalidIntentError('invalid-argument', `${packet} needs an array of filters, got ${shown(filters)}`);
  }
  if (filters.length === 0) {
    throw new InvalidIntentError('invalid-argument', `${packet} needs at least one filter [MQTT-3.8.3-3, MQTT-3.10.3-2]`);
  }
  const lengths = new Array<number>(filters.length);
  for (let i = 0; i < filters.length; i++) lengths[i] = topicFilterLength(packet, field(i), filters[i]);
  return lengths;
}

/** The fixed header and packet id of a SUBSCRIBE or UNSUBSCRIBE into a fresh region; returns it and the next offset. */
function start(first: number, remaining: number, messageId: number): [Uint8Array, number] {
  const out = outboundSlab.alloc(1 + remainingLengthBytes(remaining) + remaining);
  out[0] = first;
  return [out, writeUint16(out, writeRemainingLength(out, 1, remaining), messageId)];
}

/**
 * Encodes SUBSCRIBE with packet id `messageId` and one entry per filter, in order. The result is a
 * fresh region no other packet shares. Throws InvalidIntentError before writing anything:
 * `invalid-packet-id`, `invalid-argument` (no filters, or a value of the wrong type),
 * `invalid-topic-filter`, `invalid-string`, `field-too-long`, `unsupported-qos` (not 0, 1 or 2) or
 * `packet-too-large`.
 */
export function encodeSubscribe(messageId: number, subscriptions: readonly SubscriptionRequest[]): Uint8Array {
  checkPacketId('SUBSCRIBE', messageId);
  if (!Array.isArray(subscriptions)) {
    throw new InvalidIntentError('invalid-argument', `SUBSCRIBE needs an array of subscriptions, got ${shown(subscriptions)}`);
  }
  const topics = subscriptions.map((s: unknown, i) => {
    if (typeof s !== 'object' || s === null) {
      throw new InvalidIntentError('invalid-argument', `SUBSCRIBE subscription ${i} must be an object, got ${shown(s)}`);
    }
    // QoS 2 is valid MQTT (§3.8.3.1) though IoT Hub grants at most 1; the type says what IoT Hub takes.
    const qos: unknown = (s as SubscriptionRequest).qos;
    if (qos !== 0 && qos !== 1 && qos !== 2) {
      throw new InvalidIntentError('unsupported-qos', `SUBSCRIBE filter ${i} QoS must be 0, 1 or 2 [MQTT-3.8.3-4], got ${shown(qos)}`);
    }
    return (s as SubscriptionRequest).topic;
  });
  const lengths = filterLengths('SUBSCRIBE', topics, (i) => `filter ${i}`);
  let remaining = 2;
  for (const n of lengths) remaining += 2 + n + 1;
  checkRemainingLength('SUBSCRIBE', remaining);
  const [out, idEnd] = start(0x82, remaining, messageId); // type 8, flags 0010 [MQTT-3.8.1-1]
  let at = idEnd;
  for (let i = 0; i < subscriptions.length; i++) {
    const s = subscriptions[i] as SubscriptionRequest;
    at = writeStringField(out, at, s.topic, lengths[i] as number);
    out[at++] = s.qos;
  }
  return out;
}

/**
 * Encodes UNSUBSCRIBE with packet id `messageId` and the given filters, in order. The result is a fresh
 * region no other packet shares. Throws InvalidIntentError as `encodeSubscribe` does (QoS aside).
 */
export function encodeUnsubscribe(messageId: number, topics: readonly string[]): Uint8Array {
  checkPacketId('UNSUBSCRIBE', messageId);
  const lengths = filterLengths('UNSUBSCRIBE', topics, (i) => `filter ${i}`);
  let remaining = 2;
  for (const n of lengths) remaining += 2 + n;
  checkRemainingLength('UNSUBSCRIBE', remaining);
  const [out, idEnd] = start(0xa2, remaining, messageId); // type 10, flags 0010 [MQTT-3.10.1-1]
  let at = idEnd;
  for (let i = 0; i < topics.length; i++) at = writeStringField(out, at, topics[i] as string, lengths[i] as number);
  return out;
}
