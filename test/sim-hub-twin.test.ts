/**
 * Device twins on the simulated hub (docs/protocol.md §9), driven with raw MQTT: GET, reported PATCH with
 * versions and null removal, desired patches pushed from the service side, and injected faults.
 */
import { describe, expect, it } from 'vitest';
import type { RawMqttClient, RawPacket } from '@hubwire/sim-hub';
import { mergePatch } from '../packages/sim-hub/src/twin-store.ts';
import { useSimHub } from './support/sim-hub.ts';

const sim = useSimHub(undefined, { prepare: (hub) => sim.hub.addDevice({ deviceId: 'dev1' }) });

/** dev1, connected and subscribed to twin responses and desired patches. */
function twinClient(): Promise<RawMqttClient> {
  return sim.connectDevice('dev1', { filters: [['$iothub/twin/res/#', 0], ['$iothub/twin/PATCH/properties/desired/#', 0]] });
}

function json(packet: RawPacket): unknown {
  return JSON.parse(packet.payload!.toString());
}

describe('twin GET and reported PATCH', () => {
  it('answers GET with 200 and both sections at $version 1 for a new twin', async () => {
    const client = await twinClient();
    await client.publish('$iothub/twin/GET/?$rid=g1', '');
    const response = await client.nextPublish('$iothub/twin/res/');
    expect(response.topic).toBe('$iothub/twin/res/200/?$rid=g1');
    expect(json(response)).toEqual({ desired: { $version: 1 }, reported: { $version: 1 } });
  });

  it('merges reported patches, removes null members, and answers 204 with the new $version', async () => {
    const client = await twinClient();
    await client.publish('$iothub/twin/PATCH/properties/reported/?$rid=p1', '{"fw":"1.0","net":{"rssi":-70,"ip":"10.0.0.2"}}');
    expect((await client.nextPublish('$iothub/twin/res/')).topic).toBe('$iothub/twin/res/204/?$rid=p1&$version=2');
    await client.publish('$iothub/twin/PATCH/properties/reported/?$rid=p2', '{"fw":null,"net":{"ip":null,"ssid":"lab"}}');
    const second = await client.nextPublish('$iothub/twin/res/');
    expect(second.topic).toBe('$iothub/twin/res/204/?$rid=p2&$version=3');
    expect(second.payload!.length).toBe(0);
    expect(sim.hub.twin('dev1').reported).toEqual({ net: { rssi: -70, ssid: 'lab' }, $version: 3 });
    await client.publish('$iothub/twin/GET/?$rid=g2', '');
    expect(json(await client.nextPublish('$iothub/twin/res/'))).toEqual({ desired: { $version: 1 }, reported: { net: { rssi: -70, ssid: 'lab' }, $version: 3 } });
  });

  it('answers 400 with an IoT Hub error body to a patch that is not a JSON object, or uses a forbidden key, without changing the version', async () => {
    const client = await twinClient();
    for (const [rid, body] of [['a', 'not json'], ['b', '[1,2]'], ['c', '{"a.b":1}'], ['d', '{"$x":1}']] as const) {
      await client.publish(`$iothub/twin/PATCH/properties/reported/?$rid=${rid}`, body);
      const answer = await client.nextPublish('$iothub/twin/res/');
      expect(answer.topic).toBe(`$iothub/twin/res/400/?$rid=${rid}`);
      expectErrorBody(answer, 400004);
    }
    expect(sim.hub.twin('dev1').reported.$version).toBe(1);
  });

  it('does not let a __proto__ member reach a prototype', () => {
    const target: Record<string, unknown> = {};
    mergePatch(target, JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(JSON.stringify(target)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });

  it('sends no answer to a connection not subscribed to twin responses', async () => {
    const client = await sim.raw(sim.ports.mqttPort);
    await client.connect(await sim.hub.credentials('dev1'));
    await client.publish('$iothub/twin/PATCH/properties/reported/?$rid=1', '{"x":1}', { qos: 1 });
    expect(sim.hub.twin('dev1').reported).toEqual({ x: 1, $version: 2 });
    await expect(client.nextPublish('$iothub/', 300)).rejects.toThrow(/no matching packet/);
  });
});

describe('desired patches', () => {
  it('pushes a desired patch with $version in topic and body, and GET reflects it', async () => {
    const client = await twinClient();
    expect(sim.hub.updateDesired('dev1', { interval: 5, mode: { fast: true } })).toBe(2);
    const patch = await client.nextPublish('$iothub/twin/PATCH/properties/desired/');
    expect(patch.topic).toBe('$iothub/twin/PATCH/properties/desired/?$version=2');
    expect(json(patch)).toEqual({ interval: 5, mode: { fast: true }, $version: 2 });
    expect(sim.hub.updateDesired('dev1', { mode: null })).toBe(3);
    expect(json(await client.nextPublish('$iothub/twin/PATCH/'))).toEqual({ mode: null, $version: 3 });
    expect(sim.hub.twin('dev1').desired).toEqual({ interval: 5, $version: 3 });
  });

  it('stores desired changes made while the device is offline without queueing a notification', async () => {
    expect(sim.hub.updateDesired('dev1', { interval: 9 })).toBe(2);
    const client = await twinClient();
    await expect(client.nextPublish('$iothub/twin/PATCH/', 300)).rejects.toThrow(/no matching packet/);
    await client.publish('$iothub/twin/GET/?$rid=g', '');
    expect(json(await client.nextPublish('$iothub/twin/res/'))).toMatchObject({ desired: { interval: 9, $version: 2 } });
  });

  it('keeps each identity\'s twin apart: a module has its own', async () => {
    sim.hub.addDevice({ deviceId: 'dev1', moduleId: 'm1' });
    sim.hub.updateDesired('dev1', { a: 1 }, 'm1');
    expect(sim.hub.twin('dev1', 'm1').desired).toEqual({ a: 1, $version: 2 });
    expect(sim.hub.twin('dev1').desired).toEqual({ $version: 1 });
  });

  it('throws for an invalid desired patch or an unknown device', () => {
    expect(() => sim.hub.updateDesired('dev1', { 'bad key': 1 })).toThrow(RangeError);
    expect(() => sim.hub.updateDesired('ghost', { a: 1 })).toThrow(RangeError);
  });
});

describe('fault injection', () => {
  it('answers the next N twin requests with the injected status, then serves normally', async () => {
    const client = await twinClient();
    sim.hub.failTwinRequests(2, 429);
    await client.publish('$iothub/twin/GET/?$rid=1', '');
    const throttled = await client.nextPublish('$iothub/twin/res/');
    expect(throttled.topic).toBe('$iothub/twin/res/429/?$rid=1');
    expectErrorBody(throttled, 429001);
    await client.publish('$iothub/twin/PATCH/properties/reported/?$rid=2', '{"a":1}');
    const throttledPatch = await client.nextPublish('$iothub/twin/res/');
    expect(throttledPatch.topic).toBe('$iothub/twin/res/429/?$rid=2');
    expectErrorBody(throttledPatch, 429001);
    expect(sim.hub.twin('dev1').reported.$version).toBe(1);
    await client.publish('$iothub/twin/GET/?$rid=3', '');
    expect((await client.nextPublish('$iothub/twin/res/')).topic).toBe('$iothub/twin/res/200/?$rid=3');
    sim.hub.failTwinRequests(2, 500);
    await client.publish('$iothub/twin/GET/?$rid=4', '');
    const failed = await client.nextPublish('$iothub/twin/res/');
    expect(failed.topic).toBe('$iothub/twin/res/500/?$rid=4');
    expectErrorBody(failed, 500001);
    sim.hub.failTwinRequests(1, 503);
    await client.publish('$iothub/twin/GET/?$rid=5', '');
    expectErrorBody(await client.nextPublish('$iothub/twin/res/'), 503001);
  });
});

/** Asserts IoT Hub's error body shape: a device SDK reads `errorCode` to tell failure from success. */
function expectErrorBody(packet: RawPacket, errorCode: number): void {
  const body = json(packet) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['errorCode', 'message', 'timestampUtc', 'trackingId']);
  expect(body['errorCode']).toBe(errorCode);
  expect(body['message']).toEqual(expect.any(String));
  expect((body['message'] as string).length).toBeGreaterThan(0);
  expect(body['trackingId']).toMatch(/^[0-9a-f]{32}$/);
  expect(new Date(body['timestampUtc'] as string).toISOString()).toBe(body['timestampUtc']);
}
