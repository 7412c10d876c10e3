/**
 * The simulated hub's service REST API, registry side, over a real HTTP socket: devices and modules
 * (create, get with keys, list, update with If-Match, delete), the device query, and the answers a
 * client gets for a bad token (401), a bad body (400 in IoT Hub's error shape) or api-version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubError, startService, type ServiceFixture } from './support/sim-hub-service.ts';

let service: ServiceFixture;

beforeAll(async () => {
  service = await startService();
});

afterAll(async () => {
  await service?.close();
});

describe('devices', () => {
  it('creates a device with generated keys, gets it back, and refuses to create it twice', async () => {
    const created = await service.call('PUT', '/devices/registry-1', { json: { deviceId: 'registry-1' } });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      deviceId: 'registry-1',
      connectionState: 'Disconnected',
      status: 'enabled',
      cloudToDeviceMessageCount: 0,
      authentication: { type: 'sas' },
      capabilities: { iotEdge: false },
    });
    const { primaryKey, secondaryKey } = created.json.authentication.symmetricKey;
    expect(Buffer.from(primaryKey, 'base64')).toHaveLength(32);
    expect(secondaryKey).not.toBe(primaryKey);
    expect(service.hub.device('registry-1')?.key).toBe(primaryKey);

    const read = await service.call('GET', '/devices/registry-1');
    expect(read.status).toBe(200);
    expect(read.json).toEqual(created.json);

    const again = await service.call('PUT', '/devices/registry-1', { json: { deviceId: 'registry-1' } });
    expect(again.status).toBe(409);
    expect(hubError(again).code).toBe('DeviceAlreadyExists');
    expect(again.headers.get('iothub-errorcode')).toBe('DeviceAlreadyExists');
  });

  it('takes the keys it is given, and updates only with the current etag (or *)', async () => {
    const primaryKey = Buffer.alloc(32, 7).toString('base64');
    const secondaryKey = Buffer.alloc(32, 9).toString('base64');
    const created = await service.call('PUT', '/devices/registry-2', {
      json: { deviceId: 'registry-2', authentication: { type: 'sas', symmetricKey: { primaryKey, secondaryKey } } },
    });
    expect(created.json.authentication.symmetricKey).toEqual({ primaryKey, secondaryKey });
    const rotated = Buffer.alloc(32, 11).toString('base64');
    const body = { deviceId: 'registry-2', authentication: { type: 'sas', symmetricKey: { primaryKey: rotated, secondaryKey } } };
    const stale = await service.call('PUT', '/devices/registry-2', { json: body, headers: { 'If-Match': '"not-the-etag"' } });
    expect(stale.status).toBe(412);
    expect(hubError(stale).code).toBe('PreconditionFailed');
    const updated = await service.call('PUT', '/devices/registry-2', { json: body, headers: { 'If-Match': `"${created.json.etag}"` } });
    expect(updated.status).toBe(200);
    expect(updated.json.etag).not.toBe(created.json.etag);
    expect(updated.json.generationId).toBe(created.json.generationId);
    expect(service.hub.device('registry-2')).toMatchObject({ key: rotated, secondaryKey });
  });

  it('registers X.509 identities without keys', async () => {
    const created = await service.call('PUT', '/devices/registry-x509', { json: { authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: 'AB'.repeat(20) } } } });
    expect(created.status).toBe(200);
    expect(created.json.authentication).toMatchObject({ type: 'certificateAuthority', symmetricKey: { primaryKey: null } });
    expect(service.hub.device('registry-x509')?.x509).toBe(true);
  });

  it('lists devices (not modules) and honours top', async () => {
    await service.call('PUT', '/devices/registry-3', { json: {} });
    await service.call('PUT', '/devices/registry-3/modules/m1', { json: {} });
    const all = await service.call('GET', '/devices');
    const ids = (all.json as { deviceId: string; moduleId?: string }[]).map((device) => device.deviceId);
    expect(ids).toEqual(expect.arrayContaining(['registry-1', 'registry-2', 'registry-3']));
    expect((all.json as object[]).every((device) => !('moduleId' in device))).toBe(true);
    const one = await service.call('GET', '/devices?top=1');
    expect(one.json).toHaveLength(1);
    expect(hubError(await service.call('GET', '/devices?top=0')).code).toBe('ArgumentInvalid');
  });

  it('deletes a device with its modules; a second delete is 404 DeviceNotFound', async () => {
    await service.call('PUT', '/devices/registry-gone', { json: {} });
    await service.call('PUT', '/devices/registry-gone/modules/sensor', { json: {} });
    const deleted = await service.call('DELETE', '/devices/registry-gone', { headers: { 'If-Match': '*' } });
    expect(deleted.status).toBe(204);
    expect(service.hub.device('registry-gone')).toBeUndefined();
    expect(service.hub.device('registry-gone', 'sensor')).toBeUndefined();
    const again = await service.call('DELETE', '/devices/registry-gone', { headers: { 'If-Match': '*' } });
    expect(again.status).toBe(404);
    expect(hubError(again).code).toBe('DeviceNotFound');
    expect((await service.call('GET', '/devices/registry-gone')).status).toBe(404);
  });

  it('refuses what it does not simulate rather than storing it: disabled devices, IoT Edge, unknown auth types', async () => {
    for (const body of [{ status: 'disabled' }, { capabilities: { iotEdge: true } }, { authentication: { type: 'none' } }, { deviceId: 'another-id' }]) {
      const answer = await service.call('PUT', '/devices/registry-refused', { json: body });
      expect(answer.status).toBe(400);
      expect(hubError(answer).code).toBe('ArgumentInvalid');
    }
    expect(service.hub.device('registry-refused')).toBeUndefined();
  });
});

describe('modules', () => {
  it('creates, gets, lists and deletes the modules of a device', async () => {
    await service.call('PUT', '/devices/edge-host', { json: {} });
    const created = await service.call('PUT', '/devices/edge-host/modules/filter', { json: { moduleId: 'filter', deviceId: 'edge-host' } });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ moduleId: 'filter', deviceId: 'edge-host', connectionState: 'Disconnected', authentication: { type: 'sas' } });
    expect(service.hub.device('edge-host', 'filter')?.key).toBe(created.json.authentication.symmetricKey.primaryKey);
    await service.call('PUT', '/devices/edge-host/modules/router', { json: {} });
    const listed = await service.call('GET', '/devices/edge-host/modules');
    expect((listed.json as { moduleId: string }[]).map((module) => module.moduleId)).toEqual(['filter', 'router']);
    expect((await service.call('GET', '/devices/edge-host/modules/filter')).json).toEqual(created.json);
    const twice = await service.call('PUT', '/devices/edge-host/modules/filter', { json: {} });
    expect(hubError(twice).code).toBe('ModuleAlreadyExistsOnDevice');
    expect((await service.call('DELETE', '/devices/edge-host/modules/filter', { headers: { 'If-Match': '*' } })).status).toBe(204);
    const missing = await service.call('GET', '/devices/edge-host/modules/filter');
    expect(missing.status).toBe(404);
    expect(hubError(missing).code).toBe('ModuleNotFound');
    expect(service.hub.device('edge-host')).toBeDefined();
  });

  it('needs its device: 404 DeviceNotFound for a module of an unknown device', async () => {
    const answer = await service.call('PUT', '/devices/nobody/modules/m', { json: {} });
    expect(answer.status).toBe(404);
    expect(hubError(answer).code).toBe('DeviceNotFound');
  });
});

describe('the device query', () => {
  it('selects twins by tags, pages them with x-ms-continuation, and names what it cannot parse', async () => {
    for (const [id, site] of [['query-a', 'lab'], ['query-b', 'lab'], ['query-c', 'plant']] as const) {
      await service.call('PUT', `/devices/${id}`, { json: {} });
      await service.call('PATCH', `/twins/${id}`, { json: { tags: { site, rack: id === 'query-b' ? 2 : 1 } } });
    }
    const lab = await service.call('POST', '/devices/query', { json: { query: "SELECT * FROM devices WHERE tags.site = 'lab'" } });
    expect(lab.status).toBe(200);
    expect((lab.json as { deviceId: string }[]).map((twin) => twin.deviceId)).toEqual(['query-a', 'query-b']);
    const either = await service.call('POST', '/devices/query', { json: { query: "SELECT * FROM devices WHERE tags.site = 'plant' OR tags.rack >= 2" } });
    expect((either.json as { deviceId: string }[]).map((twin) => twin.deviceId)).toEqual(['query-b', 'query-c']);

    const first = await service.call('POST', '/devices/query', { json: { query: "SELECT * FROM devices WHERE tags.site != 'none'" }, headers: { 'x-ms-max-item-count': '2' } });
    expect(first.json).toHaveLength(2);
    const continuation = first.headers.get('x-ms-continuation');
    expect(continuation).not.toBeNull();
    const second = await service.call('POST', '/devices/query', {
      json: { query: "SELECT * FROM devices WHERE tags.site != 'none'" },
      headers: { 'x-ms-max-item-count': '2', 'x-ms-continuation': continuation! },
    });
    expect(second.json).toHaveLength(1);
    expect(second.headers.get('x-ms-continuation')).toBeNull();

    const unsupported = await service.call('POST', '/devices/query', { json: { query: 'SELECT deviceId FROM devices GROUP BY status' } });
    expect(unsupported.status).toBe(400);
    expect(hubError(unsupported).message).toContain('supported: SELECT * FROM devices');
  });
});

describe('authentication and request errors', () => {
  it('answers 401 IotHubUnauthorizedAccess without a token, with a wrong key, a foreign policy, an expired token, or an sr for another hub', async () => {
    const policy = service.hub.servicePolicy;
    const foreignKey = Buffer.alloc(32, 1).toString('base64');
    const cases: [string, string | null][] = [
      ['no token', null],
      ['garbage', 'Bearer something'],
      ['wrong key', await service.token({ key: foreignKey })],
      ['foreign policy', await service.token({ keyName: 'registryRead' })],
      ['foreign policy with its own key', await service.token({ keyName: 'service', key: foreignKey })],
      ['expired', await service.token({ ttlSeconds: -5 })],
      ['another hub', await service.token({ resourceUri: 'other-hub.azure-devices.net' })],
    ];
    for (const [why, authorization] of cases) {
      const answer = await service.call('GET', '/devices', { authorization });
      expect(answer.status, why).toBe(401);
      expect(hubError(answer), why).toMatchObject({ code: 'IotHubUnauthorizedAccess', message: 'Unauthorized' });
      expect(hubError(answer).exceptionMessage, why).toMatch(/^Tracking ID:[0-9a-f]{32}-G:0-TimeStamp:\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/);
    }
    expect(policy.keyName).toBe('iothubowner');
    expect((await service.call('GET', '/devices')).status).toBe(200);
  });

  it('accepts a token scoped to a path prefix only under that prefix', async () => {
    const devicesOnly = await service.token({ resourceUri: `${service.hub.hostName}/devices` });
    expect((await service.call('GET', '/devices', { authorization: devicesOnly })).status).toBe(200);
    expect((await service.call('GET', '/twins/registry-1', { authorization: devicesOnly })).status).toBe(401);
  });

  it('answers 400 InvalidProtocolVersion for a missing or unknown api-version, and takes the older GA ones', async () => {
    const missing = await fetch(`${service.base}/devices/registry-1`, { headers: { Authorization: await service.token() } });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { Message: string }).Message).toMatch(/^ErrorCode:InvalidProtocolVersion;api-version is required/);
    const unknown = await service.call('GET', '/devices/registry-1?api-version=2016-01-01');
    expect(hubError(unknown).code).toBe('InvalidProtocolVersion');
    expect((await service.call('GET', '/devices/registry-1?api-version=2020-09-30')).status).toBe(200);
  });

  it('answers a body that is not JSON, or not an object, with 400 ArgumentInvalid in IoT Hub error shape', async () => {
    const broken = await service.call('PUT', '/devices/bad-body', { body: '{"deviceId":', headers: { 'Content-Type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(broken.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Object.keys(broken.json)).toEqual(['Message', 'ExceptionMessage']);
    expect(hubError(broken)).toMatchObject({ code: 'ArgumentInvalid' });
    expect(hubError(broken).message).toContain('not valid JSON');
    const array = await service.call('PATCH', '/twins/registry-1', { json: [1, 2] });
    expect(hubError(array).message).toContain('must be a JSON object');
    const badKey = await service.call('PUT', '/devices/bad-key', { json: { authentication: { type: 'sas', symmetricKey: { primaryKey: 'c2hvcnQ=' } } } });
    expect(hubError(badKey).message).toContain('base64 of 16 to 64 bytes');
  });

  it('answers 413 MessageTooLarge for a body over the limit without reading it all', async () => {
    const answer = await service.call('PUT', '/devices/huge', { body: `{"pad":"${'x'.repeat(600 * 1024)}"}`, headers: { 'Content-Type': 'application/json' } });
    expect(answer.status).toBe(413);
    expect(hubError(answer).code).toBe('MessageTooLarge');
  });

  it('answers unknown paths 404 and wrong methods 405, after nothing else ran', async () => {
    const unknown = await service.call('GET', '/jobs/v2');
    expect(unknown.status).toBe(404);
    expect(hubError(unknown).code).toBe('NotFound');
    const wrong = await service.call('PATCH', '/devices/registry-1');
    expect(wrong.status).toBe(405);
    expect(hubError(wrong).message).toContain('allowed: PUT, GET, DELETE');
  });
});
