/**
 * Twin routes (REST reference "Get Twin", "Update Twin", "Replace Twin", device and module forms).
 * PATCH merges `tags` and `properties.desired` (null removes); PUT replaces both. Reported properties
 * belong to the device: a body that tries to write them is refused. If-Match guards against a
 * concurrent writer (412 on a stale twin etag). A desired change reaches a connected device at once.
 */
import { ServiceError } from './errors.ts';
import { checkIfMatch, readJsonObject } from './http-io.ts';
import { objectField, requireIdentity } from './identity-body.ts';
import type { RequestContext, Reply, Route } from './router.ts';
import { twinEtag, twinJson } from './shapes.ts';

/** Read-only members a client may send back from a twin it read: dropped before the write. */
const READ_ONLY_DESIRED = ['$version', '$metadata'];

/** The desired section of a body, without the read-only members. */
function desiredOf(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const properties = objectField(body, 'properties');
  if (properties === undefined) return undefined;
  if (properties['reported'] !== undefined) throw new ServiceError('ArgumentInvalid', 'properties.reported can only be written by the device');
  const desired = objectField(properties, 'desired');
  if (desired === undefined) return undefined;
  const writable = { ...desired };
  for (const key of READ_ONLY_DESIRED) delete writable[key];
  return writable;
}

/** Handles GET, PATCH (merge) and PUT (replace) of a device or module twin. */
async function twinRoute(context: RequestContext, mode: 'get' | 'merge' | 'replace'): Promise<Reply> {
  const { hub, presence } = context.runtime;
  const identity = requireIdentity(hub, context.params['deviceId']!, context.params['moduleId']);
  if (mode !== 'get') {
    const body = await readJsonObject(context.request);
    const tags = objectField(body, 'tags');
    const desired = desiredOf(body);
    checkIfMatch(context.request, twinEtag(hub.serviceTwin(identity.deviceId, identity.moduleId).version));
    const replace = mode === 'replace';
    try {
      hub.updateTwin(
        identity.deviceId,
        {
          // A replace sets both parts: what the body leaves out becomes empty.
          ...(tags !== undefined || replace ? { tags: tags ?? {} } : {}),
          ...(desired !== undefined || replace ? { desired: desired ?? {} } : {}),
          replace,
        },
        identity.moduleId,
      );
    } catch (error) {
      if (error instanceof RangeError) throw new ServiceError('ArgumentInvalid', error.message);
      throw error;
    }
  }
  return { status: 200, body: twinJson(hub, presence, identity) };
}

/** The twin routes. */
export const twinRoutes: readonly Route[] = [
  { method: 'GET', path: '/twins/:deviceId', family: 'hub', handler: (context) => twinRoute(context, 'get') },
  { method: 'PATCH', path: '/twins/:deviceId', family: 'hub', handler: (context) => twinRoute(context, 'merge') },
  { method: 'PUT', path: '/twins/:deviceId', family: 'hub', handler: (context) => twinRoute(context, 'replace') },
  { method: 'GET', path: '/twins/:deviceId/modules/:moduleId', family: 'hub', handler: (context) => twinRoute(context, 'get') },
  { method: 'PATCH', path: '/twins/:deviceId/modules/:moduleId', family: 'hub', handler: (context) => twinRoute(context, 'merge') },
  { method: 'PUT', path: '/twins/:deviceId/modules/:moduleId', family: 'hub', handler: (context) => twinRoute(context, 'replace') },
];
