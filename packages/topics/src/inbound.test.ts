import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TopicErrorCode } from './errors.ts';
import { parseInboundTopic, type InboundTopic } from './inbound.ts';
import { EMPTY_PROPERTIES } from './message-properties.ts';

/** The error code of a malformed result, or the kind when it is not malformed. */
function codeOf(result: InboundTopic): TopicErrorCode | InboundTopic['kind'] {
  return result.kind === 'malformed' ? result.error.code : result.kind;
}

describe('parseInboundTopic on the docs/protocol.md examples', () => {
  it('reads a C2D topic with escaped system keys, $.to and an ack property (§8)', () => {
    const topic =
      'devices/dev-1/messages/devicebound/%24.mid=4a1f%2Dx&%24.to=%2Fdevices%2Fdev-1%2Fmessages%2FdeviceBound&iothub-ack=full';
    const result = parseInboundTopic(topic);
    expect(result).toMatchObject({ kind: 'c2d', deviceId: 'dev-1' });
    if (result.kind !== 'c2d') return;
    expect(result.properties).toMatchObject({ messageId: '4a1f-x', to: '/devices/dev-1/messages/deviceBound' });
    expect({ ...result.properties.application }).toEqual({ 'iothub-ack': 'full' });
  });

  it('reads a C2D topic without a bag as the shared empty properties', () => {
    const result = parseInboundTopic('devices/d/messages/devicebound/');
    expect(result).toEqual({ kind: 'c2d', deviceId: 'd', properties: EMPTY_PROPERTIES });
    expect(result.kind === 'c2d' && result.properties).toBe(EMPTY_PROPERTIES);
  });

  it('reads the documentation bag /?prop1&prop2=&prop3=a%20string on a C2D topic (§6)', () => {
    const result = parseInboundTopic('devices/d/messages/devicebound/?prop1&prop2=&prop3=a%20string');
    expect(result.kind === 'c2d' && { ...result.properties.application }).toEqual({ prop1: null, prop2: '', prop3: 'a string' });
  });

  it('reads a module input with the sender stamped in $.cdid and $.cmid (§12)', () => {
    const result = parseInboundTopic('devices/d1/modules/filter/inputs/input1/%24.cdid=d1&%24.cmid=sensor&temp=21.5');
    expect(result).toMatchObject({
      kind: 'module-input',
      deviceId: 'd1',
      moduleId: 'filter',
      inputName: 'input1',
      properties: { connectionDeviceId: 'd1', connectionModuleId: 'sensor', application: { temp: '21.5' } },
    });
  });

  it('reads a twin GET response and a PATCH response with its new version (§9)', () => {
    expect(parseInboundTopic('$iothub/twin/res/200/?$rid=1')).toEqual({ kind: 'twin-response', status: 200, rid: '1' });
    expect(parseInboundTopic('$iothub/twin/res/204/?$rid=42&$version=7')).toEqual({
      kind: 'twin-response',
      status: 204,
      rid: '42',
      version: 7,
    });
  });

  it('reads $rid and $version in either order, and ignores parameters it does not know', () => {
    expect(parseInboundTopic('$iothub/twin/res/204/?$version=7&$rid=42')).toEqual({
      kind: 'twin-response',
      status: 204,
      rid: '42',
      version: 7,
    });
    expect(parseInboundTopic('$iothub/twin/res/429/?x=1&$rid=9&y')).toEqual({ kind: 'twin-response', status: 429, rid: '9' });
  });

  it('reads a desired patch with and without its version (§9)', () => {
    expect(parseInboundTopic('$iothub/twin/PATCH/properties/desired/?$version=12')).toEqual({ kind: 'desired-patch', version: 12 });
    expect(parseInboundTopic('$iothub/twin/PATCH/properties/desired/')).toEqual({ kind: 'desired-patch' });
  });

  it('reads a method request and splits a PnP component command (§10, §11)', () => {
    expect(parseInboundTopic('$iothub/methods/POST/reboot/?$rid=5')).toEqual({
      kind: 'method-request',
      methodName: 'reboot',
      rid: '5',
      commandName: 'reboot',
    });
    expect(parseInboundTopic('$iothub/methods/POST/thermostat1*getMaxMinReport/?$rid=1')).toEqual({
      kind: 'method-request',
      methodName: 'thermostat1*getMaxMinReport',
      rid: '1',
      component: 'thermostat1',
      commandName: 'getMaxMinReport',
    });
  });

  it('reads DPS responses with retry-after anywhere in the query (§13)', () => {
    expect(parseInboundTopic('$dps/registrations/res/202/?$rid=abc&retry-after=3')).toEqual({
      kind: 'dps-response',
      status: 202,
      rid: 'abc',
      retryAfterSeconds: 3,
    });
    expect(parseInboundTopic('$dps/registrations/res/202/?retry-after=3&$rid=abc')).toMatchObject({ retryAfterSeconds: 3 });
    expect(parseInboundTopic('$dps/registrations/res/200/?$rid=abc')).toEqual({ kind: 'dps-response', status: 200, rid: 'abc' });
  });

  it('accepts %24rid and a percent-encoded rid', () => {
    expect(parseInboundTopic('$iothub/twin/res/200/?%24rid=a%2Db')).toEqual({ kind: 'twin-response', status: 200, rid: 'a-b' });
  });
});

