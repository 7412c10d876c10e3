// DPS group enrollment (docs/protocol.md §13): each device's key is derived from the group key, so the
// group key itself never has to sit on a device.

import { encodeBase64 } from './base64.ts';
import { decodeKey, hmacSha256 } from './hmac.ts';
import { describe, isWellFormed } from './arguments.ts';
import { CredentialsError } from './errors.ts';

/**
 * Returns base64(HMAC-SHA256(base64-decode(groupKey), UTF-8 registrationId)), the device key for
 * a symmetric-key group enrollment; rejects with SasTokenError('invalid-key') for a non-base64 group key and
 * CredentialsError('invalid-registration-id') for one that is not a string with a faithful UTF-8 form.
 */
export async function deriveGroupKey(groupKey: string, registrationId: string): Promise<string> {
  const key = decodeKey(groupKey);
  if (!isWellFormed(registrationId)) {
    throw new CredentialsError('invalid-registration-id', 'registrationId', `registrationId must be a string without lone surrogates, got ${describe(registrationId)}`);
  }
  return encodeBase64(await hmacSha256(key, registrationId));
}
