/**
 * Cloud-to-device routes. IoT Hub's service SDKs send C2D over AMQP, which this hub does not speak,
 * so sending has an HTTP route of its own, shaped like IoT Hub's HTTP messaging: the request body is
 * the message body, properties travel as headers (`iothub-messageid`, `iothub-correlationid`,
 * `iothub-userid`, `iothub-contenttype`, `iothub-contentencoding`, `iothub-expiry`, `iothub-ack`,
 * `iothub-app-{name}` with the name's case kept). The answer names the message; `?wait=true` holds
 * it until the device completes the message (or it expires), and GET …/deviceBound/{messageId}
 * tells the outcome later. Purging the queue is the real REST route (DELETE /devices/{id}/commands).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { c2dTopic, MAX_C2D_BYTES, TopicError, type MessagePropertiesInput } from '@hubwire/topics';
import { MAX_QUEUED_MESSAGES } from '../c2d.ts';
import type { DeliveryRecord } from './deliveries.ts';
import { ServiceError } from './errors.ts';
import { readBody } from './http-io.ts';
import { requireDevice } from './identity-body.ts';
import type { Route } from './router.ts';
import { isoTime } from './shapes.ts';

/** Default time to live of a C2D message (IoT Hub: 1 hour), and the longest allowed (2 days), docs/protocol.md §8. */
const DEFAULT_TTL_MS = 3_600_000;
const MAX_TTL_MS = 2 * 24 * 3_600_000;
/** Longest `?wait=true` hold. */
const MAX_WAIT_SECONDS = 300;
const APP_PREFIX = 'iothub-app-';

/** System property headers → MessagePropertiesInput members. */
const SYSTEM_HEADERS = {
  'iothub-messageid': 'messageId',
  'iothub-correlationid': 'correlationId',
  'iothub-userid': 'userId',
  'iothub-contenttype': 'contentType',
  'iothub-contentencoding': 'contentEncoding',
} as const;

/** The message properties of a send request, the message id generated when absent. */
function propertiesOf(request: IncomingMessage, now: number): { properties: MessagePropertiesInput & { messageId: string }; ttlMs: number } {
  const system: Record<string, string> = {};
  const application: [string, string][] = [];
  let expiry: string | undefined;
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (lower in SYSTEM_HEADERS) system[SYSTEM_HEADERS[lower as keyof typeof SYSTEM_HEADERS]] = value;
    else if (lower === 'iothub-expiry') expiry = value;
    else if (lower === 'iothub-ack') application.push(['iothub-ack', value]);
    else if (lower.startsWith(APP_PREFIX) && lower.length > APP_PREFIX.length) application.push([name.slice(APP_PREFIX.length), value]);
  }
  let ttlMs = DEFAULT_TTL_MS;
  if (expiry !== undefined) {
    const at = Date.parse(expiry);
    if (Number.isNaN(at)) throw new ServiceError('ArgumentInvalid', 'iothub-expiry must be an ISO 8601 time');
    ttlMs = at - now;
    if (ttlMs <= 0 || ttlMs > MAX_TTL_MS) throw new ServiceError('ArgumentInvalid', 'iothub-expiry must lie between now and 2 days from now');
  }
  const properties = {
    ...system,
    messageId: system['messageId'] ?? randomUUID(),
    ...(expiry === undefined ? {} : { expiryTimeUtc: new Date(now + ttlMs).toISOString() }),
    application,
  };
  return { properties, ttlMs };
}

/** A delivery record as the API shows it. */
export function deliveryJson(record: DeliveryRecord): Record<string, unknown> {
  return {
    messageId: record.messageId,
    deviceId: record.deviceId,
    outcome: record.outcome,
    deliveryCount: record.deliveryCount,
    enqueuedTimeUtc: isoTime(record.enqueuedAt),
    expiryTimeUtc: isoTime(record.expiresAt),
    ...(record.settledAt === undefined ? {} : { settledTimeUtc: isoTime(record.settledAt) }),
  };
}

/** `timeoutInSeconds` of a waiting send: 1…300, default 60. */
function waitSeconds(query: URLSearchParams): number {
  const raw = query.get('timeoutInSeconds');
  if (raw === null) return 60;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > MAX_WAIT_SECONDS) throw new ServiceError('ArgumentInvalid', `timeoutInSeconds must be within [1; ${MAX_WAIT_SECONDS}]`);
  return value;
}

/** The C2D routes. */
export const messageRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: '/devices/:deviceId/messages/deviceBound',
    family: 'hub',
    handler: async ({ runtime, request, params, query }) => {
      const { hub, deliveries } = runtime;
      const deviceId = requireDevice(hub, params['deviceId']!).deviceId;
      const wait = query.get('wait') === 'true';
      const timeoutSeconds = wait ? waitSeconds(query) : 0;
      const body = await readBody(request, MAX_C2D_BYTES + 1);
      if (body.length > MAX_C2D_BYTES) throw new ServiceError('MessageTooLarge', `the message body exceeds ${MAX_C2D_BYTES} bytes (docs/protocol.md §8)`);
      const { properties, ttlMs } = propertiesOf(request, hub.now());
      try {
        c2dTopic(deviceId, properties);
      } catch (error) {
        if (error instanceof TopicError) throw new ServiceError('ArgumentInvalid', `message properties: ${error.message}`);
        throw error;
      }
      if (hub.pendingMessages(deviceId) >= MAX_QUEUED_MESSAGES) {
        throw new ServiceError('DeviceMaximumQueueDepthExceeded', `device ${deviceId} already has ${MAX_QUEUED_MESSAGES} messages waiting`);
      }
      let record = deliveries.send(deviceId, new Uint8Array(body), properties, ttlMs);
      if (wait) record = (await deliveries.waitForOutcome(deviceId, record.messageId, timeoutSeconds * 1000)) ?? record;
      return {
        status: record.outcome === 'pending' ? 202 : 200,
        body: deliveryJson(record),
        headers: { 'iothub-messageid': record.messageId, Location: `/devices/${encodeURIComponent(deviceId)}/messages/deviceBound/${encodeURIComponent(record.messageId)}` },
      };
    },
  },
  {
    method: 'GET',
    path: '/devices/:deviceId/messages/deviceBound/:messageId',
    family: 'hub',
    handler: async ({ runtime, params }) => {
      const deviceId = requireDevice(runtime.hub, params['deviceId']!).deviceId;
      const record = runtime.deliveries.get(deviceId, params['messageId']!);
      if (record === undefined) throw new ServiceError('NotFound', `no message ${params['messageId']} was sent to ${deviceId} through this API (or it is too old)`);
      return { status: 200, body: deliveryJson(record) };
    },
  },
  {
    method: 'DELETE',
    path: '/devices/:deviceId/commands',
    family: 'hub',
    handler: async ({ runtime, params }) => {
      const deviceId = requireDevice(runtime.hub, params['deviceId']!).deviceId;
      return { status: 200, body: { totalMessagesPurged: runtime.hub.purgeMessages(deviceId), deviceId, moduleId: null } };
    },
  },
];
