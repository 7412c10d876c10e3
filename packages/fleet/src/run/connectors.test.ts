import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../config/flags.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { connectorsFor } from './connectors.ts';

describe('connectorsFor', () => {
  it('spreads devices over the source addresses in turn, one connector per host and source', async () => {
    const peers: Socket[] = [];
    const server = createServer((socket) => peers.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const config = parseFlags(['--transport', 'tcp', '--hub', `127.0.0.1:${port}`]) as FleetConfig;
      const connectorFor = connectorsFor(config, undefined, ['127.0.0.2', '127.0.0.3']);
      expect(connectorFor('hub.example', 0)).toBe(connectorFor('hub.example', 2));
      expect(connectorFor('hub.example', 0)).not.toBe(connectorFor('hub.example', 1));
      const handlers = { onData: () => undefined, onClose: () => undefined };
      const streams = [];
      for (let index = 0; index < 4; index++) streams.push(await connectorFor('hub.example', index)(handlers));
      for (let i = 0; i < 200 && peers.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(peers.map((peer) => peer.remoteAddress).sort()).toEqual(['127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3']);
      for (const stream of streams) stream.close();
    } finally {
      for (const peer of peers) peer.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
