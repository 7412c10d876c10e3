/**
 * Wrong calls into every public function of @hubwire/topics: wrong types, null, undefined, numbers
 * out of range, oversized strings. Each throws a TopicError whose `code` names the argument and the
 * rule — never a bare TypeError or RangeError — and a memoising function (the telemetry prefix, the
 * percent-encoder) still answers right after being refused.
 */
import { describe, expect, it } from 'vitest';
import { TopicError } from './errors.ts';
import * as topics from './index.ts';

const BIG = 'x'.repeat(70_000);
const NOT_STRINGS: readonly unknown[] = [undefined, null, 5, Number.NaN, {}, ['devices/d/messages/devicebound/'], () => 'x', Symbol('s'), 5n];

function refused(call: () => unknown): TopicError {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'the call must throw').toBeInstanceOf(TopicError);
  return thrown as TopicError;
}

/** Every classifier and parser: a topic must be a string. */
const PARSERS: readonly [string, (topic: string) => unknown][] = [
  ['parseInboundTopic', topics.parseInboundTopic],
  ['parseOutboundTopic', topics.parseOutboundTopic],
  ['parseC2dTopic', topics.parseC2dTopic],
  ['parseModuleInputTopic', topics.parseModuleInputTopic],
  ['parseTelemetryTopic', topics.parseTelemetryTopic],
  ['parseTwinTopic', topics.parseTwinTopic],
  ['parseTwinRequestTopic', topics.parseTwinRequestTopic],
  ['parseMethodRequestTopic', topics.parseMethodRequestTopic],
  ['parseMethodResponseTopic', topics.parseMethodResponseTopic],
  ['parseDpsResponseTopic', topics.parseDpsResponseTopic],
  ['parseDpsRequestTopic', topics.parseDpsRequestTopic],
];

