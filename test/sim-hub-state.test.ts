/**
 * The simulated hub's state folder: what IoT Hub keeps (identities and keys, twins with their
 * versions and any other fields, queued C2D messages, kept sessions, DPS enrollments and
 * registrations, the service key) survives a restart on the same folder; writes are atomic; a state
 * file that is not JSON or not the hub's is a clear error and is left as it was.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RawMqttClient, SimHub, STATE_FILE, StateFileError } from '@hubwire/sim-hub';
import { tempStateDir } from './support/sim-hub.ts';

/** Starts a hub on `dir`, runs `body`, closes it whatever happens. */
async function withHub<T>(dir: string, body: (hub: SimHub, ports: Awaited<ReturnType<SimHub['start']>>) => Promise<T>): Promise<T> {
  const hub = new SimHub({ stateDir: dir });
  const ports = await hub.start();
  try {
    return await body(hub, ports);
  } finally {
    await hub.close();
  }
}

describe('a restart on the same state folder', () => {
  it('keeps identities, keys, twins with their versions, queued C2D, DPS enrollments and the service key', async () => {
    const dir = tempStateDir();
    const before = await withHub(dir, async (hub, ports) => {
      const device = hub.addDevice({ deviceId: 'dev1' });
      const module = hub.addDevice({ deviceId: 'dev1', moduleId: 'filter' });
      hub.addDevice({ deviceId: 'cam', x509: true });
      hub.updateDesired('dev1', { target: 21 });
      hub.updateDesired('dev1', { target: 22, mode: { eco: true } });
      const client = await RawMqttClient.tcp(ports.mqttPort);
      try {
        expect(await client.connect(await hub.credentials('dev1'))).toBe(0);
        expect(await client.subscribe([['$iothub/twin/res/#', 0]])).toEqual([0]);
        await client.publish('$iothub/twin/PATCH/properties/reported/?$rid=1', '{"fw":"1.0"}');
        expect((await client.nextPublish('$iothub/twin/res/')).topic).toBe('$iothub/twin/res/204/?$rid=1&$version=2');
      } finally {
        client.destroy();
      }
      void hub.sendC2d('dev1', 'kept for later', { messageId: 'c2d-1', application: { kind: 'note' } });
      void hub.sendModuleInput('dev1', 'filter', 'input1', 'module input', { messageId: 'in-1' });
      const individual = hub.dps.addIndividualEnrollment({ registrationId: 'reg-1', deviceId: 'dev-from-dps' });
      const group = hub.dps.addGroupEnrollment({ payload: { fleet: 'north' } });
      return { device, module, individual, group, policy: hub.servicePolicy, service: hub.serviceConnectionString(), twin: hub.twin('dev1') };
    });
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    // It holds every key: readable by its owner only.
    expect(statSync(join(dir, 'state.json')).mode & 0o777).toBe(0o600);

    await withHub(dir, async (hub, ports) => {
      expect(hub.device('dev1')).toEqual(before.device);
      expect(hub.device('dev1', 'filter')).toEqual(before.module);
      expect(hub.device('cam')).toMatchObject({ x509: true });
      expect(hub.twin('dev1')).toEqual(before.twin);
      expect(hub.twin('dev1')).toEqual({ desired: { target: 22, mode: { eco: true }, $version: 3 }, reported: { fw: '1.0', $version: 2 } });
      expect(hub.servicePolicy).toEqual(before.policy);
      expect(hub.serviceConnectionString()).toBe(before.service);
      expect(hub.pendingMessages('dev1')).toBe(1);
      expect(hub.pendingMessages('dev1', 'filter')).toBe(1);
      expect(hub.deliveryOutcome('c2d-1')).toBe('pending');
      expect(hub.dps.export()).toMatchObject({
        individual: [{ registrationId: 'reg-1', key: before.individual.key, deviceId: 'dev-from-dps' }],
        groups: [{ key: before.group.key, payload: { fleet: 'north' } }],
      });
      // The queued message reaches the device after the restart, with its properties.
      const client = await RawMqttClient.tcp(ports.mqttPort);
      try {
        expect(await client.connect(await hub.credentials('dev1'))).toBe(0);
        expect(await client.subscribe([['devices/dev1/messages/devicebound/#', 1]])).toEqual([1]);
        const message = await client.nextPublish('devices/dev1/messages/devicebound/');
        expect(message.payload!.toString()).toBe('kept for later');
        expect(message.topic).toContain('%24.mid=c2d-1');
        expect(message.topic).toContain('kind=note');
        client.puback(message.messageId!);
        await hub.waitUntil(() => hub.pendingMessages('dev1') === 0, 3000, 'the message to complete');
        expect(hub.deliveryOutcome('c2d-1')).toEqual({ messageId: 'c2d-1', outcome: 'completed', deliveryCount: 1 });
      } finally {
        client.destroy();
      }
    });

    // Completed is completed: a third start has nothing queued for dev1.
    await withHub(dir, async (hub) => {
      expect(hub.pendingMessages('dev1')).toBe(0);
      expect(hub.pendingMessages('dev1', 'filter')).toBe(1);
    });
  });

  it('keeps every field of a twin document: tags and the twin version the service side writes, and fields it does not know', async () => {
    const dir = tempStateDir();
    await withHub(dir, async (hub) => {
      hub.addDevice({ deviceId: 'dev1' });
      hub.updateDesired('dev1', { a: 1 });
      hub.updateTwin('dev1', { tags: { site: 'lab' } });
    });
    // A field this hub does not know (written by a later version, say) is carried through untouched.
    const path = join(dir, STATE_FILE);
    const file = JSON.parse(readFileSync(path, 'utf8')) as { twins: Record<string, Record<string, unknown>> };
    file.twins['dev1']!['later'] = { kept: true };
    writeFileSync(path, JSON.stringify(file));
    await withHub(dir, async (hub) => {
      expect(hub.serviceTwin('dev1')).toMatchObject({ tags: { site: 'lab' }, version: 3 });
      hub.updateDesired('dev1', { b: 2 });
    });
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { twins: Record<string, Record<string, unknown>> };
    expect(saved.twins['dev1']).toEqual({ desired: { a: 1, b: 2, $version: 3 }, reported: { $version: 1 }, tags: { site: 'lab' }, version: 4, later: { kept: true } });
  });

  it('saves changes while running, not only on close', async () => {
    const dir = tempStateDir();
    const path = join(dir, STATE_FILE);
    const hub = new SimHub({ stateDir: dir });
    hub.addDevice({ deviceId: 'before-start' });
    await hub.start();
    try {
      hub.addDevice({ deviceId: 'while-running' });
      const deadline = Date.now() + 3000;
      while (!readFileSync(path, 'utf8').includes('"while-running"') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const saved = JSON.parse(readFileSync(path, 'utf8')) as { identities: { deviceId: string }[] };
      expect(saved.identities.map((identity) => identity.deviceId)).toEqual(['before-start', 'while-running']);
    } finally {
      await hub.close();
    }
  });
});

describe('a state file the hub cannot use', () => {
  it('refuses a file that is not JSON, and leaves it as it was', () => {
    const dir = tempStateDir();
    const path = join(dir, STATE_FILE);
    writeFileSync(path, '{"format": "hubwire-sim-hub-state", "version": 1, "identi');
    expect(() => new SimHub({ stateDir: dir })).toThrow(StateFileError);
    expect(() => new SimHub({ stateDir: dir })).toThrow(`${path} is not valid JSON`);
    expect(readFileSync(path, 'utf8')).toBe('{"format": "hubwire-sim-hub-state", "version": 1, "identi');
  });

  it('refuses a foreign file, a later layout version, and a damaged one, naming what is wrong', () => {
    const dir = tempStateDir();
    const path = join(dir, STATE_FILE);
    const cases: [content: unknown, message: RegExp][] = [
      [{ devices: [] }, /is not a hubwire sim-hub state file/],
      [{ format: 'hubwire-sim-hub-state', version: 99 }, /layout version 99/],
      [{ format: 'hubwire-sim-hub-state', version: 1, hostName: 'h' }, /is damaged: "servicePolicy"/],
    ];
    for (const [content, message] of cases) {
      writeFileSync(path, JSON.stringify(content));
      expect(() => new SimHub({ stateDir: dir })).toThrow(message);
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(content);
    }
  });

  it('refuses an identity or twin that is not one', async () => {
    const dir = tempStateDir();
    await withHub(dir, async (hub) => {
      hub.addDevice({ deviceId: 'dev1' });
    });
    const path = join(dir, STATE_FILE);
    const good = readFileSync(path, 'utf8');
    const file = JSON.parse(good) as { identities: unknown[]; twins: Record<string, unknown> };
    writeFileSync(path, JSON.stringify({ ...file, identities: [{ deviceId: 'bad id/with slash', clientId: 'x', x509: true }] }));
    expect(() => new SimHub({ stateDir: dir })).toThrow(/is damaged: not a registered identity/);
    writeFileSync(path, JSON.stringify({ ...file, twins: { dev1: { desired: {} } } }));
    expect(() => new SimHub({ stateDir: dir })).toThrow(/is damaged: twin of dev1/);
  });
});
