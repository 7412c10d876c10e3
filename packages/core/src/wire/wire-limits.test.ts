/**
 * No encoder can emit a packet whose bytes disagree with its header: for arbitrary input, valid or
 * not, oversized included, every encoder either throws InvalidIntentError (writing nothing) or
 * emits bytes whose remaining length counts exactly the bytes that follow and that decode back to
 * exactly the input. CONNECT, SUBSCRIBE and UNSUBSCRIBE have the same property in their own tests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyString, concat, fixedHeader, topicName } from '../../test/mqtt-oracle.ts';
import { InvalidIntentError } from '../shared/errors.ts';
import { PacketDecoder } from './decoder.ts';
import {
  encodePuback,
  encodeEnginePublish,
  encodePublish,
  encodePublishHeader,
  encodePublishHeaderInto,
  encodePublishInto,
  MAX_REMAINING_LENGTH,
  type PublishInput,
} from './encoder.ts';
import type { InboundPacket } from './packets.ts';
import { isWellFormed } from '../shared/well-formed.ts';

/** Topics valid and not: names, any string (lone surrogates, wildcards, NUL), lengths around 65,535 bytes, non-strings. */
const anyTopic: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: topicName },
  { weight: 3, arbitrary: anyString },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('a', 'é', '€', '\u{1f600}'), fc.integer({ min: 65_520, max: 65_545 }))
      .map(([unit, bytes]) => unit.repeat(Math.ceil(bytes / new TextEncoder().encode(unit).length))),
  },
  { weight: 1, arbitrary: fc.constantFrom('', 'a/+', '#', 'a\u0000', '\ud800', 5, null, undefined) },
);

/** Payloads: small, large, a Node Buffer, and values that are no Uint8Array at all. */
const anyPayload: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 300_000 }).map((n) => new Uint8Array(n).fill(n & 0xff)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.constantFrom('body', [1, 2], null, undefined, new Uint16Array(2)) },
);

const anyQos: fc.Arbitrary<unknown> = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, 1) }, fc.constantFrom(2, 3, -1, 0.5, '1', undefined));
const anyId: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 65_535 }) },
  fc.constantFrom(0, 65_536, -1, 1.5, Number.NaN, '7', undefined),
);
const anyFlag: fc.Arbitrary<unknown> = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(undefined, true, false) }, fc.constantFrom(1, 'yes', null));

const anyPublish = fc.record({ topic: anyTopic, payload: anyPayload, qos: anyQos, messageId: anyId, dup: anyFlag, retain: anyFlag }, { requiredKeys: ['topic', 'payload', 'qos'] });

/** The one packet `bytes` decode to, with nothing left over. */
function decodeExactly(bytes: Uint8Array): InboundPacket {
  const decoder = new PacketDecoder({ maxPacketBytes: 1 << 20 });
  decoder.push(bytes);
  const packet = decoder.next();
  expect(decoder.next()).toBeUndefined();
  expect(decoder.bufferedBytes).toBe(0);
  if (packet === undefined || packet.cmd === 'error') throw new Error(`did not decode: ${JSON.stringify(packet)}`);
  return packet;
}

/** Checks `bytes` against the input they were encoded from: header and every field. */
function expectEncodes(bytes: Uint8Array, p: PublishInput): void {
  const { headerBytes, remaining } = fixedHeader(bytes);
  expect(remaining).toBe(bytes.length - headerBytes);
  const packet = decodeExactly(bytes);
  if (packet.cmd !== 'publish') throw new Error(`decoded a ${packet.cmd}`);
  expect(packet.topic).toBe(p.topic);
  expect(Buffer.from(packet.payload).equals(Buffer.from(p.payload))).toBe(true);
  expect({ qos: packet.qos, dup: packet.dup, retain: packet.retain, messageId: packet.messageId }).toEqual({
    qos: p.qos,
    dup: p.dup ?? false,
    retain: p.retain ?? false,
    messageId: p.qos === 1 ? p.messageId : undefined,
  });
}

/** Runs `encode`: true when it encoded, false when it threw InvalidIntentError (anything else fails the test). */
function encodes(encode: () => void): boolean {
  try {
    encode();
    return true;
  } catch (error) {
    if (!(error instanceof InvalidIntentError)) throw error;
    return false;
  }
}

