import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOutboundTopic, type OutboundTopic } from './outbound.ts';

/** The error code of a malformed result, or the kind when it is not malformed. */
function codeOf(result: OutboundTopic): string {
  return result.kind === 'malformed' ? result.error.code : result.kind;
}

describe('parseOutboundTopic on the docs/protocol.md examples', () => {
  it('reads device telemetry with a bag and without one (§5, §7)', () => {
    expect(parseOutboundTopic('devices/d/messages/events/')).toMatchObject({ kind: 'telemetry', deviceId: 'd', properties: { application: {} } });
    expect(parseOutboundTopic('devices/d/messages/events/%24.ct=application%2Fjson%3Bcharset%3Dutf-8&a=1')).toMatchObject({
      kind: 'telemetry',
      deviceId: 'd',
      properties: { contentType: 'application/json;charset=utf-8', application: { a: '1' } },
    });
  });

  it('reads module output telemetry with the Edge trailing slash (§12)', () => {
    const result = parseOutboundTopic('devices/d/modules/m/messages/events/%24.on=alert/');
    expect(result).toMatchObject({ kind: 'telemetry', deviceId: 'd', moduleId: 'm', properties: { outputName: 'alert' } });
  });

  it('accepts telemetry without the trailing slash after events', () => {
    expect(parseOutboundTopic('devices/d/messages/events')).toMatchObject({ kind: 'telemetry', deviceId: 'd' });
  });

  it('reads twin GET and reported PATCH requests (§9)', () => {
    expect(parseOutboundTopic('$iothub/twin/GET/?$rid=7')).toEqual({ kind: 'twin-get', rid: '7' });
    expect(parseOutboundTopic('$iothub/twin/PATCH/properties/reported/?$rid=8')).toEqual({ kind: 'twin-patch-reported', rid: '8' });
  });

  it('reads a method response with a device-chosen status (§10)', () => {
    expect(parseOutboundTopic('$iothub/methods/res/200/?$rid=1')).toEqual({ kind: 'method-response', status: 200, rid: '1' });
    expect(parseOutboundTopic('$iothub/methods/res/0/?$rid=1')).toEqual({ kind: 'method-response', status: 0, rid: '1' });
  });

  it('reads DPS register and operation-status requests in either query order (§13)', () => {
    expect(parseOutboundTopic('$dps/registrations/PUT/iotdps-register/?$rid=1')).toEqual({ kind: 'dps-register', rid: '1' });
    const operationId = '4.d0a671905ea5b2c8.42d78160-4c78-479e-8be7-61d5e55ac0a4';
    expect(parseOutboundTopic(`$dps/registrations/GET/iotdps-get-operationstatus/?$rid=2&operationId=${operationId}`)).toEqual({
      kind: 'dps-operation-status',
      rid: '2',
      operationId,
    });
    expect(parseOutboundTopic(`$dps/registrations/GET/iotdps-get-operationstatus/?operationId=${operationId}&$rid=2`)).toMatchObject({
      rid: '2',
      operationId,
    });
  });
});

describe('parseOutboundTopic on broken and foreign topics', () => {
  const cases: [topic: string, expected: string, why: string][] = [
    ['devices/d/messages/devicebound/', 'unknown', 'C2D is inbound'],
    ['devices/d/messages/eventsx', 'unknown', 'events must be a whole level'],
    ['devices/d/modules/m/inputs/i/', 'unknown', 'module inputs are inbound'],
    ['$iothub/twin/res/200/?$rid=1', 'unknown', 'a twin response is inbound'],
    ['$iothub/methods/POST/m/?$rid=1', 'unknown', 'a method request is inbound'],
    ['$iothub/twin/PATCH/properties/desired/?$rid=1', 'unknown', 'devices cannot patch desired properties'],
    ['devices//messages/events/', 'invalid-device-id', 'empty device id'],
    ['devices/d/modules//messages/events/', 'invalid-module-id', 'empty module id'],
    ['devices/d/messages/events/a=%Z1', 'malformed-escape', 'bad escape in the bag'],
    ['$iothub/twin/GET/', 'missing-rid', 'GET without rid'],
    ['$iothub/twin/GET/?$rid=', 'missing-rid', 'GET with an empty rid'],
    ['$iothub/twin/PATCH/properties/reported/?rid=1', 'missing-rid', 'rid without $'],
    ['$iothub/methods/res/abc/?$rid=1', 'invalid-status', 'non-integer method status'],
    ['$iothub/methods/res/65536/?$rid=1', 'invalid-status', 'method status beyond 65535'],
    ['$iothub/methods/res/200/', 'missing-rid', 'method response without rid'],
    ['$dps/registrations/PUT/iotdps-register/', 'missing-rid', 'register without rid'],
    ['$dps/registrations/GET/iotdps-get-operationstatus/?$rid=1', 'invalid-operation-id', 'poll without operationId'],
    ['$dps/registrations/GET/iotdps-get-operationstatus/?$rid=1&operationId=', 'invalid-operation-id', 'empty operationId'],
  ];
  for (const [topic, expected, why] of cases) {
    it(`classifies ${JSON.stringify(topic)} as ${expected}: ${why}`, () => {
      expect(codeOf(parseOutboundTopic(topic))).toBe(expected);
    });
  }

  it('never throws, whatever the topic', () => {
    const heads = ['', 'devices/d/messages/events/', 'devices/d/modules/', '$iothub/methods/res/', '$iothub/twin/GET/?',
      '$dps/registrations/GET/iotdps-get-operationstatus/?'];
    fc.assert(
      fc.property(fc.constantFrom(...heads), fc.string({ unit: 'binary' }), (head, tail) => {
        expect(typeof parseOutboundTopic(head + tail).kind).toBe('string');
      }),
    );
  });
});
