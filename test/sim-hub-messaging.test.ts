/**
 * Service-to-device traffic and telemetry observation on the simulated hub, driven with raw MQTT:
 * direct methods (docs/protocol.md §10), C2D with properties and PUBACK completion (§8), module inputs
 * (§12), and the telemetry waiter and stream APIs.
 */
import { decodeMessageProperties } from '@hubwire/topics';
import { describe, expect, it } from 'vitest';
import { MethodInvocationError, type RawMqttClient } from '@hubwire/sim-hub';
import { useSimHub } from './support/sim-hub.ts';

const sim = useSimHub(undefined, { prepare: (hub) => hub.addDevice({ deviceId: 'dev1' }) });

function connected(filters: readonly (readonly [string, 0 | 1])[], options: { deviceId?: string; moduleId?: string; clean?: boolean } = {}): Promise<RawMqttClient> {
  const { deviceId = 'dev1', ...rest } = options;
  return sim.connectDevice(deviceId, { ...rest, filters });
}

describe('direct methods', () => {
  it('delivers the request and resolves with the status and JSON payload the device answers', async () => {
    const client = await connected([['$iothub/methods/POST/#', 0]]);
    const call = sim.hub.invokeMethod('dev1', 'reboot', { delay: 3 }, { timeoutMs: 3000 });
    const request = await client.nextPublish('$iothub/methods/POST/');
    const rid = /\?\$rid=(.+)$/.exec(request.topic!)![1]!;
    expect(request.topic).toBe(`$iothub/methods/POST/reboot/?$rid=${rid}`);
    expect(JSON.parse(request.payload!.toString())).toEqual({ delay: 3 });
    await client.publish(`$iothub/methods/res/202/?$rid=${rid}`, '{"accepted":true}');
    await expect(call).resolves.toEqual({ status: 202, payload: { accepted: true } });
  });

  it('sends a PnP component command as component*command and an empty response as a null payload', async () => {
    const client = await connected([['$iothub/methods/POST/#', 0]]);
    const call = sim.hub.invokeMethod('dev1', 'thermostat1*getMaxMinReport', '2026-01-01T00:00:00Z');
    const request = await client.nextPublish('$iothub/methods/POST/thermostat1*getMaxMinReport/');
    expect(request.payload!.toString()).toBe('"2026-01-01T00:00:00Z"');
    const rid = request.topic!.split('$rid=')[1]!;
    await client.publish(`$iothub/methods/res/200/?$rid=${rid}`, '');
    await expect(call).resolves.toEqual({ status: 200, payload: null });
  });

  it('rejects with 504 when the device does not answer in time, and drops the late answer', async () => {
    const client = await connected([['$iothub/methods/POST/#', 0]]);
    const call = sim.hub.invokeMethod('dev1', 'slow', null, { timeoutMs: 100 });
    const request = await client.nextPublish('$iothub/methods/POST/slow/');
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MethodInvocationError);
    expect(error).toMatchObject({ status: 504, code: 'timeout' });
    await client.publish(`$iothub/methods/res/200/?$rid=${request.topic!.split('$rid=')[1]}`, '{}', { qos: 1 });
    expect(client.isClosed).toBe(false);
  });

  it('rejects with 404 when the device is offline or not subscribed to methods', async () => {
    await expect(sim.hub.invokeMethod('dev1', 'x')).rejects.toMatchObject({ status: 404, code: 'device-offline' });
    await connected([['$iothub/twin/res/#', 0]]);
    await expect(sim.hub.invokeMethod('dev1', 'x')).rejects.toMatchObject({ status: 404 });
  });

  it('rejects an invalid method name or a payload over 128 KB before sending anything', async () => {
    const client = await connected([['$iothub/methods/POST/#', 0]]);
    await expect(sim.hub.invokeMethod('dev1', 'bad/name')).rejects.toMatchObject({ code: 'invalid-method-name' });
    await expect(sim.hub.invokeMethod('dev1', 'big', 'x'.repeat(131_072))).rejects.toThrow(RangeError);
    await expect(client.nextPublish('$iothub/methods/', 200)).rejects.toThrow(/no matching packet/);
  });

  it('answers concurrent calls by $rid, in any order', async () => {
    const client = await connected([['$iothub/methods/POST/#', 0]]);
    const first = sim.hub.invokeMethod('dev1', 'a', 1);
    const second = sim.hub.invokeMethod('dev1', 'b', 2);
    const ridA = (await client.nextPublish('$iothub/methods/POST/a/')).topic!.split('$rid=')[1]!;
    const ridB = (await client.nextPublish('$iothub/methods/POST/b/')).topic!.split('$rid=')[1]!;
    expect(ridA).not.toBe(ridB);
    await client.publish(`$iothub/methods/res/201/?$rid=${ridB}`, '"b"');
    await client.publish(`$iothub/methods/res/200/?$rid=${ridA}`, '"a"');
    await expect(Promise.all([first, second])).resolves.toEqual([{ status: 200, payload: 'a' }, { status: 201, payload: 'b' }]);
  });
});

