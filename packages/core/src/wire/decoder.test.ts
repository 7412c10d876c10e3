import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Comparable,
  comparable,
  concat,
  decodeChunks,
  decodeQueued,
  inboundPacket,
  inboundPublish,
  oracleGenerate,
  oracleParse,
  split,
} from '../../test/mqtt-oracle.ts';
import { PacketDecoder } from './decoder.ts';
import { encodePuback, encodePublish } from './encoder.ts';
import type { DecodeFailure, InboundPacket, PublishPacket } from './packets.ts';

const MAX = 262_144 + 1024;

/** Byte values of an ASCII string, for hand-written packet vectors. */
const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** Decodes a stream pushed as one chunk. */
function decodeAll(bytes: Uint8Array, maxPacketBytes = MAX): Comparable[] {
  return decodeChunks(new PacketDecoder({ maxPacketBytes }), [bytes]);
}

/** The single result of decoding `bytes` whole. */
function decodeOne(bytes: Uint8Array | number[]): Comparable {
  const out = decodeAll(Uint8Array.from(bytes));
  expect(out).toHaveLength(1);
  return out[0] as Comparable;
}

describe('PacketDecoder against mqtt-packet', () => {
  it('decodes any stream of valid packets as mqtt-packet parses it, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(inboundPacket(2048), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (packets, cuts) => {
          const stream = concat(packets.map(oracleGenerate));
          const expected = oracleParse(stream);
          const chunks = split(stream, cuts.map((c) => c % (stream.length + 1)));
          expect(decodeChunks(new PacketDecoder({ maxPacketBytes: MAX }), chunks)).toEqual(expected);
          expect(decodeQueued(new PacketDecoder({ maxPacketBytes: MAX }), chunks)).toEqual(expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('decodes a stream split into single bytes as mqtt-packet parses it', () => {
    fc.assert(
      fc.property(fc.array(inboundPacket(300), { minLength: 1, maxLength: 5 }), (packets) => {
        const stream = concat(packets.map(oracleGenerate));
        const bytes = Array.from(stream, (b) => Uint8Array.of(b));
        expect(decodeChunks(new PacketDecoder({ maxPacketBytes: MAX }), bytes)).toEqual(oracleParse(stream));
      }),
      { numRuns: 100 },
    );
  });

  it('decodes PUBLISH payloads up to the IoT Hub maximum as mqtt-packet does', () => {
    fc.assert(
      fc.property(inboundPublish(262_144), fc.array(fc.nat(), { maxLength: 8 }), (packet, cuts) => {
        const stream = oracleGenerate(packet);
        const chunks = split(stream, cuts.map((c) => c % (stream.length + 1)));
        expect(decodeChunks(new PacketDecoder({ maxPacketBytes: MAX }), chunks)).toEqual(oracleParse(stream));
      }),
      { numRuns: 30 },
    );
  });

  it('reports packets outside the fast path as mqtt-packet names them', () => {
    const others: Parameters<typeof oracleGenerate>[0][] = [
      { cmd: 'pubrec', messageId: 7 },
      { cmd: 'pubrel', messageId: 8 },
      { cmd: 'pubcomp', messageId: 9 },
      { cmd: 'pingreq' },
      { cmd: 'disconnect' },
      { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'a/#', qos: 1 }] },
      { cmd: 'unsubscribe', messageId: 4, unsubscriptions: ['a/#'] },
      { cmd: 'connect', clientId: 'dev', protocolVersion: 4, clean: true, keepalive: 60 },
    ];
    const stream = concat(others.map(oracleGenerate));
    const expected = oracleParse(stream);
    expect(expected.map((p) => p.cmd)).toEqual(Array(others.length).fill('other'));
    for (const cuts of [[], [1, 2, 3, 5, 8, 13, 21, 34], Array.from(stream, (_, i) => i)]) {
      expect(decodeChunks(new PacketDecoder({ maxPacketBytes: MAX }), split(stream, cuts))).toEqual(expected);
    }
  });
});

