import { createHmac } from 'node:crypto';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SasTokenError } from './errors.ts';
import { createSasToken, formatSasToken, parseSasToken, SAS_TOKEN_PREFIX, stringToSign } from './sas-token.ts';

const KEY = 'aHVid2lyZS10ZXN0LWRldmljZS1rZXktMDEyMzQ1Njc4OQ==';
const SIG = 'i9vJyfcEq3%2FYwX4nRGY7j3ysqVrNosi1hYUDMAIW9MA%3D';

/** Reference signer: node:crypto HMAC and encodeURIComponent, independent of the package's codecs. */
function oracleToken(key: Uint8Array, resourceUri: string, expiresAt: number, keyName?: string): string {
  const encode = (text: string): string =>
    encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const sr = encode(resourceUri);
  const sig = createHmac('sha256', key).update(`${sr}\n${expiresAt}`).digest('base64');
  return `SharedAccessSignature sr=${sr}&sig=${encode(sig)}&se=${expiresAt}${keyName === undefined ? '' : `&skn=${encode(keyName)}`}`;
}

const keyBytes = fc.uint8Array({ minLength: 16, maxLength: 64 });
const expiry = fc.integer({ min: 0, max: 2 ** 40 });
const resource = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 });
const keyName = fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), { nil: undefined });

/** Runs `action` and returns the SasTokenError it throws (failing the test if it throws nothing else). */
function sasError(action: () => unknown): SasTokenError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SasTokenError);
    return error as SasTokenError;
  }
  throw new Error('expected a SasTokenError');
}

