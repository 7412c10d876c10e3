// SAS tokens (docs/protocol.md §4): `SharedAccessSignature sr={sr}&sig={sig}&se={se}[&skn={name}]`.
// The expiry is an argument and signing goes through WebCrypto: no clock is read here.

import { describe, isRecord, isWellFormed } from './arguments.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { SasTokenError } from './errors.ts';
import { decodeKey, hmacSha256 } from './hmac.ts';
import { percentDecode, percentEncode } from './percent.ts';

/** The scheme word and space that open every token; the MQTT password includes them (§4 step 5). */
export const SAS_TOKEN_PREFIX = 'SharedAccessSignature ';

/** What createSasToken needs. */
export interface SasTokenOptions {
  /** Resource URI before encoding, e.g. from deviceResourceUri or dpsResourceUri. */
  readonly resourceUri: string;
  /** Base64 shared access key (device, module, derived DPS or policy key). */
  readonly key: string;
  /** Expiry, whole seconds since the Unix epoch. */
  readonly expiresAt: number;
  /** Policy name sent as `skn`: `registration` for DPS, the policy for a policy key; absent for an identity's own key. */
  readonly keyName?: string | undefined;
}

/** A token's fields, decoded. */
export interface SasToken {
  /** `sr` without percent-encoding. */
  readonly resourceUri: string;
  /** `sig` without percent-encoding: base64 of the HMAC-SHA256. */
  readonly signature: string;
  /** `se`, whole seconds since the Unix epoch. */
  readonly expiresAt: number;
  /** `skn`, when present. */
  readonly keyName?: string;
}

/** The four fields exactly as they appear in a token (still percent-encoded). */
export interface RawSasFields {
  readonly sr: string;
  readonly sig: string;
  readonly se: string;
  readonly skn?: string;
}

/** Throws SasTokenError('invalid-resource-uri') unless `resourceUri` is a string with a faithful UTF-8 form. */
function checkResourceUri(resourceUri: unknown): asserts resourceUri is string {
  if (!isWellFormed(resourceUri)) {
    throw new SasTokenError('invalid-resource-uri', `resourceUri must be a string without lone surrogates, got ${describe(resourceUri)}`, 'sr');
  }
}

/** Throws SasTokenError('invalid-key-name') unless `keyName` is undefined or a non-empty well-formed string. */
function checkKeyName(keyName: unknown): asserts keyName is string | undefined {
  if (keyName !== undefined && !(isWellFormed(keyName) && keyName.length > 0)) {
    throw new SasTokenError('invalid-key-name', `keyName must be a non-empty string without lone surrogates, got ${describe(keyName)}`, 'skn');
  }
}

/** Throws SasTokenError('malformed-token') unless `token` is a string (the text of a token). */
function checkTokenText(token: unknown): asserts token is string {
  if (typeof token !== 'string') throw new SasTokenError('malformed-token', `a SAS token is a string, got ${describe(token)}`);
}

/** Throws SasTokenError('invalid-expiry') unless `expiresAt` is a non-negative safe integer. */
function checkExpiry(expiresAt: number): void {
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) {
    throw new SasTokenError('invalid-expiry', `expiresAt must be whole seconds ≥ 0, got ${String(expiresAt)}`, 'se');
  }
}

/** Returns `sr + "\n" + se`, the text that is signed (§4 step 3); throws SasTokenError on a bad expiry. */
export function stringToSign(resourceUri: string, expiresAt: number): string {
  checkResourceUri(resourceUri);
  checkExpiry(expiresAt);
  return `${percentEncode(resourceUri)}\n${expiresAt}`;
}

/**
 * Signs a token with the base64 `key`; rejects with SasTokenError: `invalid-options`, `invalid-resource-uri`,
 * `invalid-key`, `invalid-expiry`, `invalid-key-name`.
 */
export async function createSasToken(options: SasTokenOptions): Promise<string> {
  if (!isRecord(options)) throw new SasTokenError('invalid-options', `createSasToken takes an options object, got ${describe(options)}`);
  checkResourceUri(options.resourceUri);
  checkKeyName(options.keyName);
  const key = decodeKey(options.key);
  const signature = encodeBase64(await hmacSha256(key, stringToSign(options.resourceUri, options.expiresAt)));
  const token: SasToken = { resourceUri: options.resourceUri, signature, expiresAt: options.expiresAt };
  return formatSasToken(options.keyName === undefined ? token : { ...token, keyName: options.keyName });
}

/**
 * Writes a token from fields already signed (e.g. by an HSM over stringToSign), in SDK order
 * sr, sig, se, skn; throws SasTokenError for a bad expiry or a signature that is not base64.
 */
