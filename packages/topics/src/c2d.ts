/**
 * Cloud-to-device messages (docs/protocol.md §8): the device's subscribe filter, the hub's topic
 * builder, and the device-side parser of `devices/{d}/messages/devicebound/{bag}`.
 */
import { requireTopic } from './arguments.ts';
import { TopicError } from './errors.ts';
import { assertDeviceId } from './identity.ts';
import { hasAt } from './match.ts';
import {
  decodeMessagePropertiesAt,
  topicWithProperties,
  type MessageProperties,
  type MessagePropertiesInput,
} from './message-properties.ts';
import { malformed, malformedBy, type MalformedTopic } from './topic-result.ts';

/** A cloud-to-device message: `devices/{d}/messages/devicebound/{bag}` (docs/protocol.md §8). */
export interface ParsedC2d {
  readonly kind: 'c2d';
  readonly deviceId: string;
  readonly properties: MessageProperties;
}

const DEVICES = 'devices/';
const DEVICEBOUND = 'messages/devicebound';

/** Subscribe filter for C2D messages of one device (docs/protocol.md §5, §8); throws TopicError `invalid-device-id`. */
export function c2dSubscribeFilter(deviceId: string): string {
  assertDeviceId(deviceId);
  return `${DEVICES}${deviceId}/${DEVICEBOUND}/#`;
}

/** Hub side: topic of a C2D message, bag after `devicebound/`; throws TopicError on a bad id or properties. */
export function c2dTopic(deviceId: string, properties?: MessagePropertiesInput): string {
  assertDeviceId(deviceId);
  return topicWithProperties(`${DEVICES}${deviceId}/${DEVICEBOUND}/`, properties);
}

/**
 * Device side: classifies a C2D topic; undefined for other families, `malformed` on an empty device id or a
 * bad escape. The hot path: indexOf and char-code compares, no regex, no split. Throws only for a non-string topic.
 */
export function parseC2dTopic(topic: string): ParsedC2d | MalformedTopic | undefined {
  requireTopic(topic);
  if (!hasAt(topic, DEVICES, 0)) return undefined;
  const deviceEnd = topic.indexOf('/', DEVICES.length);
  if (deviceEnd === -1 || !hasAt(topic, DEVICEBOUND, deviceEnd + 1)) return undefined;
  let bagStart = deviceEnd + 1 + DEVICEBOUND.length;
  if (bagStart < topic.length && topic.charCodeAt(bagStart++) !== 47 /* / */) return undefined;
  if (deviceEnd === DEVICES.length) {
    return malformed('invalid-device-id', '', 'the topic must name a device (docs/protocol.md §8)');
  }
  const properties = decodeMessagePropertiesAt(topic, bagStart, topic.length);
  if (properties instanceof TopicError) return malformedBy(properties);
  return { kind: 'c2d', deviceId: topic.slice(DEVICES.length, deviceEnd), properties };
}
