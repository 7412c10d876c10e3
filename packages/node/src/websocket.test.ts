import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { iotHubWebSocketUrl, webSocketConnector, type WebSocketConstructor } from './websocket.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A ws server on 127.0.0.1 recording the upgrade request and every frame. */
interface RecordingServer {
  readonly port: number;
  readonly frames: { binary: boolean; bytes: number[] }[];
  readonly requests: { url: string; protocol: string }[];
  readonly server: WebSocketServer;
}

async function startServer(): Promise<RecordingServer> {
  const http = createServer();
  const server = new WebSocketServer({ server: http, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
  const frames: { binary: boolean; bytes: number[] }[] = [];
  const requests: { url: string; protocol: string }[] = [];
  server.on('connection', (socket, request) => {
    requests.push({ url: request.url ?? '', protocol: socket.protocol });
    socket.on('message', (data, isBinary) => {
      frames.push({ binary: isBinary, bytes: [...(data as Buffer)] });
      socket.send(Uint8Array.of(0x20, 0x02, 0x00, 0x00)); // CONNACK
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close();
        http.close(() => resolve());
      }),
  );
  return { port: (http.address() as { port: number }).port, frames, requests, server };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('webSocketConnector', () => {
  it('builds the IoT Hub WebSocket URL', () => {
    expect(iotHubWebSocketUrl('contoso.azure-devices.net')).toBe('wss://contoso.azure-devices.net/$iothub/websocket');
    expect(iotHubWebSocketUrl('127.0.0.1', { secure: false, port: 8080 })).toBe('ws://127.0.0.1:8080/$iothub/websocket');
  });

  it('opens /$iothub/websocket with subprotocol mqtt and sends each batch as one binary frame', async () => {
    const { port, frames, requests } = await startServer();
    const data: number[] = [];
    const closes: string[] = [];
    const stream = await webSocketConnector({
      url: iotHubWebSocketUrl('127.0.0.1', { secure: false, port }),
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    })({ onData: (c) => data.push(...c), onClose: (r) => closes.push(r) });
    stream.write([Uint8Array.of(0x10, 0x01), Uint8Array.of(0x00)]);
    await until(() => frames.length === 1 && data.length === 4, 'frame and reply');
    expect(requests).toEqual([{ url: '/$iothub/websocket', protocol: 'mqtt' }]);
    expect(frames).toEqual([{ binary: true, bytes: [0x10, 0x01, 0x00] }]);
    expect(data).toEqual([0x20, 0x02, 0x00, 0x00]);
    stream.close();
    await until(() => closes.length === 1, 'close');
    expect(closes[0]).toContain('1000');
  });

  it('reports the server closing the socket once', async () => {
    const { port, server } = await startServer();
    const closes: string[] = [];
    await webSocketConnector({
      url: iotHubWebSocketUrl('127.0.0.1', { secure: false, port }),
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    })({ onData: () => {}, onClose: (r) => closes.push(r) });
    await until(() => server.clients.size === 1, 'server side');
    for (const client of server.clients) client.close(4000, 'bye');
    await until(() => closes.length === 1, 'close');
    expect(closes).toEqual(['websocket closed (4000 bye)']);
  });

  it('rejects when the server refuses the upgrade', async () => {
    const http = createServer((_, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const port = (http.address() as { port: number }).port;
    await expect(
      webSocketConnector({ url: `ws://127.0.0.1:${port}/$iothub/websocket`, WebSocket: WebSocket as unknown as WebSocketConstructor })({
        onData: () => {},
        onClose: () => {},
      }),
    ).rejects.toThrow(/could not open|closed before open/);
  });
});
