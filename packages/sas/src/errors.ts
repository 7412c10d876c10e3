/** What went wrong in a connection string (docs/protocol.md §3). */
export type ConnectionStringErrorCode =
  | 'missing-field'
  | 'duplicate-field'
  | 'malformed-pair'
  | 'unknown-field'
  | 'invalid-value'
  | 'conflicting-fields';

/** Thrown by parseConnectionString/formatConnectionString; `field` names the key at fault. */
export class ConnectionStringError extends Error {
  /** Which rule was broken. */
  readonly code: ConnectionStringErrorCode;
  /** The connection-string key at fault (`HostName`, `x509`, …), or `pair N` for a pair without a usable key. */
  readonly field: string;

  /** Messages never quote a key or a signature, so they are safe to log. */
  constructor(code: ConnectionStringErrorCode, field: string, message: string) {
    super(message);
    this.name = 'ConnectionStringError';
    this.code = code;
    this.field = field;
  }
}

/** What went wrong with a SAS token or a key (docs/protocol.md §4). */
export type SasTokenErrorCode = 'malformed-token' | 'missing-field' | 'invalid-key' | 'invalid-expiry';

/** Thrown by the SAS functions on a malformed token, a non-base64 key or a bad expiry. */
export class SasTokenError extends Error {
  /** Which rule was broken. */
  readonly code: SasTokenErrorCode;
  /** The token field at fault (`sr`, `sig`, `se`, `skn`), when there is one. */
  readonly field?: string;

  /** Messages never quote a key or a signature, so they are safe to log. */
  constructor(code: SasTokenErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'SasTokenError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}
