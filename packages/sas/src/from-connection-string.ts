// The common path in one call: connection string → MQTT credentials for IoT Hub, signing a fresh
// token when the string holds a key (docs/protocol.md §2–§4, §12).

import { describe, isRecord } from './arguments.ts';
import { ConnectionStringError, CredentialsError, SasTokenError } from './errors.ts';
import { parseConnectionString, validateConnectionString } from './connection-string.ts';
import type { ConnectionString } from './connection-string.ts';
import { hubCredentials } from './credentials.ts';
import type { MqttCredentials } from './credentials.ts';
import { deviceResourceUri } from './resource-uri.ts';
import { createSasToken, parseSasToken } from './sas-token.ts';

/** Options for deviceCredentialsFromConnectionString. */
export interface ConnectionStringCredentialsOptions {
  /** Expiry of the token to sign, whole seconds since the epoch; required when the string holds SharedAccessKey. */
  readonly expiresAt?: number | undefined;
  /** Defaults to HUB_API_VERSION. */
  readonly apiVersion?: string | undefined;
  /** IoT Plug and Play model id. */
  readonly modelId?: string | undefined;
  /** Informational product string. */
  readonly deviceClientType?: string | undefined;
}

/** MQTT credentials plus what a driver needs to use them. */
export interface ConnectionCredentials extends MqttCredentials {
  /** Host to open TCP/TLS/WebSocket to: GatewayHostName when set, else HostName (§12). */
  readonly connectHostName: string;
  /** `se` of the password, in seconds (not the engine's millisecond clock); absent for X.509. */
  readonly expiresAt?: number;
}

/**
 * Returns hub credentials for a connection string: a token signed with SharedAccessKey (sr = the
 * device or module resource, skn = SharedAccessKeyName) expiring at `options.expiresAt`, the ready
 * SharedAccessSignature with its own `se`, or no password for x509=true. Throws
 * ConnectionStringError for a bad string and SasTokenError when a key needs a missing or bad `expiresAt`.
 */
export async function deviceCredentialsFromConnectionString(
  connectionString: string | ConnectionString,
  options: ConnectionStringCredentialsOptions = {},
): Promise<ConnectionCredentials> {
  if (!isRecord(options)) throw new CredentialsError('invalid-options', 'options', `options must be an object, got ${describe(options)}`);
  const cs = typeof connectionString === 'string' ? parseConnectionString(connectionString) : connectionString;
  if (typeof connectionString !== 'string') {
    if (!isRecord(connectionString)) {
      const got = describe(connectionString);
      throw new ConnectionStringError('invalid-connection-string', 'connectionString', `a connection string is a string or its parsed fields, got ${got}`);
    }
    validateConnectionString(cs);
  }
  let password: string | undefined;
  let expiresAt: number | undefined;
  if (cs.sharedAccessKey !== undefined) {
    if (options.expiresAt === undefined) {
      throw new SasTokenError('invalid-expiry', 'expiresAt is needed to sign a token with SharedAccessKey', 'se');
    }
    const resourceUri = deviceResourceUri(cs.hostName, cs.deviceId, cs.moduleId);
    password = await createSasToken({
      resourceUri,
      key: cs.sharedAccessKey,
      expiresAt: options.expiresAt,
      keyName: cs.sharedAccessKeyName,
    });
    expiresAt = options.expiresAt;
  } else if (cs.sharedAccessSignature !== undefined) {
    password = cs.sharedAccessSignature;
    expiresAt = parseSasToken(password).expiresAt;
  }
  // Otherwise validation guarantees x509=true: no password (§2).
  const credentials = hubCredentials({
    hostName: cs.hostName,
    deviceId: cs.deviceId,
    moduleId: cs.moduleId,
    apiVersion: options.apiVersion,
    modelId: options.modelId,
    deviceClientType: options.deviceClientType,
    password,
  });
  const connectHostName = cs.gatewayHostName ?? cs.hostName;
  return expiresAt === undefined ? { ...credentials, connectHostName } : { ...credentials, connectHostName, expiresAt };
}
