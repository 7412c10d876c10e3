/**
 * Turns a connection string into CONNECT passwords for the engine. A SharedAccessKey signs a
 * fresh token for every connect (so a reconnect never presents an expired one, docs/protocol.md §4);
 * a ready SharedAccessSignature is used as is and cannot be renewed; x509=true sends none.
 *
 * The engine counts time on the driver's monotonic clock, a token's `se` in wall-clock
 * seconds: this file is where one is converted to the other.
 */
import { createSasToken, deviceResourceUri, dpsResourceUri, parseConnectionString, sasExpiry, type ConnectionString } from '@hubwire/sas';
import type { Clock } from './drive-loop.ts';

/** What `engine.connect(now, auth)` takes (DeviceEngine and ProvisioningEngine alike). */
export interface EngineAuth {
  readonly password?: string;
  /** Expiry on the engine's clock (ms), so the engine can warn `token-expiring` before it. */
  readonly passwordExpiresAt?: number;
}

/** Produces the credentials for the next connect. */
export type AuthSource = () => Promise<EngineAuth>;

/** Options for {@link connectionStringAuth}. */
export interface SasAuthOptions {
  /** Lifetime of each signed token (default 3600 s, as the C SDK). */
  readonly tokenTtlSeconds?: number;
  /** The engine's clock (default `performance.now`). */
  readonly clock?: Clock;
  /** Wall clock in ms since the epoch, for `se` (default `Date.now`). */
  readonly wallClock?: () => number;
}

/** Returns whether a connection string can renew its own tokens (it holds SharedAccessKey). */
export function canRenew(cs: ConnectionString): boolean {
  return cs.sharedAccessKey !== undefined;
}

/**
 * Returns an AuthSource for a device or module connection string: signs `sr` = the identity's
 * resource URI with SharedAccessKey (plus `skn` for a policy key), else the fixed token, else nothing.
 */
export function connectionStringAuth(connectionString: string | ConnectionString, options: SasAuthOptions = {}): AuthSource {
  const cs = typeof connectionString === 'string' ? parseConnectionString(connectionString) : connectionString;
  const resourceUri = deviceResourceUri(cs.hostName, cs.deviceId, cs.moduleId);
  const keyName = cs.sharedAccessKeyName;
  return sasAuth(
    cs.sharedAccessKey === undefined
      ? undefined
      : { resourceUri, key: cs.sharedAccessKey, ...(keyName === undefined ? {} : { keyName }) },
    cs.sharedAccessSignature,
    options,
  );
}

/** Returns an AuthSource signing tokens for `resourceUri` with `key` (DPS: keyName `registration`), or a fixed token. */
export function sasAuth(
  signing: { resourceUri: string; key: string; keyName?: string } | undefined,
  fixedToken: string | undefined,
  options: SasAuthOptions = {},
): AuthSource {
  const ttl = options.tokenTtlSeconds ?? 3600;
  const clock = options.clock ?? (() => performance.now());
  const wallClock = options.wallClock ?? (() => Date.now());
  /** `se` (seconds, wall clock) → ms on the engine clock. */
  const onEngineClock = (seconds: number): number => clock() + (seconds * 1000 - wallClock());
  return async () => {
    if (signing !== undefined) {
      const expiresAt = Math.floor(wallClock() / 1000) + ttl;
      const password = await createSasToken({ ...signing, expiresAt });
      return { password, passwordExpiresAt: onEngineClock(expiresAt) };
    }
    if (fixedToken !== undefined) return { password: fixedToken, passwordExpiresAt: onEngineClock(sasExpiry(fixedToken)) };
    return {};
  };
}

/** Returns an AuthSource for DPS: tokens for `{idScope}/registrations/{registrationId}` with `skn=registration` (docs/protocol.md §13). */
export function dpsAuth(idScope: string, registrationId: string, key: string, options: SasAuthOptions = {}): AuthSource {
  return sasAuth({ resourceUri: dpsResourceUri(idScope, registrationId), key, keyName: 'registration' }, undefined, options);
}
