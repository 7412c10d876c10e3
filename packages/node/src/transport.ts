/**
 * One way to say where a device's socket goes: TLS (IoT Hub's MQTT port, 8883), MQTT over
 * WebSocket over TLS (443, for networks that only let HTTPS out), or plain TCP and WebSocket for
 * local brokers and the simulated hub (docs/protocol.md §1). Returns the matching Connector.
 */
import type { ConnectionOptions } from 'node:tls';
import { WebSocket } from 'ws';
import type { Connector } from './byte-stream.ts';
import { tcpConnector } from './tcp.ts';
import { iotHubWebSocketUrl, webSocketConnector, type WebSocketConstructor } from './websocket.ts';

/** How bytes travel: `tls` (default), `websocket` (over TLS unless `secure: false`), `tcp` (no TLS, tests only). */
export type HubTransport = 'tls' | 'websocket' | 'tcp';

/** Where a connector opens its streams. */
export interface HubEndpoint {
  /** Host to open the socket to (the hub, or a gateway). */
  readonly host: string;
  /** Default: 8883 for tls, 1883 for tcp, 443 (or 80 without TLS) for websocket. */
  readonly port?: number;
  /** Default `tls`. */
  readonly transport?: HubTransport;
  /** WebSocket only: `false` for `ws://` (a local hub without TLS). Default true. */
  readonly secure?: boolean;
  /** Certificates to trust instead of the system's (PEM): a local hub's own CA. */
  readonly ca?: ConnectionOptions['ca'];
  /** Name the server certificate must carry (default `host`). */
  readonly servername?: string;
  /** Give up opening a stream after this long (default 30 000 ms). */
  readonly connectTimeoutMs?: number;
  /** TLS and TCP: the source address to bind (e.g. one of several 127.0.0.x towards a local hub). */
  readonly localAddress?: string;
}

/** Returns a Connector for `endpoint`; TLS and WSS verify the server certificate (against `ca` when given). */
export function hubConnector(endpoint: HubEndpoint): Connector {
  const transport = endpoint.transport ?? 'tls';
  const timeout = endpoint.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: endpoint.connectTimeoutMs };
  const local = endpoint.localAddress === undefined ? {} : { localAddress: endpoint.localAddress };
  if (transport === 'tcp') return tcpConnector({ host: endpoint.host, tls: false, ...portOf(endpoint), ...timeout, ...local });
  const tls = {
    ...(endpoint.servername === undefined ? {} : { servername: endpoint.servername }),
    ...(endpoint.ca === undefined ? {} : { ca: endpoint.ca }),
  };
  if (transport === 'tls') return tcpConnector({ host: endpoint.host, tls, ...portOf(endpoint), ...timeout, ...local });
  const secure = endpoint.secure ?? true;
  return webSocketConnector({
    url: iotHubWebSocketUrl(endpoint.host, { secure, ...portOf(endpoint) }),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    ...(secure ? { tls } : {}),
    ...timeout,
  });
}

function portOf(endpoint: HubEndpoint): { port?: number } {
  return endpoint.port === undefined ? {} : { port: endpoint.port };
}
