/**
 * Identity registry routes (REST reference "Devices" and "Modules"): create or update, get, delete
 * and list devices and modules, and the device query. PUT without If-Match creates and answers 409
 * for an existing identity; with If-Match it updates, 412 when the etag is stale (`*` matches any).
 */
import type { RegisteredIdentity } from '../registry.ts';
import { ServiceError } from './errors.ts';
import { checkIfMatch, ifMatch, readJson, readJsonObject } from './http-io.ts';
import { checkBodyId, refuseUnsimulated, requestedAuthentication, requireDevice, requireModule } from './identity-body.ts';
import { runQuery } from './query.ts';
import type { RequestContext, Reply, Route } from './router.ts';
import { deviceJson, identityEtag, moduleJson } from './shapes.ts';

/** Devices and modules listed by GET /devices at most (the service's own cap). */
const MAX_LIST = 1000;

/** Registers the identity a PUT describes, following the create / update rules above. */
async function putIdentity(context: RequestContext, existing: RegisteredIdentity | undefined, deviceId: string, moduleId?: string): Promise<RegisteredIdentity> {
  const body = await readJsonObject(context.request);
  checkBodyId(body, 'deviceId', deviceId);
  if (moduleId !== undefined) checkBodyId(body, 'moduleId', moduleId);
  refuseUnsimulated(body);
  const authentication = requestedAuthentication(body);
  if (existing !== undefined) {
    if (ifMatch(context.request) === undefined) {
      throw moduleId === undefined
        ? new ServiceError('DeviceAlreadyExists', `device ${deviceId} already exists (send If-Match to update it)`)
        : new ServiceError('ModuleAlreadyExistsOnDevice', `module ${moduleId} already exists on device ${deviceId} (send If-Match to update it)`);
    }
    checkIfMatch(context.request, identityEtag(existing));
  }
  try {
    return context.runtime.hub.addDevice({ deviceId, ...(moduleId === undefined ? {} : { moduleId }), ...authentication });
  } catch (error) {
    if (error instanceof RangeError) throw new ServiceError('ArgumentInvalid', error.message);
    throw error;
  }
}

/** Deletes an identity after checking If-Match. */
function deleteIdentity(context: RequestContext, identity: RegisteredIdentity): Reply {
  checkIfMatch(context.request, identityEtag(identity));
  context.runtime.hub.removeDevice(identity.deviceId, identity.moduleId);
  return { status: 204 };
}

/** `top` of GET /devices: 1…1000, default 1000. */
function topOf(query: URLSearchParams): number {
  const raw = query.get('top');
  if (raw === null) return MAX_LIST;
  const top = Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > MAX_LIST) throw new ServiceError('ArgumentInvalid', `top must be an integer from 1 to ${MAX_LIST}`);
  return top;
}

/** The registry routes. */
export const deviceRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/devices',
    family: 'hub',
    handler: async ({ runtime, query }) => {
      const devices = runtime.hub.identities().filter((identity) => identity.moduleId === undefined).slice(0, topOf(query));
      return { status: 200, body: devices.map((identity) => deviceJson(runtime.hub, runtime.presence, identity)) };
    },
  },
  {
    method: 'POST',
    path: '/devices/query',
    family: 'hub',
    handler: async ({ runtime, request }) => {
      const body = await readJson(request);
      const text = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['query'] : undefined;
      if (typeof text !== 'string') throw new ServiceError('ArgumentInvalid', 'the body must be {"query": "SELECT … FROM devices …"}');
      const pageSize = Number(request.headers['x-ms-max-item-count'] ?? 100);
      const continuation = request.headers['x-ms-continuation'];
      const page = runQuery(runtime, text, {
        pageSize: Number.isInteger(pageSize) && pageSize > 0 ? Math.min(pageSize, MAX_LIST) : 100,
        ...(typeof continuation === 'string' && continuation !== '' ? { continuation } : {}),
      });
      return { status: 200, body: page.items, headers: page.continuation === undefined ? {} : { 'x-ms-continuation': page.continuation } };
    },
  },
  {
    method: 'PUT',
    path: '/devices/:deviceId',
    family: 'hub',
    handler: async (context) => {
      const { deviceId } = context.params as { deviceId: string };
      const identity = await putIdentity(context, context.runtime.hub.device(deviceId), deviceId);
      return { status: 200, body: deviceJson(context.runtime.hub, context.runtime.presence, identity) };
    },
  },
  {
    method: 'GET',
    path: '/devices/:deviceId',
    family: 'hub',
    handler: async ({ runtime, params }) => ({ status: 200, body: deviceJson(runtime.hub, runtime.presence, requireDevice(runtime.hub, params['deviceId']!)) }),
  },
  {
    method: 'DELETE',
    path: '/devices/:deviceId',
    family: 'hub',
    handler: async (context) => deleteIdentity(context, requireDevice(context.runtime.hub, context.params['deviceId']!)),
  },
  {
    method: 'GET',
    path: '/devices/:deviceId/modules',
    family: 'hub',
    handler: async ({ runtime, params }) => {
      const deviceId = requireDevice(runtime.hub, params['deviceId']!).deviceId;
      const modules = runtime.hub.identities().filter((identity) => identity.deviceId === deviceId && identity.moduleId !== undefined);
      return { status: 200, body: modules.map((identity) => moduleJson(runtime.hub, runtime.presence, identity)) };
    },
  },
  {
    method: 'PUT',
    path: '/devices/:deviceId/modules/:moduleId',
    family: 'hub',
    handler: async (context) => {
      const { deviceId, moduleId } = context.params as { deviceId: string; moduleId: string };
      requireDevice(context.runtime.hub, deviceId);
      const identity = await putIdentity(context, context.runtime.hub.device(deviceId, moduleId), deviceId, moduleId);
      return { status: 200, body: moduleJson(context.runtime.hub, context.runtime.presence, identity) };
    },
  },
  {
    method: 'GET',
    path: '/devices/:deviceId/modules/:moduleId',
    family: 'hub',
    handler: async ({ runtime, params }) => ({
      status: 200,
      body: moduleJson(runtime.hub, runtime.presence, requireModule(runtime.hub, params['deviceId']!, params['moduleId']!)),
    }),
  },
  {
    method: 'DELETE',
    path: '/devices/:deviceId/modules/:moduleId',
    family: 'hub',
    handler: async (context) => deleteIdentity(context, requireModule(context.runtime.hub, context.params['deviceId']!, context.params['moduleId']!)),
  },
];
