// Garbage in, typed result out: every parser here either returns or throws its own error class,
// and untrusted field names never reach an object prototype (docs/design.md "Rules the engine keeps",
// "Tests and benchmarks").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConnectionString } from './connection-string.ts';
import { ConnectionStringError, SasTokenError } from './errors.ts';
import { parseSasToken, SAS_TOKEN_PREFIX } from './sas-token.ts';
import { verifySasToken } from './verify-sas-token.ts';

const KEY = 'aHVid2lyZS10ZXN0LWRldmljZS1rZXktMDEyMzQ1Njc4OQ==';
const SIG = 'i9vJyfcEq3%2FYwX4nRGY7j3ysqVrNosi1hYUDMAIW9MA%3D';

/** Strings built from the characters that matter to these grammars, plus anything else. */
const grammarish = (pieces: string[]): fc.Arbitrary<string> =>
  fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 4 })), { maxLength: 12 }).map((parts) => parts.join(''));

const connectionPieces = [';', '=', 'HostName', 'DeviceId', 'ModuleId', 'SharedAccessKey', 'SharedAccessKeyName', 'SharedAccessSignature', 'GatewayHostName', 'x509', 'true', 'h', 'd', KEY, '__proto__'];
const tokenPieces = [SAS_TOKEN_PREFIX, '&', '=', 'sr', 'sig', 'se', 'skn', '%', '%2F', '%ZZ', '1700000000', SIG, '__proto__', 'constructor'];

describe('untrusted input', () => {
  it('parseConnectionString returns or throws ConnectionStringError, never anything else', () => {
    fc.assert(
      fc.property(grammarish(connectionPieces), (text) => {
        try {
          const cs = parseConnectionString(text);
          expect(typeof cs.hostName).toBe('string');
          expect(typeof cs.deviceId).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(ConnectionStringError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('parseSasToken returns or throws SasTokenError, never anything else', () => {
    fc.assert(
      fc.property(grammarish(tokenPieces), (text) => {
        try {
          const token = parseSasToken(text);
          expect(Number.isSafeInteger(token.expiresAt)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(SasTokenError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('verifySasToken answers malformed or bad-signature for garbage, never throws', async () => {
    await fc.assert(
      fc.asyncProperty(grammarish(tokenPieces), async (text) => {
        const result = await verifySasToken(text, KEY, 0);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(['malformed', 'bad-signature']).toContain(result.reason);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses __proto__ and constructor as token fields and leaves Object.prototype alone', () => {
    for (const name of ['__proto__', 'constructor', 'toString']) {
      expect(() => parseSasToken(`${SAS_TOKEN_PREFIX}sr=h&sig=${SIG}&se=1&${name}=x`)).toThrow(SasTokenError);
    }
    expect(() => parseConnectionString('HostName=h;DeviceId=d;x509=true;constructor=x')).toThrow(ConnectionStringError);
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('sr');
  });
});
