/**
 * IoT Hub's topic rules, as the simulator enforces them (docs/protocol.md §5, §7, §13): only documented
 * subscription filters (anything else gets SUBACK 0x80), only documented publish topics of the
 * connected identity (anything else, or QoS 2, closes the connection), at most five subscriptions.
 */
import {
  DESIRED_PATCH_FILTER,
  DPS_RESPONSE_FILTER,
  MAX_MESSAGE_BYTES,
  METHODS_FILTER,
  parseOutboundTopic,
  propertyBagSize,
  TWIN_RESPONSE_FILTER,
  type OutboundTopic,
} from '@hubwire/topics';

/** The identity a hub connection authenticated as. */
export interface HubIdentity {
  readonly deviceId: string;
  readonly moduleId?: string;
}

/** Subscriptions IoT Hub allows at a time (docs/protocol.md §5). */
export const MAX_SUBSCRIPTIONS = 5;

/** azure-sdk-for-c's C2D filter, `+` in place of the device id (docs/protocol.md §5); accepted as the device's own. */
export const C2D_ANY_DEVICE_FILTER = 'devices/+/messages/devicebound/#';

/** Device-bound topic families, each named after the filter a connection needs to receive it. */
export type Feed = 'c2d' | 'module-input' | 'twin-response' | 'desired-patch' | 'method-request' | 'dps-response';

/**
 * Which feed a filter subscribes to for `identity`, or undefined when IoT Hub refuses the filter.
 * The filters the device SDKs use are all accepted (docs/protocol.md §5, §12): C2D as
 * `devices/{d}/messages/devicebound/#`; module inputs as `devices/{d}/modules/{m}/#` (C and C# SDKs)
 * or `devices/{d}/modules/{m}/inputs/#` (Node, Java and Python SDKs); and, as azure-sdk-for-c does,
 * `+` in place of the connection's own ids.
 */
export function hubFeedOf(identity: HubIdentity, filter: string): Feed | undefined {
  if (filter === TWIN_RESPONSE_FILTER) return 'twin-response';
  if (filter === DESIRED_PATCH_FILTER) return 'desired-patch';
  if (filter === METHODS_FILTER) return 'method-request';
  const levels = filter.split('/');
  if (levels[0] !== 'devices' || !names(levels[1], identity.deviceId)) return undefined;
  if (identity.moduleId !== undefined) {
    // Modules never get C2D (docs/protocol.md §12).
    if (levels[2] !== 'modules' || !names(levels[3], identity.moduleId)) return undefined;
    const rest = levels.slice(4).join('/');
    return rest === '#' || rest === 'inputs/#' ? 'module-input' : undefined;
  }
  return levels.length === 5 && levels[2] === 'messages' && levels[3] === 'devicebound' && levels[4] === '#' ? 'c2d' : undefined;
}

/** True when a filter level names `id`: the id itself, or `+` standing for it. */
function names(level: string | undefined, id: string): boolean {
  return level === id || level === '+';
}

/** Which feed a filter subscribes to on DPS, or undefined when refused (docs/protocol.md §13). */
export function dpsFeedOf(filter: string): Feed | undefined {
  return filter === DPS_RESPONSE_FILTER ? 'dps-response' : undefined;
}

/** A publish the hub accepts, classified, or the reason it closes the connection. */
export type PublishVerdict =
  | { readonly ok: true; readonly topic: Exclude<OutboundTopic, { kind: 'malformed' } | { kind: 'unknown' }> }
  | { readonly ok: false; readonly reason: string };

/** Checks a device's PUBLISH against IoT Hub's rules. */
export function checkHubPublish(identity: HubIdentity, topicName: string, qos: number, bodyBytes: number): PublishVerdict {
  if (qos === 2) return { ok: false, reason: 'QoS 2 PUBLISH is not supported (docs/protocol.md §7)' };
  const topic = parseOutboundTopic(topicName);
  switch (topic.kind) {
    case 'unknown':
      return { ok: false, reason: `undocumented topic ${topicName}` };
    case 'malformed':
      return { ok: false, reason: `malformed topic ${topicName}: ${topic.error.message}` };
    case 'dps-register':
    case 'dps-operation-status':
      return { ok: false, reason: `DPS topic ${topicName} published to the hub` };
    case 'telemetry': {
      if (topic.deviceId !== identity.deviceId || topic.moduleId !== identity.moduleId) {
        return { ok: false, reason: `telemetry on another identity's topic ${topicName}` };
      }
      const size = bodyBytes + propertyBagSize(topic.properties);
      if (size > MAX_MESSAGE_BYTES) return { ok: false, reason: `message of ${size} bytes exceeds ${MAX_MESSAGE_BYTES} (docs/protocol.md §7)` };
      return { ok: true, topic };
    }
    default:
      return { ok: true, topic };
  }
}

/** Checks a PUBLISH sent to DPS: only the register and operation-status topics, QoS 0 or 1. */
export function checkDpsPublish(topicName: string, qos: number): PublishVerdict {
  if (qos === 2) return { ok: false, reason: 'QoS 2 PUBLISH is not supported' };
  const topic = parseOutboundTopic(topicName);
  if (topic.kind === 'dps-register' || topic.kind === 'dps-operation-status') return { ok: true, topic };
  return { ok: false, reason: `topic ${topicName} is not a DPS request (docs/protocol.md §13)` };
}