describe('cloud-to-device messages', () => {
  it('delivers with its properties at QoS 1 and resolves completed on the device PUBACK', async () => {
    const client = await connected([['devices/dev1/messages/devicebound/#', 1]]);
    const receipt = sim.hub.sendC2d('dev1', 'hello', { messageId: 'm-1', correlationId: 'c-9', application: { 'iothub-ack': 'full', color: 'red blue' } });
    const message = await client.nextPublish('devices/dev1/messages/devicebound/');
    expect(message.qos).toBe(1);
    expect(message.payload!.toString()).toBe('hello');
    const bag = message.topic!.slice('devices/dev1/messages/devicebound/'.length);
    const decoded = decodeMessageProperties(bag);
    expect(decoded.ok && decoded.properties).toMatchObject({ messageId: 'm-1', correlationId: 'c-9', to: '/devices/dev1/messages/devicebound' });
    expect(decoded.ok && { ...decoded.properties.application }).toEqual({ 'iothub-ack': 'full', color: 'red blue' });
    expect(sim.hub.pendingMessages('dev1')).toBe(1);
    client.puback(message.messageId!);
    await expect(receipt).resolves.toEqual({ messageId: 'm-1', outcome: 'completed', deliveryCount: 1 });
    expect(sim.hub.stats()).toMatchObject({ c2dCompleted: 1, pubacksReceived: 1 });
    expect(sim.hub.pendingMessages('dev1')).toBe(0);
  });

  it('queues messages for an offline device and delivers them in order once it subscribes', async () => {
    const first = sim.hub.sendC2d('dev1', 'one');
    const second = sim.hub.sendC2d('dev1', 'two');
    const client = await connected([]);
    await expect(client.nextPublish('devices/', 200)).rejects.toThrow(/no matching packet/);
    await client.subscribe([['devices/dev1/messages/devicebound/#', 1]]);
    const a = await client.nextPublish('devices/dev1/messages/devicebound/');
    const b = await client.nextPublish('devices/dev1/messages/devicebound/');
    expect([a.payload!.toString(), b.payload!.toString()]).toEqual(['one', 'two']);
    client.puback(a.messageId!);
    client.puback(b.messageId!);
    await expect(first).resolves.toMatchObject({ outcome: 'completed' });
    await expect(second).resolves.toMatchObject({ outcome: 'completed' });
  });

  it('redelivers an unacknowledged message with DUP set after the connection drops', async () => {
    const dropped = await connected([['devices/dev1/messages/devicebound/#', 1]]);
    const receipt = sim.hub.sendC2d('dev1', 'again', { messageId: 'm-2' });
    expect((await dropped.nextPublish('devices/')).dup).toBe(false);
    dropped.destroy();
    await sim.hub.waitUntil(() => !sim.hub.isConnected('dev1'), 2000, 'dev1 to drop');
    const client = await connected([['devices/dev1/messages/devicebound/#', 1]]);
    const redelivered = await client.nextPublish('devices/dev1/messages/devicebound/');
    expect(redelivered.dup).toBe(true);
    expect(redelivered.topic).toContain('%24.mid=m-2');
    client.puback(redelivered.messageId!);
    await expect(receipt).resolves.toEqual({ messageId: 'm-2', outcome: 'completed', deliveryCount: 2 });
  });

  it('delivers at QoS 0 to a QoS 0 subscription and resolves delivered', async () => {
    const client = await connected([['devices/dev1/messages/devicebound/#', 0]]);
    const receipt = sim.hub.sendC2d('dev1', new Uint8Array([1, 2, 3]));
    const message = await client.nextPublish('devices/dev1/messages/devicebound/');
    expect(message.qos).toBe(0);
    expect([...message.payload!]).toEqual([1, 2, 3]);
    await expect(receipt).resolves.toMatchObject({ outcome: 'delivered', deliveryCount: 1 });
  });

  it('expires a message that is not completed within its time to live', async () => {
    await expect(sim.hub.sendC2d('dev1', 'late', {}, { ttlMs: 50 })).resolves.toMatchObject({ outcome: 'expired', deliveryCount: 0 });
    expect(sim.hub.pendingMessages('dev1')).toBe(0);
  });

  it('refuses a C2D body over 64 KB', async () => {
    await expect(sim.hub.sendC2d('dev1', new Uint8Array(65_537))).rejects.toThrow(/exceeds 65536/);
    expect(sim.hub.pendingMessages('dev1')).toBe(0);
  });

  it('refuses a 51st pending message and C2D to an unknown device', async () => {
    const pending = Array.from({ length: 50 }, (_, i) => sim.hub.sendC2d('dev1', `m${i}`, {}, { ttlMs: 60_000 }));
    await expect(sim.hub.sendC2d('dev1', 'one too many')).rejects.toThrow(RangeError);
    await expect(sim.hub.sendC2d('ghost', 'x')).rejects.toThrow(RangeError);
    await sim.hub.close();
    expect((await Promise.all(pending)).every((receipt) => receipt.outcome === 'hub-closed')).toBe(true);
  });
});

