/**
 * Fast encoders for the packets a device sends on the hot path: PUBLISH, PUBACK, PINGREQ,
 * DISCONNECT. Each is byte-identical to `mqtt-packet.generate` (protocol level 4) for the same
 * valid input; encoder.test.ts proves it over generated packets with mqtt-packet as the oracle.
 * Unlike `generate`, which silently truncates a field or packet id past its limit, every encoder
 * checks the wire limits first and throws InvalidIntentError naming the rule, writing nothing: a
 * packet's header always counts exactly the bytes that follow it.
 *
 * Layout of a PUBLISH (MQTT 3.1.1 §3.3):
 *   0x30 | DUP << 3 | QoS << 1 | RETAIN,  remaining length (1–4 bytes, 7 bits each, LSB first),
 *   topic length (uint16 BE), topic (UTF-8), packet id (uint16 BE, QoS > 0 only), payload.
 * Everything before the payload (fixed header §3.3.1 and variable header §3.3.2) is the
 * packet's header; `encodePublishHeader` and `encodePublishHeaderInto` write only that, for a
 * caller that sends the payload from its own memory.
 */
import { InvalidIntentError } from '../shared/errors.ts';
import { checkPacketId, checkRemainingLength, fieldTooLong, MAX_FIELD_BYTES, MAX_REMAINING_LENGTH, shown } from './fields.ts';
import { outboundSlab } from './slab.ts';
import { checkTopicName } from './topic-rules.ts';
import { encodeUtf8Into, utf8Length } from './utf8.ts';

export { MAX_REMAINING_LENGTH } from './fields.ts';

/** A PUBLISH to send; IoT Hub accepts QoS 0 and 1 only (docs/protocol.md §7). */
export interface PublishInput {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1;
  readonly dup?: boolean;
  readonly retain?: boolean;
  /** Packet identifier 1–65535, required when qos is 1 [MQTT-2.3.1-1]. */
  readonly messageId?: number;
}

/** Regions for `encodePublish`/`encodePuback` results (see slab.ts). */
const slab = outboundSlab;

/** PINGREQ: type 12, remaining length 0 (§3.12). Shared; do not write into it. */
export const PINGREQ: Uint8Array = Uint8Array.of(0xc0, 0x00);

/** DISCONNECT: type 14, remaining length 0 (§3.14). Shared; do not write into it. */
export const DISCONNECT: Uint8Array = Uint8Array.of(0xe0, 0x00);

/**
 * A topic of at most this many UTF-16 code units is at most 65,535 bytes in UTF-8 (3 bytes per
 * unit at worst), so it can be written before its byte length is known (see `writeFast`).
 */
const FAST_TOPIC_UNITS = 21_845;

/** Bytes the remaining-length field takes for `n`. */
function varintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4;
}

/**
 * Checks everything about `p` but its size: an object with a Uint8Array payload, QoS 0 or 1 (IoT
 * Hub takes no QoS 2, docs/protocol.md §7), a packet id 1–65535 with QoS 1 [MQTT-2.3.1-1], boolean
 * flags, no DUP at QoS 0 [MQTT-3.3.1-2], and a valid topic name (topic-rules.ts; skipped for the
 * cached topic, checked when it was cached). Returns the bytes after the topic: packet id and payload.
 */
function checkPublish(p: PublishInput): number {
  if (typeof p !== 'object' || p === null) {
    throw new InvalidIntentError('invalid-argument', `PUBLISH input must be an object, got ${shown(p)}`);
  }
  const payload: unknown = p.payload;
  if (!(payload instanceof Uint8Array)) {
    throw new InvalidIntentError('invalid-argument', `PUBLISH payload must be a Uint8Array, got ${shown(payload)}`);
  }
  const dup: unknown = p.dup;
  const retain: unknown = p.retain;
  if ((dup !== undefined && typeof dup !== 'boolean') || (retain !== undefined && typeof retain !== 'boolean')) {
    throw new InvalidIntentError('invalid-argument', `PUBLISH dup and retain must be booleans when given, got ${shown(dup)} and ${shown(retain)}`);
  }
  const qos: unknown = p.qos;
  let idBytes = 0;
  if (qos === 1) {
    checkPacketId('PUBLISH', p.messageId);
    idBytes = 2;
  } else if (qos === 0) {
    if (dup === true) throw new InvalidIntentError('invalid-argument', 'PUBLISH with QoS 0 must not set DUP [MQTT-3.3.1-2]');
  } else {
    throw new InvalidIntentError('unsupported-qos', `PUBLISH QoS must be 0 or 1 (IoT Hub takes no QoS 2, docs/protocol.md §7), got ${shown(qos)}`);
  }
  // Before any topic is cached, `cachedTopic` is undefined, and so may be a caller's missing topic.
  if (p.topic !== cachedTopic || cachedTopic === undefined) checkTopicName('PUBLISH', 'topic', p.topic);
  return idBytes + payload.length;
}

