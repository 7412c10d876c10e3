import { describe, expect, it } from 'vitest';
import type { TopicErrorCode } from './errors.ts';
import {
  assertComponentName,
  assertDeviceId,
  assertInputName,
  assertMessageId,
  assertMethodName,
  assertModuleId,
  assertOperationId,
  assertOutputName,
  assertRegistrationId,
  assertRetryAfter,
  assertRid,
  assertStatus,
  assertVersion,
  isValidDeviceId,
  isValidRid,
  isValidTopicName,
} from './identity.ts';

const topicError = (code: TopicErrorCode, value?: string): unknown =>
  expect.objectContaining(value === undefined ? { name: 'TopicError', code } : { name: 'TopicError', code, value });

describe('device and module ids', () => {
  it('accept every character docs/protocol.md §2 lists except + and #, up to 128 characters', () => {
    expect(() => assertDeviceId("aZ9-.%_*?!(),=@$'")).not.toThrow();
    expect(() => assertModuleId('x'.repeat(128))).not.toThrow();
  });

  it('reject + and # (MQTT wildcards), 129 characters, empty, /, space and non-ASCII, naming the value', () => {
    for (const id of ['dev+1', 'dev#1', 'x'.repeat(129), '', 'a/b', 'a b', 'dé']) {
      expect(() => assertDeviceId(id), id).toThrow(topicError('invalid-device-id', id));
      expect(() => assertModuleId(id), id).toThrow(topicError('invalid-module-id', id));
    }
  });

  it('reject a value that is not a string', () => {
    expect(isValidDeviceId(7)).toBe(false);
    expect(() => assertDeviceId(undefined as unknown as string)).toThrow(topicError('invalid-device-id', 'undefined'));
  });

  it('say the rule in the message', () => {
    expect(() => assertDeviceId('a+b')).toThrow(/invalid-device-id: "a\+b" - must be 1-128 characters/);
  });
});

describe('request ids', () => {
  it('accept printable ASCII such as counters and GUIDs', () => {
    for (const rid of ['1', '65535', '8c3f6f4e-0a9b-4b7c-9d1e-2f3a4b5c6d7e', "!$'()*,;:@[]^{}|~", 'r'.repeat(128)]) {
      expect(isValidRid(rid), rid).toBe(true);
    }
  });

  it('reject empty, over-long, space, non-ASCII and the delimiters & = # + / ? %', () => {
    for (const rid of ['', 'r'.repeat(129), 'a b', 'é', '\t', ...'&=#+/?%']) {
      expect(() => assertRid(rid), rid).toThrow(topicError('invalid-rid', rid));
    }
  });
});

describe('method, input and output names', () => {
  it('accept PnP component commands, unicode and punctuation', () => {
    for (const name of ['reboot', 'thermostat1*getMaxMinReport', 'größe', '😀', 'a=b', '$x%y']) {
      expect(isValidTopicName(name), name).toBe(true);
    }
  });

  it('reject empty, over-long, / # + ? &, space, controls and lone surrogates', () => {
    for (const name of ['', 'm'.repeat(129), 'a/b', 'a#', '+', 'a?', 'a&b', 'a b', 'a\u0000', 'a\u007f', '\u0085', '\uD800']) {
      expect(() => assertMethodName(name), JSON.stringify(name)).toThrow(topicError('invalid-method-name', name));
      expect(() => assertInputName(name)).toThrow(topicError('invalid-input-name', name));
      expect(() => assertOutputName(name)).toThrow(topicError('invalid-output-name', name));
    }
  });
});

describe('statuses, versions and retry-after', () => {
  it('accept integers 0 to 65535 as statuses', () => {
    for (const status of [0, 200, 504, 65535]) expect(() => assertStatus(status)).not.toThrow();
  });

  it('reject fractions, negatives, NaN and 65536 as statuses', () => {
    for (const status of [200.5, -1, Number.NaN, 65536, Number.POSITIVE_INFINITY]) {
      expect(() => assertStatus(status), String(status)).toThrow(topicError('invalid-status', String(status)));
    }
  });

  it('accept non-negative safe integers as versions and retry-after, nothing else', () => {
    expect(() => assertVersion(Number.MAX_SAFE_INTEGER)).not.toThrow();
    expect(() => assertVersion(-1)).toThrow(topicError('invalid-version'));
    expect(() => assertVersion(1.5)).toThrow(topicError('invalid-version'));
    expect(() => assertRetryAfter(3)).not.toThrow();
    expect(() => assertRetryAfter(2 ** 53)).toThrow(topicError('invalid-retry-after'));
  });
});

describe('DPS ids, components and message ids', () => {
  it('accept registration ids of alphanumerics and . _ - that start and end alphanumeric', () => {
    expect(() => assertRegistrationId('sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6')).not.toThrow();
    expect(() => assertRegistrationId('A.b_C')).not.toThrow();
  });

  it('reject registration ids with a special first or last character, other characters, or 129 characters', () => {
    for (const id of ['-abc', 'abc.', '_', 'a b', 'a+b', 'r'.repeat(129), '']) {
      expect(() => assertRegistrationId(id), id).toThrow(topicError('invalid-registration-id', id));
    }
  });

  it('accept DPS operation ids and reject ones that would break the query', () => {
    expect(() => assertOperationId('4.d0a671905ea5b2c8.42d78160-4c78-479e-8be7-61d5e55ac0a4')).not.toThrow();
    for (const id of ['', 'a&b', 'a=b', 'a b']) expect(() => assertOperationId(id)).toThrow(topicError('invalid-operation-id', id));
  });

  it('accept DTDL component names only', () => {
    expect(() => assertComponentName('thermostat1')).not.toThrow();
    expect(() => assertComponentName('a_b')).not.toThrow();
    for (const name of ['1a', '_a', 'a_', 'a-b', '', 'x'.repeat(65)]) {
      expect(() => assertComponentName(name), name).toThrow(topicError('invalid-component', name));
    }
  });

  it('accept message ids of the §7 set, including the empty one, and reject space or /', () => {
    expect(() => assertMessageId("a-:.+%_#*?!(),=@;$'")).not.toThrow();
    expect(() => assertMessageId('')).not.toThrow();
    expect(() => assertMessageId('a/b')).toThrow(topicError('invalid-property', 'a/b'));
  });
});
