import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_PROPERTIES,
  decodeMessageProperties,
  encodeMessageProperties,
  propertyBagSize,
  type MessageProperties,
  type SystemProperties,
} from './message-properties.ts';
import type { TopicErrorCode } from './errors.ts';
import { SYSTEM_PROPERTY_KEYS } from './system-keys.ts';

const topicError = (code: TopicErrorCode): unknown => expect.objectContaining({ name: 'TopicError', code });

/** Decodes and fails the test on an error result. */
function decoded(bag: string): MessageProperties {
  const result = decodeMessageProperties(bag);
  if (!result.ok) throw result.error;
  return result.properties;
}

const nasty = fc.constantFrom('a', 'Z', '0', '-', '.', '~', '%', '&', '=', '/', '+', '$', ' ', '?', 'é', '€', '😀');
const text = fc.string({ unit: nasty, maxLength: 16 });
const systemWireNames = new Set(Object.values(SYSTEM_PROPERTY_KEYS));
const appName = fc
  .string({ unit: nasty, minLength: 1, maxLength: 10 })
  .filter((name) => !systemWireNames.has(name.toLowerCase()));
const application = fc.uniqueArray(fc.tuple(appName, fc.option(text, { nil: null })), {
  selector: ([name]) => name.toLowerCase(),
  maxLength: 6,
});
/** System properties without the three constrained ones, which get their own generators. */
const freeSystem = fc.record(
  {
    correlationId: text,
    userId: text,
    contentType: text,
    contentEncoding: text,
    to: text,
    expiryTimeUtc: text,
    creationTimeUtc: text,
    interfaceId: text,
    diagnosticId: text,
    diagnosticContext: text,
    connectionDeviceId: text,
    connectionModuleId: text,
    messageId: fc.string({ unit: fc.constantFrom('a', '9', '-', ':', '+', '%', '#', '$', "'"), maxLength: 128 }),
    component: fc.constantFrom('thermostat1', 'deviceInformation', 'c'),
    outputName: fc.constantFrom('alert', 'out*1', 'ü'),
  },
  { requiredKeys: [] },
);

describe('encodeMessageProperties', () => {
  it('writes system properties as %24 keys in a fixed order, then application ones in the given order', () => {
    const bag = encodeMessageProperties({
      application: [
        ['z', '1'],
        ['a', null],
      ],
      contentType: 'application/json;charset=utf-8',
      messageId: 'm1',
    });
    expect(bag).toBe('%24.mid=m1&%24.ct=application%2Fjson%3Bcharset%3Dutf-8&z=1&a');
  });

  it('spells every friendly name with its documented wire key', () => {
    const all = Object.fromEntries(Object.keys(SYSTEM_PROPERTY_KEYS).map((k) => [k, 'v'])) as SystemProperties;
    const bag = encodeMessageProperties({ ...all, messageId: 'v', component: 'v', outputName: 'v' });
    expect(bag).toBe(
      '%24.mid=v&%24.cid=v&%24.uid=v&%24.ct=v&%24.ce=v&%24.to=v&%24.exp=v&%24.ctime=v&%24.sub=v&%24.on=v' +
        '&%24.ifid=v&%24.diagid=v&%24.diagctx=v&%24.cdid=v&%24.cmid=v',
    );
  });

  it('accepts application properties as a record', () => {
    expect(encodeMessageProperties({ application: { 'a b': 'c/d', flag: null } })).toBe('a%20b=c%2Fd&flag');
  });

  it('returns an empty string when there is nothing to encode', () => {
    expect(encodeMessageProperties({})).toBe('');
    expect(encodeMessageProperties({ application: {} })).toBe('');
  });

  it('rejects application names equal to another case-insensitively with duplicate-property', () => {
    expect(() => encodeMessageProperties({ application: { Temp: '1', tEMP: '2' } })).toThrow(topicError('duplicate-property'));
  });

  it('rejects an application name that is a system key in any case with invalid-property', () => {
    expect(() => encodeMessageProperties({ application: { '$.mid': 'x' } })).toThrow(topicError('invalid-property'));
    expect(() => encodeMessageProperties({ messageId: 'a', application: [['$.MID', 'b']] })).toThrow(
      topicError('invalid-property'),
    );
  });

  it('rejects a message id outside the §7 character set or over 128 characters', () => {
    expect(() => encodeMessageProperties({ messageId: 'has space' })).toThrow(topicError('invalid-property'));
    expect(() => encodeMessageProperties({ messageId: 'x'.repeat(129) })).toThrow(topicError('invalid-property'));
    expect(encodeMessageProperties({ messageId: 'x'.repeat(128) })).toBe(`%24.mid=${'x'.repeat(128)}`);
  });

  it('rejects a component that is not a DTDL name and an output name with a / in it', () => {
    expect(() => encodeMessageProperties({ component: '1thermostat' })).toThrow(topicError('invalid-component'));
    expect(() => encodeMessageProperties({ outputName: 'a/b' })).toThrow(topicError('invalid-output-name'));
  });

  it('rejects a system value that is not a string', () => {
    expect(() => encodeMessageProperties({ userId: 42 as unknown as string })).toThrow(topicError('invalid-property'));
  });
});

