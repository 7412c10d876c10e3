import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TopicErrorCode } from './errors.ts';
import { isValidRid } from './identity.ts';
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
  it('spell the filters as docs/protocol.md §5 does', () => {
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

describe('broken twin responses', () => {
  // Each topic answers request 5 and breaks one rule; the rid still names the request it ends.
  const withRid: [topic: string, code: TopicErrorCode, rid: string, why: string][] = [
    ['$iothub/twin/res/204/?$rid=5&$version=abc', 'invalid-version', '5', 'non-integer $version'],
    ['$iothub/twin/res/204/?$version=&$rid=5', 'invalid-version', '5', 'empty $version before the rid'],
    ['$iothub/twin/res/204/?$rid=5&$version=9007199254740993', 'invalid-version', '5', '$version beyond 2^53'],
    ['$iothub/twin/res/2x4/?$rid=5', 'invalid-status', '5', 'non-integer status'],
    ['$iothub/twin/res//?$rid=5', 'invalid-status', '5', 'empty status'],
    ['$iothub/twin/res/99999999/?%24rid=a%2Fb', 'invalid-status', 'a/b', 'status beyond 65535, rid escaped'],
  ];
  for (const [topic, code, rid, why] of withRid) {
    it(`carry the rid of ${JSON.stringify(topic)} (${why})`, () => {
      expect(parseTwinTopic(topic)).toEqual({ kind: 'malformed', error: topicError(code), rid });
    });
  }

  // Nothing names the request: the result is exactly what it was, without a rid.
  const withoutRid: [topic: string, code: TopicErrorCode, why: string][] = [
    ['$iothub/twin/res/200/?$rid=', 'missing-rid', 'empty rid'],
    ['$iothub/twin/res/200/', 'missing-rid', 'no query'],
    ['$iothub/twin/res/2x0', 'invalid-status', 'no query after a broken status'],
    ['$iothub/twin/res/200/?$rid=%E2', 'malformed-escape', 'bad escape in the rid'],
    ['$iothub/twin/res/2x0/?$rid=%zz', 'invalid-status', 'broken status and a bad escape in the rid'],
    ['$iothub/twin/PATCH/properties/desired/?$version=x&$rid=5', 'invalid-version', 'a desired patch answers no request'],
  ];
  for (const [topic, code, why] of withoutRid) {
    it(`carry no rid for ${JSON.stringify(topic)} (${why})`, () => {
      const result = parseTwinTopic(topic);
      expect(result).toEqual({ kind: 'malformed', error: topicError(code) });
      expect(result !== undefined && 'rid' in result).toBe(false);
    });
  }

  it('name their rid whatever else is wrong with them, in the hub spelling or any other', () => {
    const rid = fc.string({ unit: fc.constantFrom('a', '7', '-', '.', '$', '%'), minLength: 1, maxLength: 6 }).filter(isValidRid);
    const piece = fc.constantFrom('', '0', '204', '2x', '-1', '99999999', 'abc', '%', '%2');
    fc.assert(
      fc.property(rid, piece, fc.option(piece, { nil: undefined }), fc.boolean(), (r, status, version, reorder) => {
        const v = version === undefined ? '' : `$version=${version}`;
        const query = reorder ? `${v}&x=1&%24rid=${r}` : `$rid=${r}${v === '' ? '' : `&${v}`}`;
        const result = parseTwinTopic(`$iothub/twin/res/${status}/?${query}`);
        expect(result?.kind === 'malformed' || result?.kind === 'twin-response').toBe(true);
        expect(result !== undefined && 'rid' in result && result.rid).toBe(r);
      }),
    );
  });
});
