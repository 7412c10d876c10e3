/**
 * The hub's service side over HTTP(S): IoT Hub's service REST API (registry, twins, direct methods),
 * the provisioning service's enrollment API, a C2D route of its own, telemetry reads and streams,
 * and the dashboard, all on one plain Node request handler. Mount it on any `node:http` or
 * `node:https` server; it needs nothing from the transport. See README "Service side (REST) and dashboard".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimHub } from '../sim-hub.ts';
import { tokenProblem, type ServicePolicy } from './auth.ts';
import { DeliveryTracker } from './deliveries.ts';
import { deviceRoutes } from './devices-api.ts';
import { dpsRoutes } from './dps-api.ts';
import { errorAnswer, ServiceError } from './errors.ts';
import { writeJson } from './http-io.ts';
import { messageRoutes } from './messages-api.ts';
import { methodRoutes } from './methods-api.ts';
import { Presence } from './presence.ts';
import { ANSWERED, apiVersionsOf, errorShapeOf, Router, type RequestContext, type RouteFamily, type ServiceRuntime } from './router.ts';
import { sessionRoutes } from './session-api.ts';
import { DashboardFiles } from './static-files.ts';
import { telemetryRoutes } from './telemetry-api.ts';
import { twinRoutes } from './twins-api.ts';

export { DPS_API_VERSIONS, HUB_API_VERSIONS } from './router.ts';
export { HUB_ERROR_CODES } from './errors.ts';

/** Options of createServiceHandler. */
export interface ServiceOptions {
  /** Shared access policy name tokens must carry as `skn` (default: the hub's, `iothubowner`). */
  readonly policyName?: string;
  /** Base64 key of that policy, replacing the hub's two (default: `hub.servicePolicy`'s primary and secondary key; `hub.serviceConnectionString()` names the primary). */
  readonly policyKey?: string;
  /**
   * Lets a browser on this machine open the dashboard with one click (POST /simhub/session answers a
   * service token to loopback peers addressing the hub as localhost/127.0.0.1). Default true.
   */
  readonly localSession?: boolean;
  /** One line per refused request, local session and server error. */
  readonly onLog?: (line: string) => void;
}

/** A Node request handler for the service API and the dashboard; `close()` ends its live streams. */
export type ServiceHandler = ((request: IncomingMessage, response: ServerResponse) => void) & {
  /** Ends open event streams and stops following the hub (the hub itself keeps running). */
  close(): void;
};

const ROUTER = new Router([...deviceRoutes, ...messageRoutes, ...twinRoutes, ...methodRoutes, ...dpsRoutes, ...telemetryRoutes, ...sessionRoutes]);

/** Creates the handler for `hub`. */
export function createServiceHandler(hub: SimHub, options: ServiceOptions = {}): ServiceHandler {
  const hubPolicy = hub.servicePolicy;
  const policy: ServicePolicy = options.policyKey === undefined
    ? { keyName: options.policyName ?? hubPolicy.keyName, primaryKey: hubPolicy.primaryKey, secondaryKey: hubPolicy.secondaryKey }
    : { keyName: options.policyName ?? hubPolicy.keyName, primaryKey: options.policyKey };
  const runtime: ServiceRuntime = {
    hub,
    presence: new Presence(hub),
    deliveries: new DeliveryTracker(hub),
    policy,
    localSession: options.localSession ?? true,
    log: (line) => options.onLog?.(line),
    streams: new Set(),
    changed: new Set(),
  };
  const files = new DashboardFiles();
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    void handle(runtime, files, request, response);
  };
  return Object.assign(handler, {
    close: () => {
      for (const stream of [...runtime.streams]) stream.close();
      runtime.presence.stop();
    },
  });
}

/** Routes one request; every failure ends as an error answer, never as an exception out of the handler. */
async function handle(runtime: ServiceRuntime, files: DashboardFiles, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = request.method ?? 'GET';
  let family: RouteFamily = 'hub';
  try {
    const url = new URL(request.url ?? '/', 'http://service.invalid');
    if (files.serve(url.pathname, method, response)) return;
    const match = ROUTER.match(method, url.pathname);
    if (match.kind === 'none') throw new ServiceError('NotFound', `no route ${method} ${url.pathname}`);
    if (match.kind === 'wrong-method') {
      family = match.family;
      throw new ServiceError('MethodNotAllowed', `${method} is not allowed on ${url.pathname} (allowed: ${match.allowed.join(', ')})`);
    }
    const { route, params } = match;
    family = route.family;
    if (route.authenticated !== false) {
      const problem = await tokenProblem(request.headers.authorization, runtime.policy, runtime.hub.hostName, url.pathname, Math.floor(runtime.hub.now() / 1000));
      if (problem !== undefined) {
        runtime.log(`service: 401 for ${method} ${url.pathname}: ${problem}`);
        throw new ServiceError('IotHubUnauthorizedAccess', 'Unauthorized');
      }
    }
    checkApiVersion(route.family, url.searchParams.get('api-version'));
    const context: RequestContext = { request, response, params, query: url.searchParams, runtime };
    const reply = await route.handler(context);
    if (reply === ANSWERED) return;
    writeJson(response, reply.status, reply.body, reply.headers);
    if (method !== 'GET') for (const changed of [...runtime.changed]) changed();
  } catch (error) {
    const serviceError = error instanceof ServiceError ? error : new ServiceError('ServerError', 'the simulated hub failed to answer');
    if (!(error instanceof ServiceError)) runtime.log(`service: ${method} ${request.url ?? ''} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    const answer = errorAnswer(serviceError, errorShapeOf(family), runtime.hub.now());
    writeJson(response, answer.status, answer.body, answer.headers);
  }
}

/** 400 InvalidProtocolVersion unless the family's routes were called with an api-version they accept. */
function checkApiVersion(family: RouteFamily, apiVersion: string | null): void {
  const accepted = apiVersionsOf(family);
  if (accepted === undefined || (apiVersion !== null && accepted.includes(apiVersion))) return;
  throw new ServiceError(
    'InvalidProtocolVersion',
    apiVersion === null ? `api-version is required (${accepted.join(', ')})` : `api-version ${apiVersion} is not supported (${accepted.join(', ')})`,
  );
}
