/**
 * Reading Device and Module documents sent to the registry (PUT /devices/{id}, PUT …/modules/{mid}):
 * what the simulator can honour is taken, what it cannot simulate is refused with 400 rather than
 * silently ignored, and the rest (etag, connection state, counters) is read-only and skipped, as on IoT Hub.
 */
import type { RegisteredIdentity } from '../registry.ts';
import type { SimHub } from '../sim-hub.ts';
import { ServiceError } from './errors.ts';

/** The authentication an identity document asks for. */
export interface RequestedAuthentication {
  readonly x509: boolean;
  readonly key?: string;
  readonly secondaryKey?: string;
}

/** Keys IoT Hub accepts: base64 of 16 to 64 bytes. */
function checkKey(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const valid = typeof value === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.length % 4 === 0;
  const bytes = valid ? Buffer.from(value, 'base64').length : 0;
  if (!valid || bytes < 16 || bytes > 64) throw new ServiceError('ArgumentInvalid', `${field} must be base64 of 16 to 64 bytes`);
  return value;
}

/** A JSON object member, or undefined; 400 when present but not an object. */
export function objectField(body: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ServiceError('ArgumentInvalid', `${name} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** Reads `authentication` (absent: SAS with generated keys). */
export function requestedAuthentication(body: Record<string, unknown>): RequestedAuthentication {
  const authentication = objectField(body, 'authentication');
  const type = authentication?.['type'] ?? 'sas';
  if (type === 'selfSigned' || type === 'certificateAuthority') return { x509: true };
  if (type !== 'sas') throw new ServiceError('ArgumentInvalid', `authentication.type ${JSON.stringify(type)} is not one the simulator supports (sas, selfSigned, certificateAuthority)`);
  const symmetricKey = authentication === undefined ? undefined : objectField(authentication, 'symmetricKey');
  const key = checkKey(symmetricKey?.['primaryKey'], 'authentication.symmetricKey.primaryKey');
  const secondaryKey = checkKey(symmetricKey?.['secondaryKey'], 'authentication.symmetricKey.secondaryKey');
  return { x509: false, ...(key === undefined ? {} : { key }), ...(secondaryKey === undefined ? {} : { secondaryKey }) };
}

/** Refuses settings the simulator does not simulate: a disabled identity, an IoT Edge device. */
export function refuseUnsimulated(body: Record<string, unknown>): void {
  const status = body['status'];
  if (status !== undefined && status !== null && status !== 'enabled') {
    throw new ServiceError('ArgumentInvalid', `status ${JSON.stringify(status)}: the simulator keeps every identity enabled (disabling is not simulated)`);
  }
  if (objectField(body, 'capabilities')?.['iotEdge'] === true) {
    throw new ServiceError('ArgumentInvalid', 'capabilities.iotEdge: IoT Edge devices are not simulated');
  }
}

/** Checks that a body's id member, when present, names the identity of the path. */
export function checkBodyId(body: Record<string, unknown>, field: 'deviceId' | 'moduleId', expected: string): void {
  const value = body[field];
  if (value !== undefined && value !== null && value !== expected) {
    throw new ServiceError('ArgumentInvalid', `${field} ${JSON.stringify(value)} in the body does not match ${JSON.stringify(expected)} in the path`);
  }
}

/** The registered device, or 404 DeviceNotFound. */
export function requireDevice(hub: SimHub, deviceId: string): RegisteredIdentity {
  const identity = hub.device(deviceId);
  if (identity === undefined) throw new ServiceError('DeviceNotFound', `device ${deviceId} is not registered`);
  return identity;
}

/** The registered module, or 404 DeviceNotFound / ModuleNotFound. */
export function requireModule(hub: SimHub, deviceId: string, moduleId: string): RegisteredIdentity {
  requireDevice(hub, deviceId);
  const identity = hub.device(deviceId, moduleId);
  if (identity === undefined) throw new ServiceError('ModuleNotFound', `module ${moduleId} of device ${deviceId} is not registered`);
  return identity;
}

/** The device, or the module when `moduleId` is given. */
export function requireIdentity(hub: SimHub, deviceId: string, moduleId: string | undefined): RegisteredIdentity {
  return moduleId === undefined ? requireDevice(hub, deviceId) : requireModule(hub, deviceId, moduleId);
}
