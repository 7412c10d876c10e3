// DPS group enrollment (docs/protocol.md §13): each device's key is derived from the group key, so the
// group key itself never has to sit on a device.

import { encodeBase64 } from './base64.ts';
import { decodeKey, hmacSha256 } from './hmac.ts';

/**
 * Returns base64(HMAC-SHA256(base64-decode(groupKey), UTF-8 registrationId)), the device key for
 * a symmetric-key group enrollment; throws SasTokenError('invalid-key') for a non-base64 group key.
 */
export async function deriveGroupKey(groupKey: string, registrationId: string): Promise<string> {
  return encodeBase64(await hmacSha256(decodeKey(groupKey), registrationId));
}