/** Exact remaining length for a topic of `topicBytes`; throws `field-too-long` or `packet-too-large` past MQTT's limits. */
function exactRemaining(topicBytes: number, rest: number): number {
  if (topicBytes > MAX_FIELD_BYTES) throw fieldTooLong('PUBLISH', 'topic', topicBytes);
  const remaining = 2 + topicBytes + rest;
  checkRemainingLength('PUBLISH', remaining);
  return remaining;
}

/**
 * Room the fast writer needs: the packet with every topic unit taking 3 bytes and a 4-byte
 * remaining length; -1 when the topic or packet could break MQTT's limits (the exact path then
 * measures first and reports precisely).
 */
function fastBound(topicUnits: number, rest: number): number {
  if (topicUnits > FAST_TOPIC_UNITS || 2 + 3 * topicUnits + rest > MAX_REMAINING_LENGTH) return -1;
  return 1 + 4 + 2 + 3 * topicUnits + rest;
}

/** Total encoded size of the PUBLISH in bytes; throws InvalidIntentError when it cannot be encoded (see `encodePublish`). */
export function publishLength(p: PublishInput): number {
  const rest = checkPublish(p);
  const remaining = exactRemaining(topicLength(p.topic), rest);
  return 1 + varintBytes(remaining) + remaining;
}

/**
 * Writes the packet's header at `target[pos]` in one pass over the topic: the topic goes where
 * an all-ASCII topic would put it, and in the rare case its UTF-8 form needs a longer remaining
 * length the topic bytes move right with `copyWithin`. Needs `fastBound` bytes of room, less the
 * payload when that is not written behind. Returns the offset where the payload goes.
 */
function writeFast(target: Uint8Array, pos: number, p: PublishInput, rest: number): number {
  const topic = p.topic;
  let lengthBytes = varintBytes(2 + topic.length + rest);
  let topicAt = pos + 1 + lengthBytes + 2;
  const topicBytes = writeTopic(topic, target, topicAt);
  const remaining = 2 + topicBytes + rest;
  const needed = varintBytes(remaining);
  if (needed !== lengthBytes) {
    target.copyWithin(topicAt + needed - lengthBytes, topicAt, topicAt + topicBytes);
    topicAt += needed - lengthBytes;
    lengthBytes = needed;
  }
  writeHeader(target, pos, p, remaining, topicBytes);
  return writeId(target, topicAt + topicBytes, p);
}

/**
 * UTF-8 bytes of a topic written twice in a row. Devices publish to the same topic string again
 * and again (telemetry without per-message properties, a module output); a hit replaces UTF-8
 * encoding by a byte copy. A miss costs one string comparison, usually decided by the length,
 * and never a copy: only a topic seen on the previous call is cached.
 */
const TOPIC_CACHE_MAX_BYTES = 1024;
let cachedTopic: string | undefined;
let cachedTopicBytes: Uint8Array = new Uint8Array(0);
let previousTopic: string | undefined;

/** UTF-8 length of a topic, from the cache when it holds that topic. */
function topicLength(topic: string): number {
  return topic === cachedTopic ? cachedTopicBytes.length : utf8Length(topic);
}

/** Writes the topic's UTF-8 bytes at target[at] (room for all of them), returns their count. */
function writeTopic(topic: string, target: Uint8Array, at: number): number {
  if (topic === cachedTopic) {
    target.set(cachedTopicBytes, at);
    return cachedTopicBytes.length;
  }
  const n = encodeUtf8Into(topic, target, at);
  if (topic === previousTopic && n <= TOPIC_CACHE_MAX_BYTES) {
    cachedTopicBytes = target.slice(at, at + n);
    cachedTopic = topic;
  }
  previousTopic = topic;
  return n;
}