describe('the PUBLISH encoders on arbitrary input', () => {
  it('either throw InvalidIntentError, writing nothing, or emit bytes that decode back to exactly the input', () => {
    let encoded = 0;
    let refused = 0;
    fc.assert(
      fc.property(anyPublish, fc.nat(8), (raw, offset) => {
        const p = raw as unknown as PublishInput;
        let whole: Uint8Array | undefined;
        const ok = encodes(() => {
          whole = encodePublish(p);
        });
        if (ok) {
          expectEncodes(whole as Uint8Array, p);
          encoded++;
        } else {
          refused++;
        }
        // encodePublishInto and encodePublishHeaderInto agree with it, and write nothing when they refuse.
        const target = new Uint8Array(offset + 70_000 + (ok ? (whole as Uint8Array).length : 0)).fill(0xee);
        let n = 0;
        expect(encodes(() => (n = encodePublishInto(target, offset, p)))).toBe(ok);
        if (ok) expect(Buffer.from(target.subarray(offset, offset + n)).equals(Buffer.from(whole as Uint8Array))).toBe(true);
        else expect(target.every((b) => b === 0xee)).toBe(true);
        target.fill(0xee);
        expect(encodes(() => (n = encodePublishHeaderInto(target, offset, p)))).toBe(ok);
        if (ok) expectEncodes(concat([target.subarray(offset, offset + n), p.payload]), p);
        else expect(target.every((b) => b === 0xee)).toBe(true);
        let header: Uint8Array | undefined;
        expect(encodes(() => (header = encodePublishHeader(p)))).toBe(ok);
        if (ok) expectEncodes(concat([header as Uint8Array, p.payload]), p);
      }),
      { numRuns: 600 },
    );
    expect(Math.min(encoded, refused)).toBeGreaterThan(100);
  });

  it('encodeEnginePublish, on the checked fields an engine passes, makes what encodePublish makes, whole or as header + payload, and refuses the same sizes', () => {
    // Valid topic names only (the engine builds its topics from checked parts), lengths around 65,535 bytes included.
    const engineTopic = anyTopic.filter((t): t is string => typeof t === 'string' && t !== '' && !/[+#\u0000]/.test(t) && isWellFormed(t));
    const enginePayload = fc.oneof({ weight: 5, arbitrary: fc.uint8Array({ maxLength: 64 }) }, fc.integer({ min: 0, max: 300_000 }).map((n) => new Uint8Array(n).fill(n & 0xff)));
    fc.assert(
      fc.property(engineTopic, enginePayload, fc.constantFrom<0 | 1>(0, 1), fc.integer({ min: 1, max: 65_535 }), fc.boolean(), fc.boolean(), (topic, payload, qos, id, dup, withPayload) => {
        const p: PublishInput = { topic, payload, qos, ...(qos === 1 ? { messageId: id, dup } : {}) };
        let whole: Uint8Array | undefined;
        let bytes: Uint8Array | undefined;
        const ok = encodes(() => (whole = encodePublish(p)));
        expect(encodes(() => (bytes = encodeEnginePublish(topic, payload, qos, id, dup, withPayload)))).toBe(ok);
        if (!ok) return;
        const sent = withPayload ? (bytes as Uint8Array) : concat([bytes as Uint8Array, payload]);
        expect(Buffer.from(sent).equals(Buffer.from(whole as Uint8Array))).toBe(true);
        expectEncodes(sent, p);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a remaining length past 268,435,455 before allocating or reading the payload', () => {
    // An empty array that claims its length: a read of the payload would find nothing there.
    const claiming = (length: number): Uint8Array => Object.defineProperty(new Uint8Array(0), 'length', { value: length });
    const atLimit: PublishInput = { topic: 't', payload: claiming(MAX_REMAINING_LENGTH - 3), qos: 0 };
    const header = new Uint8Array(8);
    expect(encodePublishHeaderInto(header, 0, atLimit)).toBe(8);
    expect(fixedHeader(header).remaining).toBe(MAX_REMAINING_LENGTH);
    const over: PublishInput = { topic: 't', payload: claiming(MAX_REMAINING_LENGTH - 2), qos: 0 };
    const overQos1: PublishInput = { topic: 't', payload: claiming(MAX_REMAINING_LENGTH - 4), qos: 1, messageId: 1 };
    for (const p of [over, overQos1]) {
      for (const encode of [() => encodePublish(p), () => encodePublishInto(new Uint8Array(16), 0, p), () => encodePublishHeaderInto(new Uint8Array(16), 0, p)]) {
        expect(encode).toThrow(expect.objectContaining({ code: 'packet-too-large' }));
      }
    }
  });
});

describe('encodePuback on arbitrary input', () => {
  it('either throws invalid-packet-id or emits a PUBACK that decodes back to the id', () => {
    fc.assert(
      fc.property(fc.oneof(anyId, fc.double(), fc.integer()), (id) => {
        let bytes: Uint8Array | undefined;
        if (!encodes(() => (bytes = encodePuback(id as number)))) {
          expect(() => encodePuback(id as number)).toThrow(expect.objectContaining({ code: 'invalid-packet-id' }));
          return;
        }
        expect(fixedHeader(bytes as Uint8Array)).toEqual({ headerBytes: 2, remaining: 2 });
        expect(decodeExactly(bytes as Uint8Array)).toEqual({ cmd: 'puback', messageId: id });
      }),
      { numRuns: 500 },
    );
  });
});
