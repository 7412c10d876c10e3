/**
 * The simulated DPS (docs/protocol.md §13), driven with raw MQTT: register → 202 with retry-after and an
 * operationId → poll → 202 → poll → 200 assigned, individual and group enrollments, DPS SAS checks,
 * and the assigned device then connecting to the hub with the same key.
 */
import { createSasToken, deriveGroupKey, dpsCredentials, dpsResourceUri, hubCredentials, deviceResourceUri } from '@hubwire/sas';
import { describe, expect, it } from 'vitest';
import { RawMqttClient, type RawPacket } from '@hubwire/sim-hub';
import { useSimHub } from './support/sim-hub.ts';

const sim = useSimHub(() => ({ dps: { idScope: '0ne00000A0A' } }));

function dpsToken(registrationId: string, key: string, ttlSeconds = 3600, keyName = 'registration'): Promise<string> {
  return createSasToken({
    resourceUri: dpsResourceUri(sim.ports.idScope, registrationId),
    key,
    expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds,
    keyName,
  });
}

async function dpsConnect(registrationId: string, password: string | undefined, port = sim.ports.dpsPort): Promise<{ client: RawMqttClient; code: number }> {
  const client = await sim.raw(port);
  const credentials = dpsCredentials({ idScope: sim.ports.idScope, registrationId, ...(password === undefined ? {} : { password }) });
  return { client, code: await client.connect(credentials) };
}

function body(packet: RawPacket): Record<string, unknown> {
  return JSON.parse(packet.payload!.toString()) as Record<string, unknown>;
}

/** Runs the whole register/poll flow on a connected client; returns the final 200 body. */
async function provision(client: RawMqttClient, registrationId: string, payload?: unknown): Promise<Record<string, unknown>> {
  expect(await client.subscribe([['$dps/registrations/res/#', 1]])).toEqual([1]);
  await client.publish('$dps/registrations/PUT/iotdps-register/?$rid=r1', JSON.stringify({ registrationId, ...(payload === undefined ? {} : { payload }) }));
  const accepted = await client.nextPublish('$dps/registrations/res/');
  expect(accepted.topic).toBe('$dps/registrations/res/202/?$rid=r1&retry-after=1');
  const { operationId, status } = body(accepted);
  expect(status).toBe('assigning');
  await client.publish(`$dps/registrations/GET/iotdps-get-operationstatus/?$rid=r2&operationId=${String(operationId)}`, '');
  expect((await client.nextPublish('$dps/registrations/res/')).topic).toBe('$dps/registrations/res/202/?$rid=r2&retry-after=1');
  await client.publish(`$dps/registrations/GET/iotdps-get-operationstatus/?$rid=r3&operationId=${String(operationId)}`, '');
  const done = await client.nextPublish('$dps/registrations/res/');
  expect(done.topic).toBe('$dps/registrations/res/200/?$rid=r3');
  const result = body(done);
  expect(result['operationId']).toBe(operationId);
  return result;
}

