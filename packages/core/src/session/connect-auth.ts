/**
 * The credentials of one connection, as both engines take them in `connect`: a SAS token as the
 * CONNECT password (or none, for X.509) and when it expires, which arms the session's
 * `token-expiring` warning (docs/protocol.md §2, §4).
 */
import { InvalidIntentError } from '../shared/errors.ts';

/** Credentials for one connection. */
export interface ConnectAuth {
  /** A SAS token (`SharedAccessSignature sr=…`), or nothing for X.509 (docs/protocol.md §2). */
  readonly password?: string;
  /** When the token expires, in ms on the same clock as `now`; arms the `token-expiring` warning. */
  readonly passwordExpiresAt?: number;
}

/** Throws InvalidIntentError unless `auth` is absent or holds a string password and a finite expiry. */
export function checkConnectAuth(auth: ConnectAuth | undefined): void {
  const password = auth?.password;
  const expiresAt = auth?.passwordExpiresAt;
  if (password !== undefined && typeof password !== 'string') {
    throw new InvalidIntentError('invalid-option', 'password must be a string (a SAS token)');
  }
  if (expiresAt !== undefined && !Number.isFinite(expiresAt)) {
    throw new InvalidIntentError('invalid-option', `passwordExpiresAt must be a finite number, got ${String(expiresAt)}`);
  }
}
