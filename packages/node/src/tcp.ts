/**
 * TCP and TLS connectors for Node (`node:net`, `node:tls`). IoT Hub and DPS accept MQTT only
 * over TLS on 8883 (docs/protocol.md §1); plain TCP is for local brokers and the simulated hub.
 */
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, createSecureContext, type ConnectionOptions } from 'node:tls';
import type { ByteStream, Connector, StreamHandlers } from './byte-stream.ts';

/** Where and how to connect. */
export interface TcpOptions {
  readonly host: string;
  /** Default 8883 with TLS, 1883 without. */
  readonly port?: number;
  /**
   * TLS settings, or `false` for plain TCP. With TLS the server certificate is verified against
   * `servername` (default: `host`) and the system CAs unless `ca` is given.
   */
  readonly tls?: false | { readonly servername?: string; readonly ca?: ConnectionOptions['ca'] };
  /** Give up on opening after this long (default 30 000 ms). */
  readonly connectTimeoutMs?: number;
  /** Source address to bind (e.g. one of several 127.0.0.x, to have more ephemeral ports towards one hub). */
  readonly localAddress?: string;
}

/** Returns a connector that opens a TCP (or TLS) socket with Nagle off: MQTT packets are small and latency-bound. */
export function tcpConnector(options: TcpOptions): Connector {
  const tls = options.tls ?? false;
  const port = options.port ?? (tls === false ? 1883 : 8883);
  const label = `${tls === false ? 'tcp' : 'tls'} ${options.host}:${port}`;
  // One TLS context for every socket of this connector: building one (trust store, CA parsing)
  // per connect cost about a quarter of a loopback handshake.
  const secureContext = tls === false ? undefined : createSecureContext(tls.ca === undefined ? {} : { ca: tls.ca });
  const local = options.localAddress === undefined ? {} : { localAddress: options.localAddress };
  return (handlers) =>
    new Promise<ByteStream>((resolve, reject) => {
      const socket: Socket =
        tls === false
          ? connectTcp({ host: options.host, port, ...local })
          : connectTls({
              host: options.host,
              port,
              ...local,
              // SNI carries host names only (RFC 6066 §3); an IP address is still verified against the certificate's IP SANs.
              ...(tls.servername !== undefined ? { servername: tls.servername } : isIP(options.host) === 0 ? { servername: options.host } : {}),
              rejectUnauthorized: true,
              secureContext,
            });
      const ready = tls === false ? 'connect' : 'secureConnect';
      socket.setTimeout(options.connectTimeoutMs ?? 30_000, () => socket.destroy(new Error(`${label}: connect timed out`)));
      socket.once('error', reject);
      socket.once(ready, () => {
        socket.setTimeout(0);
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(wrap(socket, label, handlers));
      });
    });
}

/** Adapts an open socket to ByteStream; reports exactly one close. */
function wrap(socket: Socket, label: string, handlers: StreamHandlers): ByteStream {
  let lastError = '';
  let closing = false;
  socket.on('data', (chunk: Uint8Array) => handlers.onData(chunk));
  socket.on('error', (error) => (lastError = error.message));
  socket.once('close', () => handlers.onClose(lastError !== '' ? lastError : closing ? 'closed locally' : 'closed by the peer'));
  return {
    label,
    write(chunks) {
      if (socket.destroyed || !socket.writable) return;
      // cork/uncork: everything drained in one pump leaves in as few segments as possible.
      socket.cork();
      for (const chunk of chunks) socket.write(chunk);
      socket.uncork();
    },
    close() {
      // end() flushes queued writes (e.g. DISCONNECT) before FIN; destroy if the peer never closes.
      if (socket.destroyed) return;
      closing = true;
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    },
  };
}
