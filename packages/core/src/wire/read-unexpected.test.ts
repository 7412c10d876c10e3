import fc from 'fast-check';
import type { Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ascii, concat, decodeChunks, messageId, oracleGenerate, oracleParse, oracleParseRaw, split } from '../../test/mqtt-oracle.ts';
import { PacketDecoder } from './decoder.ts';
import type { DecodeFailure } from './packets.ts';

const MAX = 1 << 20;

/** Text an MQTT string may hold: no lone surrogate, no U+0000. */
const text = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => !s.includes('\0'));

/** A topic name (a Will's): non-empty, no wildcards. */
const topicName = text.filter((s) => s.length > 0 && !/[+#]/.test(s));

/** A topic filter: levels of text or `+`, optionally a final `#`. */
const topicFilter = fc
  .tuple(fc.array(fc.oneof(text.filter((s) => !/[/+#]/.test(s)), fc.constant('+')), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([levels, multi]) => (multi ? [...levels, '#'] : levels).join('/'))
  .filter((f) => f.length > 0);

/** Any CONNECT mqtt-packet generates from valid fields: 3.1.1 or 3.1, every flag combination. */
const connect: fc.Arbitrary<Packet> = fc
  .record({
    v31: fc.boolean(),
    clientId: text,
    clean: fc.boolean(),
    keepalive: fc.integer({ min: 0, max: 65_535 }),
    username: fc.option(text, { nil: undefined }),
    password: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
    will: fc.option(
      fc.record({ topic: topicName, payload: fc.uint8Array({ maxLength: 40 }), qos: fc.constantFrom(0, 1, 2), retain: fc.boolean() }),
      { nil: undefined },
    ),
  })
  .map(({ v31, clientId, username, password, will, ...rest }): Packet => ({
    cmd: 'connect',
    protocolId: v31 ? 'MQIsdp' : 'MQTT',
    protocolVersion: v31 ? 3 : 4,
    // 3.1 needs a client id; 3.1.1 allows an empty one with a clean session [MQTT-3.1.3-7].
    clientId: v31 || !rest.clean ? `c${clientId}` : clientId,
    ...rest,
    ...(username === undefined ? {} : { username }),
    // A password needs a user name [MQTT-3.1.2-22].
    ...(password === undefined || username === undefined ? {} : { password: Buffer.from(password) }),
    ...(will === undefined ? {} : { will: { ...will, qos: will.qos as 0 | 1 | 2, payload: Buffer.from(will.payload) } }),
  }));

/** Every packet a device never receives, as mqtt-packet generates it from valid fields. */
const unexpectedPacket: fc.Arbitrary<Packet> = fc.oneof(
  { weight: 3, arbitrary: connect },
  {
    weight: 2,
    arbitrary: fc
      .record({ id: messageId, subs: fc.array(fc.record({ topic: topicFilter, qos: fc.constantFrom(0, 1, 2) }), { minLength: 1, maxLength: 5 }) })
      .map(({ id, subs }): Packet => ({ cmd: 'subscribe', messageId: id, subscriptions: subs.map((s) => ({ topic: s.topic, qos: s.qos as 0 | 1 | 2 })) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ id: messageId, topics: fc.array(topicFilter, { minLength: 1, maxLength: 5 }) })
      .map(({ id, topics }): Packet => ({ cmd: 'unsubscribe', messageId: id, unsubscriptions: topics })),
  },
  { weight: 1, arbitrary: fc.record({ cmd: fc.constantFrom('pubrec', 'pubrel', 'pubcomp'), messageId }).map((p) => p as Packet) },
  { weight: 1, arbitrary: fc.constantFrom<Packet>({ cmd: 'pingreq' }, { cmd: 'disconnect' }) },
);

/** The packet of `bytes` with one byte of its body replaced, or its body cut or extended (remaining length rewritten). */
function mutated(bytes: Uint8Array, at: number, value: number, resize: number): Uint8Array {
  let header = 1;
  while (((bytes[header] as number) & 0x80) !== 0) header++;
  header++;
  const body = Array.from(bytes.subarray(header));
  if (body.length > 0) body[at % body.length] = value;
  if (resize < 0) body.length = Math.max(0, body.length + resize);
  else for (let i = 0; i < resize; i++) body.push(value);
  const length: number[] = [];
  let n = body.length;
  do {
    length.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Uint8Array.from([bytes[0] as number, ...length, ...body]);
}

describe('PacketDecoder on packets a device never receives', () => {
  it('reports every packet mqtt-packet generates from valid fields as other, named as mqtt-packet names it, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(unexpectedPacket, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 10 }), (packets, cuts) => {
        // The decoder stops at the first packet a device cannot use only in the engine; it decodes them all.
        const stream = concat(packets.map(oracleGenerate));
        const expected = packets.map((p) => {
          const [one] = oracleParse(oracleGenerate(p));
          return one;
        });
        expect(expected.every((p) => p?.cmd === 'other')).toBe(true);
        const chunks = split(stream, cuts.map((c) => c % (stream.length + 1)));
        expect(decodeChunks(new PacketDecoder({ maxPacketBytes: MAX }), chunks)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  /** The frame rules of MQTT 3.1.1 for the types a device never receives, written out from the spec's tables 2.1 and 2.2. */
  function frameIsSound(first: number, remaining: number): boolean {
    const type = first >>> 4;
    const flags = first & 0x0f;
    if (type === 0 || type === 15) return false; // reserved (§2.2.1)
    const wantedFlags = type === 6 || type === 8 || type === 10 ? 0b0010 : 0; // PUBREL, SUBSCRIBE, UNSUBSCRIBE
    if (flags !== wantedFlags) return false; // [MQTT-2.2.2-1]
    if (type === 5 || type === 6 || type === 7) return remaining === 2; // PUBREC, PUBREL, PUBCOMP
    if (type === 12 || type === 14) return remaining === 0; // PINGREQ, DISCONNECT
    return true; // CONNECT, SUBSCRIBE, UNSUBSCRIBE: any length
  }

  it('reads only the frame: other exactly when type, flags and a fixed length are right, whatever the body, in any chunking', () => {
    let other = 0;
    let failed = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 5, 6, 7, 8, 10, 12, 14, 15),
        fc.nat({ max: 15 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.boolean(),
        (type, flags, body, cuts, likely) => {
          // Half the time the flags the type must carry, so well-framed packets come up often.
          const first = (type << 4) | (likely ? (type === 6 || type === 8 || type === 10 ? 2 : 0) : flags);
          const bytes = Uint8Array.from([first, body.length, ...body]);
          const out = decodeChunks(new PacketDecoder({ maxPacketBytes: MAX }), split(bytes, cuts.map((c) => c % (bytes.length + 1))));
          expect(out).toHaveLength(1);
          if (frameIsSound(first, body.length)) {
            expect(out[0]).toEqual({ cmd: 'other', type, name: ['reserved', 'connect', '', '', '', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', '', 'unsubscribe', '', 'pingreq', '', 'disconnect'][type] });
            other++;
          } else {
            expect(out[0]).toMatchObject({ cmd: 'error', reason: 'malformed' });
            failed++;
          }
        },
      ),
      { numRuns: 1000 },
    );
    expect(Math.min(other, failed)).toBeGreaterThan(100);
  });

  it('agrees with mqtt-packet where it parses one packet: other of the type it names, or a frame rule it does not check (a fixed length)', () => {
    let agreed = 0;
    fc.assert(
      fc.property(unexpectedPacket, fc.nat(), fc.nat({ max: 255 }), fc.integer({ min: -4, max: 4 }), (packet, at, value, resize) => {
        const bytes = mutated(oracleGenerate(packet), at, value, resize);
        const { packets, error, left } = oracleParseRaw(bytes);
        if (error !== undefined || packets.length !== 1 || left !== 0) return;
        const decoder = new PacketDecoder({ maxPacketBytes: MAX });
        decoder.push(bytes);
        const result = decoder.next();
        if (result?.cmd === 'other') {
          expect(result.name).toBe(packets[0]?.cmd);
          agreed++;
        } else {
          expect(result).toMatchObject({ cmd: 'error', detail: expect.stringContaining('remaining length must be') });
        }
      }),
      { numRuns: 1000 },
    );
    expect(agreed).toBeGreaterThan(150);
  });

  // Each case breaks one frame rule of MQTT 3.1.1; the comment names it.
  const malformed: { name: string; bytes: number[]; detail: string }[] = [
    { name: 'reserved packet type 0', bytes: [0x00, 0x00], detail: 'packet type 0 is reserved' },
    { name: 'reserved packet type 15', bytes: [0xf0, 0x00], detail: 'packet type 15 is reserved' },
    { name: 'PUBREC with flags 0001 [MQTT-2.2.2-1]', bytes: [0x51, 0x02, 0x00, 0x01], detail: 'PUBREC fixed-header flags must be 0 [MQTT-2.2.2-1]' },
    { name: 'PUBREL with flags 0000 [MQTT-2.2.2-1]', bytes: [0x60, 0x02, 0x00, 0x01], detail: 'PUBREL fixed-header flags must be 0010' },
    { name: 'PUBCOMP with remaining length 3', bytes: [0x70, 0x03, 0x00, 0x01, 0x00], detail: 'remaining length must be 2, got 3' },
    { name: 'PINGREQ with a payload', bytes: [0xc0, 0x01, 0x00], detail: 'remaining length must be 0' },
    { name: 'DISCONNECT with flags 0010 [MQTT-2.2.2-1]', bytes: [0xe2, 0x00], detail: 'MQTT-2.2.2-1' },
    { name: 'SUBSCRIBE with flags 0000 [MQTT-2.2.2-1]', bytes: [0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00], detail: 'SUBSCRIBE fixed-header flags must be 0010' },
    { name: 'UNSUBSCRIBE with flags 0000 [MQTT-2.2.2-1]', bytes: [0xa0, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61], detail: 'UNSUBSCRIBE fixed-header flags must be 0010' },
    { name: 'CONNECT with flags 0001 [MQTT-2.2.2-1]', bytes: [0x11, 0x00], detail: 'CONNECT fixed-header flags must be 0' },
  ];

  for (const c of malformed) {
    it(`fails on ${c.name}, in one chunk or byte by byte`, () => {
      const bytes = Uint8Array.from(c.bytes);
      for (const chunks of [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))]) {
        const out = decodeChunks(new PacketDecoder({ maxPacketBytes: MAX }), chunks);
        expect(out).toHaveLength(1);
        expect(out[0]).toMatchObject({ cmd: 'error', reason: 'malformed' });
        expect((out[0] as DecodeFailure).detail).toContain(c.detail);
      }
    });
  }

  it('does not read the fields: a well-framed packet with broken fields is still other (the connection ends either way)', () => {
    const wellFramed: [string, number[]][] = [
      ['subscribe', [0x82, 0x02, 0x00, 0x01]], // no filter [MQTT-3.8.3-3]
      ['unsubscribe', [0xa2, 0x05, 0x00, 0x01, 0x00, 0x09, 0x61]], // a filter running past the packet
      ['pubrec', [0x50, 0x02, 0x00, 0x00]], // packet id 0 [MQTT-2.3.1-1]
      ['connect', [0x10, 0x0e, 0x00, 0x04, ...ascii('MQTX'), 0x04, 0x02, 0x00, 0x3c, 0x00, 0x02, ...ascii('d1')]], // another protocol
      ['connect', []], // nothing at all
    ];
    for (const [name, bytes] of wellFramed) {
      const packet = bytes.length === 0 ? [0x10, 0x00] : bytes;
      expect(decodeChunks(new PacketDecoder({ maxPacketBytes: MAX }), [Uint8Array.from(packet)])).toEqual([{ cmd: 'other', type: (packet[0] as number) >>> 4, name }]);
    }
  });

  it('reads the largest fields in place, across chunk boundaries', () => {
    const packet: Packet = {
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'é'.repeat(30_000), clean: true, keepalive: 0,
      username: 'u'.repeat(65_535), password: Buffer.alloc(65_535, 1),
      will: { topic: 't'.repeat(65_535), payload: Buffer.alloc(65_535, 2), qos: 1, retain: true },
    };
    const bytes = oracleGenerate(packet);
    const out = decodeChunks(new PacketDecoder({ maxPacketBytes: MAX }), split(bytes, [1, 2, 3, 1000, 70_000, 200_000]));
    expect(out).toEqual([{ cmd: 'other', type: 1, name: 'connect' }]);
  });
});
