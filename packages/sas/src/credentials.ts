// MQTT CONNECT credentials for IoT Hub (docs/protocol.md §2, §12) and DPS (§13). Optional options
// accept an explicit `undefined` (treated as absent) so engines can pass their own options through.

import { isValidHostName, isValidIdentityId, isValidIdScope, isValidRegistrationId, requireValid, RULES } from './identity.ts';
import { percentEncode } from './percent.ts';
import { parseSasToken } from './sas-token.ts';

/** Client identifier, user name and optional password for an MQTT CONNECT. */
export interface MqttCredentials {
  /** CONNECT client identifier. */
  readonly clientId: string;
  /** CONNECT user name. */
  readonly username: string;
  /** CONNECT password: a whole SAS token; absent for X.509 (the password flag is then unset). */
  readonly password?: string;
}

/** IoT Hub api-version hubwire sends by default: the current GA one in the docs (§2). */
export const HUB_API_VERSION = '2021-04-12';
/** DPS api-version hubwire sends by default (§13). */
export const DPS_API_VERSION = '2019-03-31';

/** What hubCredentials needs. */
export interface HubCredentialsOptions {
  /** The hub's own host name, even when connecting through a gateway (§2, §12). */
  readonly hostName: string;
  /** Device id, case-sensitive (§2). */
  readonly deviceId: string;
  /** Makes this a module identity. */
  readonly moduleId?: string | undefined;
  /** Defaults to HUB_API_VERSION. */
  readonly apiVersion?: string | undefined;
  /** IoT Plug and Play model id, e.g. `dtmi:com:example:Thermostat;1`; only settable at connect. */
  readonly modelId?: string | undefined;
  /** Informational product string, e.g. `hubwire/0.1.0`. */
  readonly deviceClientType?: string | undefined;
  /** A SAS token (createSasToken); leave out for X.509. */
  readonly password?: string | undefined;
}

/** What dpsCredentials needs. */
export interface DpsCredentialsOptions {
  /** The DPS id scope, e.g. `0ne00000A0A`. */
  readonly idScope: string;
  /** Registration id (§13); also the client id. */
  readonly registrationId: string;
  /** Defaults to DPS_API_VERSION. */
  readonly apiVersion?: string | undefined;
  /** Informational agent string, sent as `ClientVersion`. */
  readonly clientVersion?: string | undefined;
  /** A SAS token with `skn=registration`; leave out for X.509. */
  readonly password?: string | undefined;
}

/** Adds `password` only when given, so X.509 credentials carry no password property at all. */
function withPassword(clientId: string, username: string, password: string | undefined): MqttCredentials {
  return password === undefined ? { clientId, username } : { clientId, username, password };
}

/**
 * Returns client id `{d}` or `{d}/{m}` and user name `{host}/{d}[/{m}]/?api-version=…` followed by
 * `&DeviceClientType=…&model-id=…` in C SDK order, values percent-encoded (§2); throws RangeError
 * for an invalid host name, device id or module id.
 */
export function hubCredentials(options: HubCredentialsOptions): MqttCredentials {
  const { hostName, deviceId, moduleId } = options;
  requireValid(isValidHostName(hostName), 'hostName', hostName, RULES.hostName);
  requireValid(isValidIdentityId(deviceId), 'deviceId', deviceId, RULES.identityId);
  if (moduleId !== undefined) requireValid(isValidIdentityId(moduleId), 'moduleId', moduleId, RULES.identityId);
  const identity = moduleId === undefined ? deviceId : `${deviceId}/${moduleId}`;
  const apiVersion = percentEncode(options.apiVersion ?? HUB_API_VERSION);
  let username = `${hostName}/${identity}/?api-version=${apiVersion}`;
  if (options.deviceClientType !== undefined) username += `&DeviceClientType=${percentEncode(options.deviceClientType)}`;
  if (options.modelId !== undefined) username += `&model-id=${percentEncode(options.modelId)}`;
  return withPassword(identity, username, options.password);
}

/**
 * Returns client id `{registrationId}` and user name
 * `{idScope}/registrations/{registrationId}/api-version=…[&ClientVersion=…]` (no `?`, §13);
 * throws RangeError for an invalid id scope or registration id.
 */
export function dpsCredentials(options: DpsCredentialsOptions): MqttCredentials {
  const { idScope, registrationId } = options;
  requireValid(isValidIdScope(idScope), 'idScope', idScope, RULES.idScope);
  requireValid(isValidRegistrationId(registrationId), 'registrationId', registrationId, RULES.registrationId);
  const apiVersion = percentEncode(options.apiVersion ?? DPS_API_VERSION);
  let username = `${idScope}/registrations/${registrationId}/api-version=${apiVersion}`;
  if (options.clientVersion !== undefined) username += `&ClientVersion=${percentEncode(options.clientVersion)}`;
  return withPassword(registrationId, username, options.password);
}

/** Returns a token's `se` in seconds (e.g. to schedule renewal); throws SasTokenError if it is malformed. */
export function sasExpiry(token: string): number {
  return parseSasToken(token).expiresAt;
}
