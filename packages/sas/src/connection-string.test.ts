import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatConnectionString, parseConnectionString } from './connection-string.ts';
import type { ConnectionString } from './connection-string.ts';
import { ConnectionStringError } from './errors.ts';
import type { ConnectionStringErrorCode } from './errors.ts';

const KEY = 'aHVid2lyZS10ZXN0LWRldmljZS1rZXktMDEyMzQ1Njc4OQ==';
const TOKEN =
  'SharedAccessSignature sr=contoso.azure-devices.net%2Fdevices%2Fdev-01&sig=i9vJyfcEq3%2FYwX4nRGY7j3ysqVrNosi1hYUDMAIW9MA%3D&se=1767225600';
const HOST = 'HostName=contoso.azure-devices.net';

/** Runs `action` and returns the ConnectionStringError it throws. */
function csError(action: () => unknown): ConnectionStringError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectionStringError);
    return error as ConnectionStringError;
  }
  throw new Error('expected a ConnectionStringError');
}

function expectRejected(text: string, code: ConnectionStringErrorCode, field: string): ConnectionStringError {
  const error = csError(() => parseConnectionString(text));
  expect({ code: error.code, field: error.field }).toEqual({ code, field });
  return error;
}

describe('parseConnectionString', () => {
  it('reads a device key connection string as the portal shows it', () => {
    expect(parseConnectionString(`${HOST};DeviceId=dev-01;SharedAccessKey=${KEY}`)).toEqual({
      hostName: 'contoso.azure-devices.net',
      deviceId: 'dev-01',
      sharedAccessKey: KEY,
    });
  });

  it('reads a port after GatewayHostName, as a local hub on another port writes it', () => {
    const cs = parseConnectionString(`${HOST};DeviceId=dev-01;SharedAccessKey=${KEY};GatewayHostName=127.0.0.1:18883`);
    expect(cs.gatewayHostName).toBe('127.0.0.1');
    expect(cs.gatewayPort).toBe(18_883);
    expect(formatConnectionString(cs)).toBe(`${HOST};DeviceId=dev-01;SharedAccessKey=${KEY};GatewayHostName=127.0.0.1:18883`);
  });

  it('refuses a gateway port without a gateway host', () => {
    expect(() => formatConnectionString({ hostName: 'h', deviceId: 'd', x509: true, gatewayPort: 8883 })).toThrow(/GatewayHostName port/);
  });

  it('reads a module behind an IoT Edge gateway', () => {
    expect(
      parseConnectionString(`${HOST};DeviceId=dev-01;ModuleId=filter;SharedAccessKey=${KEY};GatewayHostName=edge-01.local`),
    ).toEqual({
      hostName: 'contoso.azure-devices.net',
      deviceId: 'dev-01',
      moduleId: 'filter',
      sharedAccessKey: KEY,
      gatewayHostName: 'edge-01.local',
    });
  });

  it('reads a ready token, splitting only at the first = so the token keeps its own = signs', () => {
    expect(parseConnectionString(`${HOST};DeviceId=dev-01;SharedAccessSignature=${TOKEN}`).sharedAccessSignature).toBe(TOKEN);
  });

  it('reads a policy key with its name', () => {
    const cs = parseConnectionString(`${HOST};DeviceId=dev-01;SharedAccessKeyName=device;SharedAccessKey=${KEY}`);
    expect(cs.sharedAccessKeyName).toBe('device');
  });

  it('reads x509=true as a certificate identity without key or token', () => {
    expect(parseConnectionString(`${HOST};DeviceId=dev-01;x509=true`)).toEqual({
      hostName: 'contoso.azure-devices.net',
      deviceId: 'dev-01',
      x509: true,
    });
  });

  it('accepts the fields in any order and one trailing semicolon', () => {
    expect(parseConnectionString(`SharedAccessKey=${KEY};DeviceId=dev-01;${HOST};`)).toEqual(
      parseConnectionString(`${HOST};DeviceId=dev-01;SharedAccessKey=${KEY}`),
    );
  });

  it('keeps = inside device ids, which docs/protocol.md §2 allows', () => {
    expect(parseConnectionString(`${HOST};DeviceId=a=b;x509=true`).deviceId).toBe('a=b');
  });

  it('returns plain objects that untrusted keys cannot reach into', () => {
    expectRejected(`${HOST};DeviceId=d;x509=true;__proto__=x`, 'unknown-field', 'pair 4');
    const cs = parseConnectionString(`${HOST};DeviceId=d;x509=true`);
    expect(Object.getPrototypeOf(cs)).toBe(Object.prototype);
  });

  it('reports a missing HostName', () => {
    expectRejected(`DeviceId=dev-01;SharedAccessKey=${KEY}`, 'missing-field', 'HostName');
  });

  it('reports a missing DeviceId', () => {
    expectRejected(`${HOST};SharedAccessKey=${KEY}`, 'missing-field', 'DeviceId');
  });

  it('reports an empty string as missing HostName', () => {
    expectRejected('', 'missing-field', 'HostName');
  });

  it('reports a string with neither key, token nor x509 as missing SharedAccessKey', () => {
    const error = expectRejected(`${HOST};DeviceId=dev-01`, 'missing-field', 'SharedAccessKey');
    expect(error.message).toContain('x509=true');
  });

  it('reports a repeated field, even with the same value', () => {
    expectRejected(`${HOST};DeviceId=a;DeviceId=a;SharedAccessKey=${KEY}`, 'duplicate-field', 'DeviceId');
  });

  it('reports a pair without =', () => {
    expectRejected(`${HOST};DeviceId=dev-01;x509`, 'malformed-pair', 'x509');
  });

  it('names a pair without = by position when its text could be a secret', () => {
    const error = expectRejected(`${HOST};DeviceId=dev-01;${KEY.replaceAll('=', '')}+/`, 'malformed-pair', 'pair 3');
    expect(error.message).not.toContain(KEY.slice(0, 10));
  });

  it.each([
    ['an empty pair in the middle', `${HOST};;DeviceId=d;x509=true`, 'pair 2'],
    ['a pair with no key', `${HOST};=d;DeviceId=d;x509=true`, 'pair 2'],
    ['two trailing semicolons', `${HOST};DeviceId=d;x509=true;;`, 'pair 4'],
  ])('reports %s as malformed-pair', (_why, text, field) => {
    expectRejected(text, 'malformed-pair', field);
  });

  it('reports both SharedAccessKey and SharedAccessSignature as conflicting', () => {
    expectRejected(`${HOST};DeviceId=d;SharedAccessKey=${KEY};SharedAccessSignature=${TOKEN}`, 'conflicting-fields', 'SharedAccessSignature');
  });

  it.each([
    ['SharedAccessKey', `SharedAccessKey=${KEY}`],
    ['SharedAccessSignature', `SharedAccessSignature=${TOKEN}`],
  ])('reports x509=true with %s as conflicting', (_what, pair) => {
    expectRejected(`${HOST};DeviceId=d;x509=true;${pair}`, 'conflicting-fields', 'x509');
  });

  it('reports SharedAccessKeyName without a key as conflicting', () => {
    expectRejected(`${HOST};DeviceId=d;SharedAccessKeyName=device;SharedAccessSignature=${TOKEN}`, 'conflicting-fields', 'SharedAccessKeyName');
  });

  it.each(['false', 'True', 'TRUE', '1', 'yes'])('reports x509=%s as an invalid value', (value) => {
    expectRejected(`${HOST};DeviceId=d;x509=${value}`, 'invalid-value', 'x509');
  });

  it.each(['HostName', 'DeviceId', 'ModuleId', 'SharedAccessKey', 'SharedAccessKeyName', 'SharedAccessSignature', 'GatewayHostName', 'x509'])(
    'reports an empty %s value',
    (field) => {
      const pairs = new Map([
        ['HostName', 'contoso.azure-devices.net'],
        ['DeviceId', 'd'],
        ['x509', 'true'],
      ]);
      pairs.set(field, '');
      expectRejected([...pairs].map(([k, v]) => `${k}=${v}`).join(';'), 'invalid-value', field);
    },
  );

  it.each([
    ['a URL-safe key', 'aHVid2lyZS10ZXN0-_'],
    ['an unpadded key', 'aHVid2lyZQ'],
    ['a key with a space', 'aHVi d2ly'],
  ])('reports %s as an invalid SharedAccessKey without quoting it', (_why, key) => {
    const error = expectRejected(`${HOST};DeviceId=d;SharedAccessKey=${key}`, 'invalid-value', 'SharedAccessKey');
    expect(error.message).not.toContain(key);
  });

  it('reports a SharedAccessSignature that is not a token', () => {
    expectRejected(`${HOST};DeviceId=d;SharedAccessSignature=sr=a&sig=b`, 'invalid-value', 'SharedAccessSignature');
  });

  it.each([
    ['HostName', 'https://contoso.azure-devices.net', 'HostName=https://contoso.azure-devices.net;DeviceId=d;x509=true'],
    ['HostName', 'a host', 'HostName=a host;DeviceId=d;x509=true'],
    ['DeviceId', 'a/b', `${HOST};DeviceId=a/b;x509=true`],
    ['DeviceId', 'a#b', `${HOST};DeviceId=a#b;x509=true`],
    ['DeviceId', '129 characters', `${HOST};DeviceId=${'d'.repeat(129)};x509=true`],
    ['ModuleId', 'a+b', `${HOST};DeviceId=d;ModuleId=a+b;x509=true`],
    ['GatewayHostName', 'edge:0', `${HOST};DeviceId=d;GatewayHostName=edge:0;x509=true`],
    ['GatewayHostName', 'edge:65536', `${HOST};DeviceId=d;GatewayHostName=edge:65536;x509=true`],
    ['GatewayHostName', 'edge:', `${HOST};DeviceId=d;GatewayHostName=edge:;x509=true`],
    ['GatewayHostName', ':8883', `${HOST};DeviceId=d;GatewayHostName=:8883;x509=true`],
    ['HostName', 'contoso.azure-devices.net:8883', 'HostName=contoso.azure-devices.net:8883;DeviceId=d;x509=true'],
  ])('reports %s %s as an invalid value', (field, _value, text) => {
    expectRejected(text, 'invalid-value', field);
  });

  it('reports keys with the wrong case as unknown, with a hint', () => {
    const error = expectRejected(`hostname=contoso.azure-devices.net;DeviceId=d;x509=true`, 'unknown-field', 'hostname');
    expect(error.message).toContain('HostName');
  });

  it('refuses UseProvisioning, an SDK-only switch, saying why', () => {
    const error = expectRejected(`${HOST};DeviceId=d;UseProvisioning=true`, 'unknown-field', 'UseProvisioning');
    expect(error.message).toContain('DPS');
  });

  it('does not trim values', () => {
    expectRejected(`${HOST};DeviceId= d;x509=true`, 'invalid-value', 'DeviceId');
  });
});

