import { describe, expect, it } from 'vitest';
import { ConnectionStringError, SasTokenError } from './errors.ts';
import { deviceCredentialsFromConnectionString } from './from-connection-string.ts';
import { verifySasToken } from './verify-sas-token.ts';

const KEY = 'aHVid2lyZS10ZXN0LWRldmljZS1rZXktMDEyMzQ1Njc4OQ==';
const TOKEN =
  'SharedAccessSignature sr=contoso.azure-devices.net%2Fdevices%2Fdev-01&sig=i9vJyfcEq3%2FYwX4nRGY7j3ysqVrNosi1hYUDMAIW9MA%3D&se=1767225600';
const HOST = 'HostName=contoso.azure-devices.net';

describe('deviceCredentialsFromConnectionString', () => {
  it('signs a device token that matches the hubwire test vector', async () => {
    const credentials = await deviceCredentialsFromConnectionString(`${HOST};DeviceId=dev-01;SharedAccessKey=${KEY}`, {
      expiresAt: 1767225600,
    });
    expect(credentials).toEqual({
      clientId: 'dev-01',
      username: 'contoso.azure-devices.net/dev-01/?api-version=2021-04-12',
      password: TOKEN,
      connectHostName: 'contoso.azure-devices.net',
      expiresAt: 1767225600,
    });
  });

  it('scopes a module token to the module and connects to the gateway while naming the hub', async () => {
    const credentials = await deviceCredentialsFromConnectionString(
      `${HOST};DeviceId=dev-01;ModuleId=filter;SharedAccessKey=${KEY};GatewayHostName=edge-01`,
      { expiresAt: 100, modelId: 'dtmi:com:example:Thermostat;1' },
    );
    expect(credentials.clientId).toBe('dev-01/filter');
    expect(credentials.username).toBe(
      'contoso.azure-devices.net/dev-01/filter/?api-version=2021-04-12&model-id=dtmi%3Acom%3Aexample%3AThermostat%3B1',
    );
    expect(credentials.connectHostName).toBe('edge-01');
    const verified = await verifySasToken(credentials.password!, KEY, 99, 'contoso.azure-devices.net/devices/dev-01/modules/filter');
    expect(verified).toMatchObject({ ok: true, token: { resourceUri: 'contoso.azure-devices.net/devices/dev-01/modules/filter' } });
  });

  it('adds skn for a policy key', async () => {
    const credentials = await deviceCredentialsFromConnectionString(
      { hostName: 'contoso.azure-devices.net', deviceId: 'dev-01', sharedAccessKey: KEY, sharedAccessKeyName: 'device' },
      { expiresAt: 100 },
    );
    expect(credentials.password?.endsWith('&se=100&skn=device')).toBe(true);
  });

  it('uses a ready token as is, with its own expiry', async () => {
    const credentials = await deviceCredentialsFromConnectionString(`${HOST};DeviceId=dev-01;SharedAccessSignature=${TOKEN}`, {
      expiresAt: 5,
    });
    expect(credentials.password).toBe(TOKEN);
    expect(credentials.expiresAt).toBe(1767225600);
  });

  it('gives no password and no expiry for x509=true', async () => {
    const credentials = await deviceCredentialsFromConnectionString(`${HOST};DeviceId=dev-01;x509=true`);
    expect(credentials).toEqual({
      clientId: 'dev-01',
      username: 'contoso.azure-devices.net/dev-01/?api-version=2021-04-12',
      connectHostName: 'contoso.azure-devices.net',
    });
  });

  it('needs expiresAt to sign with a key', async () => {
    const error = await deviceCredentialsFromConnectionString(`${HOST};DeviceId=dev-01;SharedAccessKey=${KEY}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SasTokenError);
    expect((error as SasTokenError).code).toBe('invalid-expiry');
  });

  it('validates a ConnectionString object as parse would', async () => {
    const error = await deviceCredentialsFromConnectionString({ hostName: 'h', deviceId: 'd' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionStringError);
    expect((error as ConnectionStringError).field).toBe('SharedAccessKey');
  });

  it('passes connection string errors through', async () => {
    const error = await deviceCredentialsFromConnectionString('DeviceId=dev-01;x509=true').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionStringError);
    expect((error as ConnectionStringError).field).toBe('HostName');
  });
});
