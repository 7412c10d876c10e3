// IoT Hub device connection strings (docs/protocol.md §3): `Key=value` pairs joined by `;`, keys
// case-sensitive as in the C SDK, each pair split at its FIRST `=` because keys and tokens end in `=`.
//
// Decisions: `GatewayHostName` may end in `:port` (the Node SDK dials it, and a local hub on a
// port other than 8883 needs it); `HostName` may not, since it names the hub in user names and
// `sr`. `UseProvisioning` is refused (it is an SDK switch meaning "ask DPS", not a hub
// field; use ProvisioningEngine instead). One trailing `;` is tolerated; empty pairs elsewhere are
// not. Values are never trimmed. Error messages never quote a key or a token.

import { describe, isRecord } from './arguments.ts';
import { decodeBase64 } from './base64.ts';
import { ConnectionStringError } from './errors.ts';
import { isValidHostName, isValidIdentityId, RULES } from './identity.ts';
import { parseSasToken } from './sas-token.ts';

/** A parsed device or module connection string. */
export interface ConnectionString {
  /** `HostName`: the hub, e.g. `contoso.azure-devices.net`; also names the hub in user name and `sr` behind a gateway. */
  readonly hostName: string;
  /** `DeviceId`. */
  readonly deviceId: string;
  /** `ModuleId`: makes this a module identity. */
  readonly moduleId?: string;
  /** `SharedAccessKey`: base64 key the device signs its own tokens with. */
  readonly sharedAccessKey?: string;
  /** `SharedAccessKeyName`: policy of the key; tokens then carry `skn`. */
  readonly sharedAccessKeyName?: string;
  /** `SharedAccessSignature`: a ready token, used as is; it cannot be renewed locally. */
  readonly sharedAccessSignature?: string;
  /** `GatewayHostName`: where TCP/TLS goes (IoT Edge, protocol gateway, a local hub) (§12), without its port. */
  readonly gatewayHostName?: string;
  /** The port after `GatewayHostName`'s `:`, when it names one (1–65535). */
  readonly gatewayPort?: number;
  /** `x509=true`: authenticate with a client certificate; no key, no token. */
  readonly x509?: true;
}

type Property = Exclude<keyof ConnectionString, 'gatewayPort'>;

/** Connection-string keys and their properties, in the order formatConnectionString writes them. */
const FIELDS: readonly (readonly [key: string, property: Property])[] = [
  ['HostName', 'hostName'],
  ['DeviceId', 'deviceId'],
  ['ModuleId', 'moduleId'],
  ['SharedAccessKeyName', 'sharedAccessKeyName'],
  ['SharedAccessKey', 'sharedAccessKey'],
  ['SharedAccessSignature', 'sharedAccessSignature'],
  ['GatewayHostName', 'gatewayHostName'],
  ['x509', 'x509'],
];

const PROPERTY_OF: ReadonlyMap<string, Property> = new Map(FIELDS);

/** Fields every device or module connection string has. */
const REQUIRED: readonly (readonly [key: string, property: Property])[] = [
  ['HostName', 'hostName'],
  ['DeviceId', 'deviceId'],
];

/** A name that is safe and useful to quote in an error: short and plain. */
const PLAIN_NAME = /^[A-Za-z0-9]{1,32}$/;

/** A `:port` suffix of GatewayHostName: one to five digits, range-checked by validation. */
const GATEWAY_PORT = /:([0-9]{1,5})$/;

/** Printable ASCII without `;` (a policy name must survive formatting). */
const KEY_NAME = /^[\x21-\x3a\x3c-\x7e]+$/;