const idChar = fc.constantFrom(...'abcXYZ019-.%_*?!(),=@$\''.split(''));
const identityId = fc.string({ unit: idChar, minLength: 1, maxLength: 128 });
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const hostName = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
const base64Key = fc.uint8Array({ minLength: 16, maxLength: 64 }).map((bytes) => btoa(String.fromCharCode(...bytes)));
const credential = fc.oneof(
  fc.record({ sharedAccessKey: base64Key, sharedAccessKeyName: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), { nil: undefined }) }),
  fc.record({ sharedAccessSignature: fc.constant(TOKEN) }),
  fc.record({ x509: fc.constant(true as const) }),
);
const connectionString: fc.Arbitrary<ConnectionString> = fc
  .tuple(
    fc.record({ hostName, deviceId: identityId }),
    fc.record({ moduleId: identityId, gatewayHostName: hostName }, { requiredKeys: [] }),
    fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
    credential,
  )
  .map(([required, optional, port, auth]) => {
    const gatewayPort = optional.gatewayHostName === undefined ? undefined : port;
    const merged: Record<string, unknown> = { ...required, ...optional, gatewayPort, ...auth };
    for (const name of Object.keys(merged)) if (merged[name] === undefined) delete merged[name];
    return merged as unknown as ConnectionString;
  });

