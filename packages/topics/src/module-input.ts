/**
 * Module inputs (docs/protocol.md §12): the module's inputs filter, the hub's topic builder, and the
 * parser of `devices/{d}/modules/{m}/inputs/{input}/{bag}`.
 */
import { requireTopic } from './arguments.ts';
import { TopicError } from './errors.ts';
import { assertDeviceId, assertInputName, assertModuleId } from './identity.ts';
import { hasAt } from './match.ts';
import {
  decodeMessagePropertiesAt,
  topicWithProperties,
  type MessageProperties,
  type MessagePropertiesInput,
} from './message-properties.ts';
import { malformed, malformedBy, type MalformedTopic } from './topic-result.ts';

/** A message routed to a module input: `devices/{d}/modules/{m}/inputs/{input}/{bag}` (docs/protocol.md §12). */
export interface ParsedModuleInput {
  readonly kind: 'module-input';
  readonly deviceId: string;
  readonly moduleId: string;
  readonly inputName: string;
  readonly properties: MessageProperties;
}

const DEVICES = 'devices/';
const MODULES = 'modules/';
const INPUTS = 'inputs/';
const EMPTY_RULE = 'must not be empty (docs/protocol.md §12)';

/** Subscribe filter for all inputs of a module (docs/protocol.md §12); throws TopicError on invalid ids. */
export function moduleInputsFilter(deviceId: string, moduleId: string): string {
  assertDeviceId(deviceId);
  assertModuleId(moduleId);
  return `${DEVICES}${deviceId}/${MODULES}${moduleId}/#`;
}

/** Edge/hub side: topic of a message for a module input; throws TopicError on bad ids, names or properties. */
export function moduleInputTopic(
  deviceId: string,
  moduleId: string,
  inputName: string,
  properties?: MessagePropertiesInput,
): string {
  assertDeviceId(deviceId);
  assertModuleId(moduleId);
  assertInputName(inputName);
  return topicWithProperties(`${DEVICES}${deviceId}/${MODULES}${moduleId}/${INPUTS}${inputName}/`, properties);
}

/**
 * Device side: classifies a module-input topic (the input name is the level after `inputs/`); undefined for
 * other families, `malformed` on an empty id or name or a bad escape. Throws only for a non-string topic.
 */
export function parseModuleInputTopic(topic: string): ParsedModuleInput | MalformedTopic | undefined {
  requireTopic(topic);
  if (!hasAt(topic, DEVICES, 0)) return undefined;
  const deviceEnd = topic.indexOf('/', DEVICES.length);
  if (deviceEnd === -1 || !hasAt(topic, MODULES, deviceEnd + 1)) return undefined;
  const moduleStart = deviceEnd + 1 + MODULES.length;
  const moduleEnd = topic.indexOf('/', moduleStart);
  if (moduleEnd === -1 || !hasAt(topic, INPUTS, moduleEnd + 1)) return undefined;
  const inputStart = moduleEnd + 1 + INPUTS.length;
  let inputEnd = topic.indexOf('/', inputStart);
  if (inputEnd === -1) inputEnd = topic.length;
  if (deviceEnd === DEVICES.length) return malformed('invalid-device-id', '', `a device id ${EMPTY_RULE}`);
  if (moduleEnd === moduleStart) return malformed('invalid-module-id', '', `a module id ${EMPTY_RULE}`);
  if (inputEnd === inputStart) return malformed('invalid-input-name', '', `an input name ${EMPTY_RULE}`);
  const properties = decodeMessagePropertiesAt(topic, inputEnd + 1, topic.length);
  if (properties instanceof TopicError) return malformedBy(properties);
  return {
    kind: 'module-input',
    deviceId: topic.slice(DEVICES.length, deviceEnd),
    moduleId: topic.slice(moduleStart, moduleEnd),
    inputName: topic.slice(inputStart, inputEnd),
    properties,
  };
}
