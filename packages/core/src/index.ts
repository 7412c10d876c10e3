// The engines.
export { DeviceEngine } from './device-engine.ts';
export type { EngineState } from './device-engine.ts';
export type { Body, ConnectAuth, DisconnectOptions, PublishResult, RequestResult, TelemetryOptions } from './intents.ts';
export { DEVICE_DEFAULTS } from './options.ts';
export type { DeviceEngineOptions, SubscribeOptions, WillMessage } from './options.ts';
export { ProvisioningEngine } from './provisioning-engine.ts';
export type { ProvisioningAuth, ProvisioningState, RegisterOptions } from './provisioning-engine.ts';
export type { ProvisioningEngineOptions } from './provisioning-options.ts';

// Errors the application catches (its own mistakes only).
export { HubwireError, InvalidIntentError, InvalidStateError, InvalidTimeError, QueueFullError } from './errors.ts';
export type { HubwireErrorCode, InvalidIntentCode, InvalidStateCode } from './errors.ts';

// Events, one union per engine.
export type {
  AssignedEvent,
  C2dEvent,
  ConnectedEvent,
  ConnectFailedEvent,
  ConnectionLostEvent,
  ConnectionLostReason,
  ConnectRefusedReason,
  DesiredPatchEvent,
  DeviceEvent,
  DisconnectedEvent,
  MethodRequestEvent,
  ModuleInputEvent,
  ProtocolErrorEvent,
  ProtocolErrorReason,
  ProvisioningEvent,
  RegistrationFailedEvent,
  RegistrationFailureReason,
  ReportedPatchedEvent,
  RequestFailedEvent,
  RequestFailureReason,
  RequestIntent,
  SubscribedEvent,
  SubscriptionRefusedEvent,
  TelemetryAckedEvent,
  TokenExpiringEvent,
  TwinEvent,
} from './events.ts';
export { failureReason, isRetriable, isSuccess } from './status.ts';
export { connectRefusedReason, isConnectRetriable } from './connack.ts';

// Bodies and Plug and Play helpers.
export { isJsonObject, json, parseJsonObject, text, utf8 } from './json.ts';
export { COMPONENT_MARKER, componentPatch, writablePropertyAck } from './plug-and-play.ts';
export type { WritablePropertyAck } from './plug-and-play.ts';

// Deterministic randomness for simulations and tests.
export { seededRandom } from './seeded-random.ts';

// Reconnect policy for drivers.
export { ReconnectBackoff } from './backoff.ts';
export type { BackoffReason, ReconnectBackoffOptions } from './backoff.ts';

// Shared engine pieces (for custom engines and tests).
export { Timer, TimerTable } from './timers.ts';
export type { TimerKind } from './timers.ts';
export { RidTable } from './rid-table.ts';
export type { PendingRequest } from './rid-table.ts';

// The MQTT codec.
export type {
  ConnackPacket,
  DecodeFailure,
  InboundPacket,
  OtherPacket,
  PingrespPacket,
  PubackPacket,
  PublishPacket,
  SubackPacket,
  UnsubackPacket,
} from './packets.ts';
export { PacketDecoder } from './decoder.ts';
export type { PacketDecoderOptions } from './decoder.ts';
export {
  DISCONNECT,
  encodePuback,
  encodePublish,
  encodePublishHeaderInto,
  encodePublishInto,
  MAX_REMAINING_LENGTH,
  PINGREQ,
  publishLength,
} from './encoder.ts';
export type { PublishInput } from './encoder.ts';
export { encodeConnect, encodeSubscribe, encodeUnsubscribe, parsePacket } from './mqtt-packet-adapter.ts';
export type { ConnectOptions, ParsedPacket, SubscriptionRequest, WillOptions } from './mqtt-packet-adapter.ts';
export { decodeUtf8, encodeUtf8Into, utf8Length } from './utf8.ts';
