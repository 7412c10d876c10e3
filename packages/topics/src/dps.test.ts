import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TopicErrorCode } from './errors.ts';
import { isValidRid } from './identity.ts';
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
  it('spell the filter as docs/protocol.md §13 does', () => {
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

describe('DPS responses broken in a parameter', () => {
  // retry-after is advice: docs/protocol.md §13 (the C SDK's parse_retry_after_value) waits 1 s when it is
  // absent or unusable, so an unusable one reads as absent and the engine applies that default.
  const advisory: [topic: string, why: string][] = [
    ['$dps/registrations/res/202/?$rid=7&retry-after=x', 'not a number'],
    ['$dps/registrations/res/202/?retry-after=&$rid=7', 'empty, before the rid'],
    ['$dps/registrations/res/202/?$rid=7&retry-after=1.5', 'fractional'],
    ['$dps/registrations/res/202/?$rid=7&retry-after=-3', 'negative'],
    ['$dps/registrations/res/202/?$rid=7&retry-after=9007199254740993', 'beyond 2^53'],
  ];
  for (const [topic, why] of advisory) {
    it(`read ${JSON.stringify(topic)} as a response without retry-after (${why})`, () => {
      expect(parseDpsResponseTopic(topic)).toEqual({ kind: 'dps-response', status: 202, rid: '7' });
    });
  }

  it('still read a decimal retry-after, leading zeros included', () => {
    expect(parseDpsResponseTopic('$dps/registrations/res/202/?$rid=7&retry-after=03')).toEqual({
      kind: 'dps-response',
      status: 202,
      rid: '7',
      retryAfterSeconds: 3,
    });
  });

  it('carry the rid when the status is broken, so the request it answers can end', () => {
    expect(parseDpsResponseTopic('$dps/registrations/res/abc/?$rid=7&retry-after=3')).toEqual({
      kind: 'malformed',
      error: topicError('invalid-status'),
      rid: '7',
    });
    expect(parseDpsResponseTopic('$dps/registrations/res/-1/?%24rid=a%2Db')).toEqual({
      kind: 'malformed',
      error: topicError('invalid-status'),
      rid: 'a-b',
    });
  });

  it('carry no rid when none can be read', () => {
    for (const [topic, code] of [
      ['$dps/registrations/res/202/?retry-after=3', 'missing-rid'],
      ['$dps/registrations/res/abc', 'invalid-status'],
      ['$dps/registrations/res/202/?$rid=%G1', 'malformed-escape'],
    ] as const) {
      const result = parseDpsResponseTopic(topic);
      expect(result).toEqual({ kind: 'malformed', error: topicError(code) });
      expect(result !== undefined && 'rid' in result).toBe(false);
    }
  });

  it('keep rid and status strict: a good rid and status always give a response naming that rid', () => {
    const rid = fc.string({ unit: fc.constantFrom('a', '7', '-', '.', '_'), minLength: 1, maxLength: 6 }).filter(isValidRid);
    const retryAfter = fc.option(fc.constantFrom('', '0', '3', '300', 'x', '1.5', '%', '99999999999999999999'), { nil: undefined });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65_535 }), rid, retryAfter, (status, r, after) => {
        const topic = `$dps/registrations/res/${status}/?$rid=${r}${after === undefined ? '' : `&retry-after=${after}`}`;
        const result = parseDpsResponseTopic(topic);
        expect(result).toMatchObject({ kind: 'dps-response', status, rid: r });
        const seconds = result?.kind === 'dps-response' ? result.retryAfterSeconds : undefined;
        expect(seconds === undefined || (Number.isSafeInteger(seconds) && String(seconds) === String(Number(after)))).toBe(true);
      }),
    );
  });
});