/** Fixed header and topic length, for a packet whose sizes are known. */
function writeHeader(target: Uint8Array, pos: number, p: PublishInput, remaining: number, topicBytes: number): number {
  let at = pos;
  target[at++] = 0x30 | (p.dup === true ? 0x08 : 0) | (p.qos << 1) | (p.retain === true ? 0x01 : 0);
  let n = remaining;
  while (n >= 0x80) {
    target[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  target[at++] = n;
  target[at++] = topicBytes >>> 8;
  target[at++] = topicBytes & 0xff;
  return at;
}

/** Packet id after the topic (QoS 1 only); returns the offset where the payload goes. */
function writeId(target: Uint8Array, pos: number, p: PublishInput): number {
  if (p.qos === 0) return pos;
  const id = p.messageId as number;
  target[pos] = id >>> 8;
  target[pos + 1] = id & 0xff;
  return pos + 2;
}

/** Copies the payload to `target[pos]`; returns the end offset. */
function writePayload(target: Uint8Array, pos: number, payload: Uint8Array): number {
  // `set` even for tiny bodies: measured on Node 20, a byte loop made encodePublishInto of a
  // 16 B body twice as slow (~108 ns against ~55 ns per call).
  target.set(payload, pos);
  return pos + payload.length;
}

/** Writes the header of a packet of known exact size (the measured path); returns the payload's offset. */
function writeExact(target: Uint8Array, pos: number, p: PublishInput, remaining: number, topicBytes: number): number {
  const topicAt = writeHeader(target, pos, p, remaining, topicBytes);
  writeTopic(p.topic, target, topicAt);
  return writeId(target, topicAt + topicBytes, p);
}

/**
 * Encodes `p` into a slab region (or memory of its own past `slab.maxRegion`): the whole packet when
 * `withPayload`, else everything before the payload. The one encoder behind `encodePublish`,
 * `encodePublishHeader` and the engines' packets, so a header and its payload are, byte for byte, the
 * whole packet. `checked` skips `checkPublish` for an input whose every field its producer already
 * checked (the size limits are still enforced here).
 */
function encodeToRegion(p: PublishInput, withPayload: boolean, checked: boolean): Uint8Array {
  const rest = checked ? (p.qos === 1 ? 2 : 0) + p.payload.length : checkPublish(p);
  const unwritten = withPayload ? 0 : p.payload.length;
  const bound = fastBound(p.topic.length, rest);
  if (bound !== -1 && bound - unwritten <= slab.maxRegion) {
    const start = slab.reserve(bound - unwritten);
    const block = slab.block;
    const at = writeFast(block, start, p, rest);
    return slab.commit(withPayload ? writePayload(block, at, p.payload) : at);
  }
  const topicBytes = topicLength(p.topic);
  const remaining = exactRemaining(topicBytes, rest);
  const total = 1 + varintBytes(remaining) + remaining - unwritten;
  const out = total <= slab.maxRegion ? slab.alloc(total) : new Uint8Array(total);
  const at = writeExact(out, 0, p, remaining, topicBytes);
  if (withPayload) writePayload(out, at, p.payload);
  return out;
}

/**
 * Encodes a PUBLISH (a copy of the payload included). The result is a view into a shared encoder
 * slab: never reused, but its `.buffer` holds other packets too, so do not transfer or detach that
 * ArrayBuffer. Throws InvalidIntentError, writing nothing: `invalid-argument` (a value of the wrong
 * type, DUP at QoS 0), `unsupported-qos`, `invalid-packet-id`, `invalid-topic` (empty or with a
 * wildcard), `invalid-string` (a lone surrogate or U+0000 in the topic), `field-too-long` (a topic
 * over 65,535 bytes) or `packet-too-large` (over 268,435,455 bytes after the fixed header).
 */
export function encodePublish(p: PublishInput): Uint8Array {
  return encodeToRegion(p, true, false);
}

/**
 * Encodes everything of a PUBLISH but its payload, in memory like `encodePublish`'s: send these bytes,
 * then `p.payload` as it is (the remaining length counts it), and a large body is never copied. Throws
 * what `encodePublish` throws.
 */
export function encodePublishHeader(p: PublishInput): Uint8Array {
  return encodeToRegion(p, false, false);
}

const NO_PAYLOAD: Uint8Array = new Uint8Array(0);

/** The input `encodeEnginePublish` fills in and hands to `encodeToRegion`, which keeps no reference to it. */
const reused: { topic: string; payload: Uint8Array; qos: 0 | 1; messageId: number; dup: boolean } = {
  topic: '',
  payload: NO_PAYLOAD,
  qos: 0,
  messageId: 0,
  dup: false,
};

/**
 * `encodePublish` (or, without `withPayload`, `encodePublishHeader`) for the engines' PUBLISHes, whose
 * every field the engine checked when it accepted the intent: a topic it built from checked parts, a
 * Uint8Array payload, QoS 0 or 1, a packet id from its own allocator. So the per-field checks are not run
 * again (they were a twentieth of a telemetry message's cost); the size limits still are, and throw as
 * encodePublish's do. One input is reused (filled, encoded, its body reference dropped), so a message
 * allocates only its packet. `messageId` and `dup` apply to QoS 1 only. Same bytes as encodePublish.
 */
export function encodeEnginePublish(topic: string, payload: Uint8Array, qos: 0 | 1, messageId: number, dup: boolean, withPayload: boolean): Uint8Array {
  reused.topic = topic;
  reused.payload = payload;
  reused.qos = qos;
  reused.messageId = messageId;
  reused.dup = qos === 1 && dup;
  try {
    return encodeToRegion(reused, withPayload, true);
  } finally {
    reused.payload = NO_PAYLOAD; // keep no body alive between calls
  }
}

/**
 * Writes the header of `p` at `target[offset]`, leaving room for the payload behind it when
 * `withPayload` (which the caller then copies there); returns the payload's offset. Validates
 * the packet and the room before writing, so an error leaves the target untouched.
 */
function writeUpToPayload(target: Uint8Array, offset: number, p: PublishInput, withPayload: boolean): number {
  if (!(target instanceof Uint8Array)) {
    throw new InvalidIntentError('invalid-argument', `the target must be a Uint8Array, got ${shown(target)}`);
  }
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset > target.length) {
    throw new InvalidIntentError('invalid-argument', `offset ${shown(offset)} is outside the target (${target.length} bytes)`);
  }
  const rest = checkPublish(p);
  const room = target.length - offset;
  // The remaining length counts the payload either way; only the room it needs here differs.
  const unwritten = withPayload ? 0 : p.payload.length;
  const bound = fastBound(p.topic.length, rest);
  if (bound !== -1 && bound - unwritten <= room) return writeFast(target, offset, p, rest);
  const topicBytes = topicLength(p.topic);
  const remaining = exactRemaining(topicBytes, rest);
  const needed = 1 + varintBytes(remaining) + remaining - unwritten;
  if (needed > room) {
    const what = withPayload ? 'PUBLISH' : 'PUBLISH header';
    throw new InvalidIntentError('target-too-small', `${what} needs ${needed} bytes at offset ${offset}, the target holds ${target.length}`);
  }
  return writeExact(target, offset, p, remaining, topicBytes);
}

/**
 * Encodes a PUBLISH into `target` at `offset` and returns the bytes written; throws InvalidIntentError
 * `target-too-small` when it does not fit, `invalid-argument` for a bad target or offset, or what
 * `encodePublish` throws, writing nothing then.
 */
export function encodePublishInto(target: Uint8Array, offset: number, p: PublishInput): number {
  return writePayload(target, writeUpToPayload(target, offset, p, true), p.payload) - offset;
}

/**
 * Writes everything of a PUBLISH but its payload into `target` at `offset` and returns the bytes
 * written; the caller sends them, then `p.payload` as it is (the remaining length counts it), so
 * a large body is never copied. Throws as `encodePublishInto` does, writing nothing then.
 */
export function encodePublishHeaderInto(target: Uint8Array, offset: number, p: PublishInput): number {
  return writeUpToPayload(target, offset, p, false) - offset;
}

/** Encodes a PUBACK for a received QoS 1 PUBLISH (§3.4); throws InvalidIntentError `invalid-packet-id` outside 1–65535. */
export function encodePuback(messageId: number): Uint8Array {
  checkPacketId('PUBACK', messageId);
  const out = slab.alloc(4);
  out[0] = 0x40; // type 4, flags 0 [MQTT-2.2.2-1]
  out[1] = 0x02; // remaining length: the packet id
  out[2] = messageId >>> 8;
  out[3] = messageId & 0xff;
  return out;
}
