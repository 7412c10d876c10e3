/**
 * The official Azure IoT Node SDKs against the simulated hub, over TLS, with their standard transports
 * (`Mqtt`, `MqttWs`) and no subclassing: the device connection string's GatewayHostName sends the SDK
 * to the hub, and the hub's CA is trusted through the SDK's `ca` option (NODE_EXTRA_CA_CERTS for the
 * provisioning SDK, which has no such option). Telemetry with properties, C2D, a direct method, twin
 * get / reported patch / desired push and their failures, a module input, and DPS registrations.
 */
import { spawn } from 'node:child_process';
import { Agent as HttpsAgent } from 'node:https';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveGroupKey } from '@hubwire/sas';
import { Client, Message, ModuleClient, type Twin } from 'azure-iot-device';
import { Mqtt, MqttWs } from 'azure-iot-device-mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { gatewayHostName } from '../packages/sim-hub/src/cli/connection-info.ts';
import { tempStateDir, useSimHub } from './support/sim-hub.ts';

const WAIT = 10_000;
const PROVISION = fileURLToPath(new URL('./support/azure-provision.cjs', import.meta.url));
const sim = useSimHub(() => ({ dps: { retryAfterSeconds: 1, pollsBeforeAssigned: 1 } }), { scope: 'file' });

/** A device connection string as the CLI writes it: GatewayHostName is this hub's MQTTS listener. */
function deviceConnectionString(deviceId: string, moduleId?: string): string {
  if (sim.hub.device(deviceId, moduleId) === undefined) sim.hub.addDevice({ deviceId, ...(moduleId === undefined ? {} : { moduleId }) });
  return sim.hub.connectionString(deviceId, moduleId, { gatewayHostName: gatewayHostName(sim.ports) });
}

/** An SDK device client over `Mqtt`, trusting the hub's CA, opened; closed after the test. */
async function openDevice(deviceId: string): Promise<Client> {
  const client = Client.fromConnectionString(deviceConnectionString(deviceId), Mqtt);
  await client.setOptions({ ca: sim.ports.caPem });
  await client.open();
  onTestFinished(() => client.close().then(() => undefined));
  return client;
}

/** The SDK's `twin.properties.reported.update(patch, callback)`; resolves with its error, if any. */
function updateReported(twin: Twin, patch: Record<string, unknown>): Promise<Error | undefined> {
  const reported = twin.properties.reported as unknown as { update(patch: unknown, done: (error?: Error) => void): void };
  return new Promise((resolve) => reported.update(patch, (error) => resolve(error ?? undefined)));
}

