/**
 * Service-side operations on the hub's state that the REST API needs beyond SimHub's older methods:
 * deleting identities, writing tags and desired properties together, purging queues. SimHub's
 * "service API" members delegate here so that the class stays a table of contents.
 */
import { desiredPatchTopic } from '@hubwire/topics';
import type { HubState } from '../hub-state.ts';
import { preview } from '../log-format.ts';
import type { ServiceTwinDocument, ServiceTwinUpdate } from '../twin-store.ts';

/** Removes a device with its modules (or one module): connection closed, kept session and twin forgotten, queued messages purged. */
export function removeIdentity(state: HubState, deviceId: string, moduleId?: string): boolean {
  const removed = state.registry.remove(deviceId, moduleId);
  for (const clientId of removed) {
    state.live.get(clientId)?.close('identity deleted by the service');
    state.sessions.remove(clientId);
    state.twins.remove(clientId);
    state.deviceBound.purge(clientId);
    state.log(`hub: deleted ${clientId}`);
  }
  if (removed.length > 0) state.waiters.notify();
  return removed.length > 0;
}

/** Purges an identity's device-bound queue (waiting and in flight); returns how many messages ended `purged`. */
export function purgeQueue(state: HubState, deviceId: string, moduleId?: string): number {
  const { clientId } = state.registry.require(deviceId, moduleId);
  const purged = state.deviceBound.purge(clientId);
  state.log(`hub: purged ${purged} device-bound message(s) of ${clientId}`);
  state.waiters.notify();
  return purged;
}

/**
 * Writes tags and/or desired properties, all or nothing; a desired change reaches the device as a
 * desired patch (the patch as given, or the whole new section after a replace), as IoT Hub does
 * (docs/protocol.md §9). Throws RangeError for an unknown identity or a refused write.
 */
export function updateServiceTwin(state: HubState, deviceId: string, moduleId: string | undefined, update: ServiceTwinUpdate): ServiceTwinDocument {
  const { clientId } = state.registry.require(deviceId, moduleId);
  const result = state.twins.updateByService(clientId, update);
  if ('problem' in result) throw new RangeError(`twin update refused: ${result.problem}`);
  if (result.desiredVersion !== undefined) {
    const document = state.twins.serviceDocument(clientId);
    const patch = update.replace === true ? document.desired : { ...(update.desired as object), $version: result.desiredVersion };
    pushDesired(state, clientId, patch, result.desiredVersion);
  }
  state.waiters.notify();
  return state.twins.serviceDocument(clientId);
}

/** Sends a desired patch to the identity if it is connected and subscribed; nothing is queued otherwise. */
function pushDesired(state: HubState, clientId: string, patch: object, version: number): void {
  const session = state.live.get(clientId);
  const qos = session?.grantedQos('desired-patch');
  const body = new TextEncoder().encode(JSON.stringify(patch));
  if (session === undefined || qos === undefined) {
    state.log(`hub: desired v${version} for ${clientId} stored (not connected or not subscribed: no notification)`);
    return;
  }
  session.send(desiredPatchTopic(version), body, qos);
  state.log(`hub: ${clientId} ← desired patch v${version} ${preview(body)}`);
}
