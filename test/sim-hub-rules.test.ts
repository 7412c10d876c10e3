/**
 * IoT Hub's topic rules as the simulated hub enforces them (docs/protocol.md §5, §7), driven with raw
 * MQTT: what closes the connection, what SUBACK refuses, and how telemetry is recorded.
 */
import { describe, expect, it } from 'vitest';
import type { RawMqttClient } from '@hubwire/sim-hub';
import { useSimHub } from './support/sim-hub.ts';

const sim = useSimHub(undefined, {
  prepare: (hub) => {
    sim.hub.addDevice({ deviceId: 'dev1' });
    sim.hub.addDevice({ deviceId: 'dev2' });
  },
});

function connected(deviceId = 'dev1', moduleId?: string): Promise<RawMqttClient> {
  return sim.connectDevice(deviceId, moduleId === undefined ? {} : { moduleId });
}

describe('publish rules', () => {
  it('closes the connection on a QoS 2 publish, without recording it', async () => {
    const client = await connected();
    await client.publish('devices/dev1/messages/events/', 'x', { qos: 2 });
    await client.waitClosed();
    expect(sim.hub.telemetry()).toHaveLength(0);
    expect(sim.hub.stats().ruleViolations).toBe(1);
  });

  it('closes the connection on a publish to an undocumented topic', async () => {
    const client = await connected();
    await client.publish('devices/dev1/messages/elsewhere', 'x', { qos: 0 });
    await client.waitClosed();
  });

  it("closes the connection on telemetry to another device's topic", async () => {
    const client = await connected();
    await client.publish('devices/dev2/messages/events/', 'x', { qos: 0 });
    await client.waitClosed();
    expect(sim.hub.telemetry()).toHaveLength(0);
  });

  it('closes the connection on a twin request without $rid (malformed)', async () => {
    const client = await connected();
    await client.publish('$iothub/twin/GET/', '', { qos: 0 });
    await client.waitClosed();
  });

  it('closes a hub connection that publishes a DPS request', async () => {
    const client = await connected();
    await client.publish('$dps/registrations/PUT/iotdps-register/?$rid=1', '{}', { qos: 0 });
    await client.waitClosed();
  });

  it('closes the connection on telemetry over 256 KB, counting body and properties', async () => {
    const fits = await connected();
    await fits.publish('devices/dev1/messages/events/a=b', Buffer.alloc(262_144 - 2), { qos: 1 });
    expect(sim.hub.telemetry()).toHaveLength(1);
    await fits.publish('devices/dev1/messages/events/a=bc', Buffer.alloc(262_144 - 2), { qos: 0 });
    await fits.waitClosed();
    expect(sim.hub.telemetry()).toHaveLength(1);
  });

  it('records telemetry with decoded properties, QoS and DUP, and PUBACKs QoS 1', async () => {
    const client = await connected();
    await client.publish('devices/dev1/messages/events/%24.ct=application%2Fjson&%24.mid=m1&alert=high&flag', '{"t":21}', { qos: 1 });
    await client.publish('devices/dev1/messages/events/', 'plain', { qos: 0 });
    await sim.hub.waitUntil(() => sim.hub.telemetry().length === 2, 2000, 'both records');
    const [first, second] = sim.hub.telemetry();
    expect(first).toMatchObject({ deviceId: 'dev1', text: '{"t":21}', qos: 1, dup: false, retain: false, will: false });
    expect(first!.properties).toMatchObject({ contentType: 'application/json', messageId: 'm1' });
    expect({ ...first!.properties.application }).toEqual({ alert: 'high', flag: null });
    expect(second).toMatchObject({ text: 'plain', qos: 0 });
    expect(second!.sequence).toBe(first!.sequence + 1);
    expect(sim.hub.stats()).toMatchObject({ telemetryReceived: 2, pubacksSent: 1 });
  });

  it('records module telemetry under the module, and a RETAIN publish as forwarded with mqtt-retain', async () => {
    sim.hub.addDevice({ deviceId: 'dev1', moduleId: 'm1' });
    const module = await connected('dev1', 'm1');
    await module.publish('devices/dev1/modules/m1/messages/events/%24.on=alerts', 'hot', { qos: 1, retain: true });
    const record = sim.hub.telemetry()[0]!;
    expect(record).toMatchObject({ deviceId: 'dev1', moduleId: 'm1', retain: true });
    expect(record.properties.outputName).toBe('alerts');
    expect(record.properties.application['mqtt-retain']).toBe('true');
  });

  it('never routes one device\'s publish to another connection', async () => {
    sim.hub.addDevice({ deviceId: 'dev1', moduleId: 'm1' });
    const module = await connected('dev1', 'm1');
    expect(await module.subscribe([['devices/dev1/modules/m1/#', 1]])).toEqual([1]);
    await module.publish('devices/dev1/modules/m1/messages/events/', 'echo?', { qos: 1 });
    await expect(module.nextPublish('devices/', 300)).rejects.toThrow(/no matching packet/);
  });
});

