/**
 * The service REST API against hubwire devices connected over real TCP sockets (DeviceClient from
 * @hubwire/node): twins (tags and desired reaching the device, reported read back, If-Match),
 * direct methods (200, 404 DeviceNotOnline, 504 GatewayTimeout, modules), C2D with its outcome,
 * and telemetry read back as JSON and as a live event stream.
 */
import type { DeviceEvent } from '@hubwire/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimDevice, type SimDevice } from '../examples/demo/sim-device.ts';
import { respondLikeAThermostat } from '../examples/demo/thermostat.ts';
import { hubError, startService, type ServiceFixture } from './support/sim-hub-service.ts';

const WAIT = 5000;
const METHODS = '$iothub/methods/POST/#';
const DESIRED = '$iothub/twin/PATCH/properties/desired/#';
const text = (body: Uint8Array): string => new TextDecoder().decode(body);

let service: ServiceFixture;
const devices: SimDevice[] = [];

/** Registers a device over REST and connects a hubwire client with the keys the API returned. */
async function connectDevice(deviceId: string, options: Parameters<typeof startSimDevice>[2] = {}, moduleId?: string): Promise<SimDevice> {
  const path = moduleId === undefined ? `/devices/${deviceId}` : `/devices/${deviceId}/modules/${moduleId}`;
  if (moduleId === undefined || service.hub.device(deviceId) === undefined) await service.call('PUT', `/devices/${deviceId}`, { json: {} });
  const created = moduleId === undefined ? await service.call('GET', path) : await service.call('PUT', path, { json: {} });
  const key: string = created.json.authentication.symmetricKey.primaryKey;
  const connectionString = `HostName=${service.hub.hostName};DeviceId=${deviceId}${moduleId === undefined ? '' : `;ModuleId=${moduleId}`};SharedAccessKey=${key}`;
  const device = startSimDevice(service.addresses, connectionString, options);
  devices.push(device);
  await device.events.nextOf('connected', WAIT);
  return device;
}

beforeAll(async () => {
  service = await startService();
});

afterAll(async () => {
  await Promise.all(devices.map((device) => device.stop()));
  await service?.close();
});

