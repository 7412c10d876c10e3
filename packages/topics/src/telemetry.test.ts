import { describe, expect, it } from 'vitest';
import type { TopicErrorCode } from './errors.ts';
import { MAX_TOPIC_BYTES } from './limits.ts';
import { parseTelemetryTopic, telemetryTopic, telemetryTopicPrefix } from './telemetry.ts';

const topicError = (code: TopicErrorCode): unknown => expect.objectContaining({ name: 'TopicError', code });

describe('telemetry topics', () => {
  it('end device and module prefixes with the slash the bag follows (§5, §12)', () => {
    expect(telemetryTopicPrefix({ deviceId: 'd' })).toBe('devices/d/messages/events/');
    expect(telemetryTopicPrefix({ deviceId: 'd', moduleId: 'm' })).toBe('devices/d/modules/m/messages/events/');
  });

  it('append the encoded bag, system keys first, as docs/protocol.md §7 and §12 show', () => {
    expect(telemetryTopic({ deviceId: 'd' })).toBe('devices/d/messages/events/');
    expect(telemetryTopic({ deviceId: 'd' }, { contentType: 'application/json', contentEncoding: 'utf-8' })).toBe(
      'devices/d/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8',
    );
    expect(telemetryTopic({ deviceId: 'd', moduleId: 'm' }, { outputName: 'alert' })).toBe(
      'devices/d/modules/m/messages/events/%24.on=alert',
    );
    expect(telemetryTopic({ deviceId: 'd' }, { component: 'thermostat1', application: { 'iothub-creation-time-utc': '2021-04-21T11:30:16Z' } })).toBe(
      'devices/d/messages/events/%24.sub=thermostat1&iothub-creation-time-utc=2021-04-21T11%3A30%3A16Z',
    );
  });

  it('refuse ids with + or #, 129 characters or none', () => {
    expect(() => telemetryTopic({ deviceId: 'a+b' })).toThrow(topicError('invalid-device-id'));
    expect(() => telemetryTopic({ deviceId: 'a#b' })).toThrow(topicError('invalid-device-id'));
    expect(() => telemetryTopic({ deviceId: 'x'.repeat(129) })).toThrow(topicError('invalid-device-id'));
    expect(() => telemetryTopic({ deviceId: 'd', moduleId: '' })).toThrow(topicError('invalid-module-id'));
  });

  it('refuse duplicate property names and a bag that would not fit in an MQTT topic', () => {
    expect(() => telemetryTopic({ deviceId: 'd' }, { application: [['A', '1'], ['a', '2']] })).toThrow(topicError('duplicate-property'));
    const big = { application: { v: 'x'.repeat(MAX_TOPIC_BYTES) } };
    expect(() => telemetryTopic({ deviceId: 'd' }, big)).toThrow(topicError('bag-too-large'));
    const justFits = { application: { v: 'x'.repeat(MAX_TOPIC_BYTES - 'devices/d/messages/events/v='.length) } };
    expect(telemetryTopic({ deviceId: 'd' }, justFits)).toHaveLength(MAX_TOPIC_BYTES);
  });

  it('leave other families to other parsers by answering undefined', () => {
    expect(parseTelemetryTopic('devices/d/messages/devicebound/')).toBeUndefined();
    expect(parseTelemetryTopic('devices/d/modules/m/inputs/i/')).toBeUndefined();
    expect(parseTelemetryTopic('$iothub/twin/GET/?$rid=1')).toBeUndefined();
  });
});
