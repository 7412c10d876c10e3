/**
 * hubwire devices ↔ the simulated IoT Hub (packages/sim-hub), over real loopback sockets,
 * through the Node drivers (@hubwire/node). Every wait has a deadline; every hub and client is closed in
 * `finally`/`afterAll`. Real time only bounds waits; correctness never depends on the wall
 * clock (token expiry in the fixed-token test is driven by the hub's injected clock).
 */
import { json } from '@hubwire/core';
import type { DeviceEvent } from '@hubwire/core';
import { deriveGroupKey } from '@hubwire/sas';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_BACKOFF, simConnector, startSimDevice, type SimDevice } from '../examples/demo/sim-device.ts';
import { respondLikeAThermostat } from '../examples/demo/thermostat.ts';
import { DeviceClient, deviceClientForAssignment, dpsAuth, type DriverNotice, EventQueue, provision, ProvisioningError } from '@hubwire/node';
import { SimHub } from '@hubwire/sim-hub';
import { useSimHub } from './support/sim-hub.ts';

const WAIT = 5000;
const text = (body: Uint8Array): string => new TextDecoder().decode(body);

describe('hubwire devices against the simulated IoT Hub', () => {
  const sim = useSimHub(() => ({ dps: { retryAfterSeconds: 1, pollsBeforeAssigned: 1 } }), { scope: 'file' });
  const devices: SimDevice[] = [];

  /** Registers a device and starts a hubwire client for it; stopped in afterAll, before the hub closes. */
  function device(deviceId: string, options: Parameters<typeof startSimDevice>[2] = {}): SimDevice {
    if (sim.hub.device(deviceId) === undefined) sim.hub.addDevice({ deviceId });
    const started = startSimDevice(sim.ports, sim.hub.connectionString(deviceId), options);
    devices.push(started);
    return started;
  }

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.stop()));
  });

  it('connects over TCP and gets telemetry with system and application properties acknowledged', async () => {
    const d = device('tcp-telemetry');
    await d.events.nextOf('connected', WAIT);
    const { id } = d.client.act((engine, now) =>
      engine.publishTelemetry(now, '{"temperature":21.5}', {
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        messageId: 'msg-1',
        properties: { alert: 'none', 'room name': 'kitchen' },
      }),
    );
    await d.events.nextOf('telemetry-acked', WAIT, (e) => e.id === id);
    const record = await sim.hub.waitForTelemetry((r) => r.deviceId === 'tcp-telemetry', WAIT);
    expect(JSON.parse(record.text)).toEqual({ temperature: 21.5 });
    expect(record.qos).toBe(1);
    expect(record.properties).toMatchObject({ messageId: 'msg-1', contentType: 'application/json', contentEncoding: 'utf-8' });
    expect(record.properties.application['room name']).toBe('kitchen');
    expect(sim.hub.connectedDevices().find((c) => c.deviceId === 'tcp-telemetry')?.transport).toBe('tcp');
  });

  it('receives a C2D message with its properties and completes it with PUBACK', async () => {
    const d = device('c2d-device');
    await sim.hub.waitForConnection('c2d-device', { filters: ['devices/c2d-device/messages/devicebound/#'], timeoutMs: WAIT });
    const receipt = sim.hub.sendC2d('c2d-device', 'open the valve', { messageId: 'c2d-1', correlationId: 'corr-9', application: { priority: 'high' } });
    const c2d = await d.events.nextOf('c2d', WAIT);
    expect(text(c2d.body)).toBe('open the valve');
    expect(c2d.properties).toMatchObject({ messageId: 'c2d-1', correlationId: 'corr-9' });
    expect(c2d.properties.application['priority']).toBe('high');
    expect(await receipt).toMatchObject({ messageId: 'c2d-1', outcome: 'completed', deliveryCount: 1 });
  });

  it('applies a desired-property change and reports the Plug and Play acknowledgement back', async () => {
    const d = device('twin-device', { onEvent: respondLikeAThermostat });
    await sim.hub.waitForConnection('twin-device', { filters: ['$iothub/twin/PATCH/properties/desired/#'], timeoutMs: WAIT });
    const version = sim.hub.updateDesired('twin-device', { targetTemperature: 22 });
    const patch = await d.events.nextOf('desired-patch', WAIT);
    expect(patch.version).toBe(version);
    expect(patch.patch['targetTemperature']).toBe(22);
    await d.events.nextOf('reported-patched', WAIT);
    expect(sim.hub.twin('twin-device').reported['targetTemperature']).toEqual({ value: 22, ac: 200, av: version, ad: 'applied' });
  });

  it('answers a direct method the service invokes', async () => {
    const d = device('method-device', { onEvent: respondLikeAThermostat });
    await sim.hub.waitForConnection('method-device', { filters: ['$iothub/methods/POST/#'], timeoutMs: WAIT });
    const result = await sim.hub.invokeMethod('method-device', 'reboot', { delay: 0 }, { timeoutMs: WAIT });
    expect(result).toEqual({ status: 200, payload: { ok: true, command: 'reboot' } });
    // A Plug and Play component command arrives as `component*command` (docs/protocol.md §11).
    const component = await sim.hub.invokeMethod('method-device', 'thermostat1*getMaxMinReport', { since: 0 }, { timeoutMs: WAIT });
    expect(component.status).toBe(200);
    const request = await d.events.nextOf('method-request', WAIT, (e) => e.methodName === 'thermostat1*getMaxMinReport');
    expect(request).toMatchObject({ component: 'thermostat1', commandName: 'getMaxMinReport' });
    const unknown = await sim.hub.invokeMethod('method-device', 'selfDestruct', null, { timeoutMs: WAIT });
    expect(unknown.status).toBe(404);
  });

  it('loses nothing when the hub drops the connection with QoS 1 telemetry and twin requests in flight', async () => {
    const d = device('flaky-device', { engineOptions: { requestTimeoutMs: 10_000 } });
    await d.events.nextOf('connected', WAIT);
    const ids: number[] = [];
    const rids: string[] = [];
    d.client.act((engine, now) => {
      for (let i = 0; i < 20; i++) ids.push(engine.publishTelemetry(now, `reading ${i}`).id);
      rids.push(engine.getTwin(now).rid, engine.patchReported(now, { firmware: '1.2.3' }).rid);
    });
    expect(d.client.engine.inFlightTelemetry + d.client.engine.queuedTelemetry).toBeGreaterThan(0);
    expect(await sim.hub.disconnectDevice('flaky-device')).toBe(true);
    // While the device is away (or just back): a desired change and a C2D message.
    const desiredVersion = sim.hub.updateDesired('flaky-device', { mode: 'eco' });
    const receipt = sim.hub.sendC2d('flaky-device', 'sent while away', { messageId: 'away-1' });

    // Every message is acknowledged exactly once, after a reconnect.
    const acked = new Set<number>();
    while (acked.size < ids.length) {
      const event = await d.events.nextOf('telemetry-acked', WAIT);
      expect(acked.has(event.id)).toBe(false);
      acked.add(event.id);
    }
    expect([...acked].sort((a, b) => a - b)).toEqual(ids);
    // The hub has every body (some possibly twice: at-least-once).
    const bodies = new Set(sim.hub.telemetry((r) => r.deviceId === 'flaky-device').map((r) => r.text));
    for (let i = 0; i < 20; i++) expect(bodies.has(`reading ${i}`)).toBe(true);
    // Each twin request ended in exactly one event: answered, or failed as retriable because of the drop.
    for (const rid of rids) {
      const ending = await d.events.next(
        (e: DeviceEvent) => (e.type === 'twin' || e.type === 'reported-patched' || e.type === 'request-failed') && 'rid' in e && e.rid === rid,
        WAIT,
        `the end of request ${rid}`,
      );
      if (ending.type === 'request-failed') expect(ending).toMatchObject({ reason: 'connection-lost', retriable: true });
    }
    // After the reconnect the engine re-reads the twin, so no desired change made meanwhile is missed.
    expect(d.notices.some((n) => n.type === 'reconnect-scheduled')).toBe(true);
    const lost = d.events.pending().filter((e) => e.type === 'connection-lost');
    expect(lost.length).toBeGreaterThanOrEqual(1);
    const reread = await d.events.nextOf('twin', WAIT, (e) => !rids.includes(e.rid));
    expect(reread.status).toBe(200);
    expect(reread.desired['mode']).toBe('eco');
    expect(reread.desiredVersion).toBe(desiredVersion);
    // C2D is queued by the hub and delivered on the next connection (docs/protocol.md §8).
    expect(text((await d.events.nextOf('c2d', WAIT, (e) => e.properties.messageId === 'away-1')).body)).toBe('sent while away');
    expect((await receipt).outcome).toBe('completed');
  });

  it('renews a short-lived SAS token before it expires, without the hub dropping the connection or a pending twin request', async () => {
    const rids: string[] = [];
    const d = device('renewing-device', {
      tokenTtlSeconds: 3,
      engineOptions: { tokenRenewalMarginMs: 1200 },
      // Requests sent in the same turn as the renewal's DISCONNECT: the old socket closes before any answer.
      onEvent: (client, event) => {
        if (event.type !== 'token-expiring' || rids.length > 0) return;
        client.act((engine, now) => rids.push(engine.getTwin(now).rid, engine.patchReported(now, { firmware: '2.0.0' }).rid));
      },
    });
    await d.events.nextOf('connected', WAIT);
    const expiring = await d.events.nextOf('token-expiring', WAIT);
    expect(Number.isFinite(expiring.expiresAt)).toBe(true);
    await d.events.nextOf('disconnected', WAIT);
    expect(rids).toHaveLength(2);
    const again = await d.events.nextOf('connected', WAIT);
    expect(again.type).toBe('connected');
    expect(d.notices.filter((n) => n.type === 'renewing-token').length).toBeGreaterThanOrEqual(1);
    // The requests pending at the renewal are answered on the new connection, each once.
    const [getRid, patchRid] = rids;
    expect((await d.events.nextOf('twin', WAIT, (e) => e.rid === getRid)).status).toBe(200);
    expect((await d.events.nextOf('reported-patched', WAIT, (e) => e.rid === patchRid)).status).toBe(204);
    expect(sim.hub.twin('renewing-device').reported['firmware']).toBe('2.0.0');
    // The renewal was a clean DISCONNECT + CONNECT: the hub never had to cut an expired connection.
    expect(d.events.pending().filter((e) => e.type === 'connection-lost')).toEqual([]);
    const { id } = d.client.act((engine, now) => engine.publishTelemetry(now, 'after renewal'));
    await d.events.nextOf('telemetry-acked', WAIT, (e) => e.id === id);
    const endings = d.events.pending().filter((e) => 'rid' in e && e.rid !== undefined && rids.includes(e.rid));
    expect(endings).toEqual([]);
    expect(d.client.engine.pendingRequests).toBe(0);
  });

  it('retries with back-off when a socket cannot be opened', async () => {
    sim.hub.addDevice({ deviceId: 'unlucky-device' });
    const real = simConnector(sim.ports, 'tcp');
    let attempts = 0;
    const events = new EventQueue<DeviceEvent>();
    const notices: DriverNotice[] = [];
    const client = DeviceClient.fromConnectionString(sim.hub.connectionString('unlucky-device'), {
      connector: (handlers) => (++attempts === 1 ? Promise.reject(new Error('network unreachable')) : real(handlers)),
      backoff: { ...LOCAL_BACKOFF, random: () => 0.5 },
      onEvent: (e) => events.push(e),
      onNotice: (n) => notices.push(n),
    });
    try {
      client.start();
      await events.nextOf('connected', WAIT);
      expect(attempts).toBe(2);
      expect(notices.map((n) => n.type)).toEqual(['open-failed', 'reconnect-scheduled', 'stream-opened']);
      expect(notices[1]).toMatchObject({ reason: 'connection-lost', inMs: 50 });
    } finally {
      await client.stop();
    }
  });

  it('stops reconnecting when the hub rejects the identity (CONNACK 2), which waiting cannot fix', async () => {
    const key = btoa('0123456789abcdef0123456789abcdef');
    const events = new EventQueue<DeviceEvent>();
    const notices: DriverNotice[] = [];
    const client = DeviceClient.fromConnectionString(`HostName=${sim.hub.hostName};DeviceId=never-registered;SharedAccessKey=${key}`, {
      connector: simConnector(sim.ports, 'tcp'),
      backoff: LOCAL_BACKOFF,
      onEvent: (e) => events.push(e),
      onNotice: (n) => notices.push(n),
    });
    try {
      client.start();
      const refused = await events.nextOf('connect-failed', WAIT);
      expect(refused).toMatchObject({ returnCode: 2, reason: 'identifier-rejected', retriable: false });
      expect(notices).toContainEqual({ type: 'gave-up', reason: 'identifier-rejected' });
      expect(notices.filter((n) => n.type === 'reconnect-scheduled')).toEqual([]);
      expect(client.engine.state).not.toBe('connected');
    } finally {
      await client.stop();
    }
  });

  it('provisions through DPS with an individual enrollment, then connects to the assigned hub', async () => {
    const { key } = sim.hub.dps.addIndividualEnrollment({ registrationId: 'reg-individual', deviceId: 'provisioned-1' });
    const assignment = await provision({
      connector: simConnector(sim.ports, 'tcp', 'dps'),
      engineOptions: { idScope: sim.ports.idScope, registrationId: 'reg-individual', requestTimeoutMs: WAIT },
      auth: dpsAuth(sim.ports.idScope, 'reg-individual', key as string),
      payload: { modelId: 'dtmi:com:example:Thermostat;1' },
    });
    expect(assignment).toMatchObject({ assignedHub: sim.hub.hostName, deviceId: 'provisioned-1' });
    expect(sim.hub.dps.registrations().find((r) => r.registrationId === 'reg-individual')?.requestPayload).toEqual({
      modelId: 'dtmi:com:example:Thermostat;1',
    });
    const events = new EventQueue<DeviceEvent>();
    const client = deviceClientForAssignment(assignment, {
      connectorFor: () => simConnector(sim.ports, 'tcp'),
      key: key as string,
      backoff: LOCAL_BACKOFF,
      onEvent: (e) => events.push(e),
    });
    try {
      client.start();
      await events.nextOf('connected', WAIT);
      const { id } = client.act((engine, now) => engine.publishTelemetry(now, 'hello from a provisioned device'));
      await events.nextOf('telemetry-acked', WAIT, (e) => e.id === id);
      expect((await sim.hub.waitForTelemetry((r) => r.deviceId === 'provisioned-1', WAIT)).text).toBe('hello from a provisioned device');
    } finally {
      await client.stop();
    }
  });

  it('provisions a group-enrollment device over WebSocket with its derived key', async () => {
    const { key: groupKey } = sim.hub.dps.addGroupEnrollment();
    const deviceKey = await deriveGroupKey(groupKey, 'group-member-7');
    const assignment = await provision({
      connector: simConnector(sim.ports, 'websocket', 'dps'),
      engineOptions: { idScope: sim.ports.idScope, registrationId: 'group-member-7', requestTimeoutMs: WAIT },
      auth: dpsAuth(sim.ports.idScope, 'group-member-7', deviceKey),
    });
    expect(assignment.deviceId).toBe('group-member-7');
    expect(sim.hub.device('group-member-7')?.key).toBe(deviceKey);
  });

  it('reports a DPS refusal as a ProvisioningError instead of hanging', async () => {
    sim.hub.dps.addIndividualEnrollment({ registrationId: 'reg-wrong-key' });
    const error = await provision({
      connector: simConnector(sim.ports, 'tcp', 'dps'),
      engineOptions: { idScope: sim.ports.idScope, registrationId: 'reg-wrong-key', requestTimeoutMs: WAIT },
      auth: dpsAuth(sim.ports.idScope, 'reg-wrong-key', btoa('not the enrollment key, 32 bytes!')),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisioningError);
    expect((error as ProvisioningError).event).toMatchObject({ type: 'connect-failed', reason: 'not-authorized' });
  });

  it('runs a module identity: inputs in, an output out, module twin and methods', async () => {
    sim.hub.addDevice({ deviceId: 'edge-gateway' });
    sim.hub.addDevice({ deviceId: 'edge-gateway', moduleId: 'filter' });
    const m = startSimDevice(sim.ports, sim.hub.connectionString('edge-gateway', 'filter'), { onEvent: respondLikeAThermostat });
    devices.push(m);
    await sim.hub.waitForConnection('edge-gateway', { moduleId: 'filter', filters: ['devices/edge-gateway/modules/filter/#'], timeoutMs: WAIT });
    const receipt = sim.hub.sendModuleInput('edge-gateway', 'filter', 'input1', '{"reading":7}', { application: { unit: 'C' } });
    const input = await m.events.nextOf('module-input', WAIT);
    expect(input.inputName).toBe('input1');
    expect(json(input.body)).toEqual({ reading: 7 });
    expect(input.properties.application['unit']).toBe('C');
    expect((await receipt).outcome).toBe('completed');

    const { id } = m.client.act((engine, now) => engine.publishTelemetry(now, '{"alert":true}', { outputName: 'alerts' }));
    await m.events.nextOf('telemetry-acked', WAIT, (e) => e.id === id);
    const out = await sim.hub.waitForTelemetry((r) => r.moduleId === 'filter', WAIT);
    expect(out).toMatchObject({ deviceId: 'edge-gateway', moduleId: 'filter' });
    expect(out.properties.outputName).toBe('alerts');

    const result = await sim.hub.invokeMethod('edge-gateway', 'reboot', {}, { moduleId: 'filter', timeoutMs: WAIT });
    expect(result.status).toBe(200);
    const version = sim.hub.updateDesired('edge-gateway', { targetTemperature: 40 }, 'filter');
    await m.events.nextOf('desired-patch', WAIT, (e) => e.version === version);
    await m.events.nextOf('reported-patched', WAIT);
    expect(sim.hub.twin('edge-gateway', 'filter').reported['targetTemperature']).toMatchObject({ ac: 400, av: version });
  });

  it('does all of it over MQTT over WebSockets too', async () => {
    const d = device('ws-device', { transport: 'websocket', onEvent: respondLikeAThermostat });
    await sim.hub.waitForConnection('ws-device', { filters: ['$iothub/methods/POST/#', 'devices/ws-device/messages/devicebound/#'], timeoutMs: WAIT });
    expect(sim.hub.connectedDevices().find((c) => c.deviceId === 'ws-device')?.transport).toBe('ws');
    const { id } = d.client.act((engine, now) => engine.publishTelemetry(now, 'over websocket', { properties: { via: 'ws' } }));
    await d.events.nextOf('telemetry-acked', WAIT, (e) => e.id === id);
    expect((await sim.hub.waitForTelemetry((r) => r.deviceId === 'ws-device', WAIT)).properties.application['via']).toBe('ws');
    expect((await sim.hub.invokeMethod('ws-device', 'getMaxMinReport', null, { timeoutMs: WAIT })).status).toBe(200);
    const receipt = sim.hub.sendC2d('ws-device', 'ws c2d');
    expect(text((await d.events.nextOf('c2d', WAIT)).body)).toBe('ws c2d');
    expect((await receipt).outcome).toBe('completed');
    // A forced drop over WebSocket is recovered the same way.
    await sim.hub.disconnectDevice('ws-device');
    await d.events.nextOf('connection-lost', WAIT);
    await d.events.nextOf('connected', WAIT);
  });
});

