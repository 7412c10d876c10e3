/**
 * Who a virtual device is and how it proves it: a device or module connection string, or a
 * device key (from DPS). A key signs a fresh SAS token for every connect (docs/protocol.md §4); a
 * connection string holding a ready SharedAccessSignature presents it as is.
 */
import { createSasToken, deviceResourceUri, dpsResourceUri, parseConnectionString } from '@hubwire/sas';
import { messageOf, ScenarioError } from '../errors.ts';

/** A device or module identity on a hub. */
export interface Identity {
  readonly hostName: string;
  readonly deviceId: string;
  readonly moduleId?: string;
}

/** A CONNECT password and, for a signed one, when it expires (seconds since the epoch, the token's `se`). */
export interface Password {
  readonly password: string;
  readonly expiresAt?: number;
}

/** An identity, the host its connection string says to dial, and its CONNECT password. */
export interface DeviceCredentials {
  readonly identity: Identity;
  /** `GatewayHostName`, when the connection string routes through a gateway. */
  readonly gatewayHostName?: string;
  /** The port after `GatewayHostName`, when it names one (a local hub off 8883). */
  readonly gatewayPort?: number;
  /** Whether `password` signs a fresh token each time (a key), so an expiring one can be renewed. */
  readonly renewable: boolean;
  /** Signs (or returns) the password for the next CONNECT. */
  password(): Promise<Password>;
}

/** Lifetime and wall clock of signed tokens. */
export interface TokenOptions {
  readonly ttlSeconds: number;
  readonly wallClock?: () => number;
}

/** Credentials from a connection string; throws ScenarioError (`invalid_scenario`) when it cannot be used. */
export function connectionStringCredentials(text: string, token: TokenOptions): DeviceCredentials {
  let cs: ReturnType<typeof parseConnectionString>;
  try {
    cs = parseConnectionString(text);
  } catch (error) {
    throw new ScenarioError('invalid_scenario', `connect.connectionString: ${messageOf(error)}`);
  }
  const identity: Identity = { hostName: cs.hostName, deviceId: cs.deviceId, ...(cs.moduleId === undefined ? {} : { moduleId: cs.moduleId }) };
  const gateway = {
    ...(cs.gatewayHostName === undefined ? {} : { gatewayHostName: cs.gatewayHostName }),
    ...(cs.gatewayPort === undefined ? {} : { gatewayPort: cs.gatewayPort }),
  };
  if (cs.sharedAccessKey !== undefined) {
    const key = cs.sharedAccessKey;
    const keyName = cs.sharedAccessKeyName;
    const resourceUri = deviceResourceUri(cs.hostName, cs.deviceId, cs.moduleId);
    return { identity, ...gateway, renewable: true, password: () => signToken(resourceUri, key, keyName, token) };
  }
  if (cs.sharedAccessSignature !== undefined) {
    const fixed = { password: cs.sharedAccessSignature };
    return { identity, ...gateway, renewable: false, password: () => Promise.resolve(fixed) };
  }
  throw new ScenarioError('invalid_scenario', `connect.connectionString for ${cs.deviceId}: x509 identities need a client certificate, which this engine does not send`);
}

/** Credentials for a device that signs with its own key (an individual key, or one derived from a DPS group key). */
export function keyCredentials(identity: Identity, key: string, token: TokenOptions): DeviceCredentials {
  const resourceUri = deviceResourceUri(identity.hostName, identity.deviceId, identity.moduleId);
  return { identity, renewable: true, password: () => signToken(resourceUri, key, undefined, token) };
}

/** The DPS password of a registration: a token for `{idScope}/registrations/{id}` with `skn=registration` (docs/protocol.md §13). */
export async function dpsPassword(idScope: string, registrationId: string, key: string, token: TokenOptions): Promise<string> {
  return (await signToken(dpsResourceUri(idScope, registrationId), key, 'registration', token)).password;
}

/** Signs a SAS token valid `ttlSeconds` from now on the wall clock. */
async function signToken(resourceUri: string, key: string, keyName: string | undefined, token: TokenOptions): Promise<Password> {
  const expiresAt = Math.floor((token.wallClock ?? Date.now)() / 1000) + token.ttlSeconds;
  try {
    return { password: await createSasToken({ resourceUri, key, expiresAt, keyName }), expiresAt };
  } catch (error) {
    throw new ScenarioError('invalid_scenario', `cannot sign a SAS token for ${resourceUri}: ${messageOf(error)}`);
  }
}