/** Parses `HostName=…;DeviceId=…;SharedAccessKey=…`; throws ConnectionStringError naming the field at fault. */
export function parseConnectionString(text: string): ConnectionString {
  if (typeof text !== 'string') {
    throw new ConnectionStringError('invalid-connection-string', 'connectionString', `a connection string is a string, got ${describe(text)}`);
  }
  const body = text.endsWith(';') ? text.slice(0, -1) : text;
  const fields = new Map<Property, string | true>();
  let gatewayPort: number | undefined;
  const pairs = body.length === 0 ? [] : body.split(';');
  pairs.forEach((pair, index) => {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const where = `pair ${index + 1}`;
    if (eq <= 0) {
      const field = PLAIN_NAME.test(key) ? key : where;
      const why = pair.length === 0 ? 'is empty' : eq < 0 ? "has no '='" : "has no key before '='";
      throw new ConnectionStringError('malformed-pair', field, `connection string ${where} ${why} (expected Key=value)`);
    }
    const property = PROPERTY_OF.get(key);
    if (property === undefined) throw unknownField(key, where);
    if (fields.has(property)) throw new ConnectionStringError('duplicate-field', key, `connection string repeats ${key}`);
    const value = pair.slice(eq + 1);
    if (value.length === 0) throw new ConnectionStringError('invalid-value', key, `${key} has an empty value`);
    if (property === 'x509') {
      if (value !== 'true') throw new ConnectionStringError('invalid-value', key, 'x509 accepts only "true" (omit it otherwise)');
      fields.set(property, true);
    } else if (property === 'gatewayHostName') {
      const port = GATEWAY_PORT.exec(value);
      fields.set(property, port === null ? value : value.slice(0, port.index));
      if (port !== null) gatewayPort = Number(port[1]);
    } else {
      fields.set(property, value);
    }
  });
  // Only known properties, in a fixed order: untrusted keys never become object keys.
  const built: Partial<Record<Property, string | true>> = {};
  for (const [, property] of FIELDS) {
    const value = fields.get(property);
    if (value !== undefined) built[property] = value;
  }
  const connectionString = (gatewayPort === undefined ? built : { ...built, gatewayPort }) as ConnectionString;
  validateConnectionString(connectionString);
  return connectionString;
}

/** The error for a key hubwire does not know, with a hint when only the letter case is off. */
function unknownField(key: string, where: string): ConnectionStringError {
  if (!PLAIN_NAME.test(key)) {
    return new ConnectionStringError('unknown-field', where, `connection string ${where} has an unknown key`);
  }
  if (key === 'UseProvisioning') {
    return new ConnectionStringError(
      'unknown-field',
      key,
      'UseProvisioning is an SDK-only switch, not an IoT Hub field: provision with DPS and connect with the assigned hub',
    );
  }
  const known = FIELDS.find(([name]) => name.toLowerCase() === key.toLowerCase());
  const hint = known === undefined ? '' : ` (keys are case-sensitive: did you mean ${known[0]}?)`;
  return new ConnectionStringError('unknown-field', key, `unknown connection string key ${key}${hint}`);
}

/** Writes the fields in portal order (HostName, DeviceId, ModuleId, …); throws ConnectionStringError if invalid. */
export function formatConnectionString(connectionString: ConnectionString): string {
  if (!isRecord(connectionString)) {
    const got = describe(connectionString);
    throw new ConnectionStringError('invalid-connection-string', 'connectionString', `formatConnectionString takes the fields as an object, got ${got}`);
  }
  validateConnectionString(connectionString);
  const parts: string[] = [];
  for (const [key, property] of FIELDS) {
    const value = connectionString[property];
    if (value === undefined) continue;
    const port = property === 'gatewayHostName' && connectionString.gatewayPort !== undefined ? `:${connectionString.gatewayPort}` : '';
    parts.push(`${key}=${value === true ? 'true' : value}${port}`);
  }
  return parts.join(';');
}

