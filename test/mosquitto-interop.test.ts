/**
 * hubwire ↔ mosquitto: the engine's bytes against an independent MQTT 3.1.1 broker, over
 * loopback TCP, through the Node TCP driver (@hubwire/node). The engine runs on a virtual clock: time only
 * moves when the test jumps it to `pollTimeout()`, so nothing here depends on the wall clock;
 * real-time waits are only deadlines for bytes to come back.
 *
 * A raw mqtt-packet client plays the hub's side: it publishes IoT Hub-shaped topics to the
 * device and answers its twin GET. mosquitto treats `$`-topics specially (a filter starting
 * with a wildcard never matches them), so these tests also show that the exact `$iothub/...`
 * filters the engine subscribes to work on a standard broker.
 */
import { createSasToken, deviceResourceUri } from '@hubwire/sas';
import { DeviceEngine, json } from '@hubwire/core';
import type { DeviceEngineOptions, DeviceEvent } from '@hubwire/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ByteStream, DriveLoop, EventQueue, tcpConnector } from '@hubwire/node';
import { mosquittoAvailability, startMosquitto, type Mosquitto } from './support/mosquitto.ts';
import { RawMqttClient } from '@hubwire/sim-hub';

const availability = mosquittoAvailability();
if (!availability.run) console.warn(`skipping mosquitto interop tests: ${availability.why}`);

const HOST = 'interop.azure-devices.net';
const WAIT = 5000;
const text = (body: Uint8Array): string => new TextDecoder().decode(body);

/** An engine on a virtual clock, driven over a real TCP socket by the example drive loop. */
interface Device {
  readonly engine: DeviceEngine;
  readonly loop: DriveLoop<DeviceEvent>;
  readonly events: EventQueue<DeviceEvent>;
  /** Every byte received from the broker, in order (to spot PINGRESP). */
  readonly received: number[];
  /** Jumps the virtual clock to `at` and runs the engine's timers. */
  advanceTo(at: number): void;
  /** DISCONNECT, close the socket, open a new one and CONNECT again with the same engine. */
  reconnect(): Promise<void>;
  close(): void;
}

async function connectDevice(port: number, options: Omit<DeviceEngineOptions, 'hostName'>): Promise<Device> {
  let virtualNow = 1_000;
  const engine = new DeviceEngine({ hostName: HOST, ...options });
  const events = new EventQueue<DeviceEvent>();
  const received: number[] = [];
  const loop = new DriveLoop<DeviceEvent>(engine, { clock: () => virtualNow, onEvent: (event) => events.push(event) });
  // A well-formed SAS token: mosquitto ignores it (allow_anonymous), but the CONNECT carries a real password field.
  const password = await createSasToken({
    resourceUri: deviceResourceUri(HOST, options.deviceId),
    key: btoa('0123456789abcdef0123456789abcdef'),
    expiresAt: 4_000_000_000,
  });
  const open = async (): Promise<void> => {
    const stream: ByteStream = await tcpConnector({ host: '127.0.0.1', port })({
      onData: (chunk) => {
        if (loop.stream !== stream) return;
        received.push(...chunk);
        loop.receive(chunk);
      },
      onClose: (reason) => {
        if (loop.stream === stream) loop.connectionLost(reason);
      },
    });
    loop.attach(stream);
    loop.act((now) => engine.connect(now, { password }));
  };
  await open();
  return {
    engine,
    loop,
    events,
    received,
    advanceTo(at) {
      virtualNow = Math.max(virtualNow, at);
      loop.act((now) => engine.handleTimeout(now));
    },
    async reconnect() {
      loop.act((now) => engine.disconnect(now));
      loop.detach()?.close();
      await open();
    },
    close() {
      loop.close();
      loop.detach()?.close();
    },
  };
}

/** Waits until every filter is granted (one SUBACK may cover several). */
async function subscribedTo(events: EventQueue<DeviceEvent>, filters: string[]): Promise<Map<string, number>> {
  const granted = new Map<string, number>();
  while (!filters.every((f) => granted.has(f))) {
    const event = await events.nextOf('subscribed', WAIT);
    event.topics.forEach((topic, i) => granted.set(topic, event.granted[i] ?? -1));
  }
  return granted;
}

