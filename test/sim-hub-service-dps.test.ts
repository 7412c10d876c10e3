/**
 * The provisioning service REST API of the simulated hub: enrollments created over HTTP, then
 * hubwire devices registering through DPS over real TCP with the keys those answers carried, and
 * the registration states read back. Errors come in DPS's shape (`errorCode`, `trackingId`, …).
 */
import type { DeviceEvent } from '@hubwire/core';
import { deviceClientForAssignment, dpsAuth, EventQueue, provision } from '@hubwire/node';
import { deriveGroupKey } from '@hubwire/sas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BACKOFF, simConnector } from '../examples/demo/sim-device.ts';
import { startService, type ServiceFixture } from './support/sim-hub-service.ts';

const WAIT = 5000;
let service: ServiceFixture;

beforeAll(async () => {
  service = await startService({ hub: { dps: { retryAfterSeconds: 1, pollsBeforeAssigned: 0 } } });
});

afterAll(async () => {
  await service?.close();
});

/** Registers through DPS over TCP and resolves with the assignment. */
function register(registrationId: string, key: string) {
  return provision({
    connector: simConnector(service.addresses, 'tcp', 'dps'),
    engineOptions: { idScope: service.addresses.idScope, registrationId, requestTimeoutMs: WAIT },
    auth: dpsAuth(service.addresses.idScope, registrationId, key),
  });
}

/** Checks a DPS error body and returns its code. */
function dpsErrorCode(json: unknown): number {
  expect(json).toEqual({ errorCode: expect.any(Number), trackingId: expect.any(String), message: expect.any(String), timestampUtc: expect.any(String) });
  expect(Date.parse((json as { timestampUtc: string }).timestampUtc)).not.toBeNaN();
  return (json as { errorCode: number }).errorCode;
}

describe('individual enrollments', () => {
  it('creates an enrollment, a device registers with its key and connects to the hub, and its registration state reads back', async () => {
    const created = await service.call('PUT', '/enrollments/sensor-7', { json: { registrationId: 'sensor-7', deviceId: 'boiler-7', attestation: { type: 'symmetricKey' } } });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      registrationId: 'sensor-7',
      deviceId: 'boiler-7',
      attestation: { type: 'symmetricKey', symmetricKey: { primaryKey: expect.any(String), secondaryKey: expect.any(String) } },
      provisioningStatus: 'enabled',
      iotHubs: [service.hub.hostName],
    });
    expect(created.json).not.toHaveProperty('registrationState');
    const { primaryKey } = created.json.attestation.symmetricKey;

    const assignment = await register('sensor-7', primaryKey);
    expect(assignment).toMatchObject({ assignedHub: service.hub.hostName, deviceId: 'boiler-7' });
    const events = new EventQueue<DeviceEvent>();
    const client = deviceClientForAssignment(assignment, { connectorFor: () => simConnector(service.addresses, 'tcp'), key: primaryKey, backoff: LOCAL_BACKOFF, onEvent: (e) => events.push(e) });
    try {
      client.start();
      await events.nextOf('connected', WAIT);
      await expect.poll(async () => (await service.call('GET', '/devices/boiler-7')).json.connectionState, { timeout: WAIT }).toBe('Connected');
    } finally {
      await client.stop();
    }

    const state = await service.call('GET', '/registrations/sensor-7');
    expect(state.status).toBe(200);
    expect(state.json).toMatchObject({ registrationId: 'sensor-7', deviceId: 'boiler-7', assignedHub: service.hub.hostName, status: 'assigned', substatus: 'initialAssignment' });
    expect(Date.parse(state.json.lastUpdatedDateTimeUtc)).not.toBeNaN();
    expect((await service.call('GET', '/enrollments/sensor-7')).json.registrationState).toEqual(state.json);
  });

  it('accepts the secondary key too, lists enrollments, and deletes them (registration then refused)', async () => {
    const secondaryKey = Buffer.alloc(32, 3).toString('base64');
    const created = await service.call('PUT', '/enrollments/sensor-8', { json: { attestation: { type: 'symmetricKey', symmetricKey: { secondaryKey } } } });
    expect(created.json.attestation.symmetricKey.secondaryKey).toBe(secondaryKey);
    expect((await register('sensor-8', secondaryKey)).deviceId).toBe('sensor-8');

    const listed = await service.call('POST', '/enrollments/query', { json: { query: '*' } });
    expect((listed.json as { registrationId: string }[]).map((e) => e.registrationId)).toEqual(expect.arrayContaining(['sensor-7', 'sensor-8']));

    const stale = await service.call('DELETE', '/enrollments/sensor-8', { headers: { 'If-Match': '"stale"' } });
    expect(stale.status).toBe(412);
    expect((await service.call('DELETE', '/enrollments/sensor-8', { headers: { 'If-Match': `"${created.json.etag}"` } })).status).toBe(204);
    const gone = await service.call('GET', '/enrollments/sensor-8');
    expect(gone.status).toBe(404);
    expect(dpsErrorCode(gone.json)).toBe(404201);
    await expect(register('sensor-8', secondaryKey)).rejects.toThrow(/refused/);
  });

  it('refuses what it cannot simulate, and bad ids, with 400 in DPS shape', async () => {
    for (const body of [{ attestation: { type: 'tpm', tpm: { endorsementKey: 'AAAA' } } }, { attestation: { type: 'symmetricKey' }, initialTwin: { tags: {} } }, { attestation: { type: 'symmetricKey' }, provisioningStatus: 'disabled' }]) {
      const answer = await service.call('PUT', '/enrollments/refused-1', { json: body });
      expect(answer.status).toBe(400);
      expect(dpsErrorCode(answer.json)).toBe(400004);
    }
    const badId = await service.call('PUT', '/enrollments/-bad-', { json: { attestation: { type: 'symmetricKey' } } });
    expect(badId.status).toBe(400);
    expect((await service.call('GET', '/enrollments/refused-1')).status).toBe(404);
  });
});