describe('formatConnectionString', () => {
  it('writes fields in portal order', () => {
    const cs: ConnectionString = { sharedAccessKey: KEY, deviceId: 'dev-01', moduleId: 'm', hostName: 'contoso.azure-devices.net' };
    expect(formatConnectionString(cs)).toBe(`${HOST};DeviceId=dev-01;ModuleId=m;SharedAccessKey=${KEY}`);
    expect(formatConnectionString({ hostName: 'h', deviceId: 'd', x509: true })).toBe('HostName=h;DeviceId=d;x509=true');
  });

  it('round-trips through parseConnectionString for any valid connection string', () => {
    fc.assert(
      fc.property(connectionString, (cs) => {
        const text = formatConnectionString(cs);
        expect(parseConnectionString(text)).toEqual(cs);
        expect(formatConnectionString(parseConnectionString(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('parses any permutation of the pairs to the same value', () => {
    fc.assert(
      fc.property(
        connectionString.chain((cs) => {
          const pairs = formatConnectionString(cs).split(';');
          return fc.tuple(fc.constant(cs), fc.shuffledSubarray(pairs, { minLength: pairs.length }));
        }),
        ([cs, shuffled]) => {
          expect(parseConnectionString(shuffled.join(';'))).toEqual(cs);
        },
      ),
    );
  });

  it('refuses what parse would refuse, so format never writes an unreadable string', () => {
    const bad: [ConnectionString, ConnectionStringErrorCode, string][] = [
      [{ hostName: 'h', deviceId: 'd' }, 'missing-field', 'SharedAccessKey'],
      [{ hostName: 'h', deviceId: 'd;x', x509: true }, 'invalid-value', 'DeviceId'],
      [{ hostName: 'h', deviceId: 'd', sharedAccessKey: KEY, x509: true }, 'conflicting-fields', 'x509'],
      [{ hostName: '', deviceId: 'd', x509: true }, 'invalid-value', 'HostName'],
      [{ hostName: 'h', deviceId: 'd', x509: false } as unknown as ConnectionString, 'invalid-value', 'x509'],
      [{ hostName: 'h', x509: true } as unknown as ConnectionString, 'missing-field', 'DeviceId'],
    ];
    for (const [cs, code, field] of bad) {
      const error = csError(() => formatConnectionString(cs));
      expect({ code: error.code, field: error.field }).toEqual({ code, field });
    }
  });
});
