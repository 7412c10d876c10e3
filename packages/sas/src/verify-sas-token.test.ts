import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SasTokenError } from './errors.ts';
import { deviceResourceUri, resourceCovers } from './resource-uri.ts';
import { createSasToken, formatSasToken, parseSasToken } from './sas-token.ts';
import { verifySasToken } from './verify-sas-token.ts';

const KEY = 'aHVid2lyZS10ZXN0LWRldmljZS1rZXktMDEyMzQ1Njc4OQ==';
const HOST = 'contoso.azure-devices.net';

const key = fc.uint8Array({ minLength: 16, maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64'));
const id = fc.string({ unit: fc.constantFrom(...'abcXYZ019-.%_*?!(),=@$\''.split('')), minLength: 1, maxLength: 128 });
const expiry = fc.integer({ min: 1, max: 2 ** 40 });

/** A signed device or module token with its inputs. */
const signed = fc
  .record({ key, deviceId: id, moduleId: fc.option(id, { nil: undefined }), expiresAt: expiry })
  .map((i) => ({ ...i, resourceUri: deviceResourceUri(HOST, i.deviceId, i.moduleId) }));

async function tokenFor(i: { key: string; resourceUri: string; expiresAt: number }): Promise<string> {
  return createSasToken({ resourceUri: i.resourceUri, key: i.key, expiresAt: i.expiresAt });
}

describe('verifySasToken', () => {
  it('accepts its own tokens before expiry for the resource they name', async () => {
    await fc.assert(
      fc.asyncProperty(signed, fc.nat(), async (i, before) => {
        const token = await tokenFor(i);
        const now = Math.max(0, i.expiresAt - 1 - before);
        expect(await verifySasToken(token, i.key, now, i.resourceUri)).toEqual({ ok: true, token: parseSasToken(token) });
      }),
      { numRuns: 100 },
    );
  });

  it('reports bad-signature when any signature byte is flipped', async () => {
    await fc.assert(
      fc.asyncProperty(signed, fc.integer({ min: 0, max: 31 }), fc.integer({ min: 1, max: 255 }), async (i, at, mask) => {
        const parsed = parseSasToken(await tokenFor(i));
        const mac = Buffer.from(parsed.signature, 'base64');
        mac[at] = mac[at]! ^ mask;
        const forged = formatSasToken({ ...parsed, signature: mac.toString('base64') });
        const result = await verifySasToken(forged, i.key, i.expiresAt - 1, i.resourceUri);
        expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
      }),
      { numRuns: 100 },
    );
  });

  it('reports bad-signature under a different key', async () => {
    await fc.assert(
      fc.asyncProperty(signed, key, async (i, otherKey) => {
        fc.pre(otherKey !== i.key);
        const result = await verifySasToken(await tokenFor(i), otherKey, i.expiresAt - 1, i.resourceUri);
        expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
      }),
      { numRuns: 100 },
    );
  });

  it('reports bad-signature when se is changed after signing', async () => {
    const token = await createSasToken({ resourceUri: `${HOST}/devices/d`, key: KEY, expiresAt: 1000 });
    const extended = token.replace('se=1000', 'se=2000');
    expect(await verifySasToken(extended, KEY, 1500)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('reports expired once now reaches se, and at any later time', async () => {
    await fc.assert(
      fc.asyncProperty(signed, fc.nat({ max: 2 ** 30 }), async (i, after) => {
        const result = await verifySasToken(await tokenFor(i), i.key, i.expiresAt + after, i.resourceUri);
        expect(result).toMatchObject({ ok: false, reason: 'expired' });
      }),
      { numRuns: 100 },
    );
  });

  it('treats se as the first invalid second and accepts fractional now just before it', async () => {
    const token = await createSasToken({ resourceUri: `${HOST}/devices/d`, key: KEY, expiresAt: 1000 });
    expect((await verifySasToken(token, KEY, 999.999)).ok).toBe(true);
    expect(await verifySasToken(token, KEY, 1000)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('reports wrong-resource for another device, and for a device id that merely extends the name', async () => {
    await fc.assert(
      fc.asyncProperty(signed, id, async (i, otherId) => {
        fc.pre(otherId !== i.deviceId);
        const token = await tokenFor(i);
        const other = await verifySasToken(token, i.key, i.expiresAt - 1, deviceResourceUri(HOST, otherId));
        const extended = await verifySasToken(token, i.key, i.expiresAt - 1, deviceResourceUri(HOST, i.deviceId + otherId));
        expect(other).toMatchObject({ ok: false, reason: 'wrong-resource' });
        expect(extended).toMatchObject({ ok: false, reason: 'wrong-resource' });
      }),
      { numRuns: 100 },
    );
  });

  it('lets a device token cover its modules but not a module token cover its device', async () => {
    const device = await createSasToken({ resourceUri: `${HOST}/devices/d`, key: KEY, expiresAt: 10 });
    const module = await createSasToken({ resourceUri: `${HOST}/devices/d/modules/m`, key: KEY, expiresAt: 10 });
    expect((await verifySasToken(device, KEY, 0, `${HOST}/devices/d/modules/m`)).ok).toBe(true);
    expect(await verifySasToken(module, KEY, 0, `${HOST}/devices/d`)).toMatchObject({ ok: false, reason: 'wrong-resource' });
  });

  it('checks the signature before expiry and resource, so a forged token learns nothing else', async () => {
    const token = await createSasToken({ resourceUri: `${HOST}/devices/d`, key: KEY, expiresAt: 10 });
    const otherKey = Buffer.alloc(32, 7).toString('base64');
    expect(await verifySasToken(token, otherKey, 50, `${HOST}/devices/e`)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(await verifySasToken(token, KEY, 50, `${HOST}/devices/e`)).toMatchObject({ ok: false, reason: 'wrong-resource' });
    expect(await verifySasToken(token, KEY, 50, `${HOST}/devices/d`)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('verifies over sr exactly as sent, lower-case escapes included', async () => {
    const sr = 'contoso.azure-devices.net%2fdevices%2fd';
    const sig = createHmac('sha256', Buffer.from(KEY, 'base64')).update(`${sr}\n100`).digest('base64');
    const token = `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=100`;
    expect(await verifySasToken(token, KEY, 0, `${HOST}/devices/d`)).toMatchObject({ ok: true });
    const recoded = token.replace(sr, sr.toUpperCase().replace('CONTOSO.AZURE-DEVICES.NET', 'contoso.azure-devices.net'));
    expect(recoded).not.toBe(token);
    expect(await verifySasToken(recoded, KEY, 0)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    ['a token without sig', 'SharedAccessSignature sr=h&se=1'],
    ['a bare signature', 'i9vJyfcEq3/YwX4nRGY7j3ysqVrNosi1hYUDMAIW9MA='],
    ['a non-integer se', 'SharedAccessSignature sr=h&sig=AAAA&se=1.5'],
    ['an empty string', ''],
  ])('reports %s as malformed', async (_why, token) => {
    const result = await verifySasToken(token, KEY, 0);
    expect(result).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('throws invalid-key for a key that is not base64, even with a malformed token', async () => {
    const error = await verifySasToken('garbage', 'not a key', 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SasTokenError);
    expect((error as SasTokenError).code).toBe('invalid-key');
  });

  it('rejects a non-finite now as SasTokenError invalid-now', async () => {
    await expect(verifySasToken('garbage', KEY, Number.NaN)).rejects.toMatchObject({ name: 'SasTokenError', code: 'invalid-now' });
  });
});

describe('resourceCovers', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/c', true],
    ['a/b', 'a/b/c/d', true],
    ['a/b/', 'a/b/c', true],
    ['a/b', 'a/bc', false],
    ['a/b', 'a', false],
    ['a/b/c', 'a/b', false],
    ['a/b', 'A/B', false],
  ] as const)('says a token for %s covers %s: %s', (token, resource, covers) => {
    expect(resourceCovers(token, resource)).toBe(covers);
  });

  it('covers every extension by a whole segment and no extension that continues the last segment', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,5}(\/[a-z]{1,5}){0,3}$/), fc.stringMatching(/^[a-z]{1,5}$/), (base, more) => {
        expect(resourceCovers(base, `${base}/${more}`)).toBe(true);
        expect(resourceCovers(base, `${base}${more}`)).toBe(false);
      }),
    );
  });
});
