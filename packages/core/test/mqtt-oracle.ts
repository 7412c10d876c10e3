/**
 * Test helpers that make mqtt-packet the oracle for the fast codec: its parser's output is
 * projected onto hubwire's packet shapes, and fast-check arbitraries generate the packets a
 * device receives (valid per MQTT 3.1.1, so both sides must agree on every one of them).
 */
import fc from 'fast-check';
import { generate, parser as createParser } from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import type { PacketDecoder } from '../src/wire/decoder.ts';
import type { DecodeFailure, InboundPacket } from '../src/wire/packets.ts';

/** Types the fast decoder handles itself, as mqtt-packet names them. */
const FAST_TYPES = new Set(['publish', 'puback', 'suback', 'unsuback', 'connack', 'pingresp']);

/** mqtt-packet's codes for the control packet types. */
const TYPE_CODES: Record<string, number> = {
  connect: 1, connack: 2, publish: 3, puback: 4, pubrec: 5, pubrel: 6, pubcomp: 7, subscribe: 8,
  suback: 9, unsubscribe: 10, unsuback: 11, pingreq: 12, pingresp: 13, disconnect: 14,
};

/** A decoded packet with its payload copied into a plain Uint8Array, comparable with toEqual. */
export type Comparable = InboundPacket | DecodeFailure;

/** Projects an mqtt-packet parser result onto hubwire's shape (payload copied). */
export function project(p: Packet): InboundPacket {
  const any = p as unknown as Record<string, unknown>;
  switch (p.cmd) {
    case 'publish': {
      const base = {
        cmd: 'publish' as const,
        topic: p.topic as string,
        payload: Uint8Array.from(p.payload as Uint8Array),
        qos: p.qos,
        dup: p.dup,
        retain: p.retain,
      };
      return p.qos > 0 ? { ...base, messageId: p.messageId as number } : base;
    }
    case 'puback':
    case 'unsuback':
      return { cmd: p.cmd, messageId: p.messageId as number };
    case 'suback':
      return { cmd: 'suback', messageId: p.messageId as number, granted: [...(any['granted'] as number[])] };
    case 'connack':
      return { cmd: 'connack', returnCode: any['returnCode'] as number, sessionPresent: any['sessionPresent'] as boolean };
    case 'pingresp':
      return { cmd: 'pingresp' };
    default:
      if (FAST_TYPES.has(p.cmd)) throw new Error(`unreachable ${p.cmd}`);
      return { cmd: 'other', type: TYPE_CODES[p.cmd] as number, name: p.cmd };
  }
}

/** Copies a publish payload so later comparisons do not depend on the decoder's memory. */
export function comparable(p: InboundPacket | DecodeFailure): Comparable {
  return p.cmd === 'publish' ? { ...p, payload: Uint8Array.from(p.payload) } : p;
}

/** Parses a whole stream with mqtt-packet's parser; throws if it reports an error. */
export function oracleParse(bytes: Uint8Array): InboundPacket[] {
  const parser = createParser({ protocolVersion: 4 });
  const out: InboundPacket[] = [];
  parser.on('packet', (p: Packet) => out.push(project(p)));
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.parse(Buffer.from(bytes));
  return out;
}

/**
 * Parses bytes with a fresh mqtt-packet parser (protocol level 4; a fresh one because a parsed CONNECT
 * changes a parser's settings): the raw packets it emits, its first error, and the bytes it left.
 */
export function oracleParseRaw(bytes: Uint8Array): { packets: Packet[]; error: string | undefined; left: number } {
  const parser = createParser({ protocolVersion: 4 });
  const packets: Packet[] = [];
  let error: string | undefined;
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', (e: Error) => {
    error ??= e.message;
  });
  const left = parser.parse(Buffer.from(bytes));
  return { packets, error, left };
}

/** The one packet mqtt-packet parses from `bytes`, with every field it reads; throws unless exactly one parses cleanly. */
export function oracleParseOne(bytes: Uint8Array): Record<string, unknown> {
  const { packets, error, left } = oracleParseRaw(bytes);
  if (error !== undefined || packets.length !== 1 || left !== 0) {
    throw new Error(`mqtt-packet does not parse exactly one packet: ${error ?? `${packets.length} packets, ${left} bytes left`}`);
  }
  return packets[0] as unknown as Record<string, unknown>;
}

/** The fixed header of an encoded packet: its length and the remaining length it announces. */
export function fixedHeader(bytes: Uint8Array): { headerBytes: number; remaining: number } {
  let remaining = 0;
  let multiplier = 1;
  let at = 1;
  for (;;) {
    const b = bytes[at++] as number;
    remaining += (b & 0x7f) * multiplier;
    multiplier *= 0x80;
    if (b < 0x80 || at > 4) break;
  }
  return { headerBytes: at, remaining };
}

/** The ASCII codes of `s`, for annotated golden vectors. */
export function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