describe('subscription rules', () => {
  it('refuses wildcard and undocumented filters with 0x80 and grants the documented ones', async () => {
    const client = await connected();
    const granted = await client.subscribe([
      ['#', 0],
      ['devices/dev1/#', 1],
      ['$iothub/#', 0],
      ['devices/dev2/messages/devicebound/#', 1],
      ['$iothub/twin/res/#', 0],
    ]);
    expect(granted).toEqual([0x80, 0x80, 0x80, 0x80, 0]);
  });

  it('grants each documented device filter, and the azure-sdk-for-c form of the C2D filter', async () => {
    const client = await connected();
    const granted = await client.subscribe([
      ['devices/dev1/messages/devicebound/#', 1],
      ['devices/+/messages/devicebound/#', 1],
      ['$iothub/twin/res/#', 0],
      ['$iothub/twin/PATCH/properties/desired/#', 0],
      ['$iothub/methods/POST/#', 0],
    ]);
    expect(granted).toEqual([1, 1, 0, 0, 0]);
  });

  it('grants a QoS 2 subscription as QoS 1', async () => {
    const client = await connected();
    expect(await client.subscribe([['$iothub/methods/POST/#', 2]])).toEqual([1]);
  });

  it('refuses C2D to a module and module inputs to a device', async () => {
    sim.hub.addDevice({ deviceId: 'dev1', moduleId: 'm1' });
    const module = await connected('dev1', 'm1');
    expect(await module.subscribe([['devices/dev1/messages/devicebound/#', 1], ['devices/dev1/modules/m1/#', 1]])).toEqual([0x80, 1]);
    const device = await connected('dev1');
    expect(await device.subscribe([['devices/dev1/modules/m1/#', 1]])).toEqual([0x80]);
  });

  it("grants every module-input filter the device SDKs use, and delivers inputs through the Node SDK's", async () => {
    sim.hub.addDevice({ deviceId: 'dev1', moduleId: 'm1' });
    const module = await connected('dev1', 'm1');
    const granted = await module.subscribe([
      ['devices/dev1/modules/m1/inputs/#', 1],
      ['devices/dev1/modules/m1/#', 1],
      ['devices/+/modules/+/inputs/#', 1],
      ['devices/dev1/modules/m2/inputs/#', 1],
      ['devices/dev1/modules/m1/inputs/input1', 1],
    ]);
    expect(granted).toEqual([1, 1, 1, 0x80, 0x80]);
    await module.unsubscribe(['devices/dev1/modules/m1/#', 'devices/+/modules/+/inputs/#']);
    const receipt = sim.hub.sendModuleInput('dev1', 'm1', 'input1', 'hello module');
    const message = await module.nextPublish('devices/dev1/modules/m1/inputs/input1/');
    expect(message.payload!.toString()).toBe('hello module');
    module.puback(message.messageId!);
    await expect(receipt).resolves.toMatchObject({ outcome: 'completed' });
  });

  it('counts a re-subscription to a held filter once, updating its granted QoS', async () => {
    const client = await connected();
    const five = await client.subscribe([
      ['devices/dev1/messages/devicebound/#', 1],
      ['devices/+/messages/devicebound/#', 1],
      ['$iothub/twin/res/#', 0],
      ['$iothub/twin/PATCH/properties/desired/#', 0],
      ['$iothub/methods/POST/#', 0],
    ]);
    expect(five).not.toContain(0x80);
    // Re-subscribing a filter already held is not a new one.
    expect(await client.subscribe([['$iothub/twin/res/#', 1]])).toEqual([1]);
    expect(sim.hub.connectedDevices()[0]!.subscriptions).toHaveLength(5);
  });
});
