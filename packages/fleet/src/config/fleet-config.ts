/** Everything a fleet run is told, after the command line was checked. */

/** How bytes travel. */
export type FleetTransport = 'tls' | 'wss' | 'tcp' | 'ws';

/** Where device identities come from. */
export type IdentitySource =
  /** The embedded simulated hub registers the devices (the default when no hub is given). */
  | { readonly kind: 'embedded'; readonly dps: boolean }
  /** A file: the simulated hub's `connection-strings.json`, or one device connection string per line. */
  | { readonly kind: 'file'; readonly path: string }
  /** A DPS group enrollment: each device's key is derived from the group key; register, then connect. */
  | { readonly kind: 'dps'; readonly idScope: string; readonly groupKey: string; readonly host: string; readonly port?: number }
  /** Create the devices through the IoT Hub service REST API, then connect. */
  | { readonly kind: 'service'; readonly connectionString: string; readonly url?: string };

/** A checked fleet configuration. */
export interface FleetConfig {
  readonly devices: number;
  readonly start: number;
  readonly idPattern: string;
  readonly source: IdentitySource;
  /** Where sockets go instead of each identity's host (host and optional port). */
  readonly hub?: { readonly host: string; readonly port?: number };
  /** Source addresses to connect from, one device after another (TCP and TLS). */
  readonly sourceAddresses?: readonly string[];
  /** tls (MQTT over TLS), wss (MQTT over WebSocket over TLS), tcp and ws (the same without TLS). */
  readonly transport: FleetTransport;
  /** PEM of certificates to trust instead of the system's. */
  readonly ca?: string;
  /** No sockets: engines talk to an in-process hub through memory. */
  readonly inProcess: boolean;
  /** New connections per second (0: as fast as the machine goes). */
  readonly connectRate: number;
  /** Connections opening at once, at most (0: no limit): the ramp waits for CONNACKs beyond it. */
  readonly maxConnecting: number;
  /** Telemetry messages per second per device. */
  readonly rate: number;
  /** Body size in bytes (0: as the template renders). */
  readonly size: number;
  readonly payload: string;
  readonly qos: 0 | 1;
  readonly inflight: number;
  readonly twinReport: boolean;
  readonly methodStatus: number;
  readonly methodDelayMs: number;
  /** Embedded hub only: service calls per second (desired patches and method invocations) on random devices. */
  readonly serviceRate: number;
  readonly durationMs?: number;
  readonly messages?: number;
  /** After the duration: how long to wait for the acknowledgements still in flight (0: not at all). */
  readonly drainMs: number;
  readonly keepAliveSeconds: number;
  readonly metricsPort?: number;
  readonly metricsHost: string;
  readonly reportPath: string;
  readonly summaryJsonPath?: string;
  /** `auto`: a live line on a terminal, a periodic log otherwise. */
  readonly progress: 'auto' | 'line' | 'log' | 'none';
  readonly logIntervalMs: number;
  /** Stop waiting for a slow first device after this long (ms). */
  readonly connectTimeoutMs: number;
}
