import { describe, expect, it } from 'vitest';
import { DPS_API_VERSION, dpsCredentials, HUB_API_VERSION, hubCredentials, sasExpiry } from './credentials.ts';
import { CredentialsError, SasTokenError } from './errors.ts';

const HOST = 'contoso.azure-devices.net';
const TOKEN =
  'SharedAccessSignature sr=contoso.azure-devices.net%2Fdevices%2Fdev-01&sig=i9vJyfcEq3%2FYwX4nRGY7j3ysqVrNosi1hYUDMAIW9MA%3D&se=1767225600';

describe('hubCredentials', () => {
  it('names a device by its id and the hub host with api-version 2021-04-12', () => {
    expect(HUB_API_VERSION).toBe('2021-04-12');
    expect(hubCredentials({ hostName: HOST, deviceId: 'dev-01', password: TOKEN })).toEqual({
      clientId: 'dev-01',
      username: 'contoso.azure-devices.net/dev-01/?api-version=2021-04-12',
      password: TOKEN,
    });
  });

  it('names a module as {d}/{m} in both client id and user name', () => {
    expect(hubCredentials({ hostName: HOST, deviceId: 'dev-01', moduleId: 'filter' })).toEqual({
      clientId: 'dev-01/filter',
      username: 'contoso.azure-devices.net/dev-01/filter/?api-version=2021-04-12',
    });
  });

  it('percent-encodes the model id', () => {
    const { username } = hubCredentials({ hostName: HOST, deviceId: 'dev-01', modelId: 'dtmi:com:example:Thermostat;1' });
    expect(username).toBe('contoso.azure-devices.net/dev-01/?api-version=2021-04-12&model-id=dtmi%3Acom%3Aexample%3AThermostat%3B1');
  });

  it('puts DeviceClientType before model-id, as the C SDK does', () => {
    const { username } = hubCredentials({
      hostName: HOST,
      deviceId: 'dev-01',
      modelId: 'dtmi:com:example:Thermostat;1',
      deviceClientType: 'iothubclient/1.9.0 (native; Linux; aarch64)',
      apiVersion: '2020-09-30',
    });
    expect(username).toBe(
      'contoso.azure-devices.net/dev-01/?api-version=2020-09-30' +
        '&DeviceClientType=iothubclient%2F1.9.0%20%28native%3B%20Linux%3B%20aarch64%29' +
        '&model-id=dtmi%3Acom%3Aexample%3AThermostat%3B1',
    );
  });

  it('has no password property for X.509, so the CONNECT password flag stays unset', () => {
    expect('password' in hubCredentials({ hostName: HOST, deviceId: 'dev-01' })).toBe(false);
  });

  it('treats options passed as undefined like absent ones', () => {
    const credentials = hubCredentials({
      hostName: HOST,
      deviceId: 'dev-01',
      moduleId: undefined,
      apiVersion: undefined,
      modelId: undefined,
      deviceClientType: undefined,
      password: undefined,
    });
    expect(credentials).toEqual({ clientId: 'dev-01', username: 'contoso.azure-devices.net/dev-01/?api-version=2021-04-12' });
    expect('password' in credentials).toBe(false);
  });

  it.each([
    ['a device id with /', { hostName: HOST, deviceId: 'a/b' }],
    ['a device id with #', { hostName: HOST, deviceId: 'a#b' }],
    ['an empty device id', { hostName: HOST, deviceId: '' }],
    ['a module id with +', { hostName: HOST, deviceId: 'd', moduleId: 'a+b' }],
    ['a host name with a scheme', { hostName: 'mqtts://h', deviceId: 'd' }],
  ])('throws CredentialsError naming the field for %s', (_why, options) => {
    expect(() => hubCredentials(options)).toThrow(CredentialsError);
  });
});

describe('dpsCredentials', () => {
  it('writes the DPS user name with no ? before api-version 2019-03-31', () => {
    expect(DPS_API_VERSION).toBe('2019-03-31');
    expect(dpsCredentials({ idScope: '0ne00000A0A', registrationId: 'reg-007', password: TOKEN })).toEqual({
      clientId: 'reg-007',
      username: '0ne00000A0A/registrations/reg-007/api-version=2019-03-31',
      password: TOKEN,
    });
  });

  it('appends an encoded ClientVersion and honours a different api-version', () => {
    const credentials = dpsCredentials({
      idScope: '0ne00000A0A',
      registrationId: 'reg-007',
      apiVersion: '2021-06-01',
      clientVersion: 'hubwire/0.1.0 (node 20)',
    });
    expect(credentials).toEqual({
      clientId: 'reg-007',
      username: '0ne00000A0A/registrations/reg-007/api-version=2021-06-01&ClientVersion=hubwire%2F0.1.0%20%28node%2020%29',
    });
  });

  it.each([
    ['a registration id starting with -', { idScope: '0ne00000A0A', registrationId: '-reg' }],
    ['a registration id with /', { idScope: '0ne00000A0A', registrationId: 'a/b' }],
    ['an id scope with /', { idScope: '0ne/x', registrationId: 'reg' }],
  ])('throws CredentialsError naming the field for %s', (_why, options) => {
    expect(() => dpsCredentials(options)).toThrow(CredentialsError);
  });
});

describe('sasExpiry', () => {
  it('returns se in seconds', () => {
    expect(sasExpiry(TOKEN)).toBe(1767225600);
  });

  it('throws SasTokenError for a malformed token', () => {
    expect(() => sasExpiry('SharedAccessSignature sr=a&sig=AAAA')).toThrow(SasTokenError);
  });
});