describe('createSasToken', () => {
  it('equals an independent node:crypto signer for random keys, resources, expiries and key names', async () => {
    await fc.assert(
      fc.asyncProperty(keyBytes, resource, expiry, keyName, async (key, resourceUri, expiresAt, name) => {
        const options = { resourceUri, key: Buffer.from(key).toString('base64'), expiresAt };
        const token = await createSasToken(name === undefined ? options : { ...options, keyName: name });
        expect(token).toBe(oracleToken(key, resourceUri, expiresAt, name));
      }),
      { numRuns: 200 },
    );
  });

  it('writes the fields in SDK order sr, sig, se, skn behind the SharedAccessSignature prefix', async () => {
    const token = await createSasToken({ resourceUri: 'scope/registrations/r', key: KEY, expiresAt: 9, keyName: 'registration' });
    expect(token.startsWith(SAS_TOKEN_PREFIX)).toBe(true);
    const names = token.slice(SAS_TOKEN_PREFIX.length).split('&').map((pair) => pair.split('=')[0]);
    expect(names).toEqual(['sr', 'sig', 'se', 'skn']);
  });

  it('percent-encodes the policy name', async () => {
    const token = await createSasToken({ resourceUri: 'h/devices', key: KEY, expiresAt: 1, keyName: 'my policy/1' });
    expect(token.endsWith('&skn=my%20policy%2F1')).toBe(true);
  });

  it.each([
    ['an empty key', ''],
    ['a key with characters outside base64', 'not base64!'],
    ['a URL-safe base64 key', 'ab-_'],
    ['an unpadded key', 'aHVid2lyZQ'],
    ['a key with a line break', 'aHVi\nd2ly'],
  ])('rejects %s as invalid-key', async (_why, key) => {
    const error = await createSasToken({ resourceUri: 'h/devices/d', key, expiresAt: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SasTokenError);
    expect((error as SasTokenError).code).toBe('invalid-key');
    expect((error as SasTokenError).message).not.toContain(key || '\u0000');
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('rejects expiresAt %s as invalid-expiry', async (expiresAt) => {
    const error = await createSasToken({ resourceUri: 'h/devices/d', key: KEY, expiresAt }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SasTokenError);
    expect((error as SasTokenError).code).toBe('invalid-expiry');
    expect((error as SasTokenError).field).toBe('se');
  });
});

describe('stringToSign', () => {
  it('is the encoded resource, one LF and the decimal expiry, with no trailing newline', () => {
    expect(stringToSign('contoso.azure-devices.net/devices/dev 01', 1700000000)).toBe(
      'contoso.azure-devices.net%2Fdevices%2Fdev%2001\n1700000000',
    );
  });

  it('keeps the case of ids, so a hub sees the sr it will verify', () => {
    expect(stringToSign('Hub.Example/devices/MyDevice', 5)).toBe('Hub.Example%2Fdevices%2FMyDevice\n5');
  });
});

describe('parseSasToken', () => {
  it('returns the decoded fields of a created token for random inputs', async () => {
    await fc.assert(
      fc.asyncProperty(keyBytes, resource, expiry, keyName, async (key, resourceUri, expiresAt, name) => {
        const base = { resourceUri, key: Buffer.from(key).toString('base64'), expiresAt };
        const token = await createSasToken(name === undefined ? base : { ...base, keyName: name });
        const parsed = parseSasToken(token);
        expect(parsed.resourceUri).toBe(resourceUri);
        expect(parsed.expiresAt).toBe(expiresAt);
        expect(parsed.keyName).toBe(name);
        expect(parsed.signature).toBe(createHmac('sha256', key).update(stringToSign(resourceUri, expiresAt)).digest('base64'));
        expect(formatSasToken(parsed)).toBe(token);
      }),
      { numRuns: 100 },
    );
  });

  it('accepts the fields in any order', () => {
    const pairs = ['sr=h%2Fdevices%2Fd', `sig=${SIG}`, 'se=1700000000', 'skn=device'];
    fc.assert(
      fc.property(fc.shuffledSubarray(pairs, { minLength: 4, maxLength: 4 }), (shuffled) => {
        expect(parseSasToken(SAS_TOKEN_PREFIX + shuffled.join('&'))).toEqual({
          resourceUri: 'h/devices/d',
          signature: 'i9vJyfcEq3/YwX4nRGY7j3ysqVrNosi1hYUDMAIW9MA=',
          expiresAt: 1700000000,
          keyName: 'device',
        });
      }),
    );
  });

  it('decodes lower-case hex escapes', () => {
    const parsed = parseSasToken(`${SAS_TOKEN_PREFIX}sr=h%2fdevices%2fd&sig=${SIG.replace('%2F', '%2f').replace('%3D', '%3d')}&se=1`);
    expect(parsed.resourceUri).toBe('h/devices/d');
    expect(parsed.signature).toBe('i9vJyfcEq3/YwX4nRGY7j3ysqVrNosi1hYUDMAIW9MA=');
  });

  it.each([
    ['sr', `sig=${SIG}&se=1`],
    ['sig', 'sr=h&se=1'],
    ['se', `sr=h&sig=${SIG}`],
  ])('reports a token without %s as missing-field', (field, fields) => {
    const error = sasError(() => parseSasToken(SAS_TOKEN_PREFIX + fields));
    expect(error.code).toBe('missing-field');
    expect(error.field).toBe(field);
  });

  it.each(['1.5', '-1', '+1', '1e9', 'abc', '01', ' 1', '9007199254740993', '0x10'])(
    'reports se=%s as invalid-expiry',
    (se) => {
      const error = sasError(() => parseSasToken(`${SAS_TOKEN_PREFIX}sr=h&sig=${SIG}&se=${se}`));
      expect(error.code).toBe('invalid-expiry');
      expect(error.field).toBe('se');
    },
  );

  it.each([
    ['no SharedAccessSignature prefix', `sr=h&sig=${SIG}&se=1`, undefined],
    ['a lower-case prefix', `sharedaccesssignature sr=h&sig=${SIG}&se=1`, undefined],
    ['a repeated field', `${SAS_TOKEN_PREFIX}sr=h&sr=g&sig=${SIG}&se=1`, 'sr'],
    ['an unknown field', `${SAS_TOKEN_PREFIX}sr=h&sig=${SIG}&se=1&foo=2`, 'foo'],
    ['a field without =', `${SAS_TOKEN_PREFIX}sr=h&sig=${SIG}&se`, 'se'],
    ['an empty value', `${SAS_TOKEN_PREFIX}sr=&sig=${SIG}&se=1`, 'sr'],
    ['a stray &', `${SAS_TOKEN_PREFIX}sr=h&&sig=${SIG}&se=1`, undefined],
    ['a broken escape in sr', `${SAS_TOKEN_PREFIX}sr=h%2&sig=${SIG}&se=1`, 'sr'],
    ['a signature that is not base64', `${SAS_TOKEN_PREFIX}sr=h&sig=abc&se=1`, 'sig'],
    ['a broken escape in skn', `${SAS_TOKEN_PREFIX}sr=h&sig=${SIG}&se=1&skn=%zz`, 'skn'],
  ])('reports %s as malformed-token', (_why, token, field) => {
    const error = sasError(() => parseSasToken(token));
    expect(error.code).toBe('malformed-token');
    expect(error.field).toBe(field);
  });

  it('never quotes an unrecognised field that could be key material', () => {
    const error = sasError(() => parseSasToken(`${SAS_TOKEN_PREFIX}sr=h&sig=${SIG}&se=1&c2VjcmV0+/ab`));
    expect(error.code).toBe('malformed-token');
    expect(error.field).toBeUndefined();
    expect(error.message).not.toContain('c2VjcmV0');
  });
});

describe('formatSasToken', () => {
  it('writes an externally signed token that parses back to the same fields', () => {
    const token = { resourceUri: 'h/devices/d', signature: 'AAAA', expiresAt: 10, keyName: 'device' };
    expect(formatSasToken(token)).toBe('SharedAccessSignature sr=h%2Fdevices%2Fd&sig=AAAA&se=10&skn=device');
    expect(parseSasToken(formatSasToken(token))).toEqual(token);
  });

  it('refuses a signature that is not base64', () => {
    const error = sasError(() => formatSasToken({ resourceUri: 'h', signature: 'not base64', expiresAt: 1 }));
    expect(error.code).toBe('malformed-token');
    expect(error.field).toBe('sig');
  });
});