describe('enrollment groups', () => {
  it('creates a group, a device registers with its derived key, and the group query lists its registrations', async () => {
    const created = await service.call('PUT', '/enrollmentGroups/floor-2', { json: { enrollmentGroupId: 'floor-2', attestation: { type: 'symmetricKey' } } });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ enrollmentGroupId: 'floor-2', attestation: { type: 'symmetricKey' } });
    const deviceKey = await deriveGroupKey(created.json.attestation.symmetricKey.primaryKey, 'meter-21');
    expect((await register('meter-21', deviceKey)).deviceId).toBe('meter-21');
    expect(service.hub.device('meter-21')?.key).toBe(deviceKey);

    const registrations = await service.call('POST', '/registrations/floor-2/query', { json: {} });
    expect(registrations.status).toBe(200);
    expect(registrations.json).toEqual([expect.objectContaining({ registrationId: 'meter-21', deviceId: 'meter-21', status: 'assigned' })]);
    expect((await service.call('POST', '/enrollmentGroups/query', { json: { query: '*' } })).json).toEqual([expect.objectContaining({ enrollmentGroupId: 'floor-2' })]);
    // The path segment is matched without regard to case, as SDKs write it both ways.
    expect((await service.call('GET', '/enrollmentgroups/floor-2')).json.enrollmentGroupId).toBe('floor-2');
  });

  it('deletes registration states and groups', async () => {
    expect((await service.call('DELETE', '/registrations/meter-21')).status).toBe(204);
    const missing = await service.call('GET', '/registrations/meter-21');
    expect(missing.status).toBe(404);
    expect(dpsErrorCode(missing.json)).toBe(404202);
    expect(service.hub.device('meter-21')).toBeDefined();
    expect((await service.call('DELETE', '/enrollmentGroups/floor-2')).status).toBe(204);
    expect((await service.call('GET', '/enrollmentGroups/floor-2')).status).toBe(404);
    expect((await service.call('PUT', '/enrollmentGroups/x509-group', { json: { attestation: { type: 'x509' } } })).status).toBe(400);
  });
});

describe('DPS request errors', () => {
  it('answers 401 and api-version errors in DPS shape, and takes the DPS api-versions, not the hub ones', async () => {
    const unauthorized = await service.call('GET', '/enrollments/sensor-7', { authorization: null });
    expect(unauthorized.status).toBe(401);
    expect(dpsErrorCode(unauthorized.json)).toBe(401002);
    const hubVersion = await service.call('GET', '/enrollments/sensor-7?api-version=2021-04-12');
    expect(hubVersion.status).toBe(400);
    expect(dpsErrorCode(hubVersion.json)).toBe(400001);
    expect((await service.call('GET', '/enrollments/sensor-7?api-version=2019-03-31')).status).toBe(200);
  });
});
