/**
 * Device-to-cloud telemetry (docs/protocol.md §5, §7): the topic (also the Will's) of a device or
 * module, with its bag, and the hub-side parser.
 */
import { requireTopic } from './arguments.ts';
import { shown, TopicError } from './errors.ts';
import { assertDeviceId, assertModuleId } from './identity.ts';
import { hasAt } from './match.ts';
import {
  decodeMessagePropertiesAt,
  topicWithProperties,
  type MessageProperties,
  type MessagePropertiesInput,
} from './message-properties.ts';
import { malformed, malformedBy, type MalformedTopic } from './topic-result.ts';

/** Who sends: a device, or a module of it (docs/protocol.md §2, §12). */
export interface Identity {
  readonly deviceId: string;
  readonly moduleId?: string;
}

/** Telemetry as the hub sees it: `devices/{d}[/modules/{m}]/messages/events/{bag}`. */
export interface ParsedTelemetry {
  readonly kind: 'telemetry';
  readonly deviceId: string;
  readonly moduleId?: string;
  readonly properties: MessageProperties;
}

const DEVICES = 'devices/';
const MODULES = 'modules/';
const EVENTS = 'messages/events';
const ID_RULE = 'the topic must name a non-empty id (docs/protocol.md §5)';

/**
 * The last prefix built and the ids it was built for: a sender names the same device on every message, and
 * comparing two ids costs far less than validating one and concatenating.
 */
let lastPrefix: { readonly deviceId: string; readonly moduleId: string | undefined; readonly prefix: string } | undefined;

/** `devices/{d}/messages/events/` or the module form, with no bag; throws TopicError on invalid ids. */
export function telemetryTopicPrefix(identity: Identity): string {
  if (typeof identity !== 'object' || identity === null) {
    throw new TopicError('invalid-identity', shown(identity), 'an identity is an object { deviceId, moduleId? }');
  }
  const { deviceId, moduleId } = identity;
  const last = lastPrefix;
  if (last !== undefined && deviceId === last.deviceId && moduleId === last.moduleId) return last.prefix;
  assertDeviceId(deviceId);
  let prefix: string;
  if (moduleId === undefined) {
    prefix = `${DEVICES}${deviceId}/${EVENTS}/`;
  } else {
    assertModuleId(moduleId);
    prefix = `${DEVICES}${deviceId}/${MODULES}${moduleId}/${EVENTS}/`;
  }
  lastPrefix = { deviceId, moduleId, prefix };
  return prefix;
}

/**
 * Topic for telemetry (docs/protocol.md §5, §7; also the only legal Will topic, §2), the bag after the trailing
 * `/`. Throws TopicError for invalid ids or properties, or `bag-too-large`.
 */
export function telemetryTopic(identity: Identity, properties?: MessagePropertiesInput): string {
  return topicWithProperties(telemetryTopicPrefix(identity), properties);
}

/**
 * Hub side: classifies a telemetry topic of a device or module; undefined for other families, `malformed` on
 * an empty id or a bad escape. Tolerates a missing trailing `/` after `events`. Throws only for a non-string topic.
 */
export function parseTelemetryTopic(topic: string): ParsedTelemetry | MalformedTopic | undefined {
  requireTopic(topic);
  if (!hasAt(topic, DEVICES, 0)) return undefined;
  const deviceEnd = topic.indexOf('/', DEVICES.length);
  if (deviceEnd === -1) return undefined;
  let moduleId: string | undefined;
  let pos = deviceEnd + 1;
  if (hasAt(topic, MODULES, pos)) {
    const moduleEnd = topic.indexOf('/', pos + MODULES.length);
    if (moduleEnd === -1) return undefined;
    moduleId = topic.slice(pos + MODULES.length, moduleEnd);
    pos = moduleEnd + 1;
  }
  if (!hasAt(topic, EVENTS, pos)) return undefined;
  pos += EVENTS.length;
  if (pos < topic.length && topic.charCodeAt(pos++) !== 47 /* / */) return undefined;
  const deviceId = topic.slice(DEVICES.length, deviceEnd);
  if (deviceId === '') return malformed('invalid-device-id', deviceId, ID_RULE);
  if (moduleId === '') return malformed('invalid-module-id', moduleId, ID_RULE);
  const properties = decodeMessagePropertiesAt(topic, pos, topic.length);
  if (properties instanceof TopicError) return malformedBy(properties);
  return moduleId === undefined
    ? { kind: 'telemetry', deviceId, properties }
    : { kind: 'telemetry', deviceId, moduleId, properties };
}