describe('a fixed SAS token (SharedAccessSignature) on the simulated hub', () => {
  it('is cut off by the hub when it expires, and the refused reconnect is reported, not retried fast', async () => {
    let wall = 1_800_000_000_000;
    const hub = new SimHub({ clock: () => wall });
    let d: SimDevice | undefined;
    try {
      const addresses = await hub.start();
      hub.addDevice({ deviceId: 'fixed-token' });
      const token = await hub.sasToken('fixed-token', { ttlSeconds: 60 });
      const cs = `HostName=${hub.hostName};DeviceId=fixed-token;SharedAccessSignature=${token}`;
      d = startSimDevice(addresses, cs, { wallClock: () => wall, backoff: { baseMs: 10, maxMs: 10, throttledFloorMs: 60_000 } });
      await d.events.nextOf('connected', WAIT);
      // Move the hub's clock past `se`: the hub closes the connection (docs/protocol.md §4).
      wall += 61_000;
      expect(hub.enforceTokenExpiry()).toBe(1);
      await d.events.nextOf('connection-lost', WAIT);
      // The same token is now refused; a fixed token cannot be renewed, so the driver backs off slowly.
      const refused = await d.events.nextOf('connect-failed', WAIT);
      expect(refused).toMatchObject({ reason: 'not-authorized' });
      expect(d.notices.some((n) => n.type === 'reconnect-scheduled' && n.reason === 'not-authorized' && n.inMs >= 60_000)).toBe(true);
    } finally {
      await d?.stop();
      await hub.close();
    }
  });
});
