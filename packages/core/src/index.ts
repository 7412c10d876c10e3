// The engines.
export { DeviceEngine } from './device/device-engine.ts';
export type { EngineState } from './device/device-engine.ts';
export { SEPARATE_PAYLOAD_BYTES } from './session/mqtt-session.ts';
export type { Body, DisconnectOptions, PublishResult, RequestResult, TelemetryOptions } from './device/intents.ts';
export type { ConnectAuth } from './session/connect-auth.ts';
export { DEVICE_DEFAULTS } from './device/options.ts';
export type { DeviceEngineOptions, SubscribeOptions, WillMessage } from './device/options.ts';
export { ProvisioningEngine } from './provisioning/provisioning-engine.ts';
export type { ProvisioningAuth, ProvisioningState, RegisterOptions } from './provisioning/provisioning-engine.ts';
export type { ProvisioningEngineOptions } from './provisioning/provisioning-options.ts';

// Errors the application catches (its own mistakes only).
export { HubwireError, InvalidIntentError, InvalidStateError, InvalidTimeError, QueueFullError } from './shared/errors.ts';
export type { HubwireErrorCode, InvalidIntentCode, InvalidStateCode } from './shared/errors.ts';

// Events, one union per engine: the session's own, and each engine's.
export type {
  ConnectedEvent,
  ConnectFailedEvent,
  ConnectionLostEvent,
  ConnectionLostReason,
  ConnectRefusedReason,
  DisconnectedEvent,
  ProtocolErrorEvent,
  ProtocolErrorReason,
  SubscribedEvent,
  SubscriptionRefusedEvent,
  TokenExpiringEvent,
} from './session/events.ts';
export type {
  C2dEvent,
  DesiredPatchEvent,
  DeviceEvent,
  MethodRequestEvent,
  ModuleInputEvent,
  ReportedPatchedEvent,
  RequestFailedEvent,
  RequestFailureReason,
  RequestIntent,
  TelemetryAckedEvent,
  TwinEvent,
} from './device/events.ts';
export type { AssignedEvent, ProvisioningEvent, RegistrationFailedEvent, RegistrationFailureReason } from './provisioning/events.ts';
export { failureReason, isRetriable, isSuccess } from './device/status.ts';
export { connectRefusedReason, isConnectRetriable } from './session/connack.ts';

// Bodies and Plug and Play helpers.
export { isJsonObject, json, parseJsonObject, text, utf8 } from './shared/json.ts';
export { COMPONENT_MARKER, componentPatch, writablePropertyAck } from './device/plug-and-play.ts';
export type { WritablePropertyAck } from './device/plug-and-play.ts';

// Deterministic randomness for simulations and tests.
export { seededRandom } from './shared/seeded-random.ts';

// Reconnect policy for drivers.
export { ReconnectBackoff } from './shared/backoff.ts';
export type { BackoffReason, ReconnectBackoffOptions } from './shared/backoff.ts';

// Shared engine pieces (for custom engines and tests).
export { Timer, TimerTable } from './session/timers.ts';
export type { TimerKind } from './session/timers.ts';
export { RidTable } from './device/rid-table.ts';
export type { PendingRequest } from './device/rid-table.ts';

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
} from './wire/packets.ts';
export { PacketDecoder } from './wire/decoder.ts';
export type { PacketDecoderOptions } from './wire/decoder.ts';
export {
  DISCONNECT,
  encodePuback,
  encodePublish,
  encodePublishHeader,
  encodePublishHeaderInto,
  encodePublishInto,
  MAX_REMAINING_LENGTH,
  PINGREQ,
  publishLength,
} from './wire/encoder.ts';
export type { PublishInput } from './wire/encoder.ts';
export { encodeConnect } from './wire/connect.ts';
export type { ConnectOptions, WillOptions } from './wire/connect.ts';
export { encodeSubscribe, encodeUnsubscribe } from './wire/subscribe.ts';
export type { SubscriptionRequest } from './wire/subscribe.ts';
export { decodeUtf8, encodeUtf8Into, utf8Length } from './wire/utf8.ts';
