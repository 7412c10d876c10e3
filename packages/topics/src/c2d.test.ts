import { describe, expect, it } from 'vitest';
import { c2dSubscribeFilter, c2dTopic, parseC2dTopic } from './c2d.ts';
import type { TopicErrorCode } from './errors.ts';

const topicError = (code: TopicErrorCode): unknown => expect.objectContaining({ name: 'TopicError', code });

describe('C2D topics', () => {
  it('subscribe with the per-device filter of docs/protocol.md §8', () => {
    expect(c2dSubscribeFilter('dev1')).toBe('devices/dev1/messages/devicebound/#');
    expect(() => c2dSubscribeFilter('dev#')).toThrow(topicError('invalid-device-id'));
  });

  it('build the hub-side topic with escaped system keys, as the hub sends them', () => {
    expect(c2dTopic('d1', { messageId: 'm1', to: '/devices/d1/messages/deviceBound', application: { 'iothub-ack': 'full' } })).toBe(
      'devices/d1/messages/devicebound/%24.mid=m1&%24.to=%2Fdevices%2Fd1%2Fmessages%2FdeviceBound&iothub-ack=full',
    );
    expect(c2dTopic('d1')).toBe('devices/d1/messages/devicebound/');
  });

  it('accept a topic without the trailing slash as an empty bag', () => {
    expect(parseC2dTopic('devices/d/messages/devicebound')).toMatchObject({ kind: 'c2d', deviceId: 'd', properties: { application: {} } });
  });

  it('leave other families to other parsers by answering undefined', () => {
    expect(parseC2dTopic('devices/d/modules/m/inputs/i/')).toBeUndefined();
    expect(parseC2dTopic('devices/d')).toBeUndefined();
    expect(parseC2dTopic('$iothub/twin/res/200/?$rid=1')).toBeUndefined();
  });
});