/** Throws ConnectionStringError unless `cs` is valid: the checks parse and format share, so both accept the same set. */
export function validateConnectionString(cs: ConnectionString): void {
  // Shape first: format gets objects from plain JavaScript too, and `;` would split a value.
  for (const [key, property] of FIELDS) {
    const value: unknown = cs[property];
    if (value === undefined || property === 'x509') continue;
    if (typeof value !== 'string' || value.length === 0 || value.includes(';')) {
      throw new ConnectionStringError('invalid-value', key, `${key} must be a non-empty string without ';'`);
    }
  }
  for (const [key, property] of REQUIRED) {
    if (cs[property] === undefined) throw new ConnectionStringError('missing-field', key, `connection string has no ${key}`);
  }
  checkValue(isValidHostName(cs.hostName), 'HostName', `HostName "${cs.hostName}" is not ${RULES.hostName}`);
  checkValue(isValidIdentityId(cs.deviceId), 'DeviceId', `DeviceId "${cs.deviceId}" is invalid: ${RULES.identityId}`);
  if (cs.moduleId !== undefined) {
    checkValue(isValidIdentityId(cs.moduleId), 'ModuleId', `ModuleId "${cs.moduleId}" is invalid: ${RULES.identityId}`);
  }
  if (cs.gatewayHostName !== undefined) {
    const gateway = cs.gatewayHostName;
    checkValue(isValidHostName(gateway), 'GatewayHostName', `GatewayHostName "${gateway}" is not ${RULES.hostName}`);
  }
  if (cs.gatewayPort !== undefined) {
    const port: unknown = cs.gatewayPort;
    const valid = Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65_535 && cs.gatewayHostName !== undefined;
    checkValue(valid, 'GatewayHostName', `the GatewayHostName port must be an integer 1–65535 after a host name, got ${describe(port)}`);
  }
  if (cs.sharedAccessKey !== undefined) {
    const key = decodeBase64(cs.sharedAccessKey);
    checkValue(key !== undefined && key.length > 0, 'SharedAccessKey', 'SharedAccessKey is not standard base64 with padding');
  }
  if (cs.sharedAccessKeyName !== undefined) {
    checkValue(KEY_NAME.test(cs.sharedAccessKeyName), 'SharedAccessKeyName', 'SharedAccessKeyName must be printable ASCII');
  }
  if (cs.sharedAccessSignature !== undefined) {
    let valid = true;
    try {
      parseSasToken(cs.sharedAccessSignature);
    } catch {
      valid = false;
    }
    const shape = '"SharedAccessSignature sr=…&sig=…&se=…"';
    checkValue(valid, 'SharedAccessSignature', `SharedAccessSignature is not a well-formed ${shape} token`);
  }
  if (cs.x509 !== undefined && cs.x509 !== true) {
    throw new ConnectionStringError('invalid-value', 'x509', 'x509 accepts only true');
  }
  checkCombination(cs);
}

/** Throws ConnectionStringError('invalid-value') for `field` unless `valid`. */
function checkValue(valid: boolean, field: string, message: string): void {
  if (!valid) throw new ConnectionStringError('invalid-value', field, message);
}

/** Exactly one of SharedAccessKey / SharedAccessSignature, unless x509=true, then neither (§3, C SDK). */
function checkCombination(cs: ConnectionString): void {
  const hasKey = cs.sharedAccessKey !== undefined;
  const hasToken = cs.sharedAccessSignature !== undefined;
  if (cs.x509 === true && (hasKey || hasToken)) {
    const other = hasKey ? 'SharedAccessKey' : 'SharedAccessSignature';
    throw new ConnectionStringError('conflicting-fields', 'x509', `x509=true cannot be combined with ${other}`);
  }
  if (hasKey && hasToken) {
    throw new ConnectionStringError(
      'conflicting-fields',
      'SharedAccessSignature',
      'give either SharedAccessKey or SharedAccessSignature, not both',
    );
  }
  if (cs.x509 !== true && !hasKey && !hasToken) {
    throw new ConnectionStringError(
      'missing-field',
      'SharedAccessKey',
      'connection string needs SharedAccessKey, SharedAccessSignature or x509=true',
    );
  }
  if (cs.sharedAccessKeyName !== undefined && !hasKey) {
    throw new ConnectionStringError(
      'conflicting-fields',
      'SharedAccessKeyName',
      'SharedAccessKeyName names the policy of a SharedAccessKey and needs one',
    );
  }
}
