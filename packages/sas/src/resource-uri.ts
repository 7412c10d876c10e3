// SAS resource URIs before percent-encoding (docs/protocol.md §4 table). Ids are checked because an id
// holding `/` would name a different resource under the per-segment prefix rule.

import { SasTokenError } from './errors.ts';
import { isValidHostName, isValidIdentityId, isValidIdScope, isValidRegistrationId, requireValid, RULES } from './identity.ts';

/**
 * Returns `{host}/devices/{d}` or `{host}/devices/{d}/modules/{m}` (both SDKs spell it `modules`);
 * throws CredentialsError (`invalid-host-name`, `invalid-device-id`, `invalid-module-id`).
 */
export function deviceResourceUri(hostName: string, deviceId: string, moduleId?: string): string {
  requireValid(isValidHostName(hostName), 'invalid-host-name', 'hostName', hostName, RULES.hostName);
  requireValid(isValidIdentityId(deviceId), 'invalid-device-id', 'deviceId', deviceId, RULES.identityId);
  if (moduleId === undefined) return `${hostName}/devices/${deviceId}`;
  requireValid(isValidIdentityId(moduleId), 'invalid-module-id', 'moduleId', moduleId, RULES.identityId);
  return `${hostName}/devices/${deviceId}/modules/${moduleId}`;
}

/** Returns `{idScope}/registrations/{registrationId}` (§13); throws CredentialsError (`invalid-id-scope`, `invalid-registration-id`). */
export function dpsResourceUri(idScope: string, registrationId: string): string {
  requireValid(isValidIdScope(idScope), 'invalid-id-scope', 'idScope', idScope, RULES.idScope);
  requireValid(isValidRegistrationId(registrationId), 'invalid-registration-id', 'registrationId', registrationId, RULES.registrationId);
  return `${idScope}/registrations/${registrationId}`;
}

/** True when a token for `tokenResource` covers `resource`: equal, or a prefix ending at a `/` (§4); throws SasTokenError for non-strings. */
export function resourceCovers(tokenResource: string, resource: string): boolean {
  if (typeof tokenResource !== 'string' || typeof resource !== 'string') {
    throw new SasTokenError('invalid-resource-uri', 'resourceCovers compares two resource URI strings');
  }
  if (!resource.startsWith(tokenResource)) return false;
  return (
    resource.length === tokenResource.length ||
    tokenResource.endsWith('/') ||
    resource.charCodeAt(tokenResource.length) === 0x2f
  );
}