describe('parseInboundTopic on broken and foreign topics', () => {
  const cases: [topic: string, expected: string, why: string][] = [
    ['devices/d/messages/events/', 'unknown', 'telemetry is outbound, never delivered to a device'],
    ['devices/d/messages/deviceboundx/', 'unknown', 'devicebound must be a whole level'],
    ['devices/d/modules/m/outputs/o/', 'unknown', 'only inputs are delivered to modules'],
    ['$iothub/twin/GET/?$rid=1', 'unknown', 'a request, not a response'],
    ['$iothub/methods/res/200/?$rid=1', 'unknown', 'a method response is outbound'],
    ['$iothub/credential/res/200/?$rid=1', 'unknown', 'certificate renewal is out of scope (§16)'],
    ['$dps/registrations/PUT/iotdps-register/?$rid=1', 'unknown', 'a DPS request is outbound'],
    ['/devices/d/messages/devicebound/', 'unknown', 'leading slash'],
    ['Devices/d/messages/devicebound/', 'unknown', 'topics are case-sensitive'],
    ['', 'unknown', 'empty topic'],
    ['devices//messages/devicebound/', 'invalid-device-id', 'empty device id'],
    ['devices/d/modules//inputs/i/', 'invalid-module-id', 'empty module id'],
    ['devices/d/modules/m/inputs//', 'invalid-input-name', 'empty input name'],
    ['devices/d/messages/devicebound/a=%ZZ', 'malformed-escape', 'bad escape in a C2D value'],
    ['devices/d/messages/devicebound/%G4.mid=1', 'malformed-escape', 'bad escape in a C2D name'],
    ['devices/d/messages/devicebound/a=%C3%28', 'malformed-escape', 'invalid UTF-8 behind the escapes'],
    ['devices/d/modules/m/inputs/i/a=%', 'malformed-escape', 'truncated escape in a module input'],
    ['$iothub/twin/res/200/', 'missing-rid', 'no query at all'],
    ['$iothub/twin/res/200', 'missing-rid', 'no level after the status'],
    ['$iothub/twin/res/200/?$rid=', 'missing-rid', 'empty rid'],
    ['$iothub/twin/res/200/?rid=1', 'missing-rid', 'rid without $'],
    ['$iothub/twin/res/2x0/?$rid=1', 'invalid-status', 'non-integer status'],
    ['$iothub/twin/res//?$rid=1', 'invalid-status', 'empty status'],
    ['$iothub/twin/res/-1/?$rid=1', 'invalid-status', 'negative status'],
    ['$iothub/twin/res/2.5/?$rid=1', 'invalid-status', 'fractional status'],
    ['$iothub/twin/res/99999999999/?$rid=1', 'invalid-status', 'status beyond 65535'],
    ['$iothub/twin/res/204/?$rid=1&$version=v7', 'invalid-version', 'non-integer version'],
    ['$iothub/twin/PATCH/properties/desired/?$version=', 'invalid-version', 'empty version'],
    ['$iothub/twin/res/200/?$rid=%E2', 'malformed-escape', 'bad escape in the rid'],
    ['$iothub/methods/POST//?$rid=1', 'invalid-method-name', 'empty method name'],
    ['$iothub/methods/POST/reboot/', 'missing-rid', 'method request without rid'],
    ['$iothub/methods/POST/reboot', 'missing-rid', 'method request without query'],
    ['$dps/registrations/res/abc/?$rid=1', 'invalid-status', 'non-integer DPS status'],
    ['$dps/registrations/res/202/?retry-after=3', 'missing-rid', 'DPS response without rid'],
    ['$dps/registrations/res/202/?$rid=1&retry-after=soon', 'dps-response', 'retry-after is advice: unusable reads as absent'],
  ];
  for (const [topic, expected, why] of cases) {
    it(`classifies ${JSON.stringify(topic)} as ${expected}: ${why}`, () => {
      expect(codeOf(parseInboundTopic(topic))).toBe(expected);
    });
  }

  it('names the offending value in the error', () => {
    const result = parseInboundTopic('$iothub/twin/res/2x0/?$rid=1');
    expect(result.kind === 'malformed' && result.error.value).toBe('2x0');
  });

  it('never throws, whatever the topic', () => {
    const pieces = fc.constantFrom('devices/', 'd/', 'messages/devicebound/', 'modules/', 'inputs/', '$iothub/', 'twin/res/',
      'methods/POST/', '$dps/registrations/res/', '200/', '?', '$rid=', '&', '=', '%', '%2', '%E2%82', 'x', '/', '😀');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 10 }), fc.string({ unit: 'binary' }), (parts, tail) => {
        const result = parseInboundTopic(parts.join('') + tail);
        expect(typeof result.kind).toBe('string');
      }),
    );
  });

  it('throws TopicError invalid-topic for a value that is not a string: the caller\'s mistake, not the wire\'s', () => {
    for (const wrong of [undefined, null, 5, {}, ['$iothub/twin/res/200/?$rid=1']]) {
      expect(() => parseInboundTopic(wrong as unknown as string)).toThrow(expect.objectContaining({ name: 'TopicError', code: 'invalid-topic' }));
    }
  });
});
