/**
 * The credentials of one connection, as both engines take them in `connect`: a SAS token as the
 * CONNECT password (or none, for X.509) and when it expires, which arms the session's
 * `token-expiring` warning (docs/protocol.md §2, §4).
 */
import { CredentialsError } from '@hubwire/sas';
import { describe, InvalidIntentError, isRecord, messageOf } from '../shared/errors.ts';
import type { InvalidIntentCode } from '../shared/errors.ts';
import { utf8 } from '../shared/json.ts';
import { isWellFormed } from '../shared/well-formed.ts';

/** Credentials for one connection. */
export interface ConnectAuth {
  /** A SAS token (`SharedAccessSignature sr=…`), or nothing for X.509 (docs/protocol.md §2). */
  readonly password?: string;
  /** When the token expires, in ms on the same clock as `now`; arms the `token-expiring` warning. */
  readonly passwordExpiresAt?: number;
}

/** The longest password a CONNECT can carry: a two-byte length prefix (MQTT 3.1.1 §3.1.3.5). */
const MAX_PASSWORD_BYTES = 65_535;

const AUTH_KEYS: ReadonlySet<string> = new Set(['password', 'passwordExpiresAt']);

/**
 * Throws InvalidIntentError unless `auth` is absent or an object holding at most a password MQTT can
 * carry and a finite expiry: `invalid-auth` (not an object, an unknown key), `invalid-password` (not a
 * string, a lone surrogate, over 65,535 UTF-8 bytes), `invalid-password-expires-at`.
 */
export function checkConnectAuth(auth: ConnectAuth | undefined): void {
  if (auth === undefined) return;
  if (!isRecord(auth)) throw new InvalidIntentError('invalid-auth', `connect takes { password?, passwordExpiresAt? } or nothing, got ${describe(auth)}`);
  for (const key in auth) {
    if (!AUTH_KEYS.has(key)) throw new InvalidIntentError('invalid-auth', `${key} is not a connect option (password, passwordExpiresAt)`);
  }
  const { password, passwordExpiresAt } = auth;
  if (password !== undefined) {
    if (typeof password !== 'string') {
      throw new InvalidIntentError('invalid-password', `password must be a string (a SAS token), got ${describe(password)}`);
    }
    if (!isWellFormed(password)) throw new InvalidIntentError('invalid-password', 'password holds a lone surrogate, which has no UTF-8 form');
    // A cheap bound first: UTF-8 takes at most 3 bytes per UTF-16 unit.
    const bytes = password.length * 3 <= MAX_PASSWORD_BYTES ? 0 : utf8(password).length;
    if (bytes > MAX_PASSWORD_BYTES) {
      throw new InvalidIntentError('invalid-password', `password is ${bytes} bytes; a CONNECT carries at most ${MAX_PASSWORD_BYTES} (MQTT 3.1.1 §3.1.3.5)`);
    }
  }
  if (passwordExpiresAt !== undefined && !(typeof passwordExpiresAt === 'number' && Number.isFinite(passwordExpiresAt))) {
    throw new InvalidIntentError('invalid-password-expires-at', `passwordExpiresAt must be a finite number of ms on the engine's clock, got ${describe(passwordExpiresAt)}`);
  }
}

/** A @hubwire/sas CredentialsError as the engines' InvalidIntentError with the same code (the codes are shared). */
export function asIntentError(error: unknown): InvalidIntentError {
  if (error instanceof CredentialsError) {
    const code: InvalidIntentCode = error.code;
    return new InvalidIntentError(code, error.message);
  }
  return new InvalidIntentError('invalid-options', messageOf(error));
}