/** [call, the code it must give]. */
const CALLS: readonly [string, () => unknown, string][] = [
  ...PARSERS.flatMap(([name, parse]) => NOT_STRINGS.map((v, i): [string, () => unknown, string] => [`${name} #${i}`, () => parse(v as string), 'invalid-topic'])),
  ['telemetryTopicPrefix(undefined)', () => topics.telemetryTopicPrefix(undefined as unknown as topics.Identity), 'invalid-identity'],
  ['telemetryTopicPrefix(null)', () => topics.telemetryTopicPrefix(null as unknown as topics.Identity), 'invalid-identity'],
  ['telemetryTopicPrefix("d1")', () => topics.telemetryTopicPrefix('d1' as unknown as topics.Identity), 'invalid-identity'],
  ['telemetryTopicPrefix({ deviceId: 5 })', () => topics.telemetryTopicPrefix({ deviceId: 5 as unknown as string }), 'invalid-device-id'],
  ['telemetryTopicPrefix({ deviceId: "d", moduleId: null })', () => topics.telemetryTopicPrefix({ deviceId: 'd', moduleId: null as unknown as string }), 'invalid-module-id'],
  ['telemetryTopic(id, null)', () => topics.telemetryTopic({ deviceId: 'd' }, null as unknown as undefined), 'invalid-properties'],
  ['telemetryTopic(id, "a=b")', () => topics.telemetryTopic({ deviceId: 'd' }, 'a=b' as unknown as undefined), 'invalid-properties'],
  ['telemetryTopic(id, { application: null })', () => topics.telemetryTopic({ deviceId: 'd' }, { application: null as unknown as topics.PropertyPair[] }), 'invalid-properties'],
  ['telemetryTopic(id, { application: 5 })', () => topics.telemetryTopic({ deviceId: 'd' }, { application: 5 as unknown as topics.PropertyPair[] }), 'invalid-properties'],
  ['telemetryTopic(id, { application: [null] })', () => topics.telemetryTopic({ deviceId: 'd' }, { application: [null as unknown as topics.PropertyPair] }), 'invalid-property'],
  ['telemetryTopic(id, { application: { a: 5 } })', () => topics.telemetryTopic({ deviceId: 'd' }, { application: { a: 5 as unknown as string } }), 'invalid-property'],
  ['telemetryTopic(id, { messageId: {} })', () => topics.telemetryTopic({ deviceId: 'd' }, { messageId: {} as unknown as string }), 'invalid-property'],
  ['telemetryTopic(id, a bag over 65 535 bytes)', () => topics.telemetryTopic({ deviceId: 'd' }, { application: { a: BIG } }), 'bag-too-large'],
  ['c2dTopic(5)', () => topics.c2dTopic(5 as unknown as string), 'invalid-device-id'],
  ['c2dTopic(d, null)', () => topics.c2dTopic('d', null as unknown as undefined), 'invalid-properties'],
  ['c2dSubscribeFilter(null)', () => topics.c2dSubscribeFilter(null as unknown as string), 'invalid-device-id'],
  ['c2dSubscribeFilter of 129 characters', () => topics.c2dSubscribeFilter('d'.repeat(129)), 'invalid-device-id'],
  ['moduleInputTopic(d, m, 5)', () => topics.moduleInputTopic('d', 'm', 5 as unknown as string), 'invalid-input-name'],
  ['moduleInputTopic(d, m, i, [])', () => topics.moduleInputTopic('d', 'm', 'i', [] as unknown as undefined), 'invalid-properties'],
  ['moduleInputsFilter(d, undefined)', () => topics.moduleInputsFilter('d', undefined as unknown as string), 'invalid-module-id'],
  ['twinGetTopic(5)', () => topics.twinGetTopic(5 as unknown as string), 'invalid-rid'],
  ['twinPatchReportedTopic of 129 characters', () => topics.twinPatchReportedTopic('r'.repeat(129)), 'invalid-rid'],
  ['twinResponseTopic("200", r)', () => topics.twinResponseTopic('200' as unknown as number, 'r'), 'invalid-status'],
  ['twinResponseTopic(200, r, -1)', () => topics.twinResponseTopic(200, 'r', -1), 'invalid-version'],
  ['desiredPatchTopic(NaN)', () => topics.desiredPatchTopic(Number.NaN), 'invalid-version'],
  ['methodRequestTopic(null, r)', () => topics.methodRequestTopic(null as unknown as string, 'r'), 'invalid-method-name'],
  ['methodResponseTopic(70000, r)', () => topics.methodResponseTopic(70_000, 'r'), 'invalid-status'],
  ['splitCommandName(5)', () => topics.splitCommandName(5 as unknown as string), 'invalid-method-name'],
  ['dpsRegisterTopic(undefined)', () => topics.dpsRegisterTopic(undefined as unknown as string), 'invalid-rid'],
  ['dpsOperationStatusTopic(r, 5)', () => topics.dpsOperationStatusTopic('r', 5 as unknown as string), 'invalid-operation-id'],
  ['dpsResponseTopic(200, r, 1.5)', () => topics.dpsResponseTopic(200, 'r', 1.5), 'invalid-retry-after'],
  ['encodeMessageProperties(undefined)', () => topics.encodeMessageProperties(undefined as unknown as topics.MessagePropertiesInput), 'invalid-properties'],
  ['encodeMessageProperties([])', () => topics.encodeMessageProperties([] as unknown as topics.MessagePropertiesInput), 'invalid-properties'],
  ['encodeMessageProperties({ component: "a b" })', () => topics.encodeMessageProperties({ component: 'a b' }), 'invalid-component'],
  ['encodeMessageProperties with a duplicate', () => topics.encodeMessageProperties({ application: [['a', '1'], ['A', '2']] }), 'duplicate-property'],
  ['propertyBagSize(null)', () => topics.propertyBagSize(null as unknown as topics.MessagePropertiesInput), 'invalid-properties'],
  ['propertyBagSize({ messageId: 5 })', () => topics.propertyBagSize({ messageId: 5 as unknown as string }), 'invalid-property'],
  ['propertyBagSize({ application: [[5, "v"]] })', () => topics.propertyBagSize({ application: [[5 as unknown as string, 'v']] }), 'invalid-property'],
  ['decodeMessageProperties(undefined)', () => topics.decodeMessageProperties(undefined as unknown as string), 'invalid-bag'],
  ['encodePropertyBag(undefined)', () => topics.encodePropertyBag(undefined as unknown as topics.PropertyPair[]), 'invalid-properties'],
  ['encodePropertyBag(5)', () => topics.encodePropertyBag(5 as unknown as topics.PropertyPair[]), 'invalid-properties'],
  ['encodePropertyBag([5])', () => topics.encodePropertyBag([5 as unknown as topics.PropertyPair]), 'invalid-property'],
  ['encodePropertyBag([["", "v"]])', () => topics.encodePropertyBag([['', 'v']]), 'invalid-property'],
  ['encodePropertyBag([["a", "\\ud800"]])', () => topics.encodePropertyBag([['a', '\ud800']]), 'invalid-property'],
  ['decodePropertyBag(null)', () => topics.decodePropertyBag(null as unknown as string), 'invalid-bag'],
  ['percentEncode(undefined)', () => topics.percentEncode(undefined as unknown as string), 'invalid-text'],
  ['percentEncode({})', () => topics.percentEncode({} as unknown as string), 'invalid-text'],
  ['percentDecode(5)', () => topics.percentDecode(5 as unknown as string), 'invalid-text'],
  ['assertDeviceId(Object.create(null))', () => topics.assertDeviceId(Object.create(null) as string), 'invalid-device-id'],
  ['assertRid(Symbol())', () => topics.assertRid(Symbol('r') as unknown as string), 'invalid-rid'],
  ['assertStatus(5n)', () => topics.assertStatus(5n as unknown as number), 'invalid-status'],
  ['assertRegistrationId of 129 characters', () => topics.assertRegistrationId('r'.repeat(129)), 'invalid-registration-id'],
  ['assertComponentName(BIG)', () => topics.assertComponentName(BIG), 'invalid-component'],
  ['assertMessageId({})', () => topics.assertMessageId({} as unknown as string), 'invalid-property'],
];

