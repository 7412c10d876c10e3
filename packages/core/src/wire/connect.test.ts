import fc from 'fast-check';
import type { IConnectPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ascii, fixedHeader, oracleGenerate, oracleParseOne, sameBytes } from '../../test/mqtt-oracle.ts';
import { InvalidIntentError } from '../shared/errors.ts';
import { type ConnectOptions, encodeConnect } from './connect.ts';
import { PacketDecoder } from './decoder.ts';

/** What mqtt-packet.generate makes of the same options (the password as UTF-8 bytes, as IoT Hub reads it). */
function generated(o: ConnectOptions): Uint8Array {
  const packet: IConnectPacket = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId: o.clientId,
    clean: o.cleanSession,
    keepalive: o.keepAliveSeconds,
    username: o.username,
  };
  if (o.password !== undefined) packet.password = Buffer.from(o.password, 'utf8');
  if (o.will !== undefined) {
    packet.will = { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: o.will.qos, retain: o.will.retain };
  }
  return oracleGenerate(packet);
}

/** The options mqtt-packet's parser reads back from `bytes`, in ConnectOptions' shape. */
function parsedBack(bytes: Uint8Array): ConnectOptions {
  const p = oracleParseOne(bytes);
  expect(p).toMatchObject({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4 });
  const will = p['will'] as { topic: string; payload: Uint8Array; qos: 0 | 1; retain: false } | undefined;
  const password = p['password'] as Uint8Array | undefined;
  return {
    clientId: p['clientId'] as string,
    username: p['username'] as string,
    ...(password === undefined ? {} : { password: new TextDecoder().decode(password) }),
    keepAliveSeconds: p['keepalive'] as number,
    cleanSession: p['clean'] as boolean,
    ...(will === undefined ? {} : { will: { topic: will.topic, payload: Uint8Array.from(will.payload), qos: will.qos, retain: will.retain } }),
  };
}

/** Equal options; the Will payload compared as bytes (toEqual walks a 64 KiB array far too slowly). */
function expectSameOptions(actual: ConnectOptions, expected: ConnectOptions): void {
  // -0 is a keep-alive of 0 like any other: compare it as 0.
  const strip = (o: ConnectOptions): unknown => ({
    ...o,
    keepAliveSeconds: o.keepAliveSeconds + 0,
    ...(o.will === undefined ? {} : { will: { ...o.will, payload: o.will.payload.length } }),
  });
  expect(strip(actual)).toEqual(strip(expected));
  if (expected.will !== undefined) expect(sameBytes(actual.will?.payload ?? new Uint8Array(0), expected.will.payload)).toBe(true);
}

/** Code units of 1, 2, 3 and 4 UTF-8 bytes, so lengths near the limit are reached every way. */
const unit = fc.constantFrom('a', 'é', '€', '\u{1f600}');

/** A string of about `bytes` UTF-8 bytes at most, of one repeated unit. */
function longString(maxBytes: number): fc.Arbitrary<string> {
  return fc.tuple(unit, fc.integer({ min: 0, max: maxBytes })).map(([u, n]) => u.repeat(Math.floor(n / new TextEncoder().encode(u).length)));
}

/** Any string an MQTT string field can carry: no lone surrogate, no U+0000. */
const mqttString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => !s.includes('\0')) },
  { weight: 1, arbitrary: longString(65_535) },
);

/** IoT Hub user names, with and without the optional query parameters (docs/protocol.md §2). */
const username = fc.oneof(
  fc.constantFrom(
    'h.azure-devices.net/d1/?api-version=2021-04-12',
    'h.azure-devices.net/d1/?api-version=2021-04-12&model-id=dtmi%3Acom%3Aexample%3AThermostat%3B1',
    'h.azure-devices.net/d1/m1/?api-version=2021-04-12&DeviceClientType=azsdk-c%2F1.5.0&model-id=dtmi%3Ax%3B1',
    '0ne00000A0A/registrations/reg1/api-version=2019-03-31',
    '',
  ),
  mqttString,
);

