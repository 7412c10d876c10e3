/**
 * The JSON documents of the IoT Hub service API, built from the simulator's state: Device, Module and
 * Twin as the REST reference defines them (fields the simulator has no notion of carry the values a
 * fresh hub shows: `status` "enabled", times "0001-01-01T00:00:00Z").
 */
import { createHash } from 'node:crypto';
import type { RegisteredIdentity } from '../registry.ts';
import type { SimHub } from '../sim-hub.ts';
import type { Presence } from './presence.ts';

/** What IoT Hub writes for a time that never happened. */
export const NEVER = '0001-01-01T00:00:00Z';

/** An ISO time from the hub clock, or NEVER. */
export function isoTime(ms: number | undefined): string {
  return ms === undefined ? NEVER : new Date(ms).toISOString();
}

/** The device or module etag: changes whenever its keys or authentication change. */
export function identityEtag(identity: RegisteredIdentity): string {
  const digest = createHash('sha256').update(JSON.stringify([identity.generationId, identity.key, identity.secondaryKey, identity.x509])).digest();
  return digest.subarray(0, 9).toString('base64');
}

/** The twin etag: base64 of the twin version as 8 bytes, big-endian (what IoT Hub's twin etags decode to). */
export function twinEtag(version: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(version));
  return bytes.toString('base64');
}

/** `authentication` of a Device or Module. X.509 identities are trusted on their id, so no thumbprint is kept. */
function authentication(identity: RegisteredIdentity): object {
  if (identity.x509) {
    return { symmetricKey: { primaryKey: null, secondaryKey: null }, x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null }, type: 'certificateAuthority' };
  }
  return {
    symmetricKey: { primaryKey: identity.key ?? null, secondaryKey: identity.secondaryKey ?? null },
    x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
    type: 'sas',
  };
}

/** The connection fields shared by Device and Module. */
function connection(hub: SimHub, presence: Presence, identity: RegisteredIdentity): object {
  const seen = presence.get(identity.clientId);
  return {
    connectionState: seen.connected ? 'Connected' : 'Disconnected',
    connectionStateUpdatedTime: isoTime(seen.changedAt),
    lastActivityTime: isoTime(seen.lastActivityAt),
    cloudToDeviceMessageCount: hub.pendingMessages(identity.deviceId, identity.moduleId),
  };
}

/** A Device document (Devices - Get Identity). */
export function deviceJson(hub: SimHub, presence: Presence, identity: RegisteredIdentity): object {
  return {
    deviceId: identity.deviceId,
    generationId: identity.generationId,
    etag: identityEtag(identity),
    ...connection(hub, presence, identity),
    status: 'enabled',
    statusReason: null,
    statusUpdatedTime: NEVER,
    authentication: authentication(identity),
    capabilities: { iotEdge: false },
  };
}

/** A Module document (Modules - Get Identity). */
export function moduleJson(hub: SimHub, presence: Presence, identity: RegisteredIdentity): object {
  return {
    moduleId: identity.moduleId,
    managedBy: null,
    deviceId: identity.deviceId,
    generationId: identity.generationId,
    etag: identityEtag(identity),
    ...connection(hub, presence, identity),
    authentication: authentication(identity),
  };
}

/** A Twin document (Twin - Get Device Twin / Get Module Twin). */
export function twinJson(hub: SimHub, presence: Presence, identity: RegisteredIdentity): Record<string, unknown> {
  const twin = hub.serviceTwin(identity.deviceId, identity.moduleId);
  const seen = presence.get(identity.clientId);
  return {
    deviceId: identity.deviceId,
    ...(identity.moduleId === undefined ? {} : { moduleId: identity.moduleId }),
    etag: twinEtag(twin.version),
    deviceEtag: identityEtag(identity),
    status: 'enabled',
    statusUpdateTime: NEVER,
    connectionState: seen.connected ? 'Connected' : 'Disconnected',
    lastActivityTime: isoTime(seen.lastActivityAt),
    cloudToDeviceMessageCount: hub.pendingMessages(identity.deviceId, identity.moduleId),
    authenticationType: identity.x509 ? 'certificateAuthority' : 'sas',
    x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
    modelId: seen.modelId ?? '',
    version: twin.version,
    tags: twin.tags,
    properties: { desired: twin.desired, reported: twin.reported },
    ...(identity.moduleId === undefined ? { capabilities: { iotEdge: false } } : {}),
  };
}
