import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ascii, fixedHeader, messageId, oracleGenerate, oracleParseOne, sameBytes } from '../../test/mqtt-oracle.ts';
import { refusal } from '../../test/refusal.ts';
import { InvalidIntentError } from '../shared/errors.ts';
import { PacketDecoder } from './decoder.ts';
import { encodeSubscribe, encodeUnsubscribe, type SubscriptionRequest } from './subscribe.ts';

/** One level of a filter: plain text (any Unicode but `/`, `+`, `#`, U+0000), or a `+` standing alone. */
const level = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !/[/+#\u0000]/.test(s)) },
  { weight: 1, arbitrary: fc.constantFrom('+', '$iothub', 'devices', 'devicebound') },
);

/** Any valid topic filter: levels joined by `/`, optionally ending in a `#` level [MQTT-4.7.1-2, MQTT-4.7.1-3]. */
const filter: fc.Arbitrary<string> = fc
  .tuple(fc.array(level, { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([levels, multi]) => (multi ? [...levels, '#'].join('/') : levels.join('/')))
  .filter((f) => f.length > 0);

/** A filter of about `bytes` UTF-8 bytes, near the 65,535-byte limit. */
const longFilter = fc
  .tuple(fc.constantFrom('a', 'é', '€', '\u{1f600}'), fc.integer({ min: 60_000, max: 65_535 }))
  .map(([u, n]) => `${u.repeat(Math.floor((n - 2) / new TextEncoder().encode(u).length))}/#`);

const qos = fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1>; // 2 is valid MQTT, outside the IoT Hub type

/** Many filters, every QoS, now and then one near the length limit. */
const subscriptions = fc.array(
  fc.record({ topic: fc.oneof({ weight: 20, arbitrary: filter }, { weight: 1, arbitrary: longFilter }), qos }),
  { minLength: 1, maxLength: 40 },
);

describe('encodeSubscribe against mqtt-packet', () => {
  it('produces the bytes mqtt-packet.generate produces, for many filters at every QoS', () => {
    fc.assert(
      fc.property(messageId, subscriptions, (id, subs) => {
        const bytes = encodeSubscribe(id, subs);
        expect(sameBytes(bytes, oracleGenerate({ cmd: 'subscribe', messageId: id, subscriptions: subs }))).toBe(true);
        expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
        expect(oracleParseOne(bytes)).toMatchObject({ cmd: 'subscribe', messageId: id, subscriptions: subs });
      }),
      { numRuns: 300 },
    );
  });

  it('encodes UNSUBSCRIBE as mqtt-packet.generate does, for many filters', () => {
    fc.assert(
      fc.property(messageId, subscriptions, (id, subs) => {
        const topics = subs.map((s) => s.topic);
        const bytes = encodeUnsubscribe(id, topics);
        expect(sameBytes(bytes, oracleGenerate({ cmd: 'unsubscribe', messageId: id, unsubscriptions: topics }))).toBe(true);
        expect(oracleParseOne(bytes)).toMatchObject({ cmd: 'unsubscribe', messageId: id, unsubscriptions: topics });
      }),
      { numRuns: 300 },
    );
  });
});

describe('encodeSubscribe golden vectors', () => {
  it('parses, generates and round-trips a device subscribing to all four IoT Hub filters', () => {
    const subs: SubscriptionRequest[] = [
      { topic: 'devices/d1/messages/devicebound/#', qos: 1 },
      { topic: '$iothub/methods/POST/#', qos: 0 },
      { topic: '$iothub/twin/res/#', qos: 0 },
      { topic: '$iothub/twin/PATCH/properties/desired/#', qos: 0 },
    ];
    const bytes = Uint8Array.from([
      0x82, // type 8 SUBSCRIBE, flags 0010 [MQTT-3.8.1-1]
      0x7e, // remaining length 126
      0x00, 0x01, // packet id 1
      0x00, 0x21, ...ascii('devices/d1/messages/devicebound/#'), 0x01, // 33-byte filter, QoS 1
      0x00, 0x16, ...ascii('$iothub/methods/POST/#'), 0x00, // 22-byte filter, QoS 0
      0x00, 0x12, ...ascii('$iothub/twin/res/#'), 0x00, // 18-byte filter, QoS 0
      0x00, 0x27, ...ascii('$iothub/twin/PATCH/properties/desired/#'), 0x00, // 39-byte filter, QoS 0
    ]);
    expect(oracleParseOne(bytes)).toMatchObject({ cmd: 'subscribe', messageId: 1, subscriptions: subs });
    expect(oracleGenerate({ cmd: 'subscribe', messageId: 1, subscriptions: subs })).toEqual(bytes);
    expect(encodeSubscribe(1, subs)).toEqual(bytes);
    const decoder = new PacketDecoder({ maxPacketBytes: 1024 });
    decoder.push(encodeSubscribe(1, subs));
    expect(decoder.next()).toEqual({ cmd: 'other', type: 8, name: 'subscribe' });
  });

  it('parses, generates and round-trips the DPS response subscription', () => {
    const bytes = Uint8Array.from([
      0x82, // type 8 SUBSCRIBE, flags 0010
      0x1d, // remaining length 29
      0xff, 0xff, // packet id 65535
      0x00, 0x18, ...ascii('$dps/registrations/res/#'), 0x01, // 24-byte filter, QoS 1
    ]);
    const subs: SubscriptionRequest[] = [{ topic: '$dps/registrations/res/#', qos: 1 }];
    expect(oracleParseOne(bytes)).toMatchObject({ cmd: 'subscribe', messageId: 65_535, subscriptions: subs });
    expect(oracleGenerate({ cmd: 'subscribe', messageId: 65_535, subscriptions: subs })).toEqual(bytes);
    expect(encodeSubscribe(65_535, subs)).toEqual(bytes);
  });

  it('parses, generates and round-trips an UNSUBSCRIBE', () => {
    const bytes = Uint8Array.from([
      0xa2, // type 10 UNSUBSCRIBE, flags 0010 [MQTT-3.10.1-1]
      0x1a, // remaining length 26
      0x00, 0x09, // packet id 9
      0x00, 0x16, ...ascii('$iothub/methods/POST/#'), // 22-byte filter
    ]);
    expect(oracleParseOne(bytes)).toMatchObject({ cmd: 'unsubscribe', messageId: 9, unsubscriptions: ['$iothub/methods/POST/#'] });
    expect(oracleGenerate({ cmd: 'unsubscribe', messageId: 9, unsubscriptions: ['$iothub/methods/POST/#'] })).toEqual(bytes);
    expect(encodeUnsubscribe(9, ['$iothub/methods/POST/#'])).toEqual(bytes);
    const decoder = new PacketDecoder({ maxPacketBytes: 1024 });
    decoder.push(encodeUnsubscribe(9, ['$iothub/methods/POST/#']));
    expect(decoder.next()).toEqual({ cmd: 'other', type: 10, name: 'unsubscribe' });
  });
});

describe('encodeSubscribe and encodeUnsubscribe limits', () => {

  it.each([
    ['invalid-packet-id', 'packet id 0', 0, [{ topic: 'a', qos: 0 }]],
    ['invalid-packet-id', 'packet id 65,536', 65_536, [{ topic: 'a', qos: 0 }]],
    ['invalid-packet-id', 'packet id 1.5', 1.5, [{ topic: 'a', qos: 0 }]],
    ['invalid-packet-id', 'a string packet id', '1', [{ topic: 'a', qos: 0 }]],
    ['invalid-argument', 'no filters [MQTT-3.8.3-3]', 1, []],
    ['invalid-argument', 'filters that are not an array', 1, 'a/#'],
    ['invalid-argument', 'a null subscription', 1, [null]],
    ['invalid-argument', 'a numeric filter', 1, [{ topic: 5, qos: 0 }]],
    ['unsupported-qos', 'QoS 3', 1, [{ topic: 'a', qos: 3 }]],
    ['unsupported-qos', 'no QoS', 1, [{ topic: 'a' }]],
    ['invalid-topic-filter', 'an empty filter [MQTT-4.7.3-1]', 1, [{ topic: '', qos: 0 }]],
    ['invalid-topic-filter', '# not last [MQTT-4.7.1-2]', 1, [{ topic: 'a/#/b', qos: 0 }]],
    ['invalid-topic-filter', '# inside a level [MQTT-4.7.1-2]', 1, [{ topic: 'a#', qos: 0 }]],
    ['invalid-topic-filter', '+ inside a level [MQTT-4.7.1-3]', 1, [{ topic: 'a/b+', qos: 0 }]],
    ['invalid-topic-filter', '+ before text [MQTT-4.7.1-3]', 1, [{ topic: '+a/b', qos: 0 }]],
    ['invalid-string', 'a lone surrogate', 1, [{ topic: 'a/\ud800', qos: 0 }]],
    ['invalid-string', 'U+0000 [MQTT-4.7.3-2]', 1, [{ topic: 'a/\u0000', qos: 0 }]],
    ['field-too-long', 'a filter of 65,536 bytes', 1, [{ topic: 'a'.repeat(65_534) + '/#', qos: 0 }]],
  ])('refuses SUBSCRIBE with %s: %s', (code, _what, id, subs) => {
    expect(refusal(() => encodeSubscribe(id as number, subs as SubscriptionRequest[]))).toBe(code);
    // UNSUBSCRIBE applies the same rules to the same filters (QoS aside).
    if (code !== 'unsupported-qos' && Array.isArray(subs) && subs.every((s) => typeof s === 'object' && s !== null)) {
      const topics = (subs as { topic: unknown }[]).map((s) => s.topic);
      expect(refusal(() => encodeUnsubscribe(id as number, topics as string[]))).toBe(code);
    }
  });

  it('names the filter that is too long', () => {
    expect(() => encodeSubscribe(1, [{ topic: 'a', qos: 0 }, { topic: 'é'.repeat(32_768), qos: 1 }])).toThrow(/filter 1 is 65536 bytes/);
  });

  it('refuses a SUBSCRIBE whose remaining length would pass 268,435,455 bytes', () => {
    // 4,096 filters of 65,534 bytes (three-byte '€' to keep the measuring short):
    // 2 + 4,096 × (2 + 65,534 + 1) = 268,435,554 bytes, 99 over the limit.
    const huge = '€'.repeat(21_844) + '/#';
    const subs = Array.from({ length: 4096 }, (): SubscriptionRequest => ({ topic: huge, qos: 0 }));
    expect(refusal(() => encodeSubscribe(1, subs))).toBe('packet-too-large');
  });

  /** Filters valid and not: near and past the limit, bad wildcards, lone surrogates, NULs. */
  const anyFilter = fc.oneof(
    filter,
    fc.tuple(fc.constantFrom('a', 'é'), fc.integer({ min: 65_530, max: 65_540 })).map(([u, n]) => u.repeat(Math.ceil(n / (u === 'a' ? 1 : 2)))),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom('', 'a#', 'a/+b', '#/a', 'x\ud800', 'x\u0000'),
  );

  it('either refuses arbitrary filters with a typed error or emits bytes that read back exactly, header and all', () => {
    let encoded = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.integer({ min: -1, max: 65_536 }), fc.array(fc.record({ topic: anyFilter, qos: fc.integer({ min: 0, max: 3 }) }), { maxLength: 5 }), (id, subs) => {
        for (const encode of ['subscribe', 'unsubscribe'] as const) {
          let bytes: Uint8Array;
          try {
            bytes = encode === 'subscribe' ? encodeSubscribe(id, subs as SubscriptionRequest[]) : encodeUnsubscribe(id, subs.map((s) => s.topic));
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidIntentError);
            refused++;
            continue;
          }
          const { headerBytes, remaining } = fixedHeader(bytes);
          expect(remaining).toBe(bytes.length - headerBytes);
          const parsed = oracleParseOne(bytes);
          if (encode === 'subscribe') expect(parsed).toMatchObject({ cmd: 'subscribe', messageId: id, subscriptions: subs });
          else expect(parsed).toMatchObject({ cmd: 'unsubscribe', messageId: id, unsubscriptions: subs.map((s) => s.topic) });
          encoded++;
        }
      }),
      { numRuns: 300 },
    );
    expect(Math.min(encoded, refused)).toBeGreaterThan(30);
  });
});
