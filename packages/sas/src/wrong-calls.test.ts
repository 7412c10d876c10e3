/**
 * Wrong calls into every public function of @hubwire/sas: wrong types, null, undefined, numbers
 * out of range, oversized strings. Each throws (or, for the async functions, rejects with) a
 * ConnectionStringError, SasTokenError or CredentialsError whose `code` names the argument and the
 * rule; a TypeError or RangeError never escapes, and no message quotes a key.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionStringError, CredentialsError, SasTokenError } from './errors.ts';
import * as sas from './index.ts';

const KEY = 'aHVid2lyZS10ZXN0LWRldmljZS1rZXktMDEyMzQ1Njc4OQ==';
const TOKEN = 'SharedAccessSignature sr=h%2Fdevices%2Fd&sig=c2ln&se=1767225600';
const HOST = 'contoso.azure-devices.net';
const BIG = 'x'.repeat(65_536);

type Kind = typeof ConnectionStringError | typeof SasTokenError | typeof CredentialsError;

/** [call, the error class, the code]; async calls are awaited. */
const CALLS: readonly [string, () => unknown, Kind, string][] = [
  ['parseConnectionString(undefined)', () => sas.parseConnectionString(undefined as unknown as string), ConnectionStringError, 'invalid-connection-string'],
  ['parseConnectionString(5)', () => sas.parseConnectionString(5 as unknown as string), ConnectionStringError, 'invalid-connection-string'],
  ['parseConnectionString({})', () => sas.parseConnectionString({} as unknown as string), ConnectionStringError, 'invalid-connection-string'],
  ['parseConnectionString of 65 536 characters', () => sas.parseConnectionString(BIG), ConnectionStringError, 'malformed-pair'],
  ['formatConnectionString(null)', () => sas.formatConnectionString(null as unknown as sas.ConnectionString), ConnectionStringError, 'invalid-connection-string'],
  ['formatConnectionString({ hostName: 5 })', () => sas.formatConnectionString({ hostName: 5 } as unknown as sas.ConnectionString), ConnectionStringError, 'invalid-value'],
  ['parseSasToken(5)', () => sas.parseSasToken(5 as unknown as string), SasTokenError, 'malformed-token'],
  ['parseSasToken(null)', () => sas.parseSasToken(null as unknown as string), SasTokenError, 'malformed-token'],
  ['sasExpiry(undefined)', () => sas.sasExpiry(undefined as unknown as string), SasTokenError, 'malformed-token'],
  ['stringToSign(5, 1)', () => sas.stringToSign(5 as unknown as string, 1), SasTokenError, 'invalid-resource-uri'],
  ['stringToSign(uri with a lone surrogate, 1)', () => sas.stringToSign('h/\ud800', 1), SasTokenError, 'invalid-resource-uri'],
  ['stringToSign(uri, -1)', () => sas.stringToSign('h/devices/d', -1), SasTokenError, 'invalid-expiry'],
  ['stringToSign(uri, "1")', () => sas.stringToSign('h/devices/d', '1' as unknown as number), SasTokenError, 'invalid-expiry'],
  ['formatSasToken(undefined)', () => sas.formatSasToken(undefined as unknown as sas.SasToken), SasTokenError, 'malformed-token'],
  ['formatSasToken with signature 5', () => sas.formatSasToken({ resourceUri: 'h', signature: 5 as unknown as string, expiresAt: 1 }), SasTokenError, 'malformed-token'],
  ['formatSasToken with keyName 5', () => sas.formatSasToken({ resourceUri: 'h', signature: 'c2ln', expiresAt: 1, keyName: 5 as unknown as string }), SasTokenError, 'invalid-key-name'],
  ['createSasToken(undefined)', () => sas.createSasToken(undefined as unknown as sas.SasTokenOptions), SasTokenError, 'invalid-options'],
  ['createSasToken(null)', () => sas.createSasToken(null as unknown as sas.SasTokenOptions), SasTokenError, 'invalid-options'],
  ['createSasToken with resourceUri 5', () => sas.createSasToken({ resourceUri: 5 as unknown as string, key: KEY, expiresAt: 1 }), SasTokenError, 'invalid-resource-uri'],
  ['createSasToken with key 5', () => sas.createSasToken({ resourceUri: 'h', key: 5 as unknown as string, expiresAt: 1 }), SasTokenError, 'invalid-key'],
  ['createSasToken with key null', () => sas.createSasToken({ resourceUri: 'h', key: null as unknown as string, expiresAt: 1 }), SasTokenError, 'invalid-key'],
  ['createSasToken with expiresAt NaN', () => sas.createSasToken({ resourceUri: 'h', key: KEY, expiresAt: Number.NaN }), SasTokenError, 'invalid-expiry'],
  ['createSasToken with expiresAt 2^53', () => sas.createSasToken({ resourceUri: 'h', key: KEY, expiresAt: 2 ** 53 }), SasTokenError, 'invalid-expiry'],
  ['createSasToken with keyName {}', () => sas.createSasToken({ resourceUri: 'h', key: KEY, expiresAt: 1, keyName: {} as unknown as string }), SasTokenError, 'invalid-key-name'],
  ['verifySasToken(5, key, 1)', () => sas.verifySasToken(5 as unknown as string, KEY, 1), SasTokenError, 'malformed-token'],
  ['verifySasToken(token, undefined, 1)', () => sas.verifySasToken(TOKEN, undefined as unknown as string, 1), SasTokenError, 'invalid-key'],
  ['verifySasToken(token, key, "1")', () => sas.verifySasToken(TOKEN, KEY, '1' as unknown as number), SasTokenError, 'invalid-now'],
  ['verifySasToken(token, key, Infinity)', () => sas.verifySasToken(TOKEN, KEY, Number.POSITIVE_INFINITY), SasTokenError, 'invalid-now'],
  ['verifySasToken(token, key, 1, 5)', () => sas.verifySasToken(TOKEN, KEY, 1, 5 as unknown as string), SasTokenError, 'invalid-resource-uri'],
  ['resourceCovers(5, "h")', () => sas.resourceCovers(5 as unknown as string, 'h'), SasTokenError, 'invalid-resource-uri'],
  ['resourceCovers("h", Symbol())', () => sas.resourceCovers('h', Symbol('r') as unknown as string), SasTokenError, 'invalid-resource-uri'],
  ['deviceResourceUri(undefined, d)', () => sas.deviceResourceUri(undefined as unknown as string, 'd'), CredentialsError, 'invalid-host-name'],
  ['deviceResourceUri(h, Symbol())', () => sas.deviceResourceUri(HOST, Symbol('d') as unknown as string), CredentialsError, 'invalid-device-id'],
  ['deviceResourceUri(h, d, {})', () => sas.deviceResourceUri(HOST, 'd', {} as unknown as string), CredentialsError, 'invalid-module-id'],
  ['dpsResourceUri(5, r)', () => sas.dpsResourceUri(5 as unknown as string, 'r'), CredentialsError, 'invalid-id-scope'],
  ['dpsResourceUri(s, null)', () => sas.dpsResourceUri('0ne00000A0A', null as unknown as string), CredentialsError, 'invalid-registration-id'],
  ['deriveGroupKey(undefined, r)', () => sas.deriveGroupKey(undefined as unknown as string, 'r'), SasTokenError, 'invalid-key'],
  ['deriveGroupKey(key, 5)', () => sas.deriveGroupKey(KEY, 5 as unknown as string), CredentialsError, 'invalid-registration-id'],
  ['deriveGroupKey(key, a lone surrogate)', () => sas.deriveGroupKey(KEY, 'r\udc00'), CredentialsError, 'invalid-registration-id'],
  ['hubCredentials(undefined)', () => sas.hubCredentials(undefined as unknown as sas.HubCredentialsOptions), CredentialsError, 'invalid-options'],
  ['hubCredentials(null)', () => sas.hubCredentials(null as unknown as sas.HubCredentialsOptions), CredentialsError, 'invalid-options'],
  ['hubCredentials with hostName 1', () => sas.hubCredentials({ hostName: 1 as unknown as string, deviceId: 'd' }), CredentialsError, 'invalid-host-name'],
  ['hubCredentials with a device id holding #', () => sas.hubCredentials({ hostName: HOST, deviceId: 'a#b' }), CredentialsError, 'invalid-device-id'],
  ['hubCredentials with modelId 5', () => sas.hubCredentials({ hostName: HOST, deviceId: 'd', modelId: 5 as unknown as string }), CredentialsError, 'invalid-model-id'],
  ['hubCredentials with a 65 536-byte modelId', () => sas.hubCredentials({ hostName: HOST, deviceId: 'd', modelId: BIG }), CredentialsError, 'invalid-model-id'],
  ['hubCredentials with a 65 536-byte deviceClientType', () => sas.hubCredentials({ hostName: HOST, deviceId: 'd', deviceClientType: BIG }), CredentialsError, 'invalid-device-client-type'],
  ['hubCredentials with apiVersion ""', () => sas.hubCredentials({ hostName: HOST, deviceId: 'd', apiVersion: '' }), CredentialsError, 'invalid-api-version'],
  ['hubCredentials with a 65 536-byte password', () => sas.hubCredentials({ hostName: HOST, deviceId: 'd', password: BIG }), CredentialsError, 'invalid-password'],
  ['hubCredentials with password 5', () => sas.hubCredentials({ hostName: HOST, deviceId: 'd', password: 5 as unknown as string }), CredentialsError, 'invalid-password'],
  ['dpsCredentials(5)', () => sas.dpsCredentials(5 as unknown as sas.DpsCredentialsOptions), CredentialsError, 'invalid-options'],
  ['dpsCredentials with idScope null', () => sas.dpsCredentials({ idScope: null as unknown as string, registrationId: 'r' }), CredentialsError, 'invalid-id-scope'],
  ['dpsCredentials with a 65 536-byte clientVersion', () => sas.dpsCredentials({ idScope: '0ne00000A0A', registrationId: 'r', clientVersion: BIG }), CredentialsError, 'invalid-client-version'],
  ['deviceCredentialsFromConnectionString(undefined)', () => sas.deviceCredentialsFromConnectionString(undefined as unknown as string), ConnectionStringError, 'invalid-connection-string'],
  ['deviceCredentialsFromConnectionString(cs, null)', () => sas.deviceCredentialsFromConnectionString(`HostName=${HOST};DeviceId=d;SharedAccessKey=${KEY}`, null as unknown as undefined), CredentialsError, 'invalid-options'],
  ['deviceCredentialsFromConnectionString with modelId 5', () => sas.deviceCredentialsFromConnectionString(`HostName=${HOST};DeviceId=d;x509=true`, { modelId: 5 as unknown as string }), CredentialsError, 'invalid-model-id'],
];

describe('@hubwire/sas refuses wrong calls with a typed error naming the argument', () => {
  it.each(CALLS)('%s', async (_what, call, kind, code) => {
    let thrown: unknown;
    try {
      await call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown, 'the call must throw or reject').toBeInstanceOf(kind);
    expect(thrown).not.toBeInstanceOf(TypeError);
    expect(thrown).not.toBeInstanceOf(RangeError);
    expect((thrown as { code: string }).code).toBe(code);
    expect((thrown as Error).message).not.toContain(KEY);
    expect((thrown as Error).message.length).toBeLessThan(1000);
  });
});
