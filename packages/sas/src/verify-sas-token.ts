// Token verification for hubs, gateways and simulators (docs/protocol.md §4). The caller supplies `now`,
// so the check is deterministic and testable; this file never reads a clock.

import { describe } from './arguments.ts';
import { decodeBase64 } from './base64.ts';
import { SasTokenError } from './errors.ts';
import { decodeKey, verifyHmacSha256 } from './hmac.ts';
import { resourceCovers } from './resource-uri.ts';
import { decodeSasFields, splitSasToken } from './sas-token.ts';
import type { RawSasFields, SasToken } from './sas-token.ts';

/** Why a token was refused. */
export type SasRejection = 'malformed' | 'expired' | 'bad-signature' | 'wrong-resource';

/** The outcome of verifySasToken. */
export type SasVerification =
  | { readonly ok: true; readonly token: SasToken }
  | { readonly ok: false; readonly reason: SasRejection; readonly detail: string };

/**
 * Checks `token` against the base64 `key` at `nowSeconds`, and optionally that its `sr` covers
 * `expectedResourceUri` (per path segment: `a/b` covers `a/b/c`, not `a/bc`; case-sensitive, as
 * ids are). Checks run in the order malformed → bad-signature → wrong-resource → expired, so an
 * unsigned token learns nothing about its claims. The token is expired once `nowSeconds >= se`. Rejects
 * with SasTokenError for the caller's mistakes, not the token's: `invalid-key` (a bad `key`), `invalid-now`
 * (a `nowSeconds` that is not a finite number), `malformed-token` (a token that is not a string at all),
 * `invalid-resource-uri` (an `expectedResourceUri` that is not a string).
 */
export async function verifySasToken(
  token: string,
  key: string,
  nowSeconds: number,
  expectedResourceUri?: string,
): Promise<SasVerification> {
  const keyBytes = decodeKey(key);
  if (typeof nowSeconds !== 'number' || !Number.isFinite(nowSeconds)) {
    throw new SasTokenError('invalid-now', `nowSeconds must be a finite number, got ${describe(nowSeconds)}`);
  }
  if (typeof token !== 'string') throw new SasTokenError('malformed-token', `a SAS token is a string, got ${describe(token)}`);
  if (expectedResourceUri !== undefined && typeof expectedResourceUri !== 'string') {
    throw new SasTokenError('invalid-resource-uri', `expectedResourceUri must be a string, got ${describe(expectedResourceUri)}`);
  }
  let raw: RawSasFields;
  let parsed: SasToken;
  try {
    raw = splitSasToken(token);
    parsed = decodeSasFields(raw);
  } catch (error) {
    if (error instanceof SasTokenError) return { ok: false, reason: 'malformed', detail: error.message };
    throw error;
  }
  // Sign over `sr` and `se` exactly as sent: the service evidently does the same (§4 step 1).
  const mac = decodeBase64(parsed.signature)!;
  if (!(await verifyHmacSha256(keyBytes, `${raw.sr}\n${raw.se}`, mac))) {
    return { ok: false, reason: 'bad-signature', detail: 'sig is not the HMAC-SHA256 of sr and se under this key' };
  }
  if (expectedResourceUri !== undefined && !resourceCovers(parsed.resourceUri, expectedResourceUri)) {
    return { ok: false, reason: 'wrong-resource', detail: `sr ${parsed.resourceUri} does not cover ${expectedResourceUri}` };
  }
  if (nowSeconds >= parsed.expiresAt) {
    return { ok: false, reason: 'expired', detail: `se ${parsed.expiresAt} is not after now ${nowSeconds}` };
  }
  return { ok: true, token: parsed };
}
