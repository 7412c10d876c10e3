/**
 * The hub's two front doors on 127.0.0.1, each on a port chosen at run time: plain TCP (the real
 * hub's 8883 without TLS) and WebSocket on `/$iothub/websocket` with subprotocol `mqtt` (docs/protocol.md §1).
 */
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES, TappedConnection } from './wire-tap.ts';

/** The WebSocket path of IoT Hub and DPS; a query (`?iothub-no-client-cert=true`) is allowed after it. */
export const WEBSOCKET_PATH = '/$iothub/websocket';
/** The only WebSocket subprotocol accepted (RFC 6455 `Sec-WebSocket-Protocol`). */
export const WEBSOCKET_PROTOCOL = 'mqtt';

/** A listening server: its port, and close(), which also destroys every open connection. */
export interface Listener {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens for MQTT over TCP; each socket is handed to `accept` wrapped in a tap. */
export async function listenTcp(accept: (connection: TappedConnection) => void): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    accept(new TappedConnection(socket, 'tcp'));
  });
  const port = await listen(server);
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

/** Listens for MQTT over WebSocket; refuses other paths (404 by ws) and clients not offering `mqtt` (401). */
export async function listenWebSocket(accept: (connection: TappedConnection) => void): Promise<Listener> {
  const http = createHttpServer((_request, response) => response.writeHead(404).end());
  const wss = new WebSocketServer({
    server: http,
    path: WEBSOCKET_PATH,
    maxPayload: MAX_FRAME_BYTES * 2,
    verifyClient: ({ req }: { req: IncomingMessage }) => offeredProtocols(req).includes(WEBSOCKET_PROTOCOL),
    handleProtocols: (protocols: Set<string>) => (protocols.has(WEBSOCKET_PROTOCOL) ? WEBSOCKET_PROTOCOL : false),
  });
  wss.on('connection', (socket) => accept(new TappedConnection(createWebSocketStream(socket), 'ws')));
  const port = await listen(http);
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

/** The subprotocols a WebSocket upgrade request offers, trimmed. */
function offeredProtocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  return header === undefined ? [] : header.split(',').map((protocol) => protocol.trim());
}

/** Starts listening on 127.0.0.1 with an OS-chosen port; resolves with that port. */
function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting; resolves once the server has closed (errors such as "not running" are ignored). */
function closeServer(server: Server | ReturnType<typeof createHttpServer>): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
