/**
 * Where a device dials and how: MQTT over TLS (IoT Hub's 8883), over a WebSocket (443, path
 * `/$iothub/websocket`), or plain TCP and plain WebSocket for local hubs. The connectors are
 * @hubwire/node's; this file picks one and keeps the socket's own error, so a failure can be
 * reported by what went wrong (refused, DNS, certificate) rather than as "could not open".
 */
import { iotHubWebSocketUrl, tcpConnector, webSocketConnector, type Connector, type WebSocketConstructor } from '@hubwire/node';
import WebSocket from 'ws';
import { messageOf, ScenarioError } from '../errors.ts';

/** How bytes travel: `tls` and `wss` for IoT Hub, `tcp` and `ws` for local hubs without TLS. */
export type Transport = 'tls' | 'tcp' | 'wss' | 'ws';

/** Every transport, for validation and messages. */
export const TRANSPORTS: readonly Transport[] = ['tls', 'tcp', 'wss', 'ws'];

/** An address to dial. */
export interface Endpoint {
  readonly transport: Transport;
  readonly host: string;
  /** Default: 8883 (tls), 1883 (tcp), 443 (wss), 80 (ws). */
  readonly port?: number;
  /** Extra trusted CA certificates (PEM), for hubs with a self-signed or private CA. */
  readonly ca?: string;
  /** Name the certificate must carry, when it differs from `host`. */
  readonly servername?: string;
}

/** A connector and the last error its socket reported, for {@link socketFailure}. */
export interface Dialer {
  readonly connector: Connector;
  readonly label: string;
  lastError(): unknown;
}

const DEFAULT_PORTS: Readonly<Record<Transport, number>> = { tls: 8883, tcp: 1883, wss: 443, ws: 80 };

/** Returns a dialer for `endpoint` that gives up opening after `timeoutMs`. */
export function dialer(endpoint: Endpoint, timeoutMs: number): Dialer {
  const port = endpoint.port ?? DEFAULT_PORTS[endpoint.transport];
  const label = `${endpoint.transport}://${endpoint.host}:${port}`;
  if (endpoint.transport === 'tls' || endpoint.transport === 'tcp') {
    const tls =
      endpoint.transport === 'tcp'
        ? false
        : {
            ...(endpoint.servername === undefined ? {} : { servername: endpoint.servername }),
            ...(endpoint.ca === undefined ? {} : { ca: endpoint.ca }),
          };
    // tcpConnector rejects with the socket's own error, which carries the code.
    return { connector: tcpConnector({ host: endpoint.host, port, tls, connectTimeoutMs: timeoutMs }), label, lastError: () => undefined };
  }
  let error: unknown;
  const options: WebSocket.ClientOptions = {
    handshakeTimeout: timeoutMs,
    ...(endpoint.servername === undefined ? {} : { servername: endpoint.servername }),
    ...(endpoint.ca === undefined ? {} : { ca: endpoint.ca }),
  };
  // The connector sees only the browser WebSocket API; the `ws` options and its error travel here.
  class HubWebSocket extends WebSocket {
    constructor(url: string, protocols: string | string[]) {
      super(url, protocols, options);
      this.on('error', (cause) => (error = cause));
    }
  }
  const url = iotHubWebSocketUrl(endpoint.host, { secure: endpoint.transport === 'wss', port });
  const connector = webSocketConnector({ url, WebSocket: HubWebSocket as unknown as WebSocketConstructor });
  return { connector, label, lastError: () => error };
}

/** Classifies why a socket did not open: DNS, refused, TLS, timeout, or anything else. */
export function socketFailure(cause: unknown, label: string): ScenarioError {
  const code = typeof cause === 'object' && cause !== null ? String((cause as { code?: unknown }).code ?? '') : '';
  const detail = `${label}: ${messageOf(cause)}${code === '' || messageOf(cause).includes(code) ? '' : ` (${code})`}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new ScenarioError('dns_error', detail);
  if (code === 'ECONNREFUSED') return new ScenarioError('connection_refused', detail);
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code)) return new ScenarioError('tls_error', detail);
  if (/timed out|timeout/i.test(messageOf(cause))) return new ScenarioError('connect_timeout', detail);
  return new ScenarioError('socket_error', detail);
}