/** mqtt-packet.generate as a plain Uint8Array copy (a Uint8Array payload is wrapped as a Buffer first). */
export function oracleGenerate(packet: Packet | InboundPacket): Uint8Array {
  const p = packet as Packet;
  if (p.cmd === 'publish' && p.payload instanceof Uint8Array && !Buffer.isBuffer(p.payload)) {
    return Uint8Array.from(generate({ ...p, payload: Buffer.from(p.payload) }));
  }
  return Uint8Array.from(generate(p));
}

/** Pushes each chunk and drains `next()` after every push, as an engine does. */
export function decodeChunks(decoder: PacketDecoder, chunks: readonly Uint8Array[]): Comparable[] {
  const out: Comparable[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let p = decoder.next(); p !== undefined; p = decoder.next()) {
      out.push(comparable(p));
      if (p.cmd === 'error') return out;
    }
  }
  return out;
}

/** Pushes every chunk first, then drains (chunks queue up inside the decoder). */
export function decodeQueued(decoder: PacketDecoder, chunks: readonly Uint8Array[]): Comparable[] {
  for (const chunk of chunks) decoder.push(chunk);
  const out: Comparable[] = [];
  for (let p = decoder.next(); p !== undefined; p = decoder.next()) {
    out.push(comparable(p));
    if (p.cmd === 'error') break;
  }
  return out;
}

/** Splits `bytes` at the given cut points (any order, duplicates allowed). */
export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of points) {
    if (p > start) chunks.push(bytes.slice(start, p));
    start = Math.max(start, p);
  }
  if (start < bytes.length) chunks.push(bytes.slice(start));
  return chunks;
}

/** Byte-wise equality, fast on megabyte arrays where toEqual is slow. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** One byte-concat helper for tests and bench. */
export { concat } from '../../../bench/lib/bytes.ts';

/** Code units that make any Unicode string, lone surrogates included. */
const anyUnit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '0', '/', '$', '?', '=', '&', '%', '.', '-', '_') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
);

/** Any JS string, lone surrogates included (what an encoder may be handed). */
export const anyString: fc.Arbitrary<string> = fc.string({ unit: anyUnit, maxLength: 120 });

/** A valid MQTT topic name: non-empty, no wildcards, no U+0000, no lone surrogates. */
export const topicName: fc.Arbitrary<string> = fc
  .string({
    unit: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('d', 'e', 'v', '1', '/', '$', '?', '=', '&', '%', '.', '-', '_', '*') },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    ),
    minLength: 1,
    maxLength: 100,
  })
  .filter((t) => !/[+#\u0000]/.test(t));

/** A message id as MQTT allows it [MQTT-2.3.1-1]. */
export const messageId: fc.Arbitrary<number> = fc.integer({ min: 1, max: 0xffff });

/** Payload up to `max` bytes, biased towards small ones. */
export function payload(max: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: Math.min(64, max) }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max }).map((n) => new Uint8Array(n).fill(n & 0xff)) },
  );
}

/** A valid PUBLISH a hub may send (QoS 0, 1 or 2; DUP only with QoS > 0 [MQTT-3.3.1-2]). */
export function inboundPublish(maxPayload: number): fc.Arbitrary<Packet> {
  return fc
    .record({
      topic: topicName,
      payload: payload(maxPayload),
      qos: fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2>,
      dup: fc.boolean(),
      retain: fc.boolean(),
      messageId,
    })
    .map(({ topic, payload: body, qos, dup, retain, messageId: id }): Packet => ({
      cmd: 'publish',
      topic,
      payload: Buffer.from(body),
      qos,
      dup: qos > 0 && dup,
      retain,
      ...(qos > 0 ? { messageId: id } : {}),
    }));
}

/** Any packet a device receives on the fast path, generated by mqtt-packet. */
export function inboundPacket(maxPayload: number): fc.Arbitrary<Packet> {
  return fc.oneof(
    { weight: 4, arbitrary: inboundPublish(maxPayload) },
    { weight: 1, arbitrary: messageId.map((id): Packet => ({ cmd: 'puback', messageId: id })) },
    { weight: 1, arbitrary: messageId.map((id): Packet => ({ cmd: 'unsuback', messageId: id, granted: [] })) },
    {
      weight: 1,
      arbitrary: fc
        .record({ id: messageId, granted: fc.array(fc.constantFrom(0, 1, 2, 0x80), { minLength: 1, maxLength: 6 }) })
        .map(({ id, granted }): Packet => ({ cmd: 'suback', messageId: id, granted })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ returnCode: fc.integer({ min: 0, max: 255 }), sessionPresent: fc.boolean() })
        .map((c): Packet => ({ cmd: 'connack', ...c })),
    },
    { weight: 1, arbitrary: fc.constant<Packet>({ cmd: 'pingresp' }) },
  );
}
