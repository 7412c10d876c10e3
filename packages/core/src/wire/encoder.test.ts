import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { concat, fixedHeader, messageId, oracleGenerate, oracleParse, payload, sameBytes, topicName } from '../../test/mqtt-oracle.ts';
import { refusal } from '../../test/refusal.ts';
import { InvalidIntentError } from '../shared/errors.ts';
import { PacketDecoder } from './decoder.ts';
import {
  DISCONNECT,
  encodePuback,
  encodeEnginePublish,
  encodePublish,
  encodePublishHeader,
  encodePublishHeaderInto,
  encodePublishInto,
  MAX_REMAINING_LENGTH,
  PINGREQ,
  type PublishInput,
  publishLength,
} from './encoder.ts';

/** Any PUBLISH a device may send: any valid topic name, QoS 0/1, DUP (QoS 1 only)/RETAIN, payload up to `max`. */
function outboundPublish(max: number): fc.Arbitrary<PublishInput> {
  return fc
    .record({
      topic: fc.oneof(topicName, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }).filter((t) => !/[+#\u0000]/.test(t))),
      payload: payload(max),
      qos: fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1>,
      dup: fc.option(fc.boolean(), { nil: undefined }),
      retain: fc.option(fc.boolean(), { nil: undefined }),
      messageId,
    })
    .map(({ topic, payload: body, qos, dup, retain, messageId: id }) => ({
      topic,
      payload: body,
      qos,
      ...(dup === undefined ? {} : { dup: qos === 1 && dup }), // DUP only at QoS 1 [MQTT-3.3.1-2]
      ...(retain === undefined ? {} : { retain }),
      ...(qos === 1 ? { messageId: id } : {}),
    }));
}

/** What mqtt-packet.generate makes of the same PUBLISH. */
function generated(p: PublishInput): Uint8Array {
  return oracleGenerate({
    cmd: 'publish',
    topic: p.topic,
    payload: Buffer.from(p.payload),
    qos: p.qos,
    dup: p.dup ?? false,
    retain: p.retain ?? false,
    ...(p.messageId === undefined ? {} : { messageId: p.messageId }),
  });
}


const ONE = new Uint8Array(1);

/** PUBLISH inputs MQTT or IoT Hub forbid, each with the code it is refused with. */
const REFUSED: [string, PublishInput][] = [
  ['invalid-packet-id', { topic: 't', payload: ONE, qos: 1 }],
  ['invalid-packet-id', { topic: 't', payload: ONE, qos: 1, messageId: 0 }],
  ['invalid-packet-id', { topic: 't', payload: ONE, qos: 1, messageId: 65_536 }],
  ['invalid-packet-id', { topic: 't', payload: ONE, qos: 1, messageId: 1.5 }],
  ['unsupported-qos', { topic: 't', payload: ONE, qos: 2 as 1, messageId: 1 }],
  ['unsupported-qos', { topic: 't', payload: ONE, qos: '1' as unknown as 1, messageId: 1 }],
  ['invalid-argument', { topic: 't', payload: ONE, qos: 0, dup: true }], // [MQTT-3.3.1-2]
  ['invalid-argument', { topic: 't', payload: ONE, qos: 0, retain: 1 as unknown as boolean }],
  ['invalid-argument', { topic: 't', payload: 'x' as unknown as Uint8Array, qos: 0 }],
  ['invalid-argument', { topic: 5 as unknown as string, payload: ONE, qos: 0 }],
  ['invalid-argument', null as unknown as PublishInput],
  ['invalid-topic', { topic: '', payload: ONE, qos: 0 }], // [MQTT-4.7.3-1]
  ['invalid-topic', { topic: 'devices/+/messages/events/', payload: ONE, qos: 0 }], // [MQTT-3.3.2-2]
  ['invalid-topic', { topic: 'a/#', payload: ONE, qos: 0 }],
  ['invalid-string', { topic: 'a\u0000b', payload: ONE, qos: 0 }], // [MQTT-1.5.3-2]
  ['invalid-string', { topic: 'a\ud800', payload: ONE, qos: 0 }], // [MQTT-1.5.3-1]
  ['invalid-string', { topic: '\udc00'.repeat(30), payload: ONE, qos: 0 }],
  ['field-too-long', { topic: 'x'.repeat(65_536), payload: ONE, qos: 0 }],
  ['field-too-long', { topic: 'é'.repeat(32_768), payload: ONE, qos: 0 }],
];

describe('encodePublish', () => {
  it('produces the bytes mqtt-packet.generate produces, for any topic, flags and payload', () => {
    fc.assert(
      fc.property(outboundPublish(2048), (p) => {
        const bytes = encodePublish(p);
        expect(bytes).toEqual(generated(p));
        expect(publishLength(p)).toBe(bytes.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('matches mqtt-packet for payloads up to the 256 KiB IoT Hub limit', () => {
    fc.assert(
      fc.property(outboundPublish(262_144), (p) => {
        expect(sameBytes(encodePublish(p), generated(p))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('matches mqtt-packet at every remaining-length boundary', () => {
    // Remaining length = 2 + 1 + payload: 127/128, 16383/16384 and 2097151/2097152 change its size.
    for (const remaining of [127, 128, 16_383, 16_384, 2_097_151, 2_097_152]) {
      const p: PublishInput = { topic: 't', payload: new Uint8Array(remaining - 3).fill(7), qos: 0 };
      expect(sameBytes(encodePublish(p), generated(p))).toBe(true);
    }
  });

  it('matches mqtt-packet when a multi-byte topic pushes the remaining length past a size boundary', () => {
    // 10 code units of 'é' are 20 bytes: 2 + 10 + 115 = 127 fits one length byte, 2 + 20 + 115 = 137 needs two.
    for (const topic of ['é'.repeat(10), '€'.repeat(10), '\u{1f600}'.repeat(5)]) {
      for (const size of [100, 115, 120, 16_360, 16_370]) {
        const p: PublishInput = { topic, payload: new Uint8Array(size).fill(3), qos: 1, messageId: 9 };
        const expected = generated(p);
        expect(sameBytes(encodePublish(p), expected)).toBe(true);
        const target = new Uint8Array(expected.length);
        expect(encodePublishInto(target, 0, p)).toBe(expected.length);
        expect(sameBytes(target, expected)).toBe(true);
      }
    }
  });

  it('encodes repeated topics (served from its topic cache) exactly like fresh ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('devices/d/messages/events/', 'devices/e/messages/events/', 'é/ü', '€'.repeat(400), 'x'.repeat(1500)), {
          maxLength: 12,
        }),
        (topics) => {
          for (const [i, topic] of topics.entries()) {
            const p: PublishInput = { topic, payload: Uint8Array.of(i), qos: 1, messageId: i + 1 };
            expect(sameBytes(encodePublish(p), generated(p))).toBe(true);
            const target = new Uint8Array(publishLength(p) + 1);
            expect(encodePublishInto(target, 1, p)).toBe(target.length - 1);
            expect(sameBytes(target.subarray(1), generated(p))).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads back through the fast decoder as the publish it was given', () => {
    fc.assert(
      fc.property(outboundPublish(512), (p) => {
        const decoder = new PacketDecoder({ maxPacketBytes: 1 << 20 });
        decoder.push(encodePublish(p));
        expect(decoder.next()).toEqual({
          cmd: 'publish',
          topic: p.topic,
          payload: p.payload,
          qos: p.qos,
          dup: p.dup ?? false,
          retain: p.retain ?? false,
          ...(p.qos === 1 ? { messageId: p.messageId } : {}),
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never hands out the same memory twice', () => {
    const outputs = Array.from({ length: 3000 }, (_, i) =>
      encodePublish({ topic: `t/${i}`, payload: new Uint8Array(40).fill(i & 0xff), qos: 0 }),
    );
    outputs.forEach((bytes, i) => {
      expect(oracleParse(bytes)[0]).toMatchObject({ topic: `t/${i}` });
      expect(bytes.subarray(bytes.length - 40).every((b) => b === (i & 0xff))).toBe(true);
    });
  });

  it('rejects what MQTT or IoT Hub forbid with a typed error naming the rule', () => {
    for (const [code, p] of REFUSED) {
      for (const encode of [() => encodePublish(p), () => publishLength(p), () => encodePublishInto(new Uint8Array(70_000), 0, p)]) {
        expect(refusal(encode)).toBe(code);
      }
    }
    expect(() => encodePublish({ topic: 'x'.repeat(65_536), payload: new Uint8Array(1), qos: 0 })).toThrow(/topic is 65536 bytes/);
    expect(() => encodePublish({ topic: 't', payload: new Uint8Array(1), qos: 1, messageId: 0 })).toThrow(/MQTT-2.3.1-1/);
  });
});

describe('encodeEnginePublish', () => {
  it('produces the bytes mqtt-packet.generate produces, DUP only at QoS 1, without retain; without the payload, its header', () => {
    fc.assert(
      fc.property(outboundPublish(512), fc.boolean(), (p, dup) => {
        const id = p.messageId ?? 0;
        const qos1 = p.qos === 1 ? { messageId: id } : {};
        const expected = generated({ topic: p.topic, payload: p.payload, qos: p.qos, dup: p.qos === 1 && dup, ...qos1 });
        expect(encodeEnginePublish(p.topic, p.payload, p.qos, id, dup, true)).toEqual(expected);
        const header = encodeEnginePublish(p.topic, p.payload, p.qos, id, dup, false);
        expect(concat([header, p.payload])).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a topic past 65,535 bytes as encodePublish does, and keeps no state from a refused call', () => {
    const long = 'x'.repeat(65_536);
    expect(refusal(() => encodeEnginePublish(long, new Uint8Array(1), 1, 7, false, true))).toBe('field-too-long');
    expect(refusal(() => encodeEnginePublish(long, new Uint8Array(1), 0, 0, false, false))).toBe('field-too-long');
    // The reused input is reset: the next message is encoded from its own arguments only.
    expect(encodeEnginePublish('t', new Uint8Array(0), 0, 0, true, true)).toEqual(generated({ topic: 't', payload: new Uint8Array(0), qos: 0 }));
  });
});

describe('encodePublishHeader', () => {
  it('is the packet up to its payload: header + payload are the generate() bytes, at every size class', () => {
    fc.assert(
      fc.property(outboundPublish(64), fc.constantFrom(0, 100, 16_380, 16_384, 70_000), (p, extra) => {
        // Payloads around the slab's region limit and past it take both of the encoder's paths.
        const body = extra === 0 ? p.payload : new Uint8Array(extra).fill(0x5a);
        const input = { ...p, payload: body };
        const header = encodePublishHeader(input);
        expect(header.length).toBe(encodePublishHeaderInto(new Uint8Array(header.length), 0, input));
        expect(sameBytes(concat([header, body]), generated(input))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses what encodePublish refuses, with the same code', () => {
    for (const [code, input] of REFUSED) expect(refusal(() => encodePublishHeader(input))).toBe(code);
  });
});

describe('encodePublishInto', () => {
  it('writes the generate() bytes at any offset and returns their count', () => {
    fc.assert(
      fc.property(outboundPublish(1024), fc.nat(64), fc.nat(64), (p, offset, slack) => {
        const expected = generated(p);
        const target = new Uint8Array(offset + expected.length + slack).fill(0xee);
        expect(encodePublishInto(target, offset, p)).toBe(expected.length);
        expect(target.subarray(offset, offset + expected.length)).toEqual(expected);
        // Bytes around the packet are untouched.
        expect(target.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
        expect(target.subarray(offset + expected.length).every((b) => b === 0xee)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('throws target-too-small and writes nothing when the packet does not fit', () => {
    const p: PublishInput = { topic: 'devices/d/messages/events/', payload: new Uint8Array(10), qos: 1, messageId: 1 };
    const size = publishLength(p);
    const target = new Uint8Array(size + 3).fill(0xee);
    expect(refusal(() => encodePublishInto(target, 4, p))).toBe('target-too-small');
    expect(refusal(() => encodePublishInto(target, -1, p))).toBe('invalid-argument');
    expect(target.every((b) => b === 0xee)).toBe(true);
    expect(encodePublishInto(target, 3, p)).toBe(size);
  });
});

/** Remaining lengths at which the remaining-length field grows by a byte (MQTT 3.1.1 §2.2.3). */
const LENGTH_BOUNDARIES = [127, 16_383, 2_097_151] as const;

/**
 * Any PUBLISH a device may send, with a payload of 0–300 bytes or one that puts the remaining
 * length within 3 bytes of a size boundary (up to ~2 MiB, drawn now and then so runs stay fast).
 */
const headerCasePublish: fc.Arbitrary<PublishInput> = fc
  .record({
    p: outboundPublish(0),
    size: fc.oneof(
      { weight: 3, arbitrary: fc.record({ boundary: fc.constant(0), delta: fc.nat(300) }) },
      { weight: 1, arbitrary: fc.record({ boundary: fc.constantFrom(...LENGTH_BOUNDARIES), delta: fc.integer({ min: -3, max: 3 }) }) },
    ),
  })
  .map(({ p, size: { boundary, delta } }) => {
    // Remaining length = topic length field + topic + packet id + payload.
    const overhead = 2 + Buffer.byteLength(p.topic) + (p.qos === 1 ? 2 : 0);
    const bytes = boundary === 0 ? delta : Math.max(0, boundary - overhead + delta);
    const body = bytes <= 300 ? Uint8Array.from({ length: bytes }, (_, i) => (i * 31 + bytes) & 0xff) : new Uint8Array(bytes).fill(bytes & 0xff);
    return { ...p, payload: body };
  });

/** A payload the header encoder may count but must never read: an empty array claiming `length` bytes. */
function unreadPayload(length: number): Uint8Array {
  return Object.defineProperty(new Uint8Array(0), 'length', { value: length });
}

describe('encodePublishHeaderInto', () => {
  it('writes bytes that, followed by the payload, are what mqtt-packet.generate produces', () => {
    fc.assert(
      fc.property(headerCasePublish, fc.nat(16), fc.nat(80), (p, offset, slack) => {
        const expected = generated(p);
        const headerBytes = publishLength(p) - p.payload.length;
        const target = new Uint8Array(offset + headerBytes + slack).fill(0xee);
        expect(encodePublishHeaderInto(target, offset, p)).toBe(headerBytes);
        expect(sameBytes(concat([target.subarray(offset, offset + headerBytes), p.payload]), expected)).toBe(true);
        // Bytes around the header are untouched.
        expect(target.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
        expect(target.subarray(offset + headerBytes).every((b) => b === 0xee)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('writes the first bytes encodePublishInto writes, for repeated topics too (served from its topic cache)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('devices/d/messages/events/', 'é/ü', '€'.repeat(400), 'x'.repeat(1500)), { maxLength: 12 }),
        (topics) => {
          for (const [i, topic] of topics.entries()) {
            const p: PublishInput = { topic, payload: new Uint8Array(i * 40).fill(i), qos: 1, messageId: i + 1 };
            const whole = new Uint8Array(publishLength(p));
            encodePublishInto(whole, 0, p);
            const header = new Uint8Array(whole.length - p.payload.length);
            expect(encodePublishHeaderInto(header, 0, p)).toBe(header.length);
            expect(sameBytes(header, whole.subarray(0, header.length))).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts a payload of the largest size MQTT allows without reading it', () => {
    // Remaining length = 2 + 1 + payload = 268,435,455, the largest the 4-byte field carries.
    const p: PublishInput = { topic: 't', payload: unreadPayload(MAX_REMAINING_LENGTH - 3), qos: 0 };
    const target = new Uint8Array(8);
    expect(encodePublishHeaderInto(target, 0, p)).toBe(8);
    expect(target).toEqual(
      Uint8Array.of(
        0x30, //                   PUBLISH, QoS 0, no DUP, no RETAIN
        0xff, 0xff, 0xff, 0x7f, // remaining length 268,435,455
        0x00, 0x01, //             topic length
        0x74, //                   topic 't'
      ),
    );
    const oneMore: PublishInput = { ...p, payload: unreadPayload(MAX_REMAINING_LENGTH - 2) };
    expect(refusal(() => encodePublishHeaderInto(new Uint8Array(16).fill(0xee), 0, oneMore))).toBe('packet-too-large');
  });

  it('throws target-too-small and writes nothing when the header does not fit', () => {
    fc.assert(
      fc.property(outboundPublish(300), fc.nat(16), fc.integer({ min: 1, max: 8 }), (p, offset, short) => {
        const headerBytes = publishLength(p) - p.payload.length;
        const target = new Uint8Array(Math.max(offset, offset + headerBytes - short)).fill(0xee);
        expect(refusal(() => encodePublishHeaderInto(target, offset, p))).toBe('target-too-small');
        expect(target.every((b) => b === 0xee)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects what encodePublishInto rejects, writing nothing', () => {
    const target = new Uint8Array(70_000).fill(0xee);
    const body = new Uint8Array(1);
    const header = (p: PublishInput, offset = 0): number => encodePublishHeaderInto(target, offset, p);
    for (const [code, p] of REFUSED) expect(refusal(() => header(p))).toBe(code);
    for (const offset of [-1, 1.5, Number.NaN, 70_001, '0']) {
      expect(() => header({ topic: 't', payload: body, qos: 0 }, offset as number)).toThrow(/outside the target/);
    }
    expect(refusal(() => encodePublishHeaderInto([] as unknown as Uint8Array, 0, { topic: 't', payload: body, qos: 0 }))).toBe('invalid-argument');
    expect(target.every((b) => b === 0xee)).toBe(true);
    // A header that just fits at the very end of the target: the payload needs no room there.
    // 1 type byte + 2 remaining-length bytes (1,005) + 2 topic length + 1 topic + 2 packet id.
    expect(header({ topic: 't', payload: new Uint8Array(1000), qos: 1, messageId: 1 }, 70_000 - 8)).toBe(8);
  });
});

describe('encodePuback, PINGREQ and DISCONNECT', () => {
  it('encodes PUBACK as mqtt-packet.generate does for every packet id', () => {
    fc.assert(
      fc.property(messageId, (id) => {
        expect(encodePuback(id)).toEqual(oracleGenerate({ cmd: 'puback', messageId: id }));
      }),
      { numRuns: 500 },
    );
    expect(encodePuback(0xffff)).toEqual(Uint8Array.of(0x40, 0x02, 0xff, 0xff));
  });

  it('rejects a PUBACK packet id outside 1–65535 with invalid-packet-id', () => {
    for (const id of [0, -1, 65_536, 1.5, Number.NaN, '7', undefined]) expect(refusal(() => encodePuback(id as number))).toBe('invalid-packet-id');
  });

  it('has PINGREQ and DISCONNECT equal to mqtt-packet.generate', () => {
    expect(PINGREQ).toEqual(oracleGenerate({ cmd: 'pingreq' }));
    expect(DISCONNECT).toEqual(oracleGenerate({ cmd: 'disconnect' }));
    expect(PINGREQ).toEqual(Uint8Array.of(0xc0, 0x00)); // type 12, remaining length 0
    expect(DISCONNECT).toEqual(Uint8Array.of(0xe0, 0x00)); // type 14, remaining length 0
  });
});

describe('a PUBLISH without a topic', () => {
  it('is refused by a fresh encoder, before any topic was cached, and by one that has cached a topic', async () => {
    vi.resetModules();
    const fresh = await import('./encoder.ts');
    const { InvalidIntentError: FreshError } = await import('../shared/errors.ts');
    const missing = { payload: new Uint8Array(0), qos: 0 } as unknown as PublishInput;
    for (const encode of [fresh.encodePublish, fresh.encodePublishHeader]) {
      expect(() => encode(missing)).toThrow(FreshError);
      expect(() => encode(missing)).toThrow(/topic must be a string/);
    }
    const topic = 'devices/d/messages/events/';
    fresh.encodePublish({ topic, payload: new Uint8Array(1), qos: 0 });
    fresh.encodePublish({ topic, payload: new Uint8Array(1), qos: 0 }); // the second use caches it
    expect(() => fresh.encodePublish(missing)).toThrow(/topic must be a string/);
  });
});