describe('twins', () => {
  it('shows a connected device as Connected, and its twin with reported properties and model id', async () => {
    const device = await connectDevice('twin-1', { engineOptions: { modelId: 'dtmi:com:example:Thermostat;1' } });
    await service.hub.waitForConnection('twin-1', { filters: [DESIRED], timeoutMs: WAIT });
    const { rid } = device.client.act((engine, now) => engine.patchReported(now, { firmware: '2.1.0' }));
    await device.events.nextOf('reported-patched', WAIT, (event) => event.rid === rid);
    await service.hub.waitUntil(() => service.hub.twin('twin-1').reported['firmware'] === '2.1.0', WAIT);
    await expect.poll(async () => (await service.call('GET', '/devices/twin-1')).json.connectionState, { timeout: WAIT }).toBe('Connected');
    const twin = (await service.call('GET', '/twins/twin-1')).json;
    expect(twin).toMatchObject({
      deviceId: 'twin-1',
      connectionState: 'Connected',
      modelId: 'dtmi:com:example:Thermostat;1',
      version: 1,
      etag: 'AAAAAAAAAAE=',
      tags: {},
      properties: { desired: { $version: 1 }, reported: { firmware: '2.1.0', $version: 2 } },
    });
    const device2 = (await service.call('GET', '/devices/twin-1')).json;
    expect(Date.parse(device2.connectionStateUpdatedTime)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('PATCH merges tags and desired; the device gets the desired patch with its $version; If-Match guards the twin etag', async () => {
    const device = await connectDevice('twin-2', { onEvent: respondLikeAThermostat });
    await service.hub.waitForConnection('twin-2', { filters: [DESIRED], timeoutMs: WAIT });
    const before = (await service.call('GET', '/twins/twin-2')).json;
    const patched = await service.call('PATCH', '/twins/twin-2', {
      json: { tags: { site: 'lab', room: { floor: 2 } }, properties: { desired: { targetTemperature: 23, $version: 99 } } },
      headers: { 'If-Match': `"${before.etag}"` },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ version: before.version + 1, tags: { site: 'lab', room: { floor: 2 } }, properties: { desired: { targetTemperature: 23, $version: 2 } } });
    const event = await device.events.nextOf('desired-patch', WAIT);
    expect(event.version).toBe(2);
    expect(event.patch).toEqual({ targetTemperature: 23, $version: 2 });
    // The thermostat acknowledges the way Plug and Play asks; the service reads that back.
    await expect.poll(async () => (await service.call('GET', '/twins/twin-2')).json.properties.reported.targetTemperature, { timeout: WAIT })
      .toEqual({ value: 23, ac: 200, av: 2, ad: 'applied' });

    const stale = await service.call('PATCH', '/twins/twin-2', { json: { tags: { site: 'x' } }, headers: { 'If-Match': `"${before.etag}"` } });
    expect(stale.status).toBe(412);
    expect(hubError(stale).code).toBe('PreconditionFailed');
    const removed = await service.call('PATCH', '/twins/twin-2', { json: { tags: { room: null } } });
    expect(removed.json.tags).toEqual({ site: 'lab' });
  });

  it('PUT replaces tags and desired, and the device gets the whole new desired section', async () => {
    const device = await connectDevice('twin-3');
    await service.hub.waitForConnection('twin-3', { filters: [DESIRED], timeoutMs: WAIT });
    await service.call('PATCH', '/twins/twin-3', { json: { tags: { a: 1 }, properties: { desired: { keep: false, mode: 'eco' } } } });
    await device.events.nextOf('desired-patch', WAIT);
    const replaced = await service.call('PUT', '/twins/twin-3', { json: { tags: { b: 2 }, properties: { desired: { mode: 'boost' } } } });
    expect(replaced.json).toMatchObject({ tags: { b: 2 }, properties: { desired: { mode: 'boost', $version: 3 } } });
    expect(replaced.json.tags).not.toHaveProperty('a');
    expect(replaced.json.properties.desired).not.toHaveProperty('keep');
    const event = await device.events.nextOf('desired-patch', WAIT);
    expect(event).toMatchObject({ version: 3, patch: { mode: 'boost' } });
  });

  it('refuses reported properties from the service and invalid names, changing nothing', async () => {
    await service.call('PUT', '/devices/twin-4', { json: {} });
    const reported = await service.call('PATCH', '/twins/twin-4', { json: { properties: { reported: { x: 1 } } } });
    expect(reported.status).toBe(400);
    expect(hubError(reported).message).toContain('written by the device');
    const badName = await service.call('PATCH', '/twins/twin-4', { json: { tags: { ok: 1 }, properties: { desired: { 'a.b': 1 } } } });
    expect(badName.status).toBe(400);
    expect(hubError(badName)).toMatchObject({ code: 'ArgumentInvalid' });
    expect((await service.call('GET', '/twins/twin-4')).json).toMatchObject({ version: 1, tags: {} });
    expect((await service.call('GET', '/twins/nobody')).status).toBe(404);
  });

  it('reads and writes module twins, and a module client gets its desired patch', async () => {
    const module = await connectDevice('twin-host', {}, 'analyzer');
    await service.hub.waitForConnection('twin-host', { moduleId: 'analyzer', filters: [DESIRED], timeoutMs: WAIT });
    const patched = await service.call('PATCH', '/twins/twin-host/modules/analyzer', { json: { tags: { role: 'edge' }, properties: { desired: { window: 10 } } } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ deviceId: 'twin-host', moduleId: 'analyzer', tags: { role: 'edge' }, properties: { desired: { window: 10, $version: 2 } } });
    expect((await module.events.nextOf('desired-patch', WAIT)).patch).toEqual({ window: 10, $version: 2 });
    expect((await service.call('GET', '/twins/twin-host')).json.properties.desired).toEqual({ $version: 1 });
    expect(hubError(await service.call('GET', '/twins/twin-host/modules/nothing')).code).toBe('ModuleNotFound');
  });
});

describe('deleting a connected device', () => {
  it('closes its connection, deletes its modules, forgets its twin, and ends their queued messages purged', async () => {
    const device = await connectDevice('delete-me', { engineOptions: { cleanSession: false } });
    await service.hub.waitForConnection('delete-me', { filters: [DESIRED], timeoutMs: WAIT });
    await service.call('PATCH', '/twins/delete-me', { json: { tags: { doomed: true } } });
    // A module nobody connects as: its message waits in the queue.
    service.hub.addDevice({ deviceId: 'delete-me', moduleId: 'sidecar' });
    const waiting = service.hub.sendModuleInput('delete-me', 'sidecar', 'in1', 'never read');
    expect((await service.call('DELETE', '/devices/delete-me', { headers: { 'If-Match': '*' } })).status).toBe(204);
    await device.events.nextOf('connection-lost', WAIT);
    await service.hub.waitUntil(() => !service.hub.isConnected('delete-me'), WAIT, 'the deleted device to be dropped');
    expect(await waiting).toMatchObject({ outcome: 'purged', deliveryCount: 0 });
    expect(service.hub.device('delete-me', 'sidecar')).toBeUndefined();
    expect((await service.call('PUT', '/devices/delete-me', { json: {} })).status).toBe(200);
    expect((await service.call('GET', '/twins/delete-me')).json).toMatchObject({ tags: {}, version: 1 });
  });
});

describe('direct methods', () => {
  it('maps the device answer to { status, payload }, 404 DeviceNotOnline when offline, and works on modules', async () => {
    await connectDevice('method-1', { onEvent: respondLikeAThermostat });
    await service.hub.waitForConnection('method-1', { filters: [METHODS], timeoutMs: WAIT });
    const answered = await service.call('POST', '/twins/method-1/methods', { json: { methodName: 'reboot', payload: { delay: 0 }, responseTimeoutInSeconds: 10 } });
    expect(answered.status).toBe(200);
    expect(answered.json).toEqual({ status: 200, payload: { ok: true, command: 'reboot' } });
    const unknown = await service.call('POST', '/twins/method-1/methods', { json: { methodName: 'selfDestruct' } });
    expect(unknown.json).toEqual({ status: 404, payload: { error: 'unknown command' } });

    await service.call('PUT', '/devices/method-offline', { json: {} });
    const offline = await service.call('POST', '/twins/method-offline/methods', { json: { methodName: 'reboot' } });
    expect(offline.status).toBe(404);
    expect(offline.headers.get('iothub-errorcode')).toBe('DeviceNotOnline');
    expect(hubError(offline).message).toContain('iothub404103');

    const module = await connectDevice('method-host', {}, 'worker');
    await service.hub.waitForConnection('method-host', { moduleId: 'worker', filters: [METHODS], timeoutMs: WAIT });
    const call = service.call('POST', '/twins/method-host/modules/worker/methods', { json: { methodName: 'flush', payload: [1, 2] } });
    const request = await module.events.nextOf('method-request', WAIT);
    expect(request.methodName).toBe('flush');
    module.client.act((engine, now) => engine.respondMethod(now, request.rid, 202, { flushed: 2 }));
    expect((await call).json).toEqual({ status: 202, payload: { flushed: 2 } });
  });

  it('waits connectTimeoutInSeconds for a device that comes online, then invokes', async () => {
    await service.call('PUT', '/devices/method-late', { json: {} });
    const call = service.call('POST', '/twins/method-late/methods', { json: { methodName: 'reboot', connectTimeoutInSeconds: 10 } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await connectDevice('method-late', { onEvent: respondLikeAThermostat });
    expect((await call).json).toEqual({ status: 200, payload: { ok: true, command: 'reboot' } });
  });

  it('answers 504 GatewayTimeout when the device never answers within responseTimeoutInSeconds', async () => {
    const device = await connectDevice('method-silent');
    await service.hub.waitForConnection('method-silent', { filters: [METHODS], timeoutMs: WAIT });
    const started = Date.now();
    const answer = await service.call('POST', '/twins/method-silent/methods', { json: { methodName: 'hang', responseTimeoutInSeconds: 5 } });
    expect(answer.status).toBe(504);
    expect(hubError(answer)).toMatchObject({ code: 'GatewayTimeout', message: 'Timed out waiting for the response from device.' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    expect(device.events.pending().some((event: DeviceEvent) => event.type === 'method-request' && event.methodName === 'hang')).toBe(true);
  }, 15_000);

  it('answers 400 with IoT Hub wording for timeouts out of range and a missing method name', async () => {
    await service.call('PUT', '/devices/method-bad', { json: {} });
    const range = await service.call('POST', '/twins/method-bad/methods', { json: { methodName: 'x', responseTimeoutInSeconds: 3600 } });
    expect(hubError(range)).toMatchObject({ code: 'ArgumentInvalid', message: 'responseTimeoutInSeconds must be within [5; 300].' });
    expect(hubError(await service.call('POST', '/twins/method-bad/methods', { json: { payload: 1 } })).message).toContain('methodName');
    expect(hubError(await service.call('POST', '/twins/nobody/methods', { json: { methodName: 'x' } })).code).toBe('DeviceNotFound');
  });
});

describe('cloud-to-device messages', () => {
  it('delivers a message with its properties (application names keep their case) and reports completed with wait=true', async () => {
    const device = await connectDevice('c2d-1');
    await service.hub.waitForConnection('c2d-1', { filters: ['devices/c2d-1/messages/devicebound/#'], timeoutMs: WAIT });
    const sent = await service.call('POST', '/devices/c2d-1/messages/deviceBound?wait=true&timeoutInSeconds=10', {
      body: 'open the valve',
      headers: { 'iothub-messageid': 'msg-42', 'iothub-correlationid': 'corr-1', 'iothub-contenttype': 'text/plain', 'iothub-app-Priority': 'high', 'iothub-ack': 'full' },
    });
    expect(sent.status).toBe(200);
    expect(sent.headers.get('iothub-messageid')).toBe('msg-42');
    expect(sent.json).toMatchObject({ messageId: 'msg-42', deviceId: 'c2d-1', outcome: 'completed', deliveryCount: 1 });
    const message = (await device.events.nextOf('c2d', WAIT)) as Extract<DeviceEvent, { type: 'c2d' }>;
    expect(text(message.body)).toBe('open the valve');
    expect(message.properties).toMatchObject({ messageId: 'msg-42', correlationId: 'corr-1', contentType: 'text/plain' });
    expect(message.properties.application).toMatchObject({ Priority: 'high', 'iothub-ack': 'full' });
    const later = await service.call('GET', '/devices/c2d-1/messages/deviceBound/msg-42');
    expect(later.json).toMatchObject({ outcome: 'completed', deliveryCount: 1 });
    expect(Date.parse(later.json.settledTimeUtc)).not.toBeNaN();
  });

  it('answers 202 pending without wait, and the outcome turns to expired when nobody takes the message in time', async () => {
    await service.call('PUT', '/devices/c2d-offline', { json: {} });
    const expiry = new Date(Date.now() + 1000).toISOString();
    const sent = await service.call('POST', '/devices/c2d-offline/messages/deviceBound', { body: 'too late', headers: { 'iothub-expiry': expiry } });
    expect(sent.status).toBe(202);
    expect(sent.json).toMatchObject({ outcome: 'pending', deliveryCount: 0 });
    expect(sent.headers.get('location')).toBe(`/devices/c2d-offline/messages/deviceBound/${sent.json.messageId}`);
    expect((await service.call('GET', '/devices/c2d-offline')).json.cloudToDeviceMessageCount).toBe(1);
    await expect.poll(async () => (await service.call('GET', `/devices/c2d-offline/messages/deviceBound/${sent.json.messageId}`)).json.outcome, { timeout: WAIT }).toBe('expired');
    expect((await service.call('GET', '/devices/c2d-offline')).json.cloudToDeviceMessageCount).toBe(0);
  });

  it('purges the queue (DELETE /devices/{id}/commands): waiting messages end purged', async () => {
    await service.call('PUT', '/devices/c2d-purge', { json: {} });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await service.call('POST', '/devices/c2d-purge/messages/deviceBound', { body: `m${i}` })).json.messageId);
    const purged = await service.call('DELETE', '/devices/c2d-purge/commands');
    expect(purged.json).toEqual({ totalMessagesPurged: 3, deviceId: 'c2d-purge', moduleId: null });
    for (const id of ids) {
      await expect.poll(async () => (await service.call('GET', `/devices/c2d-purge/messages/deviceBound/${id}`)).json.outcome, { timeout: WAIT }).toBe('purged');
    }
  });

  it('refuses a full queue with 403 DeviceMaximumQueueDepthExceeded, an oversized body with 413, bad properties with 400', async () => {
    await service.call('PUT', '/devices/c2d-full', { json: {} });
    for (let i = 0; i < 50; i++) expect((await service.call('POST', '/devices/c2d-full/messages/deviceBound', { body: String(i) })).status).toBe(202);
    const full = await service.call('POST', '/devices/c2d-full/messages/deviceBound', { body: 'one too many' });
    expect(full.status).toBe(403);
    expect(hubError(full).code).toBe('DeviceMaximumQueueDepthExceeded');
    await service.call('DELETE', '/devices/c2d-full/commands');
    const big = await service.call('POST', '/devices/c2d-full/messages/deviceBound', { body: 'x'.repeat(65 * 1024) });
    expect(hubError(big).code).toBe('MessageTooLarge');
    const badExpiry = await service.call('POST', '/devices/c2d-full/messages/deviceBound', { body: 'x', headers: { 'iothub-expiry': 'tomorrow' } });
    expect(hubError(badExpiry).message).toContain('iothub-expiry');
    const badId = await service.call('POST', '/devices/c2d-full/messages/deviceBound', { body: 'x', headers: { 'iothub-messageid': 'bad id with spaces' } });
    expect(badId.status).toBe(400);
    expect(hubError(await service.call('GET', '/devices/c2d-full/messages/deviceBound/never-sent')).code).toBe('NotFound');
    expect(hubError(await service.call('POST', '/devices/nobody/messages/deviceBound', { body: 'x' })).code).toBe('DeviceNotFound');
  });
});

describe('telemetry', () => {
  it('reads recent records with their properties, filtered by device and sequence', async () => {
    const device = await connectDevice('telemetry-1');
    const { id } = device.client.act((engine, now) =>
      engine.publishTelemetry(now, '{"temperature":21.5}', { contentType: 'application/json', messageId: 'd2c-1', properties: { 'room name': 'kitchen' } }),
    );
    await device.events.nextOf('telemetry-acked', WAIT, (event) => event.id === id);
    const read = await service.call('GET', '/simhub/telemetry?deviceId=telemetry-1');
    expect(read.status).toBe(200);
    expect(read.json.items).toHaveLength(1);
    const [record] = read.json.items;
    expect(record).toMatchObject({ deviceId: 'telemetry-1', body: '{"temperature":21.5}', qos: 1, properties: { messageId: 'd2c-1', contentType: 'application/json', application: { 'room name': 'kitchen' } } });
    expect(read.json.lastSequence).toBe(record.sequence);
    expect((await service.call('GET', `/simhub/telemetry?deviceId=telemetry-1&after=${record.sequence}`)).json.items).toEqual([]);
    expect((await service.call('GET', '/simhub/telemetry', { authorization: null })).status).toBe(401);
  });

  it('streams new telemetry as Server-Sent Events', async () => {
    const device = await connectDevice('telemetry-2');
    const controller = new AbortController();
    const response = await fetch(`${service.base}/simhub/telemetry/stream?deviceId=telemetry-2`, { headers: { Authorization: await service.token() }, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    device.client.act((engine, now) => engine.publishTelemetry(now, 'streamed', { properties: { n: '1' } }));
    let received = '';
    const deadline = Date.now() + WAIT;
    while (!received.includes('event: telemetry') && Date.now() < deadline) received += (await reader.read()).value ?? '';
    controller.abort();
    const data = /event: telemetry\ndata: (.*)\n/.exec(received)?.[1];
    expect(JSON.parse(data!)).toMatchObject({ deviceId: 'telemetry-2', body: 'streamed', properties: { application: { n: '1' } } });
  });
});
