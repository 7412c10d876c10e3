/**
 * The simulated hub's CONNECT handling, driven with raw MQTT (mqtt-packet over TCP/WebSocket):
 * SAS verification and the documented CONNACK mapping, X.509, one connection per identity,
 * forced disconnects, token expiry, and the WebSocket listener.
 */
import { createSasToken, deviceResourceUri, hubCredentials } from '@hubwire/sas';
import { describe, expect, it } from 'vitest';
import { parseHubUserName, RawMqttClient } from '@hubwire/sim-hub';
import { useSimHub } from './support/sim-hub.ts';

const NOW_MS = 1_800_000_000_000;
let now = NOW_MS;
const log: string[] = [];
const sim = useSimHub(() => {
  now = NOW_MS;
  log.length = 0;
  return { clock: () => now, onLog: (line) => log.push(line) };
});

function tcp(): Promise<RawMqttClient> {
  return sim.raw();
}

/** A token for `deviceId` signed with `key`, expiring `ttlSeconds` after the hub clock. */
function token(deviceId: string, key: string, ttlSeconds = 3600, moduleId?: string): Promise<string> {
  return createSasToken({
    resourceUri: deviceResourceUri(sim.hub.hostName, deviceId, moduleId),
    key,
    expiresAt: Math.floor(now / 1000) + ttlSeconds,
  });
}

describe('SAS authentication', () => {
  it('accepts a token signed with the registered key (CONNACK 0)', async () => {
    const { key } = sim.hub.addDevice({ deviceId: 'dev1' });
    const credentials = hubCredentials({ hostName: sim.hub.hostName, deviceId: 'dev1', password: await token('dev1', key!) });
    const client = await tcp();
    expect(await client.connect(credentials)).toBe(0);
    await sim.hub.waitForConnection('dev1');
    expect(sim.hub.connectedDevices()).toMatchObject([{ deviceId: 'dev1', clientId: 'dev1', transport: 'tcp' }]);
  });

  it('refuses an expired token with CONNACK 5', async () => {
    const { key } = sim.hub.addDevice({ deviceId: 'dev1' });
    const expired = await token('dev1', key!, -1);
    const client = await tcp();
    expect(await client.connect(hubCredentials({ hostName: sim.hub.hostName, deviceId: 'dev1', password: expired }))).toBe(5);
    await client.waitClosed();
    expect(sim.hub.stats().connectionsRefused).toBe(1);
  });

  it('refuses a token signed with another key with CONNACK 5', async () => {
    sim.hub.addDevice({ deviceId: 'dev1' });
    const other = Buffer.alloc(32, 7).toString('base64');
    const client = await tcp();
    const credentials = hubCredentials({ hostName: sim.hub.hostName, deviceId: 'dev1', password: await token('dev1', other) });
    expect(await client.connect(credentials)).toBe(5);
  });

  it("refuses another device's valid token with CONNACK 5 (wrong resource)", async () => {
    const { key } = sim.hub.addDevice({ deviceId: 'dev1' });
    sim.hub.addDevice({ deviceId: 'dev2', key: key! });
    const client = await tcp();
    const credentials = hubCredentials({ hostName: sim.hub.hostName, deviceId: 'dev2', password: await token('dev1', key!) });
    expect(await client.connect(credentials)).toBe(5);
  });

  it('refuses an unregistered device, and a client id that differs from the user name, with CONNACK 2', async () => {
    const { key } = sim.hub.addDevice({ deviceId: 'dev1' });
    const unknown = await tcp();
    expect(await unknown.connect(hubCredentials({ hostName: sim.hub.hostName, deviceId: 'ghost', password: 'x' }))).toBe(2);
    const mismatched = await tcp();
    const credentials = hubCredentials({ hostName: sim.hub.hostName, deviceId: 'dev1', password: await token('dev1', key!) });
    expect(await mismatched.connect({ ...credentials, clientId: 'dev2' })).toBe(2);
  });

  it('refuses a malformed user name, another host, a missing password or a non-token password with CONNACK 4', async () => {
    const { key } = sim.hub.addDevice({ deviceId: 'dev1' });
    const password = await token('dev1', key!);
    const cases = [
      { clientId: 'dev1', username: 'dev1', password },
      { clientId: 'dev1', username: 'other.azure-devices.net/dev1/?api-version=2021-04-12', password },
      { clientId: 'dev1', username: `${sim.hub.hostName}/dev1/?model-id=x`, password },
      { clientId: 'dev1', username: `${sim.hub.hostName}/dev1/?api-version=2021-04-12` },
      { clientId: 'dev1', username: `${sim.hub.hostName}/dev1/?api-version=2021-04-12`, password: 'hunter2' },
    ];
    for (const options of cases) {
      const client = await tcp();
      expect(await client.connect(options), JSON.stringify(options)).toBe(4);
    }
  });

  it('accepts a module identity with a token scoped to the module, and records its model id', async () => {
    sim.hub.addDevice({ deviceId: 'edge1' });
    const { key } = sim.hub.addDevice({ deviceId: 'edge1', moduleId: 'filter' });
    const password = await token('edge1', key!, 3600, 'filter');
    const credentials = hubCredentials({ hostName: sim.hub.hostName, deviceId: 'edge1', moduleId: 'filter', modelId: 'dtmi:com:example:Filter;1', password });
    const client = await tcp();
    expect(credentials.clientId).toBe('edge1/filter');
    expect(await client.connect(credentials)).toBe(0);
    await sim.hub.waitForConnection('edge1', { moduleId: 'filter' });
    expect(sim.hub.connectedDevices()[0]).toMatchObject({ deviceId: 'edge1', moduleId: 'filter', modelId: 'dtmi:com:example:Filter;1' });
  });

  it('accepts an X.509 device without a password', async () => {
    sim.hub.addDevice({ deviceId: 'cert-dev', x509: true });
    expect(sim.hub.connectionString('cert-dev')).toBe(`HostName=${sim.hub.hostName};DeviceId=cert-dev;x509=true`);
    const client = await tcp();
    expect(await client.connect(await sim.hub.credentials('cert-dev'))).toBe(0);
  });

  it('builds a connection string whose key signs accepted tokens', async () => {
    sim.hub.addDevice({ deviceId: 'dev1', key: Buffer.alloc(32, 1).toString('base64') });
    expect(sim.hub.connectionString('dev1')).toBe(`HostName=sim-hub.local;DeviceId=dev1;SharedAccessKey=${Buffer.alloc(32, 1).toString('base64')}`);
    const client = await tcp();
    expect(await client.connect(await sim.hub.credentials('dev1'))).toBe(0);
  });
});

