import { describe, expect, it } from 'vitest';
import { InvalidIntentError } from '../shared/errors.ts';
import { bodyBytes, encodeBag, hasProperties, methodBody, propertiesOf, reportedPatchBytes } from './intents.ts';
import { willOf } from './connection.ts';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('intent checks', () => {
  it('sees properties only when some field besides qos is set', () => {
    expect(hasProperties({ qos: 0 })).toBe(false);
    // A JavaScript caller may pass explicit undefineds; they carry nothing.
    expect(hasProperties({ qos: 1, messageId: undefined } as unknown as { qos: 1 })).toBe(false);
    expect(hasProperties({ component: 'c' })).toBe(true);
    expect(propertiesOf({ qos: 1, messageId: 'm', properties: { a: '1' } })).toEqual({ messageId: 'm', application: { a: '1' } });
  });

  it('counts property names and values toward the message size, not the encoding', () => {
    expect(encodeBag({ contentType: 'application/json', application: { a: 'b c' } }, 'p')).toEqual({
      bag: '%24.ct=application%2Fjson&a=b%20c',
      size: 'application/json'.length + 1 + 3,
    });
    expect(() => encodeBag({ application: { a: '1', A: '2' } }, 'telemetry properties')).toThrow(/^telemetry properties: /);
  });

  it('takes bytes as views and strings as UTF-8, and nothing else', () => {
    const bytes = new Uint8Array([1, 2]);
    expect(bodyBytes(bytes, 'b')).toBe(bytes);
    expect([...bodyBytes('é', 'b')]).toEqual([0xc3, 0xa9]);
    expect(() => bodyBytes({} as unknown as string, 'the body')).toThrow(InvalidIntentError);
  });

  it('encodes method bodies: nothing as empty, objects and null as JSON', () => {
    expect(methodBody(undefined).length).toBe(0);
    expect(text(methodBody(null))).toBe('null');
    expect(text(methodBody([1, { a: 2 }]))).toBe('[1,{"a":2}]');
    expect(text(methodBody('{"raw":true}'))).toBe('{"raw":true}');
  });

  it('accepts a reported patch of exactly 32 KB and refuses one byte more', () => {
    const at = (n: number): { s: string } => ({ s: 'x'.repeat(n - '{"s":""}'.length) });
    expect(reportedPatchBytes(at(32_768)).length).toBe(32_768);
    expect(() => reportedPatchBytes(at(32_769))).toThrow(expect.objectContaining({ code: 'payload-too-large' }));
  });

  it('builds the Will on the telemetry topic with QoS 1 by default and retain off', () => {
    expect(willOf('devices/d/messages/events/', { body: 'bye', properties: { application: { k: 'v' } } })).toEqual({
      topic: 'devices/d/messages/events/k=v',
      payload: new TextEncoder().encode('bye'),
      qos: 1,
      retain: false,
    });
    expect(() => willOf('t/', { body: new Uint8Array(262_145) })).toThrow(expect.objectContaining({ code: 'message-too-large' }));
  });
});
