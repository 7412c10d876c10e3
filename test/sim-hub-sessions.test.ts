/**
 * MQTT sessions as IoT Hub keeps them (docs/protocol.md §2 "Clean session"): CleanSession 0 gets its
 * session back (CONNACK session present, QoS 1 subscriptions kept, unacknowledged deliveries re-sent
 * with DUP=1 and their packet ids), CleanSession 1 discards it; sessions outlive a takeover and a
 * restart of the hub on its state folder. Then hubwire's own engine, through the Node drivers over
 * TLS, taking its resumed-session path: no re-subscribe, unacknowledged telemetry re-sent with DUP.
 */
import type { DeviceEvent } from '@hubwire/core';
import { DeviceClient, EventQueue, tcpConnector } from '@hubwire/node';
import { describe, expect, it } from 'vitest';
import { RawMqttClient, SimHub } from '@hubwire/sim-hub';
import { tempStateDir, useSimHub } from './support/sim-hub.ts';

const C2D = 'devices/dev1/messages/devicebound/#';
const METHODS = '$iothub/methods/POST/#';
const sim = useSimHub(undefined, { prepare: (hub) => hub.addDevice({ deviceId: 'dev1' }) });

/** A raw dev1 connection with the given CleanSession; resolves with the client and CONNACK's session-present flag. */
async function dev1(clean: boolean, port = sim.ports.mqttPort, hub: SimHub = sim.hub): Promise<{ client: RawMqttClient; present: boolean }> {
  const client = await sim.raw(port);
  const ack = await client.connectAck({ ...(await hub.credentials('dev1')), clean });
  expect(ack.returnCode).toBe(0);
  return { client, present: ack.sessionPresent };
}

async function dropped(client: RawMqttClient, hub: SimHub = sim.hub): Promise<void> {
  client.destroy();
  await hub.waitUntil(() => !hub.isConnected('dev1'), 3000, 'dev1 to drop');
}

describe('CleanSession 0', () => {
  it('resumes the session: session present, subscriptions kept, an unacknowledged C2D re-sent with DUP and its packet id', async () => {
    const first = await dev1(false);
    expect(first.present).toBe(false);
    expect(await first.client.subscribe([[C2D, 1], [METHODS, 0]])).toEqual([1, 0]);
    const once = sim.hub.sendC2d('dev1', 'one', { messageId: 'm-1' });
    const delivered = await first.client.nextPublish('devices/dev1/messages/devicebound/');
    expect(delivered.dup).toBe(false);
    await dropped(first.client);
    const twice = sim.hub.sendC2d('dev1', 'two', { messageId: 'm-2' });

    const subscribesBefore = sim.hub.stats().subscribes;
    const second = await dev1(false);
    expect(second.present).toBe(true);
    const again = await second.client.nextPublish('devices/dev1/messages/devicebound/');
    expect({ topic: again.topic, id: again.messageId, dup: again.dup, body: again.payload!.toString() }).toEqual({ topic: delivered.topic, id: delivered.messageId, dup: true, body: 'one' });
    const next = await second.client.nextPublish('devices/dev1/messages/devicebound/');
    expect({ dup: next.dup, body: next.payload!.toString() }).toEqual({ dup: false, body: 'two' });
    second.client.puback(again.messageId!);
    second.client.puback(next.messageId!);
    await expect(once).resolves.toEqual({ messageId: 'm-1', outcome: 'completed', deliveryCount: 2 });
    await expect(twice).resolves.toEqual({ messageId: 'm-2', outcome: 'completed', deliveryCount: 1 });

    // Nothing was subscribed again, yet methods still reach the device.
    expect(sim.hub.stats().subscribes).toBe(subscribesBefore);
    expect(sim.hub.connectedDevices()).toMatchObject([{ deviceId: 'dev1', cleanSession: false, sessionResumed: true, subscriptions: [C2D, METHODS] }]);
    const call = sim.hub.invokeMethod('dev1', 'ping', null, { timeoutMs: 3000 });
    const request = await second.client.nextPublish('$iothub/methods/POST/ping/');
    await second.client.publish(`$iothub/methods/res/200/?$rid=${/\$rid=(.+)$/.exec(request.topic!)![1]}`, '{"pong":true}');
    await expect(call).resolves.toEqual({ status: 200, payload: { pong: true } });
  });

  it('hands the session to a newer connection that takes over the client id', async () => {
    const first = await dev1(false);
    expect(await first.client.subscribe([[C2D, 1]])).toEqual([1]);
    const second = await dev1(false);
    expect(second.present).toBe(true);
    await first.client.waitClosed();
    const receipt = sim.hub.sendC2d('dev1', 'to the newer one');
    const message = await second.client.nextPublish('devices/dev1/messages/devicebound/');
    second.client.puback(message.messageId!);
    await expect(receipt).resolves.toMatchObject({ outcome: 'completed', deliveryCount: 1 });
  });

  it('keeps the session across a restart of the hub on the same state folder', async () => {
    const dir = tempStateDir();
    const before = new SimHub({ stateDir: dir });
    before.addDevice({ deviceId: 'dev1' });
    let delivered: { topic: string | undefined; messageId: number | undefined };
    try {
      const ports = await before.start();
      const { client } = await dev1(false, ports.mqttPort, before);
      expect(await client.subscribe([[C2D, 1]])).toEqual([1]);
      void before.sendC2d('dev1', 'across a restart', { messageId: 'r-1' });
      const message = await client.nextPublish('devices/dev1/messages/devicebound/');
      delivered = { topic: message.topic, messageId: message.messageId };
    } finally {
      await before.close();
    }
    const after = new SimHub({ stateDir: dir });
    try {
      const ports = await after.start();
      const { client, present } = await dev1(false, ports.mqttPort, after);
      expect(present).toBe(true);
      const again = await client.nextPublish('devices/dev1/messages/devicebound/');
      expect({ topic: again.topic, messageId: again.messageId, dup: again.dup }).toEqual({ ...delivered, dup: true });
      client.puback(again.messageId!);
      await after.waitUntil(() => after.pendingMessages('dev1') === 0, 3000, 'the message to complete');
      expect(after.deliveryOutcome('r-1')).toEqual({ messageId: 'r-1', outcome: 'completed', deliveryCount: 2 });
    } finally {
      await after.close();
    }
  });
});

