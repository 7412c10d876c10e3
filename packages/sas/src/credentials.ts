// MQTT CONNECT credentials for IoT Hub (docs/protocol.md §2, §12) and DPS (§13). Optional options
// accept an explicit `undefined` (treated as absent) so engines can pass their own options through.

import { describe, isRecord, isWellFormed, utf8Length } from './arguments.ts';
import { CredentialsError } from './errors.ts';
import type { CredentialsErrorCode } from './errors.ts';
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

/** The longest string MQTT can carry in a CONNECT field: a two-byte length prefix (MQTT 3.1.1 §1.5.3). */
const MAX_FIELD_BYTES = 65_535;

/** Throws CredentialsError `code` unless `value` is undefined or a non-empty well-formed string. */
function optionalText(value: unknown, code: CredentialsErrorCode, field: string): asserts value is string | undefined {
  if (value !== undefined && !(isWellFormed(value) && value.length > 0)) {
    throw new CredentialsError(code, field, `${field} ${describe(value)} is invalid: a non-empty string without lone surrogates`);
  }
}

/** `options` as a record, or a CredentialsError `invalid-options`. */
function optionsRecord(options: unknown, what: string): Record<string, unknown> {
  if (!isRecord(options)) throw new CredentialsError('invalid-options', 'options', `${what} takes an options object, got ${describe(options)}`);
  return options as Record<string, unknown>;
}

/** Appends `&{key}={value}` to a user name, or throws CredentialsError `code` when MQTT could not carry the result. */
function appendQuery(username: string, key: string, value: string, code: CredentialsErrorCode, field: string): string {
  const out = `${username}&${key}=${encodeValue(value)}`;
  if (out.length > MAX_FIELD_BYTES) {
    throw new CredentialsError(code, field, `${field} makes the MQTT user name ${out.length} bytes; a CONNECT carries at most ${MAX_FIELD_BYTES} (MQTT 3.1.1 §1.5.3)`);
  }
  return out;
}

/** Checks the password: a well-formed string MQTT can carry (a SAS token is ASCII, far below the limit). */
function checkPassword(password: unknown): asserts password is string | undefined {
  if (password === undefined) return;
  if (!isWellFormed(password)) {
    throw new CredentialsError('invalid-password', 'password', `password must be a string without lone surrogates (a SAS token), got ${typeof password}`);
  }
  const bytes = utf8Length(password);
  if (bytes > MAX_FIELD_BYTES) {
    throw new CredentialsError('invalid-password', 'password', `password is ${bytes} bytes; a CONNECT carries at most ${MAX_FIELD_BYTES} (MQTT 3.1.1 §1.5.3)`);
  }
}

/** Percent-encodes a user-name value; the api-versions, plain ASCII, come back as they are without a pass over their bytes. */
function encodeValue(value: string): string {
  return /^[A-Za-z0-9\-_.~]*$/.test(value) ? value : percentEncode(value);
}

/**
 * Returns client id `{d}` or `{d}/{m}` and user name `{host}/{d}[/{m}]/?api-version=…` followed by
 * `&DeviceClientType=…&model-id=…` in C SDK order, values percent-encoded (§2); throws
 * CredentialsError naming the argument: `invalid-options`, `invalid-host-name`, `invalid-device-id`,
 * `invalid-module-id`, `invalid-api-version`, `invalid-device-client-type`, `invalid-model-id` (also
 * when the user name would pass MQTT's 65,535 bytes), `invalid-password`.
 */
export function hubCredentials(options: HubCredentialsOptions): MqttCredentials {
  const o = optionsRecord(options, 'hubCredentials');
  const { hostName, deviceId, moduleId, apiVersion, deviceClientType, modelId, password } = o;
  requireValid(isValidHostName(hostName), 'invalid-host-name', 'hostName', hostName, RULES.hostName);
  requireValid(isValidIdentityId(deviceId), 'invalid-device-id', 'deviceId', deviceId, RULES.identityId);
  if (moduleId !== undefined) requireValid(isValidIdentityId(moduleId), 'invalid-module-id', 'moduleId', moduleId, RULES.identityId);
  optionalText(apiVersion, 'invalid-api-version', 'apiVersion');
  optionalText(deviceClientType, 'invalid-device-client-type', 'deviceClientType');
  optionalText(modelId, 'invalid-model-id', 'modelId');
  checkPassword(password);
  const identity = moduleId === undefined ? (deviceId as string) : `${deviceId as string}/${moduleId as string}`;
  let username = `${hostName as string}/${identity}/?api-version=${encodeValue(apiVersion ?? HUB_API_VERSION)}`;
  if (username.length > MAX_FIELD_BYTES) {
    throw new CredentialsError('invalid-api-version', 'apiVersion', `apiVersion makes the MQTT user name longer than ${MAX_FIELD_BYTES} bytes`);
  }
  if (deviceClientType !== undefined) username = appendQuery(username, 'DeviceClientType', deviceClientType, 'invalid-device-client-type', 'deviceClientType');
  if (modelId !== undefined) username = appendQuery(username, 'model-id', modelId, 'invalid-model-id', 'modelId');
  return withPassword(identity, username, password);
}

/**
 * Returns client id `{registrationId}` and user name
 * `{idScope}/registrations/{registrationId}/api-version=…[&ClientVersion=…]` (no `?`, §13);
 * throws CredentialsError naming the argument: `invalid-options`, `invalid-id-scope`,
 * `invalid-registration-id`, `invalid-api-version`, `invalid-client-version`, `invalid-password`.
 */
export function dpsCredentials(options: DpsCredentialsOptions): MqttCredentials {
  const o = optionsRecord(options, 'dpsCredentials');
  const { idScope, registrationId, apiVersion, clientVersion, password } = o;
  requireValid(isValidIdScope(idScope), 'invalid-id-scope', 'idScope', idScope, RULES.idScope);
  requireValid(isValidRegistrationId(registrationId), 'invalid-registration-id', 'registrationId', registrationId, RULES.registrationId);
  optionalText(apiVersion, 'invalid-api-version', 'apiVersion');
  optionalText(clientVersion, 'invalid-client-version', 'clientVersion');
  checkPassword(password);
  let username = `${idScope as string}/registrations/${registrationId as string}/api-version=${encodeValue(apiVersion ?? DPS_API_VERSION)}`;
  if (username.length > MAX_FIELD_BYTES) {
    throw new CredentialsError('invalid-api-version', 'apiVersion', `apiVersion makes the MQTT user name longer than ${MAX_FIELD_BYTES} bytes`);
  }
  if (clientVersion !== undefined) username = appendQuery(username, 'ClientVersion', clientVersion, 'invalid-client-version', 'clientVersion');
  return withPassword(registrationId as string, username, password);
}

/** Returns a token's `se` in seconds (e.g. to schedule renewal); throws SasTokenError if it is malformed. */
export function sasExpiry(token: string): number {
  return parseSasToken(token).expiresAt;
}