/** A topic name a Will may carry: non-empty, no wildcards. */
const willTopic = mqttString.filter((t) => t.length > 0 && !/[+#]/.test(t));

/** Any valid CONNECT option set, every option independent. */
const connectOptions: fc.Arbitrary<ConnectOptions> = fc
  .record({
    clientId: fc.oneof(fc.constantFrom('d1', 'd1/m1', 'reg1'), mqttString),
    username,
    password: fc.option(fc.oneof(fc.constant('SharedAccessSignature sr=h&sig=s&se=1'), fc.string({ unit: 'grapheme' }), longString(65_535)), { nil: undefined }),
    keepAliveSeconds: fc.oneof(fc.integer({ min: 0, max: 65_535 }), fc.constantFrom(0, 240, 1177, 65_535)),
    cleanSession: fc.boolean(),
    will: fc.option(
      fc.record({
        topic: willTopic,
        payload: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 65_535 }).map((n) => new Uint8Array(n).fill(n & 0xff))),
        qos: fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1>, // 2 is valid MQTT, outside the IoT Hub type
        retain: fc.boolean() as fc.Arbitrary<false>,
      }),
      { nil: undefined },
    ),
  })
  .map(({ password, will, ...rest }) => ({ ...rest, ...(password === undefined ? {} : { password }), ...(will === undefined ? {} : { will }) }))
  .filter((o) => o.clientId !== '' || o.cleanSession); // [MQTT-3.1.3-8]

describe('encodeConnect against mqtt-packet', () => {
  it('produces the bytes mqtt-packet.generate produces, for every combination of options', () => {
    fc.assert(
      fc.property(connectOptions, (o) => {
        const bytes = encodeConnect(o);
        expect(sameBytes(bytes, generated(o))).toBe(true);
        expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype); // never a Buffer (docs/design.md "Portability")
      }),
      { numRuns: 400 },
    );
  });

  it('reads back through mqtt-packet as exactly the options it was given', () => {
    fc.assert(
      fc.property(connectOptions, (o) => {
        expectSameOptions(parsedBack(encodeConnect(o)), o);
      }),
      { numRuns: 200 },
    );
  });

  it('matches mqtt-packet with every field at exactly 65,535 bytes', () => {
    for (const u of ['a', 'é', '€']) {
      const max = u.repeat(65_535 / new TextEncoder().encode(u).length);
      const o: ConnectOptions = {
        clientId: max, username: max, password: max, keepAliveSeconds: 65_535, cleanSession: false,
        will: { topic: max, payload: new Uint8Array(65_535).fill(7), qos: 1, retain: false },
      };
      expect(sameBytes(encodeConnect(o), generated(o))).toBe(true);
    }
  });
});

