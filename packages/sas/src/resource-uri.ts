// SAS resource URIs before percent-encoding (docs/protocol.md §4 table). Ids are checked because an id
// holding `/` would name a different resource under the per-segment prefix rule.

import { isValidHostName, isValidIdentityId, isValidIdScope, isValidRegistrationId, requireValid, RULES } from './identity.ts';

/**
 * Returns `{host}/devices/{d}` or `{host}/devices/{d}/modules/{m}` (both SDKs spell it `modules`);
 * throws RangeError for an invalid host name, device id or module id.
 */
export function deviceResourceUri(hostName: string, deviceId: string, moduleId?: string): string {
  requireValid(isValidHostName(hostName), 'hostName', hostName, RULES.hostName);
  requireValid(isValidIdentityId(deviceId), 'deviceId', deviceId, RULES.identityId);
  if (moduleId === undefined) return `${hostName}/devices/${deviceId}`;
  requireValid(isValidIdentityId(moduleId), 'moduleId', moduleId, RULES.identityId);
  return `${hostName}/devices/${deviceId}/modules/${moduleId}`;
}

/** Returns `{idScope}/registrations/{registrationId}` (§13); throws RangeError for an invalid scope or id. */
export function dpsResourceUri(idScope: string, registrationId: string): string {
  requireValid(isValidIdScope(idScope), 'idScope', idScope, RULES.idScope);
  requireValid(isValidRegistrationId(registrationId), 'registrationId', registrationId, RULES.registrationId);
  return `${idScope}/registrations/${registrationId}`;
}

/** True when a token for `tokenResource` covers `resource`: equal, or a prefix ending at a `/` (§4). */
export function resourceCovers(tokenResource: string, resource: string): boolean {
  if (!resource.startsWith(tokenResource)) return false;
  return (
    resource.length === tokenResource.length ||
    tokenResource.endsWith('/') ||
    resource.charCodeAt(tokenResource.length) === 0x2f
  );
}
