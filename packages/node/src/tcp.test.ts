import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { loadOrCreateTls, serverNames } from '@hubwire/sim-hub';
import { afterEach, describe, expect, it } from 'vitest';
import { tcpConnector } from './tcp.ts';

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Listens on 127.0.0.1:0; resolves with the port. */
async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Collects what a connector's handlers see. */
function recorder(): { data: number[]; closes: string[]; onData(c: Uint8Array): void; onClose(r: string): void } {
  const data: number[] = [];
  const closes: string[] = [];
  return { data, closes, onData: (c) => data.push(...c), onClose: (r) => closes.push(r) };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('tcpConnector', () => {
  it('writes batches in order, delivers received bytes and reports one close when the peer hangs up', async () => {
    let peer: Socket | undefined;
    const received: number[] = [];
    const port = await listen(
      createServer((socket) => {
        peer = socket;
        socket.on('data', (chunk) => received.push(...chunk));
      }),
    );
    const seen = recorder();
    const stream = await tcpConnector({ host: '127.0.0.1', port })(seen);
    expect(stream.label).toBe(`tcp 127.0.0.1:${port}`);
    stream.write([Uint8Array.of(1, 2), Uint8Array.of(3)]);
    stream.write([Uint8Array.of(4)]);
    await until(() => received.length === 4 && peer !== undefined, 'bytes at the server');
    expect(received).toEqual([1, 2, 3, 4]);
    peer?.write(Uint8Array.of(0xd0, 0x00));
    await until(() => seen.data.length === 2, 'bytes at the client');
    expect(seen.data).toEqual([0xd0, 0x00]);
    peer?.destroy();
    await until(() => seen.closes.length > 0, 'close');
    expect(seen.closes).toHaveLength(1);
  });

  it('flushes written bytes before closing on close()', async () => {
    const received: number[] = [];
    let ended = false;
    const port = await listen(
      createServer((socket) => {
        socket.on('data', (chunk) => received.push(...chunk));
        socket.on('end', () => {
          ended = true;
          socket.end();
        });
      }),
    );
    const seen = recorder();
    const stream = await tcpConnector({ host: '127.0.0.1', port })(seen);
    stream.write([Uint8Array.of(0xe0, 0x00)]); // DISCONNECT
    stream.close();
    await until(() => ended && seen.closes.length === 1, 'orderly close');
    expect(received).toEqual([0xe0, 0x00]);
  });

  it('binds the given source address, so one host can open more connections to a hub than one address has ports', async () => {
    const peers: string[] = [];
    const port = await listen(createServer((socket) => peers.push(socket.remoteAddress ?? '')));
    const streams = await Promise.all(['127.0.0.2', '127.0.0.3'].map((localAddress) => tcpConnector({ host: '127.0.0.1', port, localAddress })(recorder())));
    await until(() => peers.length === 2, 'both connections');
    expect(peers.sort()).toEqual(['127.0.0.2', '127.0.0.3']);
    for (const stream of streams) stream.close();
  });

  it('rejects when nothing listens', async () => {
    const port = await listen(createServer());
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 10));
    await expect(tcpConnector({ host: '127.0.0.1', port })(recorder())).rejects.toThrow();
  });

  describe('over TLS', () => {
    it('connects when the certificate matches the servername and refuses when it does not', async () => {
      // A CA and a server certificate for hub.test (and the loopback names) it signed.
      const { key, cert, ca } = await loadOrCreateTls(undefined, serverNames(['hub.test']));
      const server = createTlsServer({ key, cert }, (socket) => socket.on('data', (chunk) => socket.write(chunk)));
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;

      const seen = recorder();
      const stream = await tcpConnector({ host: '127.0.0.1', port, tls: { servername: 'hub.test', ca } })(seen);
      expect(stream.label).toBe(`tls 127.0.0.1:${port}`);
      stream.write([Uint8Array.of(0xc0, 0x00)]);
      await until(() => seen.data.length === 2, 'echo over TLS');
      expect(seen.data).toEqual([0xc0, 0x00]);
      stream.close();

      await expect(
        tcpConnector({ host: '127.0.0.1', port, tls: { servername: 'other.test', ca } })(recorder()),
      ).rejects.toThrow(/other\.test|altnames|Hostname/i);
      await expect(tcpConnector({ host: '127.0.0.1', port, tls: { servername: 'hub.test' } })(recorder())).rejects.toThrow();
    });
  });
});
