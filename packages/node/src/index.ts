// @hubwire/node: hubwire's engines on Node sockets — transports, the drive loop, SAS
// authentication, reconnecting device and DPS drivers, and a promise-based client.

// The promise-and-callbacks client
export { HubClient } from './client/hub-client.ts';
export type { C2dMessage, ConnectionStatus, MethodAnswer, MethodCall, MethodHandler, TwinDocument } from './client/hub-client.ts';
export { GLOBAL_DPS_HOST } from './client/client-options.ts';
export type { HubClientOptions, ProvisioningTarget } from './client/client-options.ts';
export { HubClientError } from './client/hub-client-error.ts';
export type { HubClientErrorCode, HubClientErrorDetails } from './client/hub-client-error.ts';

// Transports
export type { ByteStream, Connector, StreamHandlers } from './byte-stream.ts';
export { hubConnector } from './transport.ts';
export type { HubEndpoint, HubTransport } from './transport.ts';
export { tcpConnector } from './tcp.ts';
export type { TcpOptions } from './tcp.ts';
export { IOTHUB_WEBSOCKET_PATH, iotHubWebSocketUrl, webSocketConnector } from './websocket.ts';
export type { WebSocketConstructor, WebSocketLike, WebSocketOptions, WebSocketTlsOptions } from './websocket.ts';

// Driving an engine yourself
export { DriveLoop, monotonicClock } from './drive-loop.ts';
export type { Clock, Drivable } from './drive-loop.ts';
export { DeviceClient } from './device-client.ts';
export type { ConnectionStringClientOptions, DeviceClientOptions, DriverNotice } from './device-client.ts';
export { deviceClientForAssignment, provision, ProvisioningError } from './provisioning-client.ts';
export type { AssignedClientOptions, ProvisionOptions } from './provisioning-client.ts';
export { EventQueue } from './event-queue.ts';

// SAS authentication
export { canRenew, connectionStringAuth, dpsAuth, sasAuth } from './sas-auth.ts';
export type { AuthSource, EngineAuth, SasAuthOptions } from './sas-auth.ts';