describe('connection lifetime', () => {
  it('drops the older connection when a second CONNECT uses the same client id, and says so', async () => {
    sim.hub.addDevice({ deviceId: 'dev1' });
    const first = await tcp();
    expect(await first.connect(await sim.hub.credentials('dev1'))).toBe(0);
    const second = await tcp();
    expect(await second.connect(await sim.hub.credentials('dev1'))).toBe(0);
    await first.waitClosed();
    expect(second.isClosed).toBe(false);
    expect(sim.hub.stats().takeovers).toBe(1);
    await sim.hub.waitUntil(() => log.some((line) => line.includes('superseded by a new connection')), 2000, 'takeover log line');
    expect(sim.hub.connectedDevices()).toHaveLength(1);
  });

  it('does not drop the live connection when a second CONNECT is refused', async () => {
    sim.hub.addDevice({ deviceId: 'dev1' });
    const first = await tcp();
    expect(await first.connect(await sim.hub.credentials('dev1'))).toBe(0);
    const intruder = await tcp();
    expect(await intruder.connect({ ...(await sim.hub.credentials('dev1')), password: 'SharedAccessSignature sr=a&sig=b&se=1' })).not.toBe(0);
    await intruder.waitClosed();
    expect(first.isClosed).toBe(false);
    expect(sim.hub.isConnected('dev1')).toBe(true);
  });

  it('disconnectDevice resolves once the connection is gone; a method invoked then fails 404 at once', async () => {
    sim.hub.addDevice({ deviceId: 'dev1' });
    const client = await tcp();
    await client.connect(await sim.hub.credentials('dev1'));
    expect(await client.subscribe([['$iothub/methods/POST/#', 0]])).toEqual([0]);
    await sim.hub.waitForConnection('dev1', { filters: ['$iothub/methods/POST/#'] });
    expect(await sim.hub.disconnectDevice('dev1')).toBe(true);
    expect(sim.hub.isConnected('dev1')).toBe(false);
    expect(sim.hub.connectedDevices()).toEqual([]);
    const started = Date.now();
    await expect(sim.hub.invokeMethod('dev1', 'reboot', null, { timeoutMs: 5000 })).rejects.toMatchObject({ status: 404, code: 'device-offline' });
    expect(Date.now() - started).toBeLessThan(1000);
    await client.waitClosed();
    expect(await sim.hub.disconnectDevice('dev1')).toBe(false);
  });

  it('closes a connection once its SAS token expires on the hub clock', async () => {
    sim.hub.addDevice({ deviceId: 'dev1' });
    const client = await tcp();
    await client.connect(await sim.hub.credentials('dev1', { ttlSeconds: 60 }));
    await sim.hub.waitForConnection('dev1');
    expect(sim.hub.enforceTokenExpiry()).toBe(0);
    now += 61_000;
    expect(sim.hub.enforceTokenExpiry()).toBe(1);
    await client.waitClosed();
  });

  it('publishes the Will as telemetry marked iothub-MessageType=Will when the socket drops', async () => {
    sim.hub.addDevice({ deviceId: 'dev1' });
    const client = await tcp();
    const credentials = await sim.hub.credentials('dev1');
    await client.connect({ ...credentials, will: { topic: 'devices/dev1/messages/events/', payload: 'gone', qos: 1 } });
    await sim.hub.waitForConnection('dev1');
    client.destroy();
    const will = await sim.hub.waitForTelemetry((record) => record.will, 3000);
    expect(will).toMatchObject({ deviceId: 'dev1', text: 'gone', will: true });
    expect(will.properties.application['iothub-MessageType']).toBe('Will');
  });
});