describe('module inputs', () => {
  it('delivers to the module input topic with properties and completes on PUBACK', async () => {
    sim.hub.addDevice({ deviceId: 'dev1', moduleId: 'filter' });
    const module = await connected([['devices/dev1/modules/filter/#', 1]], { moduleId: 'filter' });
    const receipt = sim.hub.sendModuleInput('dev1', 'filter', 'input1', '{"t":30}', { connectionDeviceId: 'dev1', connectionModuleId: 'sensor' });
    const message = await module.nextPublish('devices/dev1/modules/filter/inputs/input1/');
    expect(message.topic).toContain('%24.cdid=dev1');
    expect(message.topic).toContain('%24.cmid=sensor');
    module.puback(message.messageId!);
    await expect(receipt).resolves.toMatchObject({ outcome: 'completed' });
  });
});

describe('telemetry observation', () => {
  it('waitForTelemetry finds a past record, waits for a future one, and times out otherwise', async () => {
    const client = await connected([]);
    await client.publish('devices/dev1/messages/events/', 'early', { qos: 1 });
    await expect(sim.hub.waitForTelemetry((r) => r.text === 'early', 100)).resolves.toMatchObject({ text: 'early' });
    const later = sim.hub.waitForTelemetry((r) => r.text === 'later', 3000);
    await client.publish('devices/dev1/messages/events/', 'later', { qos: 0 });
    await expect(later).resolves.toMatchObject({ text: 'later', qos: 0 });
    await expect(sim.hub.waitForTelemetry((r) => r.text === 'never', 50)).rejects.toThrow(/no matching telemetry/);
  });

  it('telemetryStream yields new records in order and ends when the hub closes', async () => {
    const client = await connected([]);
    const stream = sim.hub.telemetryStream();
    for (const n of [1, 2, 3]) await client.publish('devices/dev1/messages/events/', `n${n}`, { qos: 1 });
    const seen: string[] = [];
    for await (const record of stream) {
      seen.push(record.text);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['n1', 'n2', 'n3']);
    const open = sim.hub.telemetryStream();
    const ended = open.next();
    await sim.hub.close();
    await expect(ended).resolves.toEqual({ value: undefined, done: true });
  });
});
