import { describe, expect, it } from 'vitest';
import type { TopicErrorCode } from './errors.ts';
import {
  METHODS_FILTER,
  methodRequestTopic,
  methodResponseTopic,
  parseMethodRequestTopic,
  parseMethodResponseTopic,
  splitCommandName,
} from './methods.ts';

const topicError = (code: TopicErrorCode): unknown => expect.objectContaining({ name: 'TopicError', code });

describe('direct-method topics', () => {
  it('spell the filter as docs/protocol.md §10 does', () => {
    expect(METHODS_FILTER).toBe('$iothub/methods/POST/#');
  });

  it('build a response with the device-chosen status and a request on the hub side', () => {
    expect(methodResponseTopic(200, '1')).toBe('$iothub/methods/res/200/?$rid=1');
    expect(methodResponseTopic(0, 'x')).toBe('$iothub/methods/res/0/?$rid=x');
    expect(methodRequestTopic('thermostat1*getMaxMinReport', '1')).toBe('$iothub/methods/POST/thermostat1*getMaxMinReport/?$rid=1');
  });

  it('refuse a non-integer or out-of-range status, a bad rid and a bad method name', () => {
    expect(() => methodResponseTopic(200.1, '1')).toThrow(topicError('invalid-status'));
    expect(() => methodResponseTopic(70000, '1')).toThrow(topicError('invalid-status'));
    expect(() => methodResponseTopic(200, 'a b')).toThrow(topicError('invalid-rid'));
    expect(() => methodRequestTopic('a/b', '1')).toThrow(topicError('invalid-method-name'));
    expect(() => methodRequestTopic('a+b', '1')).toThrow(topicError('invalid-method-name'));
  });

  it('split component*command at the first star', () => {
    expect(splitCommandName('thermostat1*getMaxMinReport')).toEqual({ component: 'thermostat1', command: 'getMaxMinReport' });
    expect(splitCommandName('a*b*c')).toEqual({ component: 'a', command: 'b*c' });
  });

  it('treat a name without a star, or with nothing on one side of it, as a default-component command', () => {
    expect(splitCommandName('reboot')).toEqual({ command: 'reboot' });
    expect(splitCommandName('*reboot')).toEqual({ command: '*reboot' });
    expect(splitCommandName('reboot*')).toEqual({ command: 'reboot*' });
  });

  it('leave other families to other parsers by answering undefined', () => {
    expect(parseMethodRequestTopic('$iothub/methods/res/200/?$rid=1')).toBeUndefined();
    expect(parseMethodResponseTopic('$iothub/methods/POST/m/?$rid=1')).toBeUndefined();
  });
});
