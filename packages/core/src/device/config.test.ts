import { describe, expect, it } from 'vitest';
import { deviceConfig, usernameOf } from './config.ts';
import { checkDeviceOptions } from './options.ts';
import type { DeviceEngineOptions } from './options.ts';

const HOST = 'contoso.azure-devices.net';

/** What the engine's constructor does before building: check, then resolve. */
function resolve(options: DeviceEngineOptions): ReturnType<typeof deviceConfig> {
  checkDeviceOptions(options);
  return deviceConfig(options);
}

describe('the config engines of one shape share', () => {
  it('is one object for options equal but for the ids, and a new one when any option differs', () => {
    const a = resolve({ hostName: HOST, deviceId: 'd1', keepAliveSeconds: 30 });
    const b = resolve({ hostName: HOST, deviceId: 'd2', keepAliveSeconds: 30 });
    expect(b).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a.session)).toBe(true);
    const c = resolve({ hostName: HOST, deviceId: 'd3', keepAliveSeconds: 31 });
    expect(c).not.toBe(a);
    expect(c.session.keepAliveMs).toBe(31_000);
    expect(resolve({ hostName: HOST, deviceId: 'd3', moduleId: 'm', keepAliveSeconds: 31 })).not.toBe(c);
    expect(resolve({ hostName: HOST, deviceId: 'd3', keepAliveSeconds: 31, subscribe: { twin: false } })).not.toBe(c);
  });

  it('builds each identity\'s own user name, with exactly the options of its shape', () => {
    const plain = resolve({ hostName: HOST, deviceId: 'd1' });
    expect(usernameOf(plain, 'd1')).toBe(`${HOST}/d1/?api-version=2021-04-12`);
    const pnp = resolve({ hostName: HOST, deviceId: 'd2', modelId: 'dtmi:com:example:Thermostat;1', deviceClientType: 'hubwire/1' });
    expect(usernameOf(pnp, 'd2')).toBe(`${HOST}/d2/?api-version=2021-04-12&DeviceClientType=hubwire%2F1&model-id=dtmi%3Acom%3Aexample%3AThermostat%3B1`);
    expect(usernameOf(resolve({ hostName: HOST, deviceId: 'd3' }), 'd3/m')).toBe(`${HOST}/d3/m/?api-version=2021-04-12`);
  });

  it('still checks the ids, and everything else, of an engine whose shape is cached', () => {
    resolve({ hostName: HOST, deviceId: 'd1' });
    expect(() => resolve({ hostName: HOST, deviceId: 'a#b' })).toThrow(expect.objectContaining({ code: 'invalid-device-id' }));
    expect(() => resolve({ hostName: HOST, deviceId: 'd1', moduleId: 'm/x' })).toThrow(expect.objectContaining({ code: 'invalid-module-id' }));
    expect(() => resolve({ hostName: HOST, deviceId: 'd1', subscribe: { c2d: true, x: true } as object })).toThrow(expect.objectContaining({ code: 'invalid-subscribe' }));
  });
});
