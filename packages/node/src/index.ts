// The Node drivers: transports, the drive loop, SAS authentication, the device and DPS clients.

export type { ByteStream, Connector, StreamHandlers } from './byte-stream.ts';
export { DriveLoop, monotonicClock } from './drive-loop.ts';
export type { Clock, Drivable } from './drive-loop.ts';
export { EventQueue } from './event-queue.ts';
export { canRenew, connectionStringAuth, dpsAuth, sasAuth } from './sas-auth.ts';
export type { AuthSource, EngineAuth, SasAuthOptions } from './sas-auth.ts';
export { tcpConnector } from './tcp.ts';
export type { TcpOptions } from './tcp.ts';
export { IOTHUB_WEBSOCKET_PATH, iotHubWebSocketUrl, webSocketConnector } from './websocket.ts';
export type { WebSocketConstructor, WebSocketLike, WebSocketOptions } from './websocket.ts';
export { DeviceClient } from './device-client.ts';
export type { ConnectionStringClientOptions, DeviceClientOptions, DriverNotice } from './device-client.ts';
export { deviceClientForAssignment, provision, ProvisioningError } from './provisioning-client.ts';
export type { AssignedClientOptions, ProvisionOptions } from './provisioning-client.ts';
