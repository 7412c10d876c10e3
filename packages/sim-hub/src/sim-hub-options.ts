/** The simulated hub's options, its addresses once started, and the shapes its service-side API returns. */
import type { RequestListener } from 'node:http';
import type { DpsOptions } from './dps.ts';
import type { SimHubPorts } from './front-doors.ts';
import type { SimHub } from './sim-hub.ts';
import type { Transport } from './wire-tap.ts';

/** Options of the simulated hub. */
export interface SimHubOptions {
  /** The hub's host name, used in user names, SAS `sr` and connection strings (default: the state file's, else `sim-hub.local`). */
  readonly hostName?: string;
  /** Wall clock in ms since the epoch, for SAS expiry and timestamps (default `Date.now`). */
  readonly clock?: () => number;
  /** Receives one readable line per thing the hub or DPS sees or does. */
  readonly onLog?: (line: string) => void;
  /** DPS settings (id scope, retry-after, polls before assignment). */
  readonly dps?: DpsOptions;
  /** Telemetry records kept (default 10 000; the oldest go first). */
  readonly maxTelemetryRecords?: number;
  /**
   * State folder: identities, keys, twins, queued messages, kept sessions, DPS enrollments, the service
   * key (`state.json`) and the TLS CA and server certificate (`ca.pem`, …) persist here. Made if missing.
   * Without one, the hub starts empty and forgets everything on close.
   */
  readonly stateDir?: string;
  /** Address every listener binds (default 127.0.0.1). */
  readonly bind?: string;
  /** Ports by listener; missing ones are chosen by the OS. */
  readonly ports?: SimHubPorts;
  /** Server certificate and key (PEM) instead of the generated ones; `ca` is what clients should trust (default: `cert`). */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string };
  /** Builds the request handler of the HTTPS and HTTP listeners (default: createServiceHandler, the REST API and dashboard). */
  readonly service?: (hub: SimHub) => RequestListener;
}

/** Where the hub listens, from start(). Every port is bound on `bind`. */
export interface SimHubAddresses {
  /** IoT Hub MQTT over TCP, no TLS (tests). */
  readonly mqttPort: number;
  /** IoT Hub MQTT over WebSocket, no TLS: `ws://{bind}:{wsPort}/$iothub/websocket`, subprotocol `mqtt`. */
  readonly wsPort: number;
  /** IoT Hub MQTT over TLS (the real hub's 8883). */
  readonly mqttsPort: number;
  /** IoT Hub MQTT over WebSocket over TLS: `wss://{host}:{wssPort}/$iothub/websocket` (the real hub's 443). */
  readonly wssPort: number;
  /** DPS MQTT over TCP, no TLS. */
  readonly dpsPort: number;
  /** DPS MQTT over WebSocket, no TLS, same path and subprotocol. */
  readonly dpsWsPort: number;
  /** DPS MQTT over TLS. */
  readonly dpsMqttsPort: number;
  /** DPS MQTT over WebSocket over TLS. */
  readonly dpsWssPort: number;
  /** The service side (REST API, dashboard) over HTTPS. */
  readonly httpsPort: number;
  /** The service side over plain HTTP (tests). */
  readonly httpPort: number;
  /** The address the listeners are bound to. */
  readonly bind: string;
  readonly hostName: string;
  readonly idScope: string;
  /** PEM of the CA a client must trust to reach the TLS listeners. */
  readonly caPem: string;
  /** Same as SimHub.close(). */
  close(): Promise<void>;
}

/** A connected device or module. */
export interface ConnectedIdentity {
  readonly deviceId: string;
  readonly moduleId?: string;
  readonly clientId: string;
  readonly transport: Transport;
  readonly cleanSession: boolean;
  /** CONNACK said session present: the kept session was resumed. */
  readonly sessionResumed: boolean;
  /** `model-id` from the user name, if sent. */
  readonly modelId?: string;
  /** Accepted subscription filters. */
  readonly subscriptions: string[];
}

/** Options of invokeMethod. */
export interface InvokeMethodOptions {
  /** Response timeout (default 30 000 ms, the service default of 30 s, docs/protocol.md §10). */
  readonly timeoutMs?: number;
  /** Invoke on a module of the device. */
  readonly moduleId?: string;
}

/** Options of sendC2d and sendModuleInput. */
export interface DeliveryOptions {
  /** Time to live before the message expires undelivered or unacknowledged (default 1 h, docs/protocol.md §8). */
  readonly ttlMs?: number;
}
