/**
 * MQTT over WebSockets (docs/protocol.md §1): path `/$iothub/websocket`, subprotocol `mqtt`, MQTT
 * bytes in binary frames. Uses only the browser WebSocket API surface (`binaryType`,
 * `onopen`, `onmessage`, `onclose`, `onerror`, `send`, `close`), so the same code runs in a
 * browser with the global `WebSocket` and in Node with the `ws` package's class.
 */
import type { ByteStream, Connector } from './byte-stream.ts';

/** IoT Hub's and DPS's WebSocket path (docs/protocol.md §1). */
export const IOTHUB_WEBSOCKET_PATH = '/$iothub/websocket';

/** The part of the WebSocket API this driver uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: `globalThis.WebSocket` in browsers, `ws`'s default export in Node. */
export type WebSocketConstructor = new (url: string, protocols: string | string[]) => WebSocketLike;

/** Where and how to connect. */
export interface WebSocketOptions {
  /** Full URL, e.g. `wss://contoso.azure-devices.net/$iothub/websocket`; see {@link iotHubWebSocketUrl}. */
  readonly url: string;
  /** Defaults to `globalThis.WebSocket`. */
  readonly WebSocket?: WebSocketConstructor;
}

/** Returns `wss://{host}/$iothub/websocket` (or `ws://` with a port for local hubs). */
export function iotHubWebSocketUrl(host: string, options: { secure?: boolean; port?: number } = {}): string {
  const scheme = options.secure === false ? 'ws' : 'wss';
  return `${scheme}://${host}${options.port === undefined ? '' : `:${options.port}`}${IOTHUB_WEBSOCKET_PATH}`;
}

/** WebSocket.OPEN in every implementation. */
const OPEN = 1;

/** Returns a connector that opens a WebSocket with subprotocol `mqtt` and speaks MQTT in binary frames. */
export function webSocketConnector(options: WebSocketOptions): Connector {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (Ctor === undefined) throw new Error('no WebSocket implementation: pass options.WebSocket (e.g. the ws package)');
  const label = `websocket ${options.url}`;
  return (handlers) =>
    new Promise<ByteStream>((resolve, reject) => {
      const socket = new Ctor(options.url, 'mqtt');
      socket.binaryType = 'arraybuffer';
      let opened = false;
      let closed = false;
      socket.onerror = () => {
        if (!opened) reject(new Error(`${label}: could not open`));
      };
      socket.onclose = (event) => {
        if (!opened) return reject(new Error(`${label}: closed before open (${event.code})`));
        if (closed) return;
        closed = true;
        handlers.onClose(`websocket closed (${event.code}${event.reason === '' ? '' : ` ${event.reason}`})`);
      };
      socket.onmessage = (event) => {
        // Binary frames only: MQTT has no text representation. A text frame is a broken peer.
        if (event.data instanceof ArrayBuffer) handlers.onData(new Uint8Array(event.data));
        else socket.close(1003, 'binary frames only');
      };
      socket.onopen = () => {
        opened = true;
        resolve({
          label,
          write(chunks) {
            if (socket.readyState !== OPEN) return;
            // One frame per pump: frame boundaries mean nothing to MQTT, fewer frames cost less.
            socket.send(chunks.length === 1 ? (chunks[0] as Uint8Array) : concat(chunks));
          },
          close() {
            // close() sends after already-queued frames, so a DISCONNECT written just before still leaves.
            if (socket.readyState === OPEN) socket.close(1000);
          },
        });
      };
    });
}

/** Joins chunks into one new array. */
function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