describe('decodeMessageProperties', () => {
  it('maps %24 keys to friendly names and leaves application properties untouched', () => {
    const p = decoded('%24.mid=7b4e&%24.to=%2Fdevices%2Fd1%2Fmessages%2FdeviceBound&iothub-ack=full&%24.cdid=d2');
    expect(p.messageId).toBe('7b4e');
    expect(p.to).toBe('/devices/d1/messages/deviceBound');
    expect(p.connectionDeviceId).toBe('d2');
    expect({ ...p.application }).toEqual({ 'iothub-ack': 'full' });
  });

  it('reads the docs/protocol.md §7 content type with its escaped ; and =', () => {
    expect(decoded('%24.ct=application%2Fjson%3Bcharset%3Dutf-8&%24.ce=utf-8')).toMatchObject({
      contentType: 'application/json;charset=utf-8',
      contentEncoding: 'utf-8',
    });
  });

  it('accepts $.x as well as %24.x, a leading ? and a trailing /', () => {
    expect(decoded('?$.on=alert/').outputName).toBe('alert');
    expect(decoded('%24.on=alert/').outputName).toBe('alert');
  });

  it('keeps unknown $. keys and escaped look-alikes as application properties', () => {
    const p = decoded('%24.future=1&%2524.mid=2');
    expect({ ...p.application }).toEqual({ '$.future': '1', '%24.mid': '2' });
    expect(p.messageId).toBeUndefined();
  });

  it('returns the shared frozen EMPTY_PROPERTIES for an empty bag', () => {
    expect(decoded('')).toBe(EMPTY_PROPERTIES);
    expect(decoded('?')).toBe(EMPTY_PROPERTIES);
    expect(Object.isFrozen(EMPTY_PROPERTIES) && Object.isFrozen(EMPTY_PROPERTIES.application)).toBe(true);
  });

  it('reads a bare system key as an empty string and a bare application key as null', () => {
    const p = decoded('%24.cid&flag');
    expect(p.correlationId).toBe('');
    expect(p.application['flag']).toBeNull();
  });

  it('returns a malformed-escape error result for a bad escape in a name or a value', () => {
    for (const bag of ['%24.mid=%G0', 'a%2=1', '%24.to=%E2%82']) {
      const result = decodeMessageProperties(bag);
      expect(result.ok ? 'ok' : result.error.code).toBe('malformed-escape');
    }
  });

  it('inverts encodeMessageProperties for random system and application properties', () => {
    fc.assert(
      fc.property(freeSystem, application, (system, pairs) => {
        const p = decoded(encodeMessageProperties({ ...system, application: pairs }));
        const { application: app, ...rest } = p;
        expect(rest).toEqual(system);
        expect(Object.entries(app)).toEqual(Object.entries(Object.fromEntries(pairs)));
      }),
    );
  });
});

describe('propertyBagSize', () => {
  it('counts system values and application names and values as UTF-8, not keys, = or &', () => {
    expect(propertyBagSize({ messageId: 'abc', application: { k: 'v€', n: null } })).toBe(3 + 1 + 4 + 1);
    expect(propertyBagSize({})).toBe(0);
  });

  it('counts astral characters as four bytes', () => {
    expect(propertyBagSize({ application: [['😀', '😀']] })).toBe(8);
  });
});
