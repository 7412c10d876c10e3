import { describe, expect, it } from 'vitest';
import { checkDeviceOptions, eagerSubscriptions, Sub } from './options.ts';
import { defaultRandom } from '../shared/random.ts';

const base = { hostName: 'h.azure-devices.net', deviceId: 'd1' };

describe('device options', () => {
  it('subscribes everything that applies to the identity by default', () => {
    expect(eagerSubscriptions(base)).toBe(Sub.Messages | Sub.Methods | Sub.TwinResponses | Sub.DesiredPatches);
    expect(eagerSubscriptions({ ...base, moduleId: 'm' })).toBe(Sub.Messages | Sub.Methods | Sub.TwinResponses | Sub.DesiredPatches);
    expect(eagerSubscriptions({ ...base, subscribe: { c2d: false, twin: false } })).toBe(Sub.Methods);
    expect(eagerSubscriptions({ ...base, moduleId: 'm', subscribe: { moduleInputs: false, methods: false } })).toBe(
      Sub.TwinResponses | Sub.DesiredPatches,
    );
  });

  it('refuses C2D for modules and inputs for devices (docs/protocol.md §12)', () => {
    expect(() => eagerSubscriptions({ ...base, moduleId: 'm', subscribe: { c2d: true } })).toThrow(/modules never receive C2D/);
    expect(() => eagerSubscriptions({ ...base, subscribe: { moduleInputs: true } })).toThrow(/only module identities/);
  });

  it('accepts the bounds and refuses just beyond them', () => {
    expect(() => checkDeviceOptions({ ...base, keepAliveSeconds: 0, maxQueued: 0, maxInFlight: 1 })).not.toThrow();
    expect(() => checkDeviceOptions({ ...base, keepAliveSeconds: 65_535 })).not.toThrow();
    expect(() => checkDeviceOptions({ ...base, keepAliveSeconds: 65_536 })).toThrow(/keepAliveSeconds/);
    expect(() => checkDeviceOptions({ ...base, maxPacketBytes: 63 })).toThrow(/maxPacketBytes/);
    expect(() => checkDeviceOptions({ ...base, random: 3 as unknown as () => number })).toThrow(/random/);
  });

  it('keeps every deadline option within a platform timer\'s 2^31 − 1 ms, as ProvisioningEngine does', () => {
    for (const name of ['requestTimeoutMs', 'connackTimeoutMs', 'pingTimeoutMs'] as const) {
      expect(() => checkDeviceOptions({ ...base, [name]: 2 ** 31 - 1 })).not.toThrow();
      // setTimeout turns 2^31 ms into 1 ms: a thin driver would wake every millisecond for 24 days.
      expect(() => checkDeviceOptions({ ...base, [name]: 2 ** 31 })).toThrow(new RegExp(name));
    }
  });

  it('draws default randomness from WebCrypto, in [0, 1)', () => {
    const draws = Array.from({ length: 100 }, defaultRandom);
    expect(draws.every((r) => r >= 0 && r < 1)).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(90);
  });
});
