/**
 * SAS tokens for a fleet, signed with node:crypto's synchronous HMAC over @hubwire/sas's
 * string-to-sign. The result is the token `createSasToken` makes (same fields, same order); the
 * difference is cost: WebCrypto's sign is asynchronous and goes through a thread pool, which
 * dominated connecting tens of thousands of devices at once.
 */
import { createHmac } from 'node:crypto';
import { formatSasToken, stringToSign } from '@hubwire/sas';

/** Returns a SAS token for `resourceUri` signed with the base64 `key`, expiring at `expiresAt` (s). */
export function signSasToken(resourceUri: string, key: string, expiresAt: number): string {
  const signature = createHmac('sha256', Buffer.from(key, 'base64')).update(stringToSign(resourceUri, expiresAt)).digest('base64');
  return formatSasToken({ resourceUri, signature, expiresAt });
}