describe('@hubwire/topics refuses wrong calls with a TopicError naming the argument', () => {
  it.each(CALLS)('%s → %s', (_what, call, code) => {
    const error = refused(call);
    expect(error.code).toBe(code);
    expect(error.name).toBe('TopicError');
    expect(error.message.length).toBeLessThan(1000); // an oversized value is shortened, not echoed whole
  });

  it('answers right after refusing: nothing memoised from a wrong call', () => {
    expect(topics.telemetryTopicPrefix({ deviceId: 'd1' })).toBe('devices/d1/messages/events/');
    refused(() => topics.telemetryTopicPrefix({ deviceId: 'd1', moduleId: 5 as unknown as string }));
    expect(topics.telemetryTopicPrefix({ deviceId: 'd1' })).toBe('devices/d1/messages/events/');
    refused(() => topics.percentEncode(5 as unknown as string));
    expect(topics.percentEncode('a b')).toBe('a%20b');
    expect(topics.parseInboundTopic('$iothub/twin/res/200/?$rid=1')).toEqual({ kind: 'twin-response', status: 200, rid: '1' });
  });

  it('still answers predicates with false for any value, never throwing', () => {
    for (const value of [...NOT_STRINGS, BIG]) {
      expect(topics.isValidDeviceId(value)).toBe(false);
      expect(topics.isValidRid(value)).toBe(false);
      if (value !== 5) expect(topics.isValidStatus(value)).toBe(false);
      expect(topics.isValidTopicName(value)).toBe(false);
    }
  });
});
