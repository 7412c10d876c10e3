/**
 * The errors @hubwire/sas throws, one class per kind of input: connection strings, SAS tokens and keys,
 * MQTT credentials (ids, names, versions). Each carries a `code` naming the argument and the rule it
 * broke; nothing else escapes this package (no TypeError, no RangeError). Messages never quote a key or
 * a signature, so they are safe to log.
 */

/** What went wrong in a connection string (docs/protocol.md §3). */
export type ConnectionStringErrorCode =
  /** The connection string argument is not a string (parse) or not an object (format). */
  | 'invalid-connection-string'
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
export type SasTokenErrorCode =
  /** Not a `SharedAccessSignature sr=…&sig=…&se=…` string (or not a string at all). */
  | 'malformed-token'
  | 'missing-field'
  /** A shared access key that is not non-empty standard base64 (or not a string). */
  | 'invalid-key'
  /** An expiry that is not whole seconds ≥ 0. */
  | 'invalid-expiry'
  /** `createSasToken` options that are not an object. */
  | 'invalid-options'
  /** A resource URI that is not a well-formed string. */
  | 'invalid-resource-uri'
  /** A key name (`skn`) that is not a well-formed string. */
  | 'invalid-key-name'
  /** A `nowSeconds` that is not a finite number. */
  | 'invalid-now';

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

/** What was wrong with an argument of the MQTT credential and resource-URI functions (docs/protocol.md §2, §4, §13). */
export type CredentialsErrorCode =
  | 'invalid-options'
  | 'invalid-host-name'
  | 'invalid-device-id'
  | 'invalid-module-id'
  | 'invalid-id-scope'
  | 'invalid-registration-id'
  | 'invalid-api-version'
  | 'invalid-model-id'
  | 'invalid-device-client-type'
  | 'invalid-client-version'
  | 'invalid-password';

/** Thrown by hubCredentials, dpsCredentials, the resource-URI builders and deriveGroupKey; `field` names the argument. */
export class CredentialsError extends Error {
  /** Which argument broke which rule. */
  readonly code: CredentialsErrorCode;
  /** The argument at fault (`deviceId`, `modelId`, `options`, …). */
  readonly field: string;

  /** Messages name the value (ids and names only, never a password) and the rule. */
  constructor(code: CredentialsErrorCode, field: string, message: string) {
    super(message);
    this.name = 'CredentialsError';
    this.code = code;
    this.field = field;
  }
}