describe('CleanSession 1', () => {
  it('discards a kept session: no session present, no subscriptions, unacknowledged messages back in the queue', async () => {
    const first = await dev1(false);
    expect(await first.client.subscribe([[C2D, 1]])).toEqual([1]);
    const receipt = sim.hub.sendC2d('dev1', 'unacknowledged', { messageId: 'u-1' });
    const delivered = await first.client.nextPublish('devices/dev1/messages/devicebound/');
    await dropped(first.client);

    const clean = await dev1(true);
    expect(clean.present).toBe(false);
    expect(sim.hub.connectedDevices()[0]!.subscriptions).toEqual([]);
    await expect(clean.client.nextPublish('devices/', 200)).rejects.toThrow(/no matching packet/);
    expect(sim.hub.pendingMessages('dev1')).toBe(1);
    expect(await clean.client.subscribe([[C2D, 1]])).toEqual([1]);
    const redelivered = await clean.client.nextPublish('devices/dev1/messages/devicebound/');
    expect(redelivered.payload!.toString()).toBe('unacknowledged');
    expect(redelivered.topic).toBe(delivered.topic);
    clean.client.puback(redelivered.messageId!);
    await expect(receipt).resolves.toMatchObject({ outcome: 'completed', deliveryCount: 2 });
    await dropped(clean.client);

    // A clean session ends with its connection: the next CleanSession 0 connect starts afresh.
    expect((await dev1(false)).present).toBe(false);
  });
});

describe("hubwire's engine on a resumed session (Node drivers, TLS)", () => {
  it('does not subscribe again and re-sends unacknowledged telemetry with DUP', async () => {
    const events = new EventQueue<DeviceEvent>();
    const client = DeviceClient.fromConnectionString(sim.hub.connectionString('dev1'), {
      connector: tcpConnector({ host: '127.0.0.1', port: sim.ports.mqttsPort, tls: { ca: sim.ports.caPem, servername: 'localhost' } }),
      engineOptions: { cleanSession: false, subscribe: { c2d: true, methods: true, twin: true } },
      backoff: { baseMs: 50, maxMs: 200 },
      onEvent: (event) => events.push(event),
    });
    client.start();
    try {
      expect((await events.nextOf('connected', 5000)).sessionPresent).toBe(false);
      // The engine must hold the SUBACK, not just the hub have sent it, before the session is worth resuming.
      const granted = await events.nextOf('subscribed', 5000);
      expect(granted.topics).toEqual([C2D, METHODS, '$iothub/twin/res/#', '$iothub/twin/PATCH/properties/desired/#']);
      expect(sim.hub.connectedDevices()[0]!.transport).toBe('tls');
      const subscribesBefore = sim.hub.stats().subscribes;
      events.clear();

      // The hub drops the connection on the next QoS 1 telemetry instead of acknowledging it.
      sim.hub.failTelemetry(1);
      const { id } = client.act((engine, now) => engine.publishTelemetry(now, 'resend me', { messageId: 'dup-1' }));
      await events.nextOf('connection-lost', 5000);
      expect((await events.nextOf('connected', 5000)).sessionPresent).toBe(true);
      await events.nextOf('telemetry-acked', 5000, (event) => event.id === id);
      const records = sim.hub.telemetry((record) => record.properties.messageId === 'dup-1');
      expect(records.map((record) => record.dup)).toEqual([true]);

      // The resumed subscriptions carry C2D without a new SUBSCRIBE.
      const receipt = sim.hub.sendC2d('dev1', 'after the resume');
      expect(new TextDecoder().decode((await events.nextOf('c2d', 5000)).body)).toBe('after the resume');
      await expect(receipt).resolves.toMatchObject({ outcome: 'completed' });
      expect(sim.hub.stats().subscribes).toBe(subscribesBefore);
      expect(events.pending().filter((event) => event.type === 'subscribed')).toEqual([]);
    } finally {
      await client.stop();
    }
  });
});
