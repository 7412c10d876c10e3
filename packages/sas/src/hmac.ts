// HMAC-SHA256 through WebCrypto (`globalThis.crypto.subtle`, present in Node ≥ 20, Deno, Bun and
// browsers), keyed with the base64-decoded shared key as docs/protocol.md §4 step 4 requires.

import { decodeBase64 } from './base64.ts';
import { SasTokenError } from './errors.ts';

const encoder = new TextEncoder();

/** Decodes a base64 shared key; throws SasTokenError('invalid-key') if it is empty or not canonical base64. */
export function decodeKey(key: string): Uint8Array<ArrayBuffer> {
  const bytes = typeof key !== 'string' || key.length === 0 ? undefined : decodeBase64(key);
  if (bytes === undefined || bytes.length === 0) {
    throw new SasTokenError('invalid-key', 'the shared access key is not non-empty standard base64 with padding');
  }
  return bytes;
}

/** Imports raw key bytes for HMAC-SHA256 signing and verification. */
function importKey(key: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

/** Returns HMAC-SHA256(key, UTF-8 message). */
export async function hmacSha256(key: Uint8Array<ArrayBuffer>, message: string): Promise<Uint8Array> {
  const signature = await globalThis.crypto.subtle.sign('HMAC', await importKey(key), encoder.encode(message));
  return new Uint8Array(signature);
}

/** True when `mac` is HMAC-SHA256(key, UTF-8 message); WebCrypto compares in constant time. */
export async function verifyHmacSha256(
  key: Uint8Array<ArrayBuffer>,
  message: string,
  mac: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  return globalThis.crypto.subtle.verify('HMAC', await importKey(key), mac, encoder.encode(message));
}
