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

/**
 * A WebSocket constructor: `globalThis.WebSocket` in browsers, `ws`'s class in Node. The third
 * argument carries TLS settings (`ca`, `servername`), which `ws` honours and browsers ignore.
 */
export type WebSocketConstructor = new (url: string, protocols: string | string[], options?: WebSocketTlsOptions) => WebSocketLike;

/** TLS settings for `wss://` in Node (the `ws` package passes them to `https.request`). */
export interface WebSocketTlsOptions {
  /** Certificates to trust instead of the system's (PEM). */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Name the server certificate must carry (default: the URL's host). */
  readonly servername?: string;
}

/** Where and how to connect. */
export interface WebSocketOptions {
  /** Full URL, e.g. `wss://contoso.azure-devices.net/$iothub/websocket`; see {@link iotHubWebSocketUrl}. */
  readonly url: string;
  /** Defaults to `globalThis.WebSocket`. */
  readonly WebSocket?: WebSocketConstructor;
  /** `wss://` settings for Node; the certificate is always verified. */
  readonly tls?: WebSocketTlsOptions;
  /** Give up opening after this long (default 30 000 ms). */
  readonly connectTimeoutMs?: number;
}

/** Returns `wss://{host}/$iothub/websocket` (or `ws://` with a port for local hubs). */
export function iotHubWebSocketUrl(host: string, options: { secure?: boolean; port?: number } = {}): string {
  const scheme = options.secure === false ? 'ws' : 'wss';
  return `${scheme}://${host}${options.port === undefined ? '' : `:${options.port}`}${IOTHUB_WEBSOCKET_PATH}`;
}

/** WebSocket.OPEN in every implementation. */
const OPEN = 1;

/**
 * Chunks at least this large (a telemetry body handed over as its own view) travel as their own
 * frame rather than being copied into one: MQTT lets a packet span frames [MQTT-6.0.0-2].
 */
const OWN_FRAME_BYTES = 4096;

/** Returns a connector that opens a WebSocket with subprotocol `mqtt` and speaks MQTT in binary frames. */
export function webSocketConnector(options: WebSocketOptions): Connector {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (Ctor === undefined) throw new Error('no WebSocket implementation: pass options.WebSocket (e.g. the ws package)');
  const label = `websocket ${options.url}`;
  return (handlers) =>
    new Promise<ByteStream>((resolve, reject) => {
      const socket = options.tls === undefined ? new Ctor(options.url, 'mqtt') : new Ctor(options.url, 'mqtt', options.tls);
      socket.binaryType = 'arraybuffer';
      let opened = false;
      let closed = false;
      const timer = setTimeout(() => {
        reject(new Error(`${label}: connect timed out`));
        socket.close();
      }, options.connectTimeoutMs ?? 30_000);
      socket.onerror = (event) => {
        if (opened) return;
        clearTimeout(timer);
        const detail = (event as { message?: unknown }).message;
        reject(new Error(`${label}: could not open${typeof detail === 'string' && detail !== '' ? ` (${detail})` : ''}`));
      };
      socket.onclose = (event) => {
        if (!opened) {
          clearTimeout(timer);
          return reject(new Error(`${label}: closed before open (${event.code})`));
        }
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
        clearTimeout(timer);
        opened = true;
        resolve({
          label,
          write(chunks) {
            if (socket.readyState !== OPEN) return;
            // Few frames per pump: frame boundaries mean nothing to MQTT, fewer frames cost less;
            // small chunks are joined, a large one (a body view) is sent as it is.
            sendCoalesced(socket, chunks);
          },
          close() {
            // close() sends after already-queued frames, so a DISCONNECT written just before still leaves.
            if (socket.readyState === OPEN) socket.close(1000);
          },
        });
      };
    });
}

/** Sends runs of small chunks as one frame each and every large chunk as its own frame, in order. */
function sendCoalesced(socket: WebSocketLike, chunks: readonly Uint8Array[]): void {
  if (chunks.length === 1) return socket.send(chunks[0] as Uint8Array);
  let run: Uint8Array[] = [];
  for (const chunk of chunks) {
    if (chunk.byteLength < OWN_FRAME_BYTES) {
      run.push(chunk);
      continue;
    }
    if (run.length > 0) socket.send(concat(run));
    run = [];
    socket.send(chunk);
  }
  if (run.length > 0) socket.send(run.length === 1 ? (run[0] as Uint8Array) : concat(run));
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