describe('PacketDecoder golden vectors', () => {
  // Each vector: the bytes as a hub sends them, annotated field by field, and the packet.
  const vectors: { name: string; bytes: number[]; packet: InboundPacket }[] = [
    {
      name: 'CONNACK accepted, session present',
      bytes: [
        0x20, // type 2 CONNACK, flags 0
        0x02, // remaining length 2
        0x01, // acknowledge flags: session present
        0x00, // return code 0: accepted
      ],
      packet: { cmd: 'connack', returnCode: 0, sessionPresent: true },
    },
    {
      name: 'CONNACK refused, not authorized',
      bytes: [
        0x20, // type 2 CONNACK, flags 0
        0x02, // remaining length 2
        0x00, // acknowledge flags: no session
        0x05, // return code 5: not authorized
      ],
      packet: { cmd: 'connack', returnCode: 5, sessionPresent: false },
    },
    {
      name: 'SUBACK granting QoS 1, QoS 0 and a failure',
      bytes: [
        0x90, // type 9 SUBACK, flags 0
        0x05, // remaining length 5
        0x00, 0x02, // packet id 2
        0x01, // granted QoS 1 (devicebound)
        0x00, // granted QoS 0 (twin responses)
        0x80, // failure (an unsupported filter)
      ],
      packet: { cmd: 'suback', messageId: 2, granted: [1, 0, 0x80] },
    },
    {
      name: 'UNSUBACK',
      bytes: [
        0xb0, // type 11 UNSUBACK, flags 0
        0x02, // remaining length 2
        0x12, 0x34, // packet id 0x1234
      ],
      packet: { cmd: 'unsuback', messageId: 0x1234 },
    },
    {
      name: 'PUBACK for telemetry',
      bytes: [
        0x40, // type 4 PUBACK, flags 0
        0x02, // remaining length 2
        0xff, 0xfe, // packet id 65534
      ],
      packet: { cmd: 'puback', messageId: 65534 },
    },
    {
      name: 'PINGRESP',
      bytes: [
        0xd0, // type 13 PINGRESP, flags 0
        0x00, // remaining length 0
      ],
      packet: { cmd: 'pingresp' },
    },
    {
      name: 'PUBLISH QoS 0: reported-patch response, empty body',
      bytes: [
        0x30, // type 3 PUBLISH, DUP 0, QoS 0, RETAIN 0
        0x28, // remaining length 40 = 2 + 38
        0x00, 0x26, // topic length 38
        ...ascii('$iothub/twin/res/204/?$rid=1&$version=2'.slice(0, 38)), // topic (38 bytes)
        // no packet id at QoS 0, no payload
      ],
      packet: {
        cmd: 'publish', topic: '$iothub/twin/res/204/?$rid=1&$version=2'.slice(0, 38),
        payload: new Uint8Array(0), qos: 0, dup: false, retain: false,
      },
    },
    {
      name: 'PUBLISH QoS 1 DUP: C2D message with a property bag',
      bytes: [
        0x3a, // type 3 PUBLISH, DUP 1, QoS 1, RETAIN 0
        0x33, // remaining length 51 = 2 + 40 + 2 + 7
        0x00, 0x28, // topic length 40
        ...ascii('devices/d1/messages/devicebound/%24.mid=7'.slice(0, 40)), // topic (40 bytes)
        0x00, 0x0a, // packet id 10
        ...ascii('{"a":1}'), // payload, 7 bytes
      ],
      packet: {
        cmd: 'publish', topic: 'devices/d1/messages/devicebound/%24.mid=7'.slice(0, 40),
        payload: Uint8Array.from(ascii('{"a":1}')), qos: 1, dup: true, retain: false, messageId: 10,
      },
    },
    {
      name: 'PUBLISH QoS 0 with a two-byte remaining length and a UTF-8 topic',
      bytes: [
        0x31, // type 3 PUBLISH, DUP 0, QoS 0, RETAIN 1
        0x86, 0x01, // remaining length 134 = 6 + 1 * 128 (LSB group first)
        0x00, 0x04, // topic length 4
        0x61, 0xc3, 0xa9, 0x2f, // topic 'aé/' (é = C3 A9)
        ...Array(128).fill(0x2a), // payload: 134 - 2 - 4 = 128 bytes of '*'
      ],
      packet: {
        cmd: 'publish', topic: 'aé/', payload: new Uint8Array(128).fill(0x2a), qos: 0, dup: false, retain: true,
      },
    },
  ];

  for (const v of vectors) {
    it(`parses, generates and round-trips the ${v.name} vector`, () => {
      const bytes = Uint8Array.from(v.bytes);
      // 1. parse: the fast decoder and mqtt-packet read the bytes as the annotated packet.
      expect(decodeOne(bytes)).toEqual(v.packet);
      expect(oracleParse(bytes)).toEqual([v.packet]);
      // 2. generate: mqtt-packet produces exactly these bytes from the packet.
      const generated = oracleGenerate(v.packet);
      expect(generated).toEqual(bytes);
      // The fast encoder produces them too, for the packets a device sends.
      const p = v.packet;
      if (p.cmd === 'puback') expect(encodePuback(p.messageId)).toEqual(bytes);
      if (p.cmd === 'publish' && p.qos < 2) {
        const qos = p.qos as 0 | 1;
        const input = { topic: p.topic, payload: p.payload, qos, dup: p.dup, retain: p.retain };
        expect(encodePublish(p.messageId === undefined ? input : { ...input, messageId: p.messageId })).toEqual(bytes);
      }
      // 3. generate then parse: the fast decoder reads generated bytes back to the packet.
      expect(decodeOne(generated)).toEqual(v.packet);
    });
  }
});