describe.skipIf(!availability.run)('hubwire against mosquitto', () => {
  let broker: Mosquitto;

  beforeAll(async () => {
    broker = await startMosquitto();
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('is accepted by the broker: connects, subscribes with granted QoS, gets telemetry acked and pings answered', async () => {
    const observer = await RawMqttClient.tcp(broker.port);
    expect(await observer.connect({ clientId: 'observer-1' })).toBe(0);
    // Ping deadline well before any request deadline, so the keep-alive is the next thing due.
    const device = await connectDevice(broker.port, {
      deviceId: 'dev-1',
      keepAliveSeconds: 30,
      pingTimeoutMs: 5000,
      requestTimeoutMs: 600_000,
      subscribe: { c2d: true, methods: true, twin: true },
    });
    try {
      expect(await observer.subscribe([['devices/dev-1/messages/events/#', 1]])).toEqual([1]);

      const connected = await device.events.nextOf('connected', WAIT);
      expect(connected.sessionPresent).toBe(false);
      expect(device.engine.state).toBe('connected');

      const granted = await subscribedTo(device.events, [
        'devices/dev-1/messages/devicebound/#',
        '$iothub/methods/POST/#',
        '$iothub/twin/res/#',
        '$iothub/twin/PATCH/properties/desired/#',
      ]);
      // C2D is subscribed at QoS 1 (at-least-once, docs/protocol.md §8); mosquitto grants what was asked.
      expect(granted.get('devices/dev-1/messages/devicebound/#')).toBe(1);
      for (const qos of granted.values()) expect([0, 1]).toContain(qos);

      const { id } = device.loop.act((now) =>
        device.engine.publishTelemetry(now, '{"temperature":21.5}', {
          contentType: 'application/json',
          contentEncoding: 'utf-8',
          properties: { alert: 'high' },
        }),
      );
      const acked = await device.events.nextOf('telemetry-acked', WAIT, (e) => e.id === id);
      expect(acked.id).toBe(id);
      const seen = await observer.next((p) => p.cmd === 'publish', WAIT);
      expect(seen.topic).toBe('devices/dev-1/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8&alert=high');
      expect(text(seen.payload ?? new Uint8Array())).toBe('{"temperature":21.5}');
      expect(seen.qos).toBe(1);

      // Keep-alive: jump the virtual clock to the engine's deadline; it must send PINGREQ.
      const before = device.received.length;
      const keepAliveAt = device.engine.pollTimeout();
      expect(keepAliveAt).toBeDefined();
      device.advanceTo(keepAliveAt as number);
      const pingDeadline = device.engine.pollTimeout();
      expect(pingDeadline).toBeDefined();
      // mosquitto answers PINGRESP (0xD0 0x00) …
      await waitUntil(() => containsPingResp(device.received.slice(before)), WAIT, 'PINGRESP');
      // … so at the old ping-response deadline the engine keeps the connection.
      device.advanceTo(pingDeadline as number);
      expect(device.events.pending().filter((e) => e.type === 'connection-lost')).toEqual([]);
      expect(device.engine.state).toBe('connected');

      // Still usable afterwards: a second message is acked too.
      const second = device.loop.act((now) => device.engine.publishTelemetry(now, 'after ping'));
      await device.events.nextOf('telemetry-acked', WAIT, (e) => e.id === second.id);
    } finally {
      device.close();
      observer.disconnect();
    }
  });

  it('delivers IoT Hub-shaped publishes from another client as typed c2d, method-request, twin and desired-patch events', async () => {
    const hub = await RawMqttClient.tcp(broker.port);
    expect(await hub.connect({ clientId: 'fake-hub' })).toBe(0);
    const device = await connectDevice(broker.port, {
      deviceId: 'dev-2',
      keepAliveSeconds: 60,
      subscribe: { c2d: true, methods: true, twin: true },
    });
    try {
      expect(await hub.subscribe([['$iothub/twin/GET/#', 1], ['$iothub/methods/res/#', 1]])).toEqual([1, 1]);
      await device.events.nextOf('connected', WAIT);
      await subscribedTo(device.events, [
        'devices/dev-2/messages/devicebound/#',
        '$iothub/methods/POST/#',
        '$iothub/twin/res/#',
        '$iothub/twin/PATCH/properties/desired/#',
      ]);

      // C2D with system and application properties.
      await hub.publish('devices/dev-2/messages/devicebound/%24.mid=m-1&%24.ct=text%2Fplain&app=1&flag', 'hello', { qos: 1 });
      const c2d = await device.events.nextOf('c2d', WAIT);
      expect(text(c2d.body)).toBe('hello');
      expect(c2d.properties.messageId).toBe('m-1');
      expect(c2d.properties.contentType).toBe('text/plain');
      expect(c2d.properties.application['app']).toBe('1');
      expect(c2d.properties.application['flag']).toBeNull();

      // A direct method, answered through the broker.
      await hub.publish('$iothub/methods/POST/reboot/?$rid=1', '{"delay":0}');
      const method = await device.events.nextOf('method-request', WAIT);
      expect(method).toMatchObject({ rid: '1', methodName: 'reboot', commandName: 'reboot' });
      expect(json(method.body)).toEqual({ delay: 0 });
      device.loop.act((now) => device.engine.respondMethod(now, method.rid, 200, { rebooting: true }));
      const response = await hub.next((p) => p.cmd === 'publish' && p.topic === '$iothub/methods/res/200/?$rid=1', WAIT);
      expect(JSON.parse(text(response.payload ?? new Uint8Array()))).toEqual({ rebooting: true });

      // A twin GET travels to the "hub", which answers on the response topic with the same $rid.
      const { rid } = device.loop.act((now) => device.engine.getTwin(now));
      const get = await hub.next((p) => p.cmd === 'publish' && p.topic === `$iothub/twin/GET/?$rid=${rid}`, WAIT);
      expect(get.payload?.byteLength).toBe(0);
      await hub.publish(`$iothub/twin/res/200/?$rid=${rid}`, '{"desired":{"fan":"on","$version":3},"reported":{"$version":1}}');
      const twin = await device.events.nextOf('twin', WAIT, (e) => e.rid === rid);
      expect(twin.status).toBe(200);
      expect(twin.desired['fan']).toBe('on');
      expect(twin.desiredVersion).toBe(3);

      // A desired patch newer than the twin is surfaced.
      await hub.publish('$iothub/twin/PATCH/properties/desired/?$version=4', '{"fan":"off","$version":4}');
      const patch = await device.events.nextOf('desired-patch', WAIT);
      expect(patch.version).toBe(4);
      expect(patch.patch['fan']).toBe('off');

      expect(device.events.pending().filter((e) => e.type === 'protocol-error' || e.type === 'connection-lost')).toEqual([]);

      // The engine's PUBACK completed the C2D message: reconnecting to the kept session
      // (CleanSession=0) brings nothing back. A redelivery would come before a newer message.
      await device.reconnect();
      const resumed = await device.events.nextOf('connected', WAIT);
      expect(resumed.sessionPresent).toBe(true);
      await hub.publish('devices/dev-2/messages/devicebound/%24.mid=m-2', 'after reconnect', { qos: 1 });
      const next = await device.events.nextOf('c2d', WAIT);
      expect(next.properties.messageId).toBe('m-2');
    } finally {
      device.close();
      hub.disconnect();
    }
  });
});

/** True when the byte list holds a PINGRESP (0xD0 0x00) at a packet boundary we can spot. */
function containsPingResp(bytes: number[]): boolean {
  for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === 0xd0 && bytes[i + 1] === 0x00) return true;
  return false;
}

/** Polls `condition` every 5 ms until true; rejects after `timeoutMs`. */
async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const giveUpAt = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
