/**
 * Inbound byte streams for the fuzzer: packets an IoT Hub or DPS could send (CONNACK, SUBACK,
 * PUBACK, C2D, module inputs, twin answers, desired patches, method requests, DPS replies), packets
 * they must not (QoS 2, CONNECT, broken topics), random bytes, byte-level mutations of good streams,
 * and random chunkings. Built with hubwire's own encoder and topic builders, which are fast enough
 * for a million cases; their equivalence with mqtt-packet is proven elsewhere.
 */
import { encodePuback, encodePublish } from '@hubwire/core';
import {
  c2dTopic,
  desiredPatchTopic,
  dpsResponseTopic,
  methodRequestTopic,
  moduleInputTopic,
  twinResponseTopic,
} from '@hubwire/topics';
import type { Rng } from './rng.ts';

/** What the fuzzer knows of the engine under test, so most packets answer what it really asked. */
export interface Known {
  readonly deviceId: string;
  readonly moduleId: string | undefined;
  /** Which service the engine talks to: its answers come on that service's topics. */
  readonly service: 'hub' | 'dps';
  /** How often a packet is not an answer but anything (0 … 1), and whether streams are mutated or noise. */
  readonly chaos: number;
  /** Whether the engine waits for a CONNACK (it sent CONNECT and nothing came back yet). */
  connecting: boolean;
  /** Rids of requests seen on the wire (twin, DPS), newest last. */
  readonly rids: string[];
  /** Packet ids of the engine's QoS 1 PUBLISHes, newest last. */
  readonly packetIds: number[];
  /** SUBSCRIBEs awaiting a SUBACK: packet id and number of filters. */
  readonly subscribes: [id: number, filters: number][];
}

/** Keeps the newest `n` entries of `list`. */
function trim<T>(list: T[], n: number): void {
  if (list.length > n) list.splice(0, list.length - n);
}

/**
 * Reads what the engine sent, as a hub would, just enough to answer it: CONNECT, SUBSCRIBE ids and
 * filter counts, QoS 1 PUBLISH ids, and the `$rid` of every request topic.
 */
