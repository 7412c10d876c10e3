// Golden vectors. Each expected string was computed independently with node:crypto's createHmac
// and encodeURIComponent (not with this package) before the code was written.
import { describe, expect, it } from 'vitest';
import { deriveGroupKey } from './group-key.ts';
import { deviceResourceUri, dpsResourceUri } from './resource-uri.ts';
import { createSasToken, parseSasToken, stringToSign } from './sas-token.ts';
import { verifySasToken } from './verify-sas-token.ts';

const HUBWIRE_KEY = 'aHVid2lyZS10ZXN0LWRldmljZS1rZXktMDEyMzQ1Njc4OQ=='; // base64 of "hubwire-test-device-key-0123456789"

// docs/protocol.md §4: the DPS doc's group-key example and the tokens computed with its derived key.
const DPS_DOC_GROUP_KEY = '8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw==';
const DPS_DOC_REGISTRATION_ID = 'sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6';
const DPS_DOC_DERIVED_KEY = 'Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc=';

describe('the hubwire test vector', () => {
  const expected =
    'SharedAccessSignature sr=contoso.azure-devices.net%2Fdevices%2Fdev-01' +
    '&sig=i9vJyfcEq3%2FYwX4nRGY7j3ysqVrNosi1hYUDMAIW9MA%3D' + // base64 i9vJyfcEq3/YwX4nRGY7j3ysqVrNosi1hYUDMAIW9MA=
    '&se=1767225600'; // 2026-01-01T00:00:00Z, no skn: the device's own key

  it('signs a device token byte for byte', async () => {
    const resourceUri = deviceResourceUri('contoso.azure-devices.net', 'dev-01');
    expect(resourceUri).toBe('contoso.azure-devices.net/devices/dev-01');
    expect(stringToSign(resourceUri, 1767225600)).toBe('contoso.azure-devices.net%2Fdevices%2Fdev-01\n1767225600');
    expect(await createSasToken({ resourceUri, key: HUBWIRE_KEY, expiresAt: 1767225600 })).toBe(expected);
  });

  it('parses and verifies the same token', async () => {
    expect(parseSasToken(expected)).toEqual({
      resourceUri: 'contoso.azure-devices.net/devices/dev-01',
      signature: 'i9vJyfcEq3/YwX4nRGY7j3ysqVrNosi1hYUDMAIW9MA=',
      expiresAt: 1767225600,
    });
    const result = await verifySasToken(expected, HUBWIRE_KEY, 1767225599, 'contoso.azure-devices.net/devices/dev-01');
    expect(result.ok).toBe(true);
  });

  it('derives the group enrollment key for reg-007', async () => {
    expect(await deriveGroupKey(HUBWIRE_KEY, 'reg-007')).toBe('9zOHfrIkr2qmlThQfXcI094LNok+vwArKobHUuBJhb8=');
  });
});

describe('the docs/protocol.md §4 golden vectors', () => {
  it('derive the DPS doc group enrollment key', async () => {
    expect(await deriveGroupKey(DPS_DOC_GROUP_KEY, DPS_DOC_REGISTRATION_ID)).toBe(DPS_DOC_DERIVED_KEY);
  });

  it('sign the hub token with the derived key', async () => {
    const token = await createSasToken({
      resourceUri: deviceResourceUri('contoso.azure-devices.net', DPS_DOC_REGISTRATION_ID),
      key: DPS_DOC_DERIVED_KEY,
      expiresAt: 1700000000,
    });
    expect(token).toBe(
      'SharedAccessSignature sr=contoso.azure-devices.net%2Fdevices%2Fsn-007-888-abc-mac-a1-b2-c3-d4-e5-f6' +
        '&sig=aogMFXumN5h359Jd2lkt0nG5blAJKPNVgoseKPYlK6o%3D&se=1700000000',
    );
  });

  it('sign the DPS token with skn=registration last', async () => {
    const token = await createSasToken({
      resourceUri: dpsResourceUri('0ne00000A0A', DPS_DOC_REGISTRATION_ID),
      key: DPS_DOC_DERIVED_KEY,
      expiresAt: 1700000000,
      keyName: 'registration',
    });
    expect(token).toBe(
      'SharedAccessSignature sr=0ne00000A0A%2Fregistrations%2Fsn-007-888-abc-mac-a1-b2-c3-d4-e5-f6' +
        '&sig=t6%2F8JHWQuQgM9mXdYf%2FuIqa3dKECOEk9Rr4WrFV19q0%3D&se=1700000000&skn=registration',
    );
    expect(parseSasToken(token).keyName).toBe('registration');
    const verified = await verifySasToken(token, DPS_DOC_DERIVED_KEY, 1699999999, '0ne00000A0A/registrations/' + DPS_DOC_REGISTRATION_ID);
    expect(verified.ok).toBe(true);
  });
});
