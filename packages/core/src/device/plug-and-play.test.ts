import { describe, expect, it } from 'vitest';
import { componentPatch, writablePropertyAck } from './plug-and-play.ts';

describe('Plug and Play helpers', () => {
  it('wraps component properties with the __t marker and leaves the default component bare', () => {
    expect(componentPatch('thermostat1', { maxTempSinceLastReboot: 38.7 })).toEqual({
      thermostat1: { __t: 'c', maxTempSinceLastReboot: 38.7 },
    });
    expect(componentPatch(undefined, { serialNumber: 'x' })).toEqual({ serialNumber: 'x' });
  });

  it('builds writable-property acknowledgements with value, ac, av and an optional ad', () => {
    expect(writablePropertyAck('targetTemperature', { value: 21.5, ac: 200, av: 4 })).toEqual({
      targetTemperature: { value: 21.5, ac: 200, av: 4 },
    });
    expect(writablePropertyAck('t', { value: 1, ac: 400, av: 5, ad: 'out of range' }, 'thermostat1')).toEqual({
      thermostat1: { __t: 'c', t: { value: 1, ac: 400, av: 5, ad: 'out of range' } },
    });
  });

  it('refuses non-integer codes and versions', () => {
    expect(() => writablePropertyAck('t', { value: 1, ac: 200.5, av: 1 })).toThrow(expect.objectContaining({ code: 'invalid-body' }));
  });

  it('keeps a component named after a prototype key as data, and refuses names that are not DTDL names', () => {
    const patch = componentPatch('constructor', { a: 1 });
    expect(Object.getPrototypeOf(patch)).toBe(Object.prototype);
    expect(JSON.stringify(patch)).toBe('{"constructor":{"__t":"c","a":1}}');
    expect(() => componentPatch('__proto__', { a: 1 })).toThrow(expect.objectContaining({ code: 'invalid-component' }));
  });
});