export function learn(known: Known, bytes: Uint8Array): void {
  let at = 0;
  while (at + 2 <= bytes.length) {
    const type = bytes[at]! >> 4;
    let length = 0;
    let shift = 0;
    let p = at + 1;
    for (;;) {
      const b = bytes[p++];
      if (b === undefined) return;
      length |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    const body = p;
    const end = body + length;
    if (end > bytes.length) return;
    if (type === 1) known.connecting = true;
    else if (type === 8) {
      let filters = 0;
      for (let q = body + 2; q + 2 <= end; q += 2 + ((bytes[q]! << 8) | bytes[q + 1]!) + 1) filters++;
      known.subscribes.push([(bytes[body]! << 8) | bytes[body + 1]!, filters]);
      trim(known.subscribes, 8);
    } else if (type === 3) {
      const topicLength = (bytes[body]! << 8) | bytes[body + 1]!;
      const topic = String.fromCharCode(...bytes.subarray(body + 2, Math.min(end, body + 2 + Math.min(topicLength, 512))));
      const ridAt = topic.indexOf('$rid=');
      if (ridAt >= 0) known.rids.push(topic.slice(ridAt + 5).split('&')[0]!);
      if ((bytes[at]! & 0x06) !== 0) known.packetIds.push((bytes[body + 2 + topicLength]! << 8) | bytes[body + 3 + topicLength]!);
    }
    at = end;
  }
  trim(known.rids, 16);
  trim(known.packetIds, 16);
}

/** A packet a well-behaved hub or DPS would send now: the CONNACK, a SUBACK, a PUBACK, an answer to a request. */
function answer(r: Rng, known: Known): Uint8Array {
  if (known.connecting) {
    known.connecting = false;
    return Uint8Array.of(0x20, 0x02, r.chance(0.2) ? 1 : 0, r.chance(0.9) ? 0 : r.pick([3, 5]));
  }
  const subscribe = known.subscribes.shift();
  if (subscribe !== undefined && r.chance(0.8)) {
    const [id, filters] = subscribe;
    const codes = Array.from({ length: filters }, () => (r.chance(0.95) ? r.int(2) : 0x80));
    return Uint8Array.of(0x90, 2 + codes.length, id >> 8, id & 0xff, ...codes);
  }
  const latest = known.rids.at(-1 - r.int(Math.min(3, known.rids.length)));
  if (latest !== undefined && r.chance(0.6)) {
    return known.service === 'hub'
      ? publish(r, twinResponseTopic(r.pick([200, 204, 204, 400, 404, 429, 500]), latest, r.chance(0.3) ? r.int(30) : undefined), twinBody(r))
      : publish(r, dpsResponseTopic(r.pick([200, 200, 202, 202, 429, 400]), latest, r.chance(0.5) ? r.pick([0, 1, 2, 500]) : undefined), dpsBody(r));
  }
  if (known.service === 'hub' && r.chance(0.3)) {
    // Deliveries the hub makes of its own accord.
    return r.pick([0, 1, 2]) === 0
      ? publish(r, c2dTopic(known.deviceId, { messageId: `m${r.int(9)}` }), randomBody(r))
      : r.chance(0.5)
        ? publish(r, desiredPatchTopic(r.int(30)), enc.encode(`{"x":${r.int(9)},"$version":${r.int(30)}}`))
        : publish(r, methodRequestTopic('reboot', `r${r.int(50)}`), enc.encode('{}'));
  }
  const id = known.packetIds.at(-1 - r.int(Math.min(4, known.packetIds.length)));
  return id === undefined ? Uint8Array.of(0xd0, 0x00) : encodePuback(id);
}

const enc = new TextEncoder();

/** A small random JSON value as text, sometimes not JSON at all. */
function jsonText(r: Rng, depth = 0): string {
  switch (r.int(depth > 2 ? 4 : 7)) {
    case 0:
      return String(r.int(1000) - 500);
    case 1:
      return JSON.stringify(r.pick(['', 'a', 'é', '\u{1F600}', '$version', '__proto__']));
    case 2:
      return r.pick(['true', 'false', 'null']);
    case 3:
      return r.pick(['{', '[1,', '"x', 'nul', '\u0000', '']);
    case 4:
      return `[${Array.from({ length: r.int(4) }, () => jsonText(r, depth + 1)).join(',')}]`;
    default: {
      const keys = ['desired', 'reported', '$version', 'x', '__proto__', 'status', 'operationId', 'registrationState', 'assignedHub', 'deviceId'];
      const members = Array.from({ length: r.int(4) }, () => `${JSON.stringify(r.pick(keys))}:${jsonText(r, depth + 1)}`);
      return `{${members.join(',')}}`;
    }
  }
}

/** A twin body: mostly a real twin, sometimes anything. */
function twinBody(r: Rng): Uint8Array {
  if (r.chance(0.7)) {
    const desired = r.chance(0.8) ? `{"$version":${r.int(20)},"x":${r.int(9)}}` : jsonText(r);
    return enc.encode(`{"desired":${desired},"reported":{"$version":${r.int(20)}}}`);
  }
  return enc.encode(jsonText(r));
}

/** A DPS reply body: assigning, assigned, failed, or anything. */
function dpsBody(r: Rng): Uint8Array {
  switch (r.int(5)) {
    case 0:
      return enc.encode(`{"operationId":"op-${r.int(3)}","status":"assigning"}`);
    case 1:
      return enc.encode(
        `{"operationId":"op-1","status":"assigned","registrationState":{"assignedHub":"h.azure-devices.net","deviceId":"d${r.int(3)}","substatus":"initialAssignment"}}`,
      );
    case 2:
      return enc.encode(`{"operationId":"op-1","status":"${r.pick(['failed', 'disabled'])}","registrationState":{"errorCode":400209,"errorMessage":"no"}}`);
    case 3:
      return enc.encode(`{"errorCode":429001,"message":"throttled"}`);
    default:
      return enc.encode(jsonText(r));
  }
}

/** Any body: JSON-ish text or random bytes. */
function randomBody(r: Rng): Uint8Array {
  return r.chance(0.5) ? enc.encode(jsonText(r)) : r.bytes(r.int(40));
}

/** A rid: one the engine issued, a near miss, or a random one. */
function rid(r: Rng, known: Known): string {
  const issued = known.rids.length > 0 ? r.pick(known.rids) : '1';
  switch (r.int(4)) {
    case 0:
    case 1:
      return issued;
    case 2:
      return issued + r.pick(['0', 'x', '']);
    default:
      return String(r.int(100));
  }
}

/** A packet id: one in use, or any. */
function packetId(r: Rng, known: Known): number {
  return known.packetIds.length > 0 && r.chance(0.7) ? r.pick(known.packetIds) : 1 + r.int(65_535);
}

function publish(r: Rng, topic: string, payload: Uint8Array): Uint8Array {
  const qos = r.chance(0.5) ? 1 : 0;
  return qos === 1 ? encodePublish({ topic, payload, qos, messageId: 1 + r.int(65_535) }) : encodePublish({ topic, payload, qos });
}

/** Topics a hub never sends correctly: broken escapes, statuses and versions, foreign families. */
const BROKEN_TOPICS: readonly string[] = [
  '$iothub/twin/res/abc/?$rid=1',
  '$iothub/twin/res/200/?$rid=%zz',
  '$iothub/twin/res/200/',
  '$iothub/twin/PATCH/properties/desired/?$version=x',
  '$iothub/methods/POST/m/',
  'devices/d1/messages/devicebound/a=%C3%28',
  '$dps/registrations/res/2x0/?$rid=1',
  'nowhere/at/all',
  '$iothub/unknown',
];

/** One packet the hub or DPS could send, or must not. */
export function inboundPacket(r: Rng, known: Known): Uint8Array {
  switch (r.int(16)) {
    case 0:
      return Uint8Array.of(0x20, 0x02, r.int(2), r.pick([0, 0, 0, 1, 3, 5, 9]));
    case 1: {
      const id = packetId(r, known);
      const codes = Array.from({ length: 1 + r.int(4) }, () => r.pick([0, 1, 1, 2, 0x80]));
      return Uint8Array.of(0x90, 2 + codes.length, id >> 8, id & 0xff, ...codes);
    }
    case 2:
      return encodePuback(packetId(r, known));
    case 3:
      return Uint8Array.of(0xd0, 0x00);
    case 4:
      return publish(r, c2dTopic(known.deviceId, r.chance(0.5) ? { messageId: `m${r.int(9)}`, application: { k: 'v' } } : undefined), randomBody(r));
    case 5:
      return publish(r, moduleInputTopic(known.deviceId, known.moduleId ?? 'm1', r.pick(['in1', 'in2']), undefined), randomBody(r));
    case 6:
    case 7:
      return publish(r, twinResponseTopic(r.pick([200, 204, 400, 404, 429, 500, 503]), rid(r, known), r.chance(0.3) ? r.int(30) : undefined), twinBody(r));
    case 8:
      return publish(r, desiredPatchTopic(r.int(30)), r.chance(0.8) ? enc.encode(`{"x":${r.int(9)},"$version":${r.int(30)}}`) : randomBody(r));
    case 9:
      return publish(r, methodRequestTopic(r.pick(['reboot', 'thermostat*getMax', 'a']), `r${r.int(50)}`), randomBody(r));
    case 10:
    case 11:
      return publish(r, dpsResponseTopic(r.pick([200, 202, 202, 400, 401, 429, 500]), rid(r, known), r.chance(0.5) ? r.int(400) : undefined), dpsBody(r));
    case 12:
      return publish(r, r.pick(BROKEN_TOPICS), randomBody(r));
    case 13:
      // QoS 2, never subscribed to [MQTT-3.8.4-6].
      return Uint8Array.of(0x34, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01);
    case 14:
      // Packets a client never receives: CONNECT, SUBSCRIBE, PINGREQ, DISCONNECT, a reserved type.
      return r.pick([Uint8Array.of(0x10, 0x00), Uint8Array.of(0x82, 0x02, 0x00, 0x01), Uint8Array.of(0xc0, 0x00), Uint8Array.of(0xe0, 0x00), Uint8Array.of(0xf0, 0x00)]);
    default:
      return Uint8Array.of(0xb0, 0x02, r.int(256), 1 + r.int(255));
  }
}

/** Bytes for one read: mostly answers and good packets, sometimes mutated, sometimes pure noise. */
export function inboundStream(r: Rng, known: Known): Uint8Array {
  const wild = known.chaos >= 0.3;
  if (wild && r.chance(0.1)) return r.bytes(r.int(300));
  const parts: Uint8Array[] = [];
  for (let n = 1 + r.int(4); n > 0; n--) parts.push(r.chance(known.chaos) ? inboundPacket(r, known) : answer(r, known));
  let total = 0;
  for (const part of parts) total += part.length;
  let bytes: Uint8Array = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  if (wild && r.chance(0.3)) bytes = mutate(r, bytes);
  return bytes;
}

/** Flips, inserts and deletes a few bytes. */
function mutate(r: Rng, bytes: Uint8Array): Uint8Array {
  const out = Array.from(bytes);
  for (let n = 1 + r.int(4); n > 0; n--) {
    const at = r.int(out.length + 1);
    const op = r.int(3);
    if (op === 0 && at < out.length) out[at] = (out[at] as number) ^ (1 + r.int(255));
    else if (op === 1) out.splice(at, 0, r.int(256));
    else out.splice(at, 1);
  }
  return Uint8Array.from(out);
}

/** `bytes` cut at random points (one chunk, single bytes, or anything between). */
export function chunked(r: Rng, bytes: Uint8Array): Uint8Array[] {
  const mode = r.int(4);
  if (mode === 0 || bytes.length < 2) return [bytes];
  if (mode === 1) return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const next = Math.min(bytes.length, at + 1 + r.int(mode === 2 ? 8 : 200));
    out.push(bytes.subarray(at, next));
    at = next;
  }
  return out;
}
