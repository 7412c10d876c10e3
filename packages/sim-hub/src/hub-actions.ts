/**
 * What the service side does to devices, on the hub's state: push a desired patch, invoke a direct
 * method, queue a device-bound message. SimHub's public methods (and the REST API through them) call
 * these after resolving identities.
 */
import {
  assertMethodName,
  desiredPatchTopic,
  MAX_C2D_BYTES,
  MAX_METHOD_PAYLOAD_BYTES,
  methodRequestTopic,
} from '@hubwire/topics';
import type { DeliveryReceipt } from './c2d.ts';
import { pumpDeviceBound } from './hub-broker.ts';
import type { HubState } from './hub-state.ts';
import { preview } from './log-format.ts';
import { MethodInvocationError, type MethodResult } from './methods.ts';
import type { Feed } from './rules.ts';

/** Merges a desired patch and pushes it with its new `$version` if the identity listens (nothing is queued, docs/protocol.md §9). */
export function pushDesired(state: HubState, clientId: string, patch: Record<string, unknown>): number {
  const result = state.twins.patchDesired(clientId, patch);
  if ('problem' in result) throw new RangeError(`desired patch refused: ${result.problem}`);
  const session = state.live.get(clientId);
  const qos = session?.grantedQos('desired-patch');
  if (session !== undefined && qos !== undefined) {
    const body = JSON.stringify({ ...patch, $version: result.version });
    session.send(desiredPatchTopic(result.version), new TextEncoder().encode(body), qos);
    state.log(`hub: ${clientId} ← desired patch v${result.version} ${body}`);
  } else {
    state.log(`hub: desired v${result.version} for ${clientId} stored (not connected or not subscribed: no notification)`);
  }
  state.waiters.notify();
  return result.version;
}

/** Sends a method request and waits for the response (docs/protocol.md §10); 404 at once when the identity cannot receive it. */
export function invokeDirectMethod(state: HubState, clientId: string, methodName: string, payload: unknown, timeoutMs: number): Promise<MethodResult> {
  const session = state.live.get(clientId);
  const qos = session?.grantedQos('method-request');
  if (session === undefined || qos === undefined) {
    return Promise.reject(new MethodInvocationError('device-offline', `${clientId} is not connected or not subscribed to methods`));
  }
  assertMethodName(methodName);
  const body = new TextEncoder().encode(JSON.stringify(payload === undefined ? null : payload));
  if (body.length > MAX_METHOD_PAYLOAD_BYTES) throw new RangeError(`method payload of ${body.length} bytes exceeds ${MAX_METHOD_PAYLOAD_BYTES} (docs/protocol.md §10)`);
  const call = state.methods.start(clientId, timeoutMs, `method ${methodName} on ${clientId}`);
  session.send(methodRequestTopic(methodName, call.rid), body, qos);
  state.log(`hub: ${clientId} ← method ${methodName} rid=${call.rid} ${preview(body)}`);
  return call.result;
}

/** A device-bound message to queue. */
export interface DeviceBoundMessage {
  readonly clientId: string;
  readonly feed: Feed;
  readonly topic: string;
  readonly body: Uint8Array | string;
  readonly messageId: string;
  readonly ttlMs: number;
}

/** Queues a C2D or module-input message, sends it at once if the identity listens; settles with its outcome (docs/protocol.md §8). */
export function enqueueDeviceBound(state: HubState, message: DeviceBoundMessage): Promise<DeliveryReceipt> {
  const { clientId, feed, messageId } = message;
  const payload = typeof message.body === 'string' ? new TextEncoder().encode(message.body) : message.body;
  if (payload.length > MAX_C2D_BYTES) throw new RangeError(`message of ${payload.length} bytes exceeds ${MAX_C2D_BYTES} (docs/protocol.md §8)`);
  const receipt = state.deviceBound.enqueue(clientId, feed, message.topic, payload, messageId, message.ttlMs);
  state.log(`hub: queued ${feed} ${messageId} for ${clientId}: ${preview(payload)}`);
  const session = state.live.get(clientId);
  if (session !== undefined) pumpDeviceBound(state, session);
  return receipt.then((result) => {
    state.log(`hub: ${feed} ${messageId} for ${clientId} ${result.outcome} after ${result.deliveryCount} deliveries`);
    state.waiters.notify();
    return result;
  });
}
