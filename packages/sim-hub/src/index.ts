// The simulated IoT Hub + DPS (see README.md).

// The hub
export { SimHub } from './sim-hub.ts';
export type {
  ConnectedIdentity,
  DeliveryOptions,
  InvokeMethodOptions,
  SimHubAddresses,
  SimHubOptions,
  SimHubStats,
} from './sim-hub.ts';

// Listeners, TLS, state
export type { ListenerName, SimHubPorts } from './front-doors.ts';
export { ListenError } from './listeners.ts';
export type { ListenOptions } from './listeners.ts';
export { loadOrCreateTls, serverNames, TLS_FILES } from './tls/certificates.ts';
export type { TlsMaterial } from './tls/certificates.ts';
export { readStateFile, STATE_FILE, STATE_FORMAT, STATE_VERSION, StateFileError } from './state/state-file.ts';
export type { HubSnapshot, ServicePolicy } from './state/state-file.ts';

// Registry and CONNECT checks
export { clientIdOf, generateKey } from './registry.ts';
export type { DeviceSpec, RegisteredIdentity } from './registry.ts';
export { parseHubUserName } from './hub-auth.ts';
export type { RefusalCode } from './hub-auth.ts';

// Service-side results
export { hubErrorBody } from './error-body.ts';
export type { HubErrorBody } from './error-body.ts';
export type { DeliveryOutcome, DeliveryReceipt } from './c2d.ts';
export { MAX_QUEUED_MESSAGES } from './c2d.ts';
export { MethodInvocationError } from './methods.ts';
export type { MethodResult } from './methods.ts';
export type { TelemetryPredicate, TelemetryRecord } from './telemetry-log.ts';
export type { TwinDocument, TwinRecord, TwinSection } from './twin-store.ts';

// DPS
export { DpsService } from './dps.ts';
export type { DpsOptions, Enrollment, GroupEnrollmentSpec, IndividualEnrollmentSpec, RegistrationRecord } from './dps.ts';

// Service side over HTTP(S): the REST API and the dashboard
export { createServiceHandler, DPS_API_VERSIONS, HUB_API_VERSIONS, HUB_ERROR_CODES } from './service/index.ts';
export type { ServiceHandler, ServiceOptions } from './service/index.ts';
export type { ServiceTwinDocument, ServiceTwinUpdate } from './twin-store.ts';

// Packet-level test client
export { RawMqttClient } from './raw-mqtt-client.ts';
export type { RawConnectOptions, RawPacket } from './raw-mqtt-client.ts';

// Rules and transport constants
export { C2D_ANY_DEVICE_FILTER, MAX_SUBSCRIPTIONS } from './rules.ts';
export { WEBSOCKET_PATH, WEBSOCKET_PROTOCOL } from './listeners.ts';
export { MAX_FRAME_BYTES } from './wire-tap.ts';
export type { Transport } from './wire-tap.ts';