describe('WebSocket listener', () => {
  it('speaks MQTT on /$iothub/websocket with subprotocol mqtt', async () => {
    sim.hub.addDevice({ deviceId: 'dev1' });
    const client = sim.track(await RawMqttClient.webSocket(sim.ports.wsPort));
    expect(await client.connect(await sim.hub.credentials('dev1'))).toBe(0);
    await client.publish('devices/dev1/messages/events/', 'over ws', { qos: 1 });
    expect(sim.hub.telemetry()[0]).toMatchObject({ text: 'over ws', qos: 1 });
    expect(sim.hub.connectedDevices()[0]!.transport).toBe('ws');
  });

  it('accepts the SDK path variant with ?iothub-no-client-cert=true', async () => {
    sim.hub.addDevice({ deviceId: 'dev1' });
    const client = sim.track(await RawMqttClient.webSocket(sim.ports.wsPort, '/$iothub/websocket?iothub-no-client-cert=true'));
    expect(await client.connect(await sim.hub.credentials('dev1'))).toBe(0);
  });

  it('refuses an upgrade without the mqtt subprotocol, and other paths', async () => {
    await expect(RawMqttClient.webSocket(sim.ports.wsPort, '/$iothub/websocket', [])).rejects.toThrow(/401/);
    await expect(RawMqttClient.webSocket(sim.ports.wsPort, '/$iothub/websocket', ['mqttv3.1'])).rejects.toThrow(/401/);
    await expect(RawMqttClient.webSocket(sim.ports.wsPort, '/mqtt')).rejects.toThrow(/400|404/);
  });
});

describe('parseHubUserName', () => {
  it('splits host, device, module and the decoded query, even for ids holding ? and =', () => {
    const parsed = parseHubUserName('h.example/d?=1/m!/?api-version=2021-04-12&DeviceClientType=a%2Fb&model-id=dtmi%3Ax%3B1');
    expect(parsed).toMatchObject({ hostName: 'h.example', deviceId: 'd?=1', moduleId: 'm!' });
    expect(Object.fromEntries(parsed!.query)).toEqual({ 'api-version': '2021-04-12', DeviceClientType: 'a/b', 'model-id': 'dtmi:x;1' });
  });

  it('returns undefined without /?, with an empty or extra segment, or with a bad escape', () => {
    for (const name of ['h/d', 'h/d?api-version=1', 'h//?api-version=1', 'h/d/m/x/?api-version=1', 'h/d/?a=%zz']) {
      expect(parseHubUserName(name), name).toBeUndefined();
    }
  });
});

describe('lifecycle', () => {
  it('close() is safe to call twice and refuses new connections afterwards', async () => {
    const { mqttPort } = sim.ports;
    await sim.hub.close();
    await sim.hub.close();
    await expect(RawMqttClient.tcp(mqttPort)).rejects.toThrow();
  });
});
