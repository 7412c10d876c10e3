import { describe, expect, it } from 'vitest';
import type { TopicErrorCode } from './errors.ts';
import {
  DPS_RESPONSE_FILTER,
  dpsOperationStatusTopic,
  dpsRegisterTopic,
  dpsResponseTopic,
  parseDpsRequestTopic,
  parseDpsResponseTopic,
} from './dps.ts';

const topicError = (code: TopicErrorCode): unknown => expect.objectContaining({ name: 'TopicError', code });

describe('DPS topics', () => {
  it('spell the filter as PROTOCOL.md §13 does', () => {
    expect(DPS_RESPONSE_FILTER).toBe('$dps/registrations/res/#');
  });

  it('build the register request and the operation-status poll', () => {
    expect(dpsRegisterTopic('1')).toBe('$dps/registrations/PUT/iotdps-register/?$rid=1');
    expect(dpsOperationStatusTopic('2', '4.d0a6.42d7-4c78')).toBe(
      '$dps/registrations/GET/iotdps-get-operationstatus/?$rid=2&operationId=4.d0a6.42d7-4c78',
    );
  });

  it('build responses with and without retry-after on the service side', () => {
    expect(dpsResponseTopic(202, 'r', 3)).toBe('$dps/registrations/res/202/?$rid=r&retry-after=3');
    expect(dpsResponseTopic(200, 'r')).toBe('$dps/registrations/res/200/?$rid=r');
  });

  it('refuse a bad rid, operation id, status or retry-after', () => {
    expect(() => dpsRegisterTopic('')).toThrow(topicError('invalid-rid'));
    expect(() => dpsOperationStatusTopic('1', 'a&b')).toThrow(topicError('invalid-operation-id'));
    expect(() => dpsResponseTopic(-1, 'r')).toThrow(topicError('invalid-status'));
    expect(() => dpsResponseTopic(202, 'r', 1.5)).toThrow(topicError('invalid-retry-after'));
  });

  it('leave other families to other parsers by answering undefined', () => {
    expect(parseDpsResponseTopic('$dps/registrations/PUT/iotdps-register/?$rid=1')).toBeUndefined();
    expect(parseDpsRequestTopic('$dps/registrations/res/200/?$rid=1')).toBeUndefined();
  });
});
