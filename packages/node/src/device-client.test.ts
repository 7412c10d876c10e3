import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceEngine } from '@hubwire/core';
import type { DeviceEvent } from '@hubwire/core';
import type { ByteStream, StreamHandlers } from './byte-stream.ts';
import { DeviceClient, type DriverNotice } from './device-client.ts';

const CONNACK = Uint8Array.of(0x20, 0x02, 0x00, 0x00);

/** A connector whose streams only record what was written; the test plays the hub through `handlers`. */
function fakeNetwork(): { connector: (handlers: StreamHandlers) => Promise<ByteStream>; opened: StreamHandlers[]; closed: number[] } {
  const opened: StreamHandlers[] = [];
  const closed: number[] = [];
  return {
    opened,
    closed,
    connector: async (handlers) => {
      const index = opened.push(handlers) - 1;
      return {
        label: `fake ${index}`,
        write: () => {},
        close: () => {
          closed.push(index);
          handlers.onClose('closed locally');
        },
      };
    },
  };
}

describe('DeviceClient token renewal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('renews on token-expiring with disconnect renewing, so a pending twin request survives the new connection', async () => {
    const engine = new DeviceEngine({ hostName: 'h.azure-devices.net', deviceId: 'd1', keepAliveSeconds: 0, requestTimeoutMs: 60_000 });
    const disconnect = vi.spyOn(engine, 'disconnect');
    const network = fakeNetwork();
    const events: DeviceEvent[] = [];
    const notices: DriverNotice[] = [];
    let tokens = 0;
    const client = new DeviceClient({
      engine,
      connector: network.connector,
      auth: async () => ({ password: `token-${++tokens}`, passwordExpiresAt: Date.now() + 10_000 }),
      renewTokens: true,
      clock: () => Date.now(),
      onEvent: (event) => events.push(event),
      onNotice: (notice) => notices.push(notice),
    });
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    network.opened[0]?.onData(CONNACK);
    expect(engine.state).toBe('connected');
    // No SUBACK comes, so the request waits on this connection when the token runs out.
    client.act((hub, now) => hub.getTwin(now));

    await vi.advanceTimersByTimeAsync(8000); // default margin: a fifth of the 10 s lifetime
    expect(notices).toContainEqual({ type: 'renewing-token' });
    expect(disconnect).toHaveBeenCalledWith(8000, { renewing: true });
    expect(network.closed).toEqual([0]);
    expect(network.opened).toHaveLength(2);
    expect(tokens).toBe(2);
    expect(engine.pendingRequests).toBe(1);
    expect(events.filter((e) => e.type === 'request-failed')).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['connected', 'token-expiring', 'disconnected']);
    await client.stop();
  });
});
