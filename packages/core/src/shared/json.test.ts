import { describe, expect, it } from 'vitest';
import { asBytes, isJsonObject, json, parseJsonObject, text, utf8 } from './json.ts';

describe('body helpers', () => {
  it('decodes UTF-8 JSON bodies and treats an empty body as undefined', () => {
    expect(json(utf8('{"a":[1,"é"]}'))).toEqual({ a: [1, 'é'] });
    expect(json(new Uint8Array(0))).toBeUndefined();
    expect(text(utf8('héllo'))).toBe('héllo');
  });

  it('throws a typed invalid-body on invalid UTF-8 rather than inventing replacement characters, and on bad JSON', () => {
    expect(() => json(Uint8Array.of(0x22, 0xc3, 0x28, 0x22))).toThrow(expect.objectContaining({ name: 'InvalidIntentError', code: 'invalid-body', message: 'json: the body is not UTF-8' }));
    expect(() => json(utf8('{'))).toThrow(expect.objectContaining({ name: 'InvalidIntentError', code: 'invalid-body' }));
    expect(() => text(Uint8Array.of(0xff))).toThrow(expect.objectContaining({ code: 'invalid-body' }));
  });

  it('reads only JSON objects with parseJsonObject, never throwing', () => {
    expect(parseJsonObject(utf8('{"x":1}'))).toEqual({ x: 1 });
    for (const body of ['[1]', 'null', '3', '"s"', '{', '']) expect(parseJsonObject(utf8(body))).toBeUndefined();
    expect(isJsonObject([])).toBe(false);
  });

  it('keeps __proto__ in a parsed body as plain data, never as a prototype', () => {
    const parsed = parseJsonObject(utf8('{"__proto__":{"polluted":true}}'))!;
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });

  it('views other ArrayBufferViews as Uint8Array without copying', () => {
    const backing = new Uint8Array([1, 2, 3, 4]);
    const view = asBytes(new DataView(backing.buffer, 1, 2));
    expect(view.constructor).toBe(Uint8Array);
    expect([...view]).toEqual([2, 3]);
    backing[1] = 9;
    expect(view[0]).toBe(9);
    expect(asBytes(backing)).toBe(backing);
  });
});
