/**
 * HubClient (the promise-and-callbacks client of @hubwire/node) against the simulated IoT Hub over
 * real loopback sockets: TLS and WebSocket over TLS (the hub's generated CA), plain WebSocket and
 * TCP, and DPS then hub. Every wait is bounded; every client and server is closed in `afterAll`.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubClient, HubClientError, type HubClientOptions } from '@hubwire/node';
import { SimHub, type SimHubAddresses } from '@hubwire/sim-hub';

const WAIT = 5000;

/** Resolves once `condition()` holds, polling every 5 ms; rejects after WAIT. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < WAIT / 5 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('HubClient against the simulated hub', () => {
  const hub = new SimHub({ dps: { retryAfterSeconds: 1, pollsBeforeAssigned: 1 } });
  let addresses: SimHubAddresses;
  const clients: HubClient[] = [];

  /** Registers `deviceId` (once) and connects it over TLS unless `options` say otherwise. */
  async function connect(deviceId: string, options: Partial<HubClientOptions> = {}): Promise<HubClient> {
    if (hub.device(deviceId) === undefined) hub.addDevice({ deviceId });
    const client = await HubClient.connect({
      connectionString: hub.connectionString(deviceId),
      host: '127.0.0.1',
      port: addresses.mqttsPort,
      ca: addresses.caPem,
      connectTimeoutMs: WAIT,
      backoff: { baseMs: 50, maxMs: 200 },
      ...options,
    });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    addresses = await hub.start();
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await hub.close();
  });

  it('sends telemetry over verified TLS and resolves when the hub acknowledged it', async () => {
    const client = await connect('tls-device');
    await client.sendTelemetry('{"t":21.5}', { contentType: 'application/json', properties: { room: 'lab' } });
    const record = hub.telemetry((r) => r.deviceId === 'tls-device');
    expect(record).toHaveLength(1); // recorded before the PUBACK, so it is there when the promise resolves
    expect(record[0]?.text).toBe('{"t":21.5}');
    expect(record[0]?.properties.application['room']).toBe('lab');
    expect(client.isConnected).toBe(true);
    expect(hub.connectedDevices().find((c) => c.deviceId === 'tls-device')?.transport).toBe('tls');
  });

  it('reads the twin, patches reported properties and hears desired patches', async () => {
    const client = await connect('twin-device');
    const patches: [Readonly<Record<string, unknown>>, number][] = [];
    client.onDesired((patch, version) => patches.push([patch, version]));
    const { version } = await client.patchReported({ firmware: '1.2.3' });
    expect(version).toBeGreaterThanOrEqual(2);
    const twin = await client.getTwin();
    expect(twin.reported['firmware']).toBe('1.2.3');
    expect(twin.reportedVersion).toBe(version);
    const desiredVersion = hub.updateDesired('twin-device', { interval: 30 });
    await until(() => patches.length === 1, 'the desired patch');
    expect(patches[0]?.[0]['interval']).toBe(30);
    expect(patches[0]?.[1]).toBe(desiredVersion);
  });

  it('answers direct methods with the handler status and body, 501 without a handler, 500 when it throws', async () => {
    const client = await connect('method-device');
    client.onMethod('reboot', async ({ payload }) => ({ status: 202, body: { delay: (payload as { delay: number }).delay } }));
    client.onMethod('explode', () => {
      throw new Error('boom');
    });
    await hub.waitForConnection('method-device', { filters: ['$iothub/methods/POST/#'], timeoutMs: WAIT });
    expect(await hub.invokeMethod('method-device', 'reboot', { delay: 3 }, { timeoutMs: WAIT })).toEqual({ status: 202, payload: { delay: 3 } });
    expect(await hub.invokeMethod('method-device', 'explode', null, { timeoutMs: WAIT })).toEqual({ status: 500, payload: { message: 'boom' } });
    const unknown = await hub.invokeMethod('method-device', 'dance', null, { timeoutMs: WAIT });
    expect(unknown.status).toBe(501);
  });

  it('delivers cloud-to-device messages with their properties', async () => {
    const client = await connect('c2d-device');
    const received: string[] = [];
    client.onC2d((message) => received.push(`${new TextDecoder().decode(message.body)} ${message.properties.application['kind']}`));
    const receipt = await hub.sendC2d('c2d-device', 'hello', { application: { kind: 'greeting' } });
    expect(receipt.outcome).toBe('completed');
    expect(received).toEqual(['hello greeting']);
  });

  it('keeps QoS 1 telemetry across a dropped connection and reports the reconnect', async () => {
    const client = await connect('flaky-device');
    const statuses: string[] = [];
    client.onStatus((status) => statuses.push(status));
    expect(await hub.disconnectDevice('flaky-device')).toBe(true);
    await until(() => statuses.includes('reconnecting'), 'the client to notice');
    const sent = client.sendTelemetry('after the drop'); // queued while offline, sent after CONNACK
    await sent;
    expect(statuses).toEqual(['reconnecting', 'connected']);
    expect(hub.telemetry((r) => r.deviceId === 'flaky-device').map((r) => r.text)).toEqual(['after the drop']);
  });

  it('connects over WebSocket over TLS, plain WebSocket and plain TCP as well', async () => {
    const wss = await connect('wss-device', { transport: 'websocket', port: addresses.wssPort });
    const ws = await connect('ws-device', { transport: 'websocket', secure: false, port: addresses.wsPort });
    const tcp = await connect('tcp-device', { transport: 'tcp', port: addresses.mqttPort });
    await Promise.all([wss.sendTelemetry('over wss'), ws.sendTelemetry('over ws'), tcp.sendTelemetry('over tcp')]);
    const transports = new Map(hub.connectedDevices().map((c) => [c.deviceId, c.transport]));
    expect([transports.get('wss-device'), transports.get('ws-device'), transports.get('tcp-device')]).toEqual(['wss', 'ws', 'tcp']);
  });

  it('dials the port a GatewayHostName carries, as a local hub writes it, over verified TLS', async () => {
    hub.addDevice({ deviceId: 'gateway-device' });
    const client = await HubClient.connect({
      connectionString: hub.connectionString('gateway-device', undefined, { gatewayHostName: `127.0.0.1:${addresses.mqttsPort}` }),
      ca: addresses.caPem,
      connectTimeoutMs: WAIT,
    });
    clients.push(client);
    await client.sendTelemetry('through the gateway port');
    expect(hub.telemetry((r) => r.deviceId === 'gateway-device').map((r) => r.text)).toEqual(['through the gateway port']);
    expect(hub.connectedDevices().find((c) => c.deviceId === 'gateway-device')?.transport).toBe('tls');
  });

  it('registers through DPS with a group key, then talks to the assigned hub', async () => {
    const { key } = hub.dps.addGroupEnrollment();
    const client = await HubClient.connect({
      provisioning: { idScope: addresses.idScope, registrationId: 'dps-device-1', groupKey: key, host: '127.0.0.1', port: addresses.dpsPort },
      transport: 'tcp',
      host: '127.0.0.1',
      port: addresses.mqttPort,
      connectTimeoutMs: WAIT,
    });
    clients.push(client);
    await client.sendTelemetry('provisioned');
    expect(hub.telemetry((r) => r.deviceId === 'dps-device-1').map((r) => r.text)).toEqual(['provisioned']);
  });

  it('rejects pending work with code closed when closed', async () => {
    const client = await connect('closing-device');
    client.onStatus(() => undefined);
    hub.failTwinRequests(0);
    const pending = client.getTwin();
    const closing = client.close();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    await closing;
    await expect(client.sendTelemetry('late')).rejects.toMatchObject({ name: 'HubClientError', code: 'closed' });
  });

  describe('typed errors', () => {
    it('connect-refused with the CONNACK reason for a wrong key', async () => {
      hub.addDevice({ deviceId: 'wrong-key' });
      const wrong = hub.connectionString('wrong-key').replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${Buffer.alloc(32, 7).toString('base64')}`);
      const error = await HubClient.connect({ connectionString: wrong, host: '127.0.0.1', port: addresses.mqttsPort, ca: addresses.caPem }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HubClientError);
      expect(error).toMatchObject({ code: 'connect-refused', reason: 'not-authorized', returnCode: 5 });
    });

    it('unreachable for a closed port and for a certificate that does not verify', async () => {
      hub.addDevice({ deviceId: 'nowhere' });
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const closedPort = (server.address() as AddressInfo).port;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const base = { connectionString: hub.connectionString('nowhere'), host: '127.0.0.1' };
      await expect(HubClient.connect({ ...base, port: closedPort, transport: 'tcp' })).rejects.toMatchObject({ code: 'unreachable', message: /ECONNREFUSED/ });
      // The system CAs do not include the test CA: the handshake must fail, not fall back.
      await expect(HubClient.connect({ ...base, port: addresses.mqttsPort })).rejects.toMatchObject({ code: 'unreachable', message: /certificate/i });
    });

    it('invalid-argument for a broken connection string and a body over 256 KB', async () => {
      await expect(HubClient.connect({ connectionString: 'HostName=only' })).rejects.toMatchObject({ code: 'invalid-argument' });
      const client = await connect('big-body');
      await expect(client.sendTelemetry(new Uint8Array(300 * 1024))).rejects.toMatchObject({ code: 'invalid-argument', message: /256|262144|bytes/ });
    });

    it('throttled when the hub answers 429', async () => {
      const client = await connect('throttled-device');
      hub.failTwinRequests(1, 429);
      await expect(client.getTwin()).rejects.toMatchObject({ code: 'throttled', status: 429, retriable: true });
    });
  });
});
