/**
 * TLS in front of a plain-TCP listener, so the embedded simulated hub can be reached the way the
 * real one is (MQTT over TLS, WebSocket over TLS) with certificates verified: a throwaway CA and
 * a `localhost` / 127.0.0.1 certificate signed by it (the `selfsigned` package, on WebCrypto),
 * and a `tls.Server` that pipes every accepted connection to the plain port behind it.
 */
import { connect, type AddressInfo } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import selfsigned from 'selfsigned';

/** A CA and a server certificate it signed. */
export interface HubCertificates {
  /** The CA certificate (PEM): what a client trusts. */
  readonly ca: string;
  /** The server's certificate and key (PEM), valid for `localhost` and 127.0.0.1. */
  readonly cert: string;
  readonly key: string;
}

/** Makes a CA and a server certificate for localhost and 127.0.0.1 (EC P-256: fast handshakes, small certificates). */
export async function makeCertificates(): Promise<HubCertificates> {
  const notAfterDate = new Date(Date.now() + 2 * 86_400_000);
  const ca = await selfsigned.generate([{ name: 'commonName', value: 'hubwire-fleet local CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { ca: ca.cert, cert: server.cert, key: server.private };
}

/** A listening TLS front. */
export interface TlsFront {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0) with `certificates` and forwards each connection to `backendPort` on 127.0.0.1. */
export async function startTlsFront(certificates: HubCertificates, backendPort: number): Promise<TlsFront> {
  const sockets = new Set<TLSSocket>();
  const server = createServer({ key: certificates.key, cert: certificates.cert }, (socket) => {
    sockets.add(socket);
    const backend = connect({ host: '127.0.0.1', port: backendPort });
    backend.setNoDelay(true);
    socket.setNoDelay(true);
    socket.pipe(backend).pipe(socket);
    const end = (): void => {
      sockets.delete(socket);
      socket.destroy();
      backend.destroy();
    };
    socket.on('error', end).on('close', end);
    backend.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
