/**
 * The one thing a driver needs from a transport: a duplex byte stream. TCP, TLS and WebSocket
 * connectors all produce this shape, so the drive loop and the clients never know which one
 * they are talking over (MQTT is a byte stream whichever carries it, docs/protocol.md §1).
 */

/** What a stream reports; the connector calls these, at most one `onClose` per stream. */
export interface StreamHandlers {
  /** Bytes arrived, in order; the chunk may be reused by nobody else after this call. */
  onData(chunk: Uint8Array): void;
  /** The stream closed (by the peer, an error, or `close()`); `reason` is for logs. */
  onClose(reason: string): void;
}

/** An open duplex byte stream. */
export interface ByteStream {
  /** Writes chunks in order; the transport may coalesce them (one TCP segment, one WebSocket frame). */
  write(chunks: readonly Uint8Array[]): void;
  /** Flushes what was written, then closes; `onClose` follows. Safe to call twice. */
  close(): void;
  /** Human-readable description for logs, e.g. `tcp 127.0.0.1:8883`. */
  readonly label: string;
}

/** Opens a new stream to a fixed endpoint; rejects when it cannot be opened. */
export type Connector = (handlers: StreamHandlers) => Promise<ByteStream>;