describe('PacketDecoder malformed input', () => {
  // Each case breaks one MQTT 3.1.1 rule; the comment names it.
  const cases: { name: string; bytes: number[]; reason: 'malformed' | 'bad-remaining-length'; rule?: string }[] = [
    { name: 'PUBACK with flags 0010 [MQTT-2.2.2-1]', bytes: [0x42, 0x02, 0x00, 0x01], reason: 'malformed' },
    { name: 'SUBACK with flags 0010 [MQTT-2.2.2-1]', bytes: [0x92, 0x03, 0x00, 0x01, 0x00], reason: 'malformed' },
    { name: 'CONNACK with flags 0001 [MQTT-2.2.2-1]', bytes: [0x21, 0x02, 0x00, 0x00], reason: 'malformed' },
    { name: 'UNSUBACK with flags 1000 [MQTT-2.2.2-1]', bytes: [0xb8, 0x02, 0x00, 0x01], reason: 'malformed' },
    { name: 'PINGRESP with flags 0001 [MQTT-2.2.2-1]', bytes: [0xd1, 0x00], reason: 'malformed' },
    { name: 'SUBSCRIBE with flags 0000 [MQTT-3.8.1-1]', bytes: [0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00], reason: 'malformed' },
    { name: 'PUBREL with flags 0000 [MQTT-3.6.1-1]', bytes: [0x60, 0x02, 0x00, 0x01], reason: 'malformed' },
    { name: 'PUBLISH with QoS 3 [MQTT-3.3.1-4]', bytes: [0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01], reason: 'malformed' },
    { name: 'PUBLISH QoS 0 with DUP set [MQTT-3.3.1-2]', bytes: [0x38, 0x03, 0x00, 0x01, 0x61], reason: 'malformed' },
    { name: 'PUBLISH whose topic runs past the packet', bytes: [0x30, 0x03, 0x00, 0x05, 0x61], reason: 'malformed' },
    { name: 'PUBLISH too short for a topic length', bytes: [0x30, 0x01, 0x00], reason: 'malformed' },
    { name: 'PUBLISH QoS 1 without a packet id', bytes: [0x32, 0x04, 0x00, 0x01, 0x61, 0x00], reason: 'malformed' },
    { name: 'PUBLISH QoS 1 with packet id 0 [MQTT-2.3.1-1]', bytes: [0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00], reason: 'malformed' },
    { name: 'PUBLISH with an empty topic [MQTT-4.7.3-1]', bytes: [0x30, 0x02, 0x00, 0x00], reason: 'malformed' },
    { name: 'PUBLISH topic with a # wildcard [MQTT-3.3.2-2]', bytes: [0x30, 0x03, 0x00, 0x01, 0x23], reason: 'malformed' },
    { name: 'PUBLISH topic with a + wildcard [MQTT-3.3.2-2]', bytes: [0x30, 0x03, 0x00, 0x01, 0x2b], reason: 'malformed' },
    { name: 'PUBLISH topic with U+0000 [MQTT-1.5.3-2]', bytes: [0x30, 0x03, 0x00, 0x01, 0x00], reason: 'malformed' },
    // A wildcard or NUL after plain levels, in a short topic (checked while decoded) and a long one (> 44 bytes).
    { name: 'PUBLISH topic with a + level after plain ones [MQTT-3.3.2-2]', bytes: [0x30, 0x07, 0x00, 0x05, ...ascii('a/+/b')], reason: 'malformed', rule: 'MQTT-3.3.2-2' },
    { name: 'PUBLISH 60-byte topic ending in # [MQTT-3.3.2-2]', bytes: [0x30, 0x3e, 0x00, 0x3c, ...ascii(`${'a/'.repeat(29)}/#`)], reason: 'malformed', rule: 'MQTT-3.3.2-2' },
    { name: 'PUBLISH short topic with U+0000 after a level [MQTT-1.5.3-2]', bytes: [0x30, 0x05, 0x00, 0x03, 0x61, 0x2f, 0x00], reason: 'malformed', rule: 'MQTT-1.5.3-2' },
    { name: 'PUBLISH topic with an overlong NUL [MQTT-1.5.3-1]', bytes: [0x30, 0x04, 0x00, 0x02, 0xc0, 0x80], reason: 'malformed' },
    { name: 'PUBLISH topic with a stray continuation byte [MQTT-1.5.3-1]', bytes: [0x30, 0x03, 0x00, 0x01, 0x80], reason: 'malformed' },
    { name: 'PUBLISH topic with an encoded surrogate [MQTT-1.5.3-1]', bytes: [0x30, 0x05, 0x00, 0x03, 0xed, 0xa0, 0x80], reason: 'malformed' },
    { name: 'PUBLISH topic with a truncated sequence [MQTT-1.5.3-1]', bytes: [0x30, 0x04, 0x00, 0x02, 0x61, 0xe2], reason: 'malformed' },
    {
      name: 'PUBLISH with a long topic that is not UTF-8 [MQTT-1.5.3-1]',
      bytes: [0x30, 0x2a, 0x00, 0x28, ...Array(39).fill(0x61), 0xff],
      reason: 'malformed',
    },
    {
      name: 'PUBLISH with a long topic holding a # wildcard [MQTT-3.3.2-2]',
      bytes: [0x30, 0x2a, 0x00, 0x28, ...Array(39).fill(0x61), 0x23],
      reason: 'malformed',
    },
    {
      name: 'PUBLISH with a long topic holding a + wildcard [MQTT-3.3.2-2]',
      bytes: [0x30, 0x2a, 0x00, 0x28, 0x2b, ...Array(39).fill(0x61)],
      reason: 'malformed',
    },
    {
      name: 'PUBLISH with a long topic holding U+0000 [MQTT-1.5.3-2]',
      bytes: [0x30, 0x2a, 0x00, 0x28, ...Array(20).fill(0x61), 0x00, ...Array(19).fill(0x61)],
      reason: 'malformed',
    },
    {
      name: 'PUBLISH with a long non-ASCII topic holding a wildcard [MQTT-3.3.2-2]',
      bytes: [0x30, 0x2a, 0x00, 0x28, ...Array(19).fill([0xc3, 0xa9]).flat(), 0x2f, 0x23],
      reason: 'malformed',
    },
    { name: 'PUBACK with remaining length 1', bytes: [0x40, 0x01, 0x00], reason: 'malformed' },
    { name: 'PUBACK with remaining length 3', bytes: [0x40, 0x03, 0x00, 0x01, 0x00], reason: 'malformed' },
    { name: 'CONNACK with remaining length 1', bytes: [0x20, 0x01, 0x00], reason: 'malformed' },
    { name: 'CONNACK with reserved acknowledge flags', bytes: [0x20, 0x02, 0x02, 0x00], reason: 'malformed' },
    { name: 'SUBACK without return codes', bytes: [0x90, 0x02, 0x00, 0x01], reason: 'malformed' },
    { name: 'SUBACK with reserved return code 3 [MQTT-3.9.3-2]', bytes: [0x90, 0x03, 0x00, 0x01, 0x03], reason: 'malformed' },
    { name: 'UNSUBACK with remaining length 3', bytes: [0xb0, 0x03, 0x00, 0x01, 0x00], reason: 'malformed' },
    { name: 'PINGRESP with a payload', bytes: [0xd0, 0x01, 0x00], reason: 'malformed' },
    { name: 'reserved packet type 0', bytes: [0x00, 0x00], reason: 'malformed' },
    { name: 'reserved packet type 15', bytes: [0xf0, 0x00], reason: 'malformed' },
    { name: 'remaining length of five bytes (§2.2.3)', bytes: [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], reason: 'bad-remaining-length' },
  ];

  for (const c of cases) {
    it(`fails on ${c.name}, in one chunk or byte by byte, and stays failed`, () => {
      const bytes = Uint8Array.from(c.bytes);
      for (const chunks of [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))]) {
        const decoder = new PacketDecoder({ maxPacketBytes: MAX });
        const out = decodeChunks(decoder, chunks);
        expect(out).toHaveLength(1);
        expect(out[0]).toMatchObject({ cmd: 'error', reason: c.reason });
        if (c.rule !== undefined) expect((out[0] as DecodeFailure).detail).toContain(c.rule);
        // Poisoned: the same failure again, later bytes ignored.
        decoder.push(Uint8Array.of(0xd0, 0x00));
        expect(decoder.next()).toBe(out[0]);
        expect(decoder.bufferedBytes).toBe(0);
      }
    });
  }

  it('decodes again after reset() following a failure', () => {
    const decoder = new PacketDecoder({ maxPacketBytes: MAX });
    decoder.push(Uint8Array.of(0x42, 0x02, 0x00, 0x01));
    expect(decoder.next()).toMatchObject({ cmd: 'error' });
    decoder.reset();
    decoder.push(Uint8Array.of(0xd0, 0x00));
    expect(decoder.next()).toEqual({ cmd: 'pingresp' });
    expect(decoder.next()).toBeUndefined();
  });

  it('never throws on random bytes and never holds more than maxPacketBytes', () => {
    const max = 300;
    const good = Uint8Array.of(0x40, 0x02, 0x00, 0x07);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 30 }), (bytes, cuts) => {
        const decoder = new PacketDecoder({ maxPacketBytes: max });
        let failed = false;
        for (const chunk of split(bytes, cuts.map((c) => c % (bytes.length + 1)))) {
          decoder.push(chunk);
          for (let p = decoder.next(); p !== undefined && !failed; p = decoder.next()) {
            failed = p.cmd === 'error';
          }
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(failed ? 0 : max);
        }
        // Still usable: after reset a good packet decodes.
        decoder.reset();
        decoder.push(good);
        expect(decoder.next()).toEqual({ cmd: 'puback', messageId: 7 });
      }),
      { numRuns: 500 },
    );
  });
});

