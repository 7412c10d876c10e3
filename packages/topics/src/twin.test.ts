import { describe, expect, it } from 'vitest';
import type { TopicErrorCode } from './errors.ts';
import {
  DESIRED_PATCH_FILTER,
  TWIN_RESPONSE_FILTER,
  desiredPatchTopic,
  parseTwinRequestTopic,
  parseTwinTopic,
  twinGetTopic,
  twinPatchReportedTopic,
  twinResponseTopic,
} from './twin.ts';

const topicError = (code: TopicErrorCode): unknown => expect.objectContaining({ name: 'TopicError', code });

describe('twin topics', () => {
  it('spell the filters as PROTOCOL.md §5 does', () => {
    expect(TWIN_RESPONSE_FILTER).toBe('$iothub/twin/res/#');
    expect(DESIRED_PATCH_FILTER).toBe('$iothub/twin/PATCH/properties/desired/#');
  });

  it('build GET and reported PATCH requests', () => {
    expect(twinGetTopic('1')).toBe('$iothub/twin/GET/?$rid=1');
    expect(twinPatchReportedTopic('ab-2')).toBe('$iothub/twin/PATCH/properties/reported/?$rid=ab-2');
  });

  it('build responses and desired patches on the hub side', () => {
    expect(twinResponseTopic(200, '1')).toBe('$iothub/twin/res/200/?$rid=1');
    expect(twinResponseTopic(204, '1', 5)).toBe('$iothub/twin/res/204/?$rid=1&$version=5');
    expect(desiredPatchTopic(3)).toBe('$iothub/twin/PATCH/properties/desired/?$version=3');
  });

  it('refuse a bad rid, status or version before building anything', () => {
    expect(() => twinGetTopic('')).toThrow(topicError('invalid-rid'));
    expect(() => twinPatchReportedTopic('a&b')).toThrow(topicError('invalid-rid'));
    expect(() => twinResponseTopic(99.5, '1')).toThrow(topicError('invalid-status'));
    expect(() => twinResponseTopic(200, '1', -1)).toThrow(topicError('invalid-version'));
    expect(() => desiredPatchTopic(Number.NaN)).toThrow(topicError('invalid-version'));
  });

  it('leave other families to other parsers by answering undefined', () => {
    expect(parseTwinTopic('$iothub/methods/POST/m/?$rid=1')).toBeUndefined();
    expect(parseTwinTopic('$iothub/twin/GET/?$rid=1')).toBeUndefined();
    expect(parseTwinRequestTopic('$iothub/twin/res/200/?$rid=1')).toBeUndefined();
  });
});
