/**
 * The service API's routes: method + path pattern → handler, with what each route requires (a
 * service token, an `api-version` of its family) and which error shape it answers with. Fixed path
 * segments match case-insensitively (SDKs write both `enrollmentGroups` and `enrollmentgroups`);
 * `:name` segments are percent-decoded ids, matched as sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimHub } from '../sim-hub.ts';
import type { ServicePolicy } from './auth.ts';
import type { DeliveryTracker } from './deliveries.ts';
import { ServiceError, type ErrorShape } from './errors.ts';
import type { Presence } from './presence.ts';

/** IoT Hub service api-versions accepted: 2021-04-12 (the Node and .NET service SDKs), then older GA versions. */
export const HUB_API_VERSIONS: readonly string[] = ['2021-04-12', '2020-09-30', '2020-06-30', '2020-03-13', '2019-10-01', '2019-03-30', '2018-06-30'];
/** DPS service api-versions accepted: 2021-10-01 (the Node provisioning service SDK), then older GA versions. */
export const DPS_API_VERSIONS: readonly string[] = ['2021-10-01', '2021-06-01', '2019-03-31'];

/** What every handler can reach. */
export interface ServiceRuntime {
  readonly hub: SimHub;
  readonly presence: Presence;
  readonly deliveries: DeliveryTracker;
  readonly policy: ServicePolicy;
  readonly localSession: boolean;
  readonly log: (line: string) => void;
  /** Open event streams, closed with the handler. */
  readonly streams: Set<{ close(): void }>;
  /** Called after every request that may have changed something (live views refresh). */
  readonly changed: Set<() => void>;
}

/** One request as a handler sees it. */
export interface RequestContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly runtime: ServiceRuntime;
}

/** A JSON answer; `body` undefined writes an empty one. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** Returned by handlers that answered themselves (event streams). */
export const ANSWERED = Symbol('answered');

/** Handles a matched request. */
export type Handler = (context: RequestContext) => Promise<Reply | typeof ANSWERED>;

/** Which family a route belongs to: its error shape and api-version set; `sim` routes are the simulator's own. */
export type RouteFamily = 'hub' | 'dps' | 'sim';

/** One route. */
export interface Route {
  readonly method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  /** E.g. `/twins/:deviceId/modules/:moduleId/methods`. */
  readonly path: string;
  readonly family: RouteFamily;
  /** False only for what a browser needs before signing in. */
  readonly authenticated?: boolean;
  readonly handler: Handler;
}

/** The error shape of a family. */
export function errorShapeOf(family: RouteFamily): ErrorShape {
  return family === 'dps' ? 'dps' : 'hub';
}

/** The api-versions a family accepts; undefined when it needs none. */
export function apiVersionsOf(family: RouteFamily): readonly string[] | undefined {
  return family === 'hub' ? HUB_API_VERSIONS : family === 'dps' ? DPS_API_VERSIONS : undefined;
}

/** A route with its path split for matching. */
interface CompiledRoute extends Route {
  readonly segments: readonly string[];
}

/** The outcome of matching a path: the route and its parameters, a path known only for other methods, or nothing. */
export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: 'wrong-method'; readonly family: RouteFamily; readonly allowed: string[] }
  | { readonly kind: 'none' };

/** Routes compiled once, matched per request. */
export class Router {
  readonly #routes: CompiledRoute[];

  /** Compiles the routes (the first of two equal patterns wins). */
  constructor(routes: readonly Route[]) {
    this.#routes = routes.map((route) => ({ ...route, segments: splitPath(route.path) }));
  }

  /** Finds the route for `method` and `pathname`; throws 400 ArgumentInvalid for a segment that is not valid percent-encoding. */
  match(method: string, pathname: string): RouteMatch {
    const segments = splitPath(pathname);
    const allowed: string[] = [];
    let family: RouteFamily = 'hub';
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments);
      if (params === undefined) continue;
      if (route.method === method) return { kind: 'found', route, params };
      allowed.push(route.method);
      family = route.family;
    }
    return allowed.length > 0 ? { kind: 'wrong-method', family, allowed } : { kind: 'none' };
  }
}

/** A path's segments, without empty ones from leading or doubled slashes. */
function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** The parameters when `segments` fit `pattern`, else undefined. */
function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = segments[i]!;
    if (expected.startsWith(':')) {
      params[expected.slice(1)] = decodeSegment(actual);
    } else if (expected.toLowerCase() !== actual.toLowerCase()) {
      return undefined;
    }
  }
  return params;
}

/** Percent-decodes one path segment; 400 for a broken escape. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ServiceError('ArgumentInvalid', `the path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}