describe('DPS registration', () => {
  it('answers 202, then 202 once more, then 200 assigned, and registers the device on the hub', async () => {
    const { key } = sim.hub.dps.addIndividualEnrollment({ registrationId: 'reg-1', payload: { tier: 'gold' } });
    const { client, code } = await dpsConnect('reg-1', await dpsToken('reg-1', key!));
    expect(code).toBe(0);
    const result = await provision(client, 'reg-1', { modelId: 'dtmi:com:example:Thermostat;1' });
    expect(result).toMatchObject({
      status: 'assigned',
      registrationState: { registrationId: 'reg-1', assignedHub: sim.hub.hostName, deviceId: 'reg-1', status: 'assigned', substatus: 'initialAssignment', payload: { tier: 'gold' } },
    });
    const state = result['registrationState'] as Record<string, string>;
    expect(Date.parse(state['createdDateTimeUtc']!)).not.toBeNaN();
    expect(Date.parse(state['lastUpdatedDateTimeUtc']!)).not.toBeNaN();
    expect(typeof state['etag']).toBe('string');
    expect(sim.hub.dps.registrations()).toMatchObject([
      { registrationId: 'reg-1', deviceId: 'reg-1', assignedHub: sim.hub.hostName, operationId: result['operationId'], requestPayload: { modelId: 'dtmi:com:example:Thermostat;1' } },
    ]);
    expect(sim.hub.device('reg-1')?.key).toBe(key);
  });

  it('provisions through a group enrollment with the derived key, and the device then connects to the hub', async () => {
    const { key: groupKey } = sim.hub.dps.addGroupEnrollment();
    const deviceKey = await deriveGroupKey(groupKey, 'sn-42');
    const { client, code } = await dpsConnect('sn-42', await dpsToken('sn-42', deviceKey));
    expect(code).toBe(0);
    await provision(client, 'sn-42');
    client.disconnect();
    const device = await sim.raw(sim.ports.mqttPort);
    const password = await createSasToken({ resourceUri: deviceResourceUri(sim.hub.hostName, 'sn-42'), key: deviceKey, expiresAt: Math.floor(Date.now() / 1000) + 60 });
    expect(await device.connect(hubCredentials({ hostName: sim.hub.hostName, deviceId: 'sn-42', password }))).toBe(0);
  });

  it('works over the DPS WebSocket listener too', async () => {
    const { key } = sim.hub.dps.addIndividualEnrollment({ registrationId: 'ws-1' });
    const client = sim.track(await RawMqttClient.webSocket(sim.ports.dpsWsPort));
    expect(await client.connect(dpsCredentials({ idScope: sim.ports.idScope, registrationId: 'ws-1', password: await dpsToken('ws-1', key!) }))).toBe(0);
    await provision(client, 'ws-1');
  });

  it('answers 400 to a register body naming another registration and 404 to an unknown operation', async () => {
    const { key } = sim.hub.dps.addIndividualEnrollment({ registrationId: 'reg-1' });
    const { client } = await dpsConnect('reg-1', await dpsToken('reg-1', key!));
    await client.subscribe([['$dps/registrations/res/#', 1]]);
    await client.publish('$dps/registrations/PUT/iotdps-register/?$rid=a', '{"registrationId":"someone-else"}');
    const refused = await client.nextPublish('$dps/registrations/res/');
    expect(refused.topic).toBe('$dps/registrations/res/400/?$rid=a');
    expect(body(refused)).toMatchObject({ errorCode: 400004 });
    await client.publish('$dps/registrations/GET/iotdps-get-operationstatus/?$rid=b&operationId=nope', '');
    expect((await client.nextPublish('$dps/registrations/res/')).topic).toBe('$dps/registrations/res/404/?$rid=b');
  });
});

describe('DPS authentication and rules', () => {
  it('refuses a wrong key or a token without skn=registration with CONNACK 5', async () => {
    sim.hub.dps.addIndividualEnrollment({ registrationId: 'reg-1' });
    const other = Buffer.alloc(32, 3).toString('base64');
    expect((await dpsConnect('reg-1', await dpsToken('reg-1', other))).code).toBe(5);
    const { key } = sim.hub.dps.addIndividualEnrollment({ registrationId: 'reg-2' });
    expect((await dpsConnect('reg-2', await dpsToken('reg-2', key!, 3600, 'device'))).code).toBe(5);
    expect((await dpsConnect('reg-2', await dpsToken('reg-2', key!, -5))).code).toBe(5);
  });

  it('refuses an unknown registration with CONNACK 2 and another id scope with CONNACK 4', async () => {
    expect((await dpsConnect('nobody', 'x')).code).toBe(2);
    const { key } = sim.hub.dps.addIndividualEnrollment({ registrationId: 'reg-1' });
    const client = await sim.raw(sim.ports.dpsPort);
    const credentials = dpsCredentials({ idScope: '0ne99999999', registrationId: 'reg-1', password: await dpsToken('reg-1', key!) });
    expect(await client.connect(credentials)).toBe(4);
  });

  it('refuses filters other than $dps/registrations/res/# and closes on hub topics', async () => {
    const { key } = sim.hub.dps.addIndividualEnrollment({ registrationId: 'reg-1' });
    const { client } = await dpsConnect('reg-1', await dpsToken('reg-1', key!));
    expect(await client.subscribe([['$iothub/twin/res/#', 0], ['$dps/#', 0]])).toEqual([0x80, 0x80]);
    await client.publish('devices/reg-1/messages/events/', 'x');
    await client.waitClosed();
  });

  it('accepts an X.509 individual enrollment without a password', async () => {
    sim.hub.dps.addIndividualEnrollment({ registrationId: 'cert-1', x509: true });
    const { client, code } = await dpsConnect('cert-1', undefined);
    expect(code).toBe(0);
    await provision(client, 'cert-1');
    expect(sim.hub.device('cert-1')).toMatchObject({ x509: true });
  });
});
