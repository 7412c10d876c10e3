import { describe, expect, it } from 'vitest';
import type { TopicErrorCode } from './errors.ts';
import { moduleInputTopic, moduleInputsFilter, parseModuleInputTopic } from './module-input.ts';

const topicError = (code: TopicErrorCode): unknown => expect.objectContaining({ name: 'TopicError', code });

describe('module-input topics', () => {
  it('subscribe with the per-module filter of docs/protocol.md §12', () => {
    expect(moduleInputsFilter('d', 'm')).toBe('devices/d/modules/m/#');
    expect(() => moduleInputsFilter('d', 'm+')).toThrow(topicError('invalid-module-id'));
  });

  it('build the Edge-side topic with the input name as its own level', () => {
    expect(moduleInputTopic('d', 'm', 'input1', { connectionDeviceId: 'd', connectionModuleId: 'sensor' })).toBe(
      'devices/d/modules/m/inputs/input1/%24.cdid=d&%24.cmid=sensor',
    );
    expect(moduleInputTopic('d', 'm', 'input1')).toBe('devices/d/modules/m/inputs/input1/');
  });

  it('refuse an input name that would break the topic', () => {
    expect(() => moduleInputTopic('d', 'm', 'a/b')).toThrow(topicError('invalid-input-name'));
    expect(() => moduleInputTopic('d', 'm', '')).toThrow(topicError('invalid-input-name'));
  });

  it('accept a topic that ends at the input name', () => {
    expect(parseModuleInputTopic('devices/d/modules/m/inputs/in')).toMatchObject({ kind: 'module-input', inputName: 'in' });
  });

  it('leave other families to other parsers by answering undefined', () => {
    expect(parseModuleInputTopic('devices/d/messages/devicebound/')).toBeUndefined();
    expect(parseModuleInputTopic('devices/d/modules/m/messages/events/')).toBeUndefined();
  });
});