export function formatSasToken(token: SasToken): string {
  if (!isRecord(token)) throw new SasTokenError('malformed-token', `formatSasToken takes the token's fields as an object, got ${describe(token)}`);
  checkResourceUri(token.resourceUri);
  checkKeyName(token.keyName);
  checkExpiry(token.expiresAt);
  if (typeof token.signature !== 'string' || decodeBase64(token.signature) === undefined) {
    throw new SasTokenError('malformed-token', 'signature must be standard base64', 'sig');
  }
  const skn = token.keyName === undefined ? '' : `&skn=${percentEncode(token.keyName)}`;
  const sr = percentEncode(token.resourceUri);
  return `${SAS_TOKEN_PREFIX}sr=${sr}&sig=${percentEncode(token.signature)}&se=${token.expiresAt}${skn}`;
}

const FIELDS = ['sr', 'sig', 'se', 'skn'] as const;
type FieldName = (typeof FIELDS)[number];

/** The error for a field that is not sr, sig, se or skn; only a short plain name is quoted (it might be key material). */
function unexpectedField(name: string): SasTokenError {
  if (name.length === 0) return new SasTokenError('malformed-token', 'token has an empty field (stray "&")');
  if (!/^[A-Za-z]{1,16}$/.test(name)) {
    return new SasTokenError('malformed-token', 'token has a field that is not sr, sig, se or skn');
  }
  return new SasTokenError('malformed-token', `unexpected token field ${name} (only sr, sig, se, skn)`, name);
}

/** Splits a token into its still-encoded fields, in any order; throws SasTokenError('malformed-token' | 'missing-field'). */
export function splitSasToken(token: string): RawSasFields {
  checkTokenText(token);
  if (!token.startsWith(SAS_TOKEN_PREFIX)) {
    throw new SasTokenError('malformed-token', `a SAS token starts with "${SAS_TOKEN_PREFIX}"`);
  }
  const found: Partial<Record<FieldName, string>> = {};
  // The service reads the fields as a query string, so their order is free (§4, unconfirmed).
  for (const pair of token.slice(SAS_TOKEN_PREFIX.length).split('&')) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (!(FIELDS as readonly string[]).includes(name)) throw unexpectedField(name);
    const field = name as FieldName;
    if (eq < 0 || eq === pair.length - 1) {
      throw new SasTokenError('malformed-token', `token field ${field} has no value`, field);
    }
    if (found[field] !== undefined) throw new SasTokenError('malformed-token', `token field ${field} appears twice`, field);
    found[field] = pair.slice(eq + 1);
  }
  const { sr, sig, se, skn } = found;
  if (sr === undefined) throw new SasTokenError('missing-field', 'token has no sr (resource URI)', 'sr');
  if (sig === undefined) throw new SasTokenError('missing-field', 'token has no sig (signature)', 'sig');
  if (se === undefined) throw new SasTokenError('missing-field', 'token has no se (expiry)', 'se');
  return skn === undefined ? { sr, sig, se } : { sr, sig, se, skn };
}

/** Decodes one percent-encoded field or throws SasTokenError('malformed-token'). */
function decodeField(value: string, field: FieldName): string {
  const decoded = percentDecode(value);
  if (decoded === undefined) throw new SasTokenError('malformed-token', `token field ${field} has a bad %-escape`, field);
  return decoded;
}

/** Canonical decimal seconds: no sign, no leading zeros, within the safe-integer range. */
const EXPIRY = /^(?:0|[1-9][0-9]{0,15})$/;

/** Decodes the fields of `SharedAccessSignature sr=…&sig=…&se=…[&skn=…]` in any order; throws SasTokenError. */
export function parseSasToken(token: string): SasToken {
  return decodeSasFields(splitSasToken(token));
}

/** Decodes split fields; throws SasTokenError for bad escapes, a non-base64 signature or a bad expiry. */
export function decodeSasFields(raw: RawSasFields): SasToken {
  const resourceUri = decodeField(raw.sr, 'sr');
  const signature = decodeField(raw.sig, 'sig');
  if (decodeBase64(signature) === undefined) {
    throw new SasTokenError('malformed-token', 'token field sig is not standard base64', 'sig');
  }
  const expiresAt = EXPIRY.test(raw.se) ? Number(raw.se) : Number.NaN;
  if (!Number.isSafeInteger(expiresAt)) {
    throw new SasTokenError('invalid-expiry', 'token field se is not whole seconds since the epoch', 'se');
  }
  const token: SasToken = { resourceUri, signature, expiresAt };
  return raw.skn === undefined ? token : { ...token, keyName: decodeField(raw.skn, 'skn') };
}