describe('encodeConnect golden vectors', () => {
  // Each vector: a CONNECT as IoT Hub or DPS receives it, annotated field by field.
  const vectors: { name: string; options: ConnectOptions; bytes: number[] }[] = [
    {
      name: 'IoT Hub device with a SAS token, persistent session',
      options: {
        clientId: 'd1',
        username: 'h.azure-devices.net/d1/?api-version=2021-04-12',
        password: 'SharedAccessSignature sr=h.azure-devices.net%2Fdevices%2Fd1&sig=c2ln&se=1700000000',
        keepAliveSeconds: 240,
        cleanSession: false,
      },
      bytes: [
        0x10, // type 1 CONNECT, flags 0
        0x92, 0x01, // remaining length 146 = 0x12 + 1 * 128 (least significant group first)
        0x00, 0x04, ...ascii('MQTT'), // protocol name
        0x04, // protocol level 4: MQTT 3.1.1
        0xc0, // connect flags: user name, password; no will; clean session 0
        0x00, 0xf0, // keep alive 240 s
        0x00, 0x02, ...ascii('d1'), // client id
        0x00, 0x2e, ...ascii('h.azure-devices.net/d1/?api-version=2021-04-12'), // user name, 46 bytes
        0x00, 0x52, ...ascii('SharedAccessSignature sr=h.azure-devices.net%2Fdevices%2Fd1&sig=c2ln&se=1700000000'), // password, 82 bytes
      ],
    },
    {
      name: 'IoT Hub module with X.509 (no password flag at all), clean session, no keep-alive',
      options: { clientId: 'd1/m1', username: 'h.azure-devices.net/d1/m1/?api-version=2021-04-12', keepAliveSeconds: 0, cleanSession: true },
      bytes: [
        0x10, // type 1 CONNECT, flags 0
        0x44, // remaining length 68
        0x00, 0x04, ...ascii('MQTT'), // protocol name
        0x04, // protocol level 4
        0x82, // connect flags: user name, clean session
        0x00, 0x00, // keep alive 0: off
        0x00, 0x05, ...ascii('d1/m1'), // client id
        0x00, 0x31, ...ascii('h.azure-devices.net/d1/m1/?api-version=2021-04-12'), // user name, 49 bytes
      ],
    },
    {
      name: 'device with a QoS 1 Will on its telemetry topic',
      options: {
        clientId: 'd1',
        username: 'u',
        password: 'p',
        keepAliveSeconds: 60,
        cleanSession: false,
        will: { topic: 'devices/d1/messages/events/', payload: Uint8Array.from(ascii('{"gone":1}')), qos: 1, retain: false },
      },
      bytes: [
        0x10, // type 1 CONNECT, flags 0
        0x3d, // remaining length 61
        0x00, 0x04, ...ascii('MQTT'), // protocol name
        0x04, // protocol level 4
        0xcc, // connect flags: user name, password, will QoS 1 (0x08), will; retain 0, clean session 0
        0x00, 0x3c, // keep alive 60 s
        0x00, 0x02, ...ascii('d1'), // client id
        0x00, 0x1b, ...ascii('devices/d1/messages/events/'), // will topic, 27 bytes
        0x00, 0x0a, ...ascii('{"gone":1}'), // will payload, 10 bytes
        0x00, 0x01, ...ascii('u'), // user name
        0x00, 0x01, ...ascii('p'), // password
      ],
    },
    {
      name: 'DPS registration with X.509',
      options: { clientId: 'reg1', username: '0ne00000A0A/registrations/reg1/api-version=2019-03-31', keepAliveSeconds: 240, cleanSession: true },
      bytes: [
        0x10, // type 1 CONNECT, flags 0
        0x47, // remaining length 71
        0x00, 0x04, ...ascii('MQTT'), // protocol name
        0x04, // protocol level 4
        0x82, // connect flags: user name, clean session
        0x00, 0xf0, // keep alive 240 s
        0x00, 0x04, ...ascii('reg1'), // client id (the registration id)
        0x00, 0x35, ...ascii('0ne00000A0A/registrations/reg1/api-version=2019-03-31'), // user name, 53 bytes
      ],
    },
  ];

  for (const v of vectors) {
    it(`parses, generates and round-trips the ${v.name} vector`, () => {
      const bytes = Uint8Array.from(v.bytes);
      // 1. parse: mqtt-packet reads the annotated bytes as the options.
      expect(parsedBack(bytes)).toEqual(v.options);
      // 2. generate: mqtt-packet and hubwire both produce exactly these bytes.
      expect(generated(v.options)).toEqual(bytes);
      expect(encodeConnect(v.options)).toEqual(bytes);
      // 3. generate then parse: hubwire's decoder sees a well-formed packet a device never receives.
      const decoder = new PacketDecoder({ maxPacketBytes: 1024 });
      decoder.push(encodeConnect(v.options));
      expect(decoder.next()).toEqual({ cmd: 'other', type: 1, name: 'connect' });
    });
  }
});