describe('azure-iot-device with its Mqtt transport (TLS)', () => {
  it('connects with SAS from the connection string and sends telemetry with system and application properties', async () => {
    const client = await openDevice('sdk-telemetry');
    expect(sim.hub.connectedDevices().find((c) => c.deviceId === 'sdk-telemetry')).toMatchObject({ transport: 'tls' });
    const message = new Message(JSON.stringify({ temperature: 21.5 }));
    message.messageId = 'sdk-1';
    message.correlationId = 'corr-1';
    message.contentType = 'application/json';
    message.contentEncoding = 'utf-8';
    message.properties.add('alert', 'high');
    message.properties.add('room name', 'kitchen');
    await client.sendEvent(message);
    const record = await sim.hub.waitForTelemetry((r) => r.deviceId === 'sdk-telemetry', WAIT);
    expect(JSON.parse(record.text)).toEqual({ temperature: 21.5 });
    expect(record.qos).toBe(1);
    expect(record.properties).toMatchObject({ messageId: 'sdk-1', correlationId: 'corr-1', contentType: 'application/json', contentEncoding: 'utf-8' });
    expect({ ...record.properties.application }).toMatchObject({ alert: 'high', 'room name': 'kitchen' });
  });

  it('receives a C2D message with its properties and completes it', async () => {
    const client = await openDevice('sdk-c2d');
    const received = new Promise<Message>((resolve) => client.on('message', (message: Message) => resolve(message)));
    await sim.hub.waitForConnection('sdk-c2d', { filters: ['devices/sdk-c2d/messages/devicebound/#'], timeoutMs: WAIT });
    const receipt = sim.hub.sendC2d('sdk-c2d', 'open the valve', { messageId: 'c2d-1', correlationId: 'c-7', application: { priority: 'high' } });
    const message = await received;
    expect(message.getData().toString()).toBe('open the valve');
    expect(message.messageId).toBe('c2d-1');
    expect(message.correlationId).toBe('c-7');
    expect(message.properties.getValue('priority')).toBe('high');
    await client.complete(message);
    await expect(receipt).resolves.toEqual({ messageId: 'c2d-1', outcome: 'completed', deliveryCount: 1 });
  });

  it('answers a direct method', async () => {
    const client = await openDevice('sdk-method');
    client.onDeviceMethod('reboot', (request, response) => {
      void response.send(200, { rebooting: true, delay: (request.payload as { delay: number }).delay });
    });
    await sim.hub.waitForConnection('sdk-method', { filters: ['$iothub/methods/POST/#'], timeoutMs: WAIT });
    await expect(sim.hub.invokeMethod('sdk-method', 'reboot', { delay: 5 }, { timeoutMs: WAIT })).resolves.toEqual({ status: 200, payload: { rebooting: true, delay: 5 } });
  });

  it('gets the twin, patches reported properties, and receives a desired change', async () => {
    sim.hub.addDevice({ deviceId: 'sdk-twin' });
    sim.hub.updateDesired('sdk-twin', { target: 20 });
    const client = await openDevice('sdk-twin');
    const twin = await client.getTwin();
    expect(twin.properties.desired).toMatchObject({ target: 20, $version: 2 });
    expect(await updateReported(twin, { firmware: '2.1.0', net: { ssid: 'lab' } })).toBeUndefined();
    expect(sim.hub.twin('sdk-twin').reported).toEqual({ firmware: '2.1.0', net: { ssid: 'lab' }, $version: 2 });

    let version = 0;
    const pushed = new Promise<Record<string, unknown>>((resolve) =>
      twin.on('properties.desired', (patch: Record<string, unknown>) => {
        if (patch['$version'] === version) resolve(patch);
      }),
    );
    await sim.hub.waitForConnection('sdk-twin', { filters: ['$iothub/twin/PATCH/properties/desired/#'], timeoutMs: WAIT });
    version = sim.hub.updateDesired('sdk-twin', { target: 23 });
    expect(await pushed).toEqual({ target: 23, $version: version });
    expect(twin.properties.desired).toMatchObject({ target: 23, $version: version });
  });

  it('reports a reported patch the hub refuses (400) as an error, and survives a throttled twin read (429)', async () => {
    const client = await openDevice('sdk-twin-errors');
    const twin: Twin = await client.getTwin();
    const refused = await updateReported(twin, { 'bad.key': 1 });
    expect(refused).toBeInstanceOf(Error);
    expect(refused!.message).toMatch(/reported patch refused/);
    expect(sim.hub.twin('sdk-twin-errors').reported).toEqual({ $version: 1 });

    sim.hub.failTwinRequests(1, 429);
    const throttled = await new Promise<Error | undefined>((resolve) => twin.get((error?: Error) => resolve(error)));
    expect(throttled?.message).toMatch(/throttled/);
    // The client is still usable afterwards.
    expect(await updateReported(twin, { ok: true })).toBeUndefined();
    expect(sim.hub.twin('sdk-twin-errors').reported).toEqual({ ok: true, $version: 2 });
  });
});

describe('azure-iot-device with its MqttWs transport (WebSocket over TLS)', () => {
  it('connects through the SDK\'s webSocketAgent option and exchanges telemetry, a method and C2D', async () => {
    // MqttWs always dials port 443 of GatewayHostName; an agent (the SDK's proxy hook) dials the hub's WSS port instead.
    const agent = new HttpsAgent({ ca: sim.ports.caPem });
    agent.createConnection = ((options: ConnectionOptions) => connectTls({ ...options, host: '127.0.0.1', port: sim.ports.wssPort })) as unknown as typeof agent.createConnection;
    sim.hub.addDevice({ deviceId: 'sdk-ws' });
    const client = Client.fromConnectionString(sim.hub.connectionString('sdk-ws', undefined, { gatewayHostName: 'localhost' }), MqttWs);
    await client.setOptions({ ca: sim.ports.caPem, mqtt: { webSocketAgent: agent } });
    await client.open();
    onTestFinished(() => client.close().then(() => undefined));
    expect(sim.hub.connectedDevices().find((c) => c.deviceId === 'sdk-ws')).toMatchObject({ transport: 'wss' });

    const message = new Message('over websocket');
    message.properties.add('via', 'wss');
    await client.sendEvent(message);
    expect((await sim.hub.waitForTelemetry((r) => r.deviceId === 'sdk-ws', WAIT)).properties.application['via']).toBe('wss');

    client.onDeviceMethod('ping', (_request, response) => void response.send(200, 'pong'));
    const received = new Promise<Message>((resolve) => client.on('message', (m: Message) => resolve(m)));
    await sim.hub.waitForConnection('sdk-ws', { filters: ['$iothub/methods/POST/#', 'devices/sdk-ws/messages/devicebound/#'], timeoutMs: WAIT });
    await expect(sim.hub.invokeMethod('sdk-ws', 'ping', null, { timeoutMs: WAIT })).resolves.toEqual({ status: 200, payload: 'pong' });
    const receipt = sim.hub.sendC2d('sdk-ws', 'c2d over websocket');
    const c2d = await received;
    expect(c2d.getData().toString()).toBe('c2d over websocket');
    await client.complete(c2d);
    await expect(receipt).resolves.toMatchObject({ outcome: 'completed' });
  });
});