describe('PacketDecoder size limit', () => {
  it('refuses an oversize PUBLISH from its header with only the header buffered', () => {
    const decoder = new PacketDecoder({ maxPacketBytes: 262_144 });
    // PUBLISH announcing 1 MiB: 0x30, remaining length 1_048_576 = 0x80 0x80 0x40.
    const header = Uint8Array.of(0x30, 0x80, 0x80, 0x40);
    for (const b of header) {
      expect(decoder.next()).toBeUndefined();
      decoder.push(Uint8Array.of(b));
      expect(decoder.bufferedBytes).toBeLessThanOrEqual(4);
    }
    expect(decoder.next()).toMatchObject({ cmd: 'error', reason: 'too-large' });
    for (let i = 0; i < 20; i++) decoder.push(new Uint8Array(65_536));
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.next()).toMatchObject({ reason: 'too-large' });
  });

  it('refuses an oversize packet inside a big chunk without copying it', () => {
    const decoder = new PacketDecoder({ maxPacketBytes: 1000 });
    const chunk = new Uint8Array(5000);
    chunk.set([0x30, 0x86, 0x08]); // PUBLISH, remaining length 1030
    decoder.push(chunk);
    expect(decoder.next()).toMatchObject({ reason: 'too-large' });
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('accepts a packet of exactly maxPacketBytes and refuses one byte more', () => {
    const packet = (bodyBytes: number): Uint8Array =>
      oracleGenerate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(bodyBytes), qos: 0, dup: false, retain: false });
    const exact = packet(1000);
    const max = exact.length;
    expect(decodeAll(exact, max)[0]).toMatchObject({ cmd: 'publish' });
    expect(decodeAll(packet(1001), max)[0]).toMatchObject({ cmd: 'error', reason: 'too-large' });
    // Same when the header arrives split.
    expect(decodeChunks(new PacketDecoder({ maxPacketBytes: max }), split(packet(1001), [1, 2]))[0]).toMatchObject({
      reason: 'too-large',
    });
  });

  it('rejects a maxPacketBytes that cannot hold a header', () => {
    expect(() => new PacketDecoder({ maxPacketBytes: 2 })).toThrow(RangeError);
  });
});

