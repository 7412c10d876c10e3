/**
 * The front doors of the hub and DPS, as the real services have them (docs/protocol.md §1): MQTT over
 * TLS (the real 8883) and MQTT over WebSocket over TLS on `/$iothub/websocket` with subprotocol `mqtt`
 * (the real 443), each also without TLS for tests; and an HTTP(S) listener for the service side.
 * Every listener binds one address and a port (0: chosen by the OS).
 */
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES, TappedConnection, type Transport } from './wire-tap.ts';

/** The WebSocket path of IoT Hub and DPS; a query (`?iothub-no-client-cert=true`) is allowed after it. */
export const WEBSOCKET_PATH = '/$iothub/websocket';
/** The only WebSocket subprotocol accepted (RFC 6455 `Sec-WebSocket-Protocol`). */
export const WEBSOCKET_PROTOCOL = 'mqtt';

/** A listening server: its port, and close(), which also destroys every open connection. */
export interface Listener {
  readonly port: number;
  close(): Promise<void>;
}

/** Where to listen, and the TLS identity when the listener is secure. */
export interface ListenOptions {
  /** Address to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Port, 0 for one chosen by the OS (the default). */
  readonly port?: number;
  /** Server certificate and key (PEM): the listener speaks TLS 1.2 or later, as IoT Hub does. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** Raised when a listener cannot bind: says which one and why, without a stack a user needs to read. */
export class ListenError extends Error {
  readonly code: string | undefined;
  constructor(what: string, host: string, port: number, cause: NodeJS.ErrnoException) {
    const why = cause.code === 'EADDRINUSE' ? 'the port is in use' : cause.code === 'EACCES' ? 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)' : cause.message;
    super(`cannot listen for ${what} on ${host}:${port}: ${why}`);
    this.name = 'ListenError';
    this.code = cause.code;
  }
}

/** Listens for MQTT over TCP (or TLS); each connection is handed to `accept` wrapped in a tap. */
export async function listenTcp(accept: (connection: TappedConnection) => void, options: ListenOptions = {}, what = 'MQTT'): Promise<Listener> {
  const sockets = new Set<Socket>();
  const transport: Transport = options.tls === undefined ? 'tcp' : 'tls';
  const onSocket = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    accept(new TappedConnection(socket, transport));
  };
  const server: Server = options.tls === undefined
    ? createTcpServer(onSocket)
    : createTlsServer({ ...options.tls, minVersion: 'TLSv1.2' }, onSocket);
  // A client that fails the handshake (wrong CA, plain TCP to the TLS port) must not take the server down.
  server.on('tlsClientError', (_error: Error, socket: TLSSocket) => socket.destroy());
  const port = await listen(server, options, what);
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

/** Listens for MQTT over WebSocket (or WebSocket over TLS); refuses other paths (404) and clients not offering `mqtt` (401). */
export async function listenWebSocket(accept: (connection: TappedConnection) => void, options: ListenOptions = {}, what = 'MQTT over WebSocket'): Promise<Listener> {
  const http = createWebServer((_request, response) => response.writeHead(404).end(), options);
  const transport: Transport = options.tls === undefined ? 'ws' : 'wss';
  const port = await listen(http, options, what);
  // Attached once bound: ws re-emits the server's errors, and a failed listen has already been reported.
  const wss = attachMqttWebSocket(http, (stream) => accept(new TappedConnection(stream, transport)));
  return {
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await closeServer(http);
    },
  };
}

/**
 * Listens for HTTP (or HTTPS) requests, e.g. the service REST API and dashboard; close() also ends open
 * streams (SSE). With `acceptMqtt`, MQTT over WebSocket is served on `/$iothub/websocket` of the same
 * port, as IoT Hub serves both on 443.
 */
export async function listenHttp(handler: RequestListener, options: ListenOptions = {}, what = 'HTTP', acceptMqtt?: (connection: TappedConnection) => void): Promise<Listener> {
  const http = createWebServer(handler, options);
  const transport: Transport = options.tls === undefined ? 'ws' : 'wss';
  const port = await listen(http, options, what);
  const wss = acceptMqtt === undefined ? undefined : attachMqttWebSocket(http, (stream) => acceptMqtt(new TappedConnection(stream, transport)));
  return {
    port,
    close: async () => {
      for (const client of wss?.clients ?? []) client.terminate();
      if (wss !== undefined) await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await closeServer(http);
    },
  };
}

/** Accepts MQTT WebSocket upgrades on `/$iothub/websocket` of `server`, offering only subprotocol `mqtt`. */
function attachMqttWebSocket(server: HttpServer, accept: (stream: Duplex) => void): WebSocketServer {
  const wss = new WebSocketServer({
    server,
    path: WEBSOCKET_PATH,
    maxPayload: MAX_FRAME_BYTES * 2,
    verifyClient: ({ req }: { req: IncomingMessage }) => offeredProtocols(req).includes(WEBSOCKET_PROTOCOL),
    handleProtocols: (protocols: Set<string>) => (protocols.has(WEBSOCKET_PROTOCOL) ? WEBSOCKET_PROTOCOL : false),
  });
  wss.on('connection', (socket) => accept(createWebSocketStream(socket)));
  // The HTTP server reports its own errors; a copy re-emitted here must not become an uncaught exception.
  wss.on('error', () => undefined);
  return wss;
}

function createWebServer(handler: RequestListener, options: ListenOptions): HttpServer {
  if (options.tls === undefined) return createHttpServer(handler);
  const server = createHttpsServer({ ...options.tls, minVersion: 'TLSv1.2' }, handler);
  server.on('tlsClientError', (_error: Error, socket: TLSSocket) => socket.destroy());
  return server;
}

/** The subprotocols a WebSocket upgrade request offers, trimmed. */
function offeredProtocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  return header === undefined ? [] : header.split(',').map((protocol) => protocol.trim());
}

/** Starts listening; resolves with the bound port, rejects with a ListenError naming the listener. */
function listen(server: Server, options: ListenOptions, what: string): Promise<number> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => reject(new ListenError(what, host, port, error));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting; resolves once the server has closed (errors such as "not running" are ignored). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