describe('azure-iot-device ModuleClient (Mqtt, TLS)', () => {
  it('receives a module input on the filter the SDK subscribes (devices/{d}/modules/{m}/inputs/#) and completes it', async () => {
    sim.hub.addDevice({ deviceId: 'edge-device' });
    const client = ModuleClient.fromConnectionString(deviceConnectionString('edge-device', 'filter'), Mqtt);
    await client.setOptions({ ca: sim.ports.caPem });
    await client.open();
    onTestFinished(() => client.close().then(() => undefined));
    const received = new Promise<[string, Message]>((resolve) => client.on('inputMessage', (input: string, message: Message) => resolve([input, message])));
    await sim.hub.waitForConnection('edge-device', { moduleId: 'filter', filters: ['devices/edge-device/modules/filter/inputs/#'], timeoutMs: WAIT });
    const receipt = sim.hub.sendModuleInput('edge-device', 'filter', 'input1', '{"t":30}', { application: { source: 'sensor' } });
    const [input, message] = await received;
    expect(input).toBe('input1');
    expect(message.getData().toString()).toBe('{"t":30}');
    expect(message.properties.getValue('source')).toBe('sensor');
    await client.complete(message);
    await expect(receipt).resolves.toMatchObject({ outcome: 'completed', deliveryCount: 1 });
  });
});

describe('azure-iot-provisioning-device with its Mqtt transport (TLS)', () => {
  /** Runs the SDK registration in a child process trusting the CA via NODE_EXTRA_CA_CERTS; resolves with its result. */
  async function register(registrationId: string, deviceKey: string): Promise<{ assignedHub: string; deviceId: string; status: string; payload?: unknown }> {
    const caFile = join(tempStateDir('sdk-ca-'), 'ca.pem');
    writeFileSync(caFile, sim.ports.caPem);
    const child = spawn(process.execPath, [PROVISION, gatewayHostName(sim.ports, sim.ports.dpsMqttsPort), sim.ports.idScope, registrationId, deviceKey], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(stdout) as { assignedHub: string; deviceId: string; status: string; payload?: unknown };
  }

  it('registers with an individual enrollment, then the device connects to the assigned hub with its key', async () => {
    const { key } = sim.hub.dps.addIndividualEnrollment({ registrationId: 'sdk-individual', payload: { tier: 'gold' } });
    const result = await register('sdk-individual', key!);
    expect(result).toMatchObject({ assignedHub: sim.hub.hostName, deviceId: 'sdk-individual', status: 'assigned', payload: { tier: 'gold' } });
    expect(sim.hub.dps.registrations().find((r) => r.registrationId === 'sdk-individual')?.requestPayload).toEqual({ from: 'azure-iot-provisioning-device' });
    const client = Client.fromConnectionString(
      `HostName=${result.assignedHub};DeviceId=${result.deviceId};SharedAccessKey=${key!};GatewayHostName=${gatewayHostName(sim.ports)}`,
      Mqtt,
    );
    await client.setOptions({ ca: sim.ports.caPem });
    await client.open();
    onTestFinished(() => client.close().then(() => undefined));
    await client.sendEvent(new Message('provisioned'));
    expect((await sim.hub.waitForTelemetry((r) => r.deviceId === 'sdk-individual', WAIT)).text).toBe('provisioned');
  });

  it('registers with a group enrollment and a key derived from the group key', async () => {
    const { key: groupKey } = sim.hub.dps.addGroupEnrollment();
    const deviceKey = await deriveGroupKey(groupKey, 'sdk-group-member');
    const result = await register('sdk-group-member', deviceKey);
    expect(result).toMatchObject({ assignedHub: sim.hub.hostName, deviceId: 'sdk-group-member', status: 'assigned' });
    expect(sim.hub.device('sdk-group-member')?.key).toBe(deviceKey);
  });
});
