/**
 * A hubwire device on the simulated hub, in one call: a DeviceClient over TCP or WebSocket to
 * the hub's loopback listeners, with an EventQueue to wait on and the driver's notices kept.
 * The demo and the interop tests both start their devices through here.
 */
import type { DeviceEngineOptions, DeviceEvent, ReconnectBackoffOptions } from '@hubwire/core';
import { WebSocket } from 'ws';
import type { SimHubAddresses } from '@hubwire/sim-hub';
import { type Connector, DeviceClient, type DriverNotice, EventQueue, iotHubWebSocketUrl, tcpConnector, webSocketConnector, type WebSocketConstructor } from '@hubwire/node';

/** How a simulated device reaches the hub. */
export type SimTransport = 'tcp' | 'websocket';

/** Returns a connector to the simulated hub (`hub`) or its DPS (`dps`) over TCP or WebSocket on 127.0.0.1. */
export function simConnector(addresses: SimHubAddresses, transport: SimTransport, service: 'hub' | 'dps' = 'hub'): Connector {
  if (transport === 'tcp') return tcpConnector({ host: '127.0.0.1', port: service === 'hub' ? addresses.mqttPort : addresses.dpsPort });
  const port = service === 'hub' ? addresses.wsPort : addresses.dpsWsPort;
  return webSocketConnector({
    url: iotHubWebSocketUrl('127.0.0.1', { secure: false, port }),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
  });
}

/** Reconnect quickly on loopback: the defaults (1 s base, 30 s after throttling) suit a real hub, not a demo. */
export const LOCAL_BACKOFF: Partial<ReconnectBackoffOptions> = { baseMs: 100, maxMs: 1000, throttledFloorMs: 1000 };

/** Options of {@link startSimDevice}. */
export interface SimDeviceOptions {
  readonly transport?: SimTransport;
  readonly engineOptions?: Omit<DeviceEngineOptions, 'hostName' | 'deviceId' | 'moduleId'>;
  /** Lifetime of each SAS token (default 3600 s). */
  readonly tokenTtlSeconds?: number;
  /** Sees every event before it is queued (e.g. the thermostat behaviour, or a logger). */
  readonly onEvent?: (client: DeviceClient, event: DeviceEvent) => void;
  readonly onNotice?: (notice: DriverNotice) => void;
  readonly backoff?: Partial<ReconnectBackoffOptions>;
  /** Wall clock for token expiry (default `Date.now`). */
  readonly wallClock?: () => number;
}

/** A started device: its client, its events to wait on, what its driver did. */
export interface SimDevice {
  readonly client: DeviceClient;
  readonly events: EventQueue<DeviceEvent>;
  readonly notices: DriverNotice[];
  stop(): Promise<void>;
}

/** Starts a DeviceClient for a connection string against the simulated hub's addresses. */
export function startSimDevice(addresses: SimHubAddresses, connectionString: string, options: SimDeviceOptions = {}): SimDevice {
  const events = new EventQueue<DeviceEvent>();
  const notices: DriverNotice[] = [];
  const client: DeviceClient = DeviceClient.fromConnectionString(connectionString, {
    connector: simConnector(addresses, options.transport ?? 'tcp'),
    backoff: { ...LOCAL_BACKOFF, ...options.backoff },
    ...(options.engineOptions === undefined ? {} : { engineOptions: options.engineOptions }),
    ...(options.tokenTtlSeconds === undefined ? {} : { tokenTtlSeconds: options.tokenTtlSeconds }),
    ...(options.wallClock === undefined ? {} : { wallClock: options.wallClock }),
    onEvent: (event) => {
      options.onEvent?.(client, event);
      events.push(event);
    },
    onNotice: (notice) => {
      notices.push(notice);
      options.onNotice?.(notice);
    },
  });
  client.start();
  return { client, events, notices, stop: () => client.stop() };
}
