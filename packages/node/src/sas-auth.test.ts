import { parseSasToken, verifySasToken } from '@hubwire/sas';
import { describe, expect, it } from 'vitest';
import { connectionStringAuth, dpsAuth } from './sas-auth.ts';

const KEY = btoa('0123456789abcdef0123456789abcdef');

describe('connectionStringAuth', () => {
  it('signs a token for the device resource that verifies, expiring tokenTtlSeconds from the wall clock', async () => {
    const auth = connectionStringAuth(`HostName=h.azure-devices.net;DeviceId=d1;SharedAccessKey=${KEY}`, {
      tokenTtlSeconds: 60,
      wallClock: () => 1_700_000_000_500,
      clock: () => 42,
    });
    const { password, passwordExpiresAt } = await auth();
    const verdict = await verifySasToken(password as string, KEY, 1_700_000_000, 'h.azure-devices.net/devices/d1');
    expect(verdict.ok).toBe(true);
    expect(parseSasToken(password as string).expiresAt).toBe(1_700_000_060);
    // se is 59.5 s after the wall-clock now, so on the engine's clock it is now + 59 500 ms.
    expect(passwordExpiresAt).toBe(42 + 59_500);
  });

  it('scopes a module token to the module and signs a fresh token on every call', async () => {
    let wall = 1_700_000_000_000;
    const auth = connectionStringAuth(`HostName=h.azure-devices.net;DeviceId=d1;ModuleId=m1;SharedAccessKey=${KEY}`, {
      wallClock: () => wall,
    });
    const first = await auth();
    wall += 10_000;
    const second = await auth();
    expect(parseSasToken(first.password as string).resourceUri).toBe('h.azure-devices.net/devices/d1/modules/m1');
    expect(second.password).not.toBe(first.password);
  });

  it('uses a ready SharedAccessSignature as is, with its own expiry', async () => {
    const token = 'SharedAccessSignature sr=h.azure-devices.net%2Fdevices%2Fd1&sig=abc%3D&se=1700000100';
    const auth = connectionStringAuth(`HostName=h.azure-devices.net;DeviceId=d1;SharedAccessSignature=${token}`, {
      wallClock: () => 1_700_000_000_000,
      clock: () => 0,
    });
    expect(await auth()).toEqual({ password: token, passwordExpiresAt: 100_000 });
  });

  it('sends no password for x509', async () => {
    expect(await connectionStringAuth('HostName=h.azure-devices.net;DeviceId=d1;x509=true')()).toEqual({});
  });
});

describe('dpsAuth', () => {
  it('signs the registration resource with skn=registration', async () => {
    const { password } = await dpsAuth('0ne00000A0A', 'reg-1', KEY, { wallClock: () => 1_700_000_000_000 })();
    const token = parseSasToken(password as string);
    expect(token.resourceUri).toBe('0ne00000A0A/registrations/reg-1');
    expect(token.keyName).toBe('registration');
    expect((await verifySasToken(password as string, KEY, 1_700_000_000)).ok).toBe(true);
  });
});
