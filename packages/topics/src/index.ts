// Errors and limits
export { TopicError } from './errors.ts';
export type { TopicErrorCode } from './errors.ts';
export {
  MAX_C2D_BYTES,
  MAX_DEVICE_ID_LENGTH,
  MAX_DPS_MESSAGE_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_METHOD_PAYLOAD_BYTES,
  MAX_NAME_LENGTH,
  MAX_REGISTRATION_ID_LENGTH,
  MAX_STATUS,
  MAX_TOPIC_BYTES,
  MAX_TWIN_SECTION_BYTES,
} from './limits.ts';

// Property bags and message properties
export { percentDecode, percentEncode } from './percent-encoding.ts';
export { decodePropertyBag, encodePropertyBag } from './property-bag.ts';
export type { DecodedPropertyBag, PropertyPair } from './property-bag.ts';
export { SYSTEM_PROPERTY_KEYS } from './system-keys.ts';
export {
  EMPTY_PROPERTIES,
  decodeMessageProperties,
  encodeMessageProperties,
  propertyBagSize,
} from './message-properties.ts';
export type { DecodedMessageProperties, MessageProperties, MessagePropertiesInput } from './message-properties.ts';
export type { SystemProperties } from './system-properties.ts';

// Identity and name validation
export {
  assertComponentName,
  assertDeviceId,
  assertInputName,
  assertMessageId,
  assertMethodName,
  assertModuleId,
  assertOperationId,
  assertOutputName,
  assertRegistrationId,
  assertRetryAfter,
  assertRid,
  assertStatus,
  assertVersion,
  isValidComponentName,
  isValidDeviceId,
  isValidMessageId,
  isValidModuleId,
  isValidOperationId,
  isValidRegistrationId,
  isValidRid,
  isValidStatus,
  isValidTopicName,
  isValidVersion,
} from './identity.ts';

// Telemetry, C2D, module inputs
export { parseTelemetryTopic, telemetryTopic, telemetryTopicPrefix } from './telemetry.ts';
export type { Identity, ParsedTelemetry } from './telemetry.ts';
export { c2dSubscribeFilter, c2dTopic, parseC2dTopic } from './c2d.ts';
export type { ParsedC2d } from './c2d.ts';
export { moduleInputTopic, moduleInputsFilter, parseModuleInputTopic } from './module-input.ts';
export type { ParsedModuleInput } from './module-input.ts';

// Twin
export {
  DESIRED_PATCH_FILTER,
  TWIN_RESPONSE_FILTER,
  desiredPatchTopic,
  parseTwinRequestTopic,
  parseTwinTopic,
  twinGetTopic,
  twinPatchReportedTopic,
  twinResponseTopic,
} from './twin.ts';
export type { ParsedDesiredPatch, ParsedTwinGet, ParsedTwinPatchReported, ParsedTwinResponse } from './twin.ts';

// Direct methods and PnP commands
export {
  METHODS_FILTER,
  methodRequestTopic,
  methodResponseTopic,
  parseMethodRequestTopic,
  parseMethodResponseTopic,
  splitCommandName,
} from './methods.ts';
export type { CommandName, ParsedMethodRequest, ParsedMethodResponse } from './methods.ts';

// Device Provisioning Service
export {
  DPS_RESPONSE_FILTER,
  dpsOperationStatusTopic,
  dpsRegisterTopic,
  dpsResponseTopic,
  parseDpsRequestTopic,
  parseDpsResponseTopic,
} from './dps.ts';
export type { ParsedDpsOperationStatus, ParsedDpsRegister, ParsedDpsResponse } from './dps.ts';

// Classifiers
export { parseInboundTopic } from './inbound.ts';
export type { InboundTopic } from './inbound.ts';
export { parseOutboundTopic } from './outbound.ts';
export type { OutboundTopic } from './outbound.ts';
export { UNKNOWN_TOPIC } from './topic-result.ts';
export type { MalformedTopic, UnknownTopic } from './topic-result.ts';