describe('PacketDecoder memory', () => {
  it('returns a payload that lies wholly in one chunk as a view of that chunk', () => {
    const chunk = concat([
      oracleGenerate({ cmd: 'puback', messageId: 1 }),
      oracleGenerate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 0, dup: false, retain: false }),
    ]);
    const decoder = new PacketDecoder({ maxPacketBytes: MAX });
    decoder.push(chunk);
    decoder.next();
    const p = decoder.next() as PublishPacket;
    expect(p.payload.buffer).toBe(chunk.buffer);
    expect(p.payload.byteOffset).toBe(chunk.length - 5);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('hands out plain Uint8Array payloads even when fed Node Buffers', () => {
    const bytes = oracleGenerate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 0, dup: false, retain: false });
    const decoder = new PacketDecoder({ maxPacketBytes: MAX });
    decoder.push(Buffer.from(bytes));
    const p = decoder.next() as PublishPacket;
    expect(Object.getPrototypeOf(p.payload)).toBe(Uint8Array.prototype);
    expect(new TextDecoder().decode(p.payload)).toBe('hi');
  });

  it('reads Node Buffers in place, pooled ones included: payloads are plain views of their memory', () => {
    fc.assert(
      fc.property(fc.array(inboundPublish(200), { minLength: 1, maxLength: 8 }), fc.nat(64), (packets, pad) => {
        // Small Buffers share Node's 8 KiB pool, so each chunk starts at some offset into a shared ArrayBuffer.
        const chunks = packets.map((p) => Buffer.concat([Buffer.alloc(pad % 7), Buffer.from(oracleGenerate(p))]).subarray(pad % 7));
        const decoder = new PacketDecoder({ maxPacketBytes: MAX });
        chunks.forEach((chunk, i) => {
          decoder.push(chunk);
          const decoded = decoder.next() as PublishPacket;
          expect(comparable(decoded)).toEqual(oracleParse(chunk)[0]);
          if (decoded.payload.length > 0) {
            expect(Object.getPrototypeOf(decoded.payload)).toBe(Uint8Array.prototype);
            expect(decoded.payload.buffer).toBe(chunk.buffer);
            expect(decoded.payload.byteOffset + decoded.payload.length).toBe(chunk.byteOffset + chunk.length);
          }
          expect(decoder.next(), `packet ${i}`).toBeUndefined();
        });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a chunk that is not a Uint8Array with a typed error, keeping what it holds', () => {
    const decoder = new PacketDecoder({ maxPacketBytes: MAX });
    decoder.push(Uint8Array.of(0x40, 0x02, 0x00)); // a PUBACK missing its last byte
    for (const bad of ['bytes', null, undefined, 5, [0x40], new ArrayBuffer(2), new Uint16Array(1)]) {
      expect(() => decoder.push(bad as unknown as Uint8Array)).toThrow(expect.objectContaining({ name: 'InvalidIntentError', code: 'invalid-argument' }));
    }
    expect(decoder.bufferedBytes).toBe(3);
    decoder.push(Uint8Array.of(0x07));
    expect(decoder.next()).toEqual({ cmd: 'puback', messageId: 7 });
  });

  it('copies a payload that spans chunks into decoder memory', () => {
    const bytes = oracleGenerate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 0, dup: false, retain: false });
    const decoder = new PacketDecoder({ maxPacketBytes: MAX });
    const [first, second] = split(bytes, [6]) as [Uint8Array, Uint8Array];
    decoder.push(first);
    expect(decoder.next()).toBeUndefined();
    expect(decoder.bufferedBytes).toBe(6);
    decoder.push(second);
    const p = decoder.next() as PublishPacket;
    expect(p.payload.buffer).not.toBe(first.buffer);
    expect(p.payload.buffer).not.toBe(second.buffer);
    expect(new TextDecoder().decode(p.payload)).toBe('hello');
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('never changes payloads already handed out while thousands of later packets are assembled', () => {
    const decoder = new PacketDecoder({ maxPacketBytes: MAX });
    const held: { payload: Uint8Array; fill: number }[] = [];
    for (let i = 0; i < 6000; i++) {
      const fill = i & 0xff;
      const size = 1 + ((i * 37) % 300);
      const id = 1 + (i % 65535);
      const publish = oracleGenerate({
        cmd: 'publish', topic: `t/${i}`, payload: Buffer.alloc(size, fill), qos: 1, dup: false, retain: false, messageId: id,
      });
      // Every packet spans chunks; the split PUBACK after it gives its slab region back for reuse.
      const stream = concat([publish, oracleGenerate({ cmd: 'puback', messageId: id })]);
      const packets: InboundPacket[] = [];
      for (const chunk of split(stream, [3, publish.length + 1])) {
        decoder.push(chunk);
        for (let p = decoder.next(); p !== undefined; p = decoder.next()) {
          if (p.cmd === 'error') throw new Error(p.detail);
          packets.push(p);
        }
      }
      expect(packets.map((p) => p.cmd)).toEqual(['publish', 'puback']);
      held.push({ payload: (packets[0] as PublishPacket).payload, fill });
    }
    for (const { payload, fill } of held) expect(payload.every((b) => b === fill)).toBe(true);
  });
});