describe('encodeConnect limits', () => {
  const base: ConnectOptions = { clientId: 'd1', username: 'u', password: 'p', keepAliveSeconds: 60, cleanSession: false };
  const over = 'a'.repeat(65_536);
  const overMultiByte = 'é'.repeat(32_768); // 32,768 code units, 65,536 bytes

  /** The InvalidIntentError `o` is refused with. */
  function refusal(o: unknown): InvalidIntentError {
    try {
      encodeConnect(o as ConnectOptions);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidIntentError);
      return error as InvalidIntentError;
    }
    throw new Error('encodeConnect did not throw');
  }

  it.each([
    ['client id', { ...base, clientId: over }],
    ['user name', { ...base, username: overMultiByte }],
    ['password', { ...base, password: over }],
    ['password', { ...base, password: overMultiByte }],
    ['will topic', { ...base, will: { topic: overMultiByte, payload: new Uint8Array(1), qos: 1, retain: false } }],
    ['will payload', { ...base, will: { topic: 't', payload: new Uint8Array(65_536), qos: 0, retain: false } }],
  ])('refuses a %s over 65,535 bytes with field-too-long naming it', (field, o) => {
    const error = refusal(o);
    expect(error.code).toBe('field-too-long');
    expect(error.message).toContain(field);
    expect(error.message).toContain('65536 bytes');
  });

  it.each([
    ['invalid-string', 'a lone surrogate in the user name', { ...base, username: 'a\ud800' }],
    ['invalid-string', 'a lone low surrogate in the client id', { ...base, clientId: '\udc00d' }],
    ['invalid-string', 'U+0000 in the client id', { ...base, clientId: 'd\u00001' }],
    ['invalid-string', 'a lone surrogate in the password', { ...base, password: 'p\udbff' }],
    ['invalid-topic', 'an empty will topic', { ...base, will: { topic: '', payload: new Uint8Array(0), qos: 0, retain: false } }],
    ['invalid-topic', 'a will topic with +', { ...base, will: { topic: 'a/+/b', payload: new Uint8Array(0), qos: 0, retain: false } }],
    ['invalid-topic', 'a will topic with #', { ...base, will: { topic: 'a/#', payload: new Uint8Array(0), qos: 0, retain: false } }],
    ['unsupported-qos', 'will QoS 3', { ...base, will: { topic: 't', payload: new Uint8Array(0), qos: 3, retain: false } }],
    ['invalid-argument', 'a will retain that is not a boolean', { ...base, will: { topic: 't', payload: new Uint8Array(0), qos: 0, retain: 'no' } }],
    ['invalid-argument', 'a will payload that is a string', { ...base, will: { topic: 't', payload: 'x', qos: 0, retain: false } }],
    ['invalid-argument', 'a null will', { ...base, will: null }],
    ['invalid-keep-alive', 'keep-alive 65,536', { ...base, keepAliveSeconds: 65_536 }],
    ['invalid-keep-alive', 'keep-alive -1', { ...base, keepAliveSeconds: -1 }],
    ['invalid-keep-alive', 'keep-alive 1.5', { ...base, keepAliveSeconds: 1.5 }],
    ['invalid-keep-alive', 'keep-alive NaN', { ...base, keepAliveSeconds: Number.NaN }],
    ['invalid-argument', 'cleanSession "yes"', { ...base, cleanSession: 'yes' }],
    ['invalid-argument', 'a numeric user name', { ...base, username: 5 }],
    ['invalid-argument', 'a missing client id', { ...base, clientId: undefined }],
    ['invalid-option', 'an empty client id with a persistent session', { ...base, clientId: '' }],
    ['invalid-argument', 'null options', null],
    ['invalid-argument', 'a number for options', 5],
  ])('refuses with %s: %s', (code, _what, o) => {
    expect(refusal(o).code).toBe(code);
  });

  it('accepts U+0000 inside the password, a binary field', () => {
    const o = { ...base, password: 'p\u0000q' };
    expectSameOptions(parsedBack(encodeConnect(o)), o);
  });

  /** Strings near and past the limit, lone surrogates and NULs included. */
  const anyField = fc.oneof(
    { weight: 12, arbitrary: mqttString },
    fc.tuple(unit, fc.integer({ min: 65_530, max: 65_540 })).map(([u, n]) => u.repeat(Math.ceil(n / new TextEncoder().encode(u).length))),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom('a\ud800', '\udc00', 'x\u0000y', '+', '#', ''),
  );
  const anyOptions = fc.record({
    clientId: anyField,
    username: anyField,
    password: fc.option(anyField, { nil: undefined }),
    keepAliveSeconds: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -2, max: 65_537 }) }, fc.double()),
    cleanSession: fc.boolean(),
    will: fc.option(
      fc.record({
        topic: anyField,
        payload: fc.integer({ min: 0, max: 65_537 }).map((n) => new Uint8Array(n)),
        qos: fc.integer({ min: 0, max: 3 }),
        retain: fc.boolean(),
      }),
      { nil: undefined },
    ),
  });

  it('either refuses arbitrary options with a typed error or emits bytes that read back exactly, header and all', () => {
    let encoded = 0;
    let refused = 0;
    fc.assert(
      fc.property(anyOptions, ({ password, will, ...rest }) => {
        const options = { ...rest, ...(password === undefined ? {} : { password }), ...(will === undefined ? {} : { will }) } as ConnectOptions;
        let bytes: Uint8Array;
        try {
          bytes = encodeConnect(options);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidIntentError);
          refused++;
          return;
        }
        const { headerBytes, remaining } = fixedHeader(bytes);
        expect(remaining).toBe(bytes.length - headerBytes);
        expectSameOptions(parsedBack(bytes), options);
        encoded++;
      }),
      { numRuns: 300 },
    );
    // Both outcomes were exercised often.
    expect(Math.min(encoded, refused)).toBeGreaterThan(30);
  });
});
