/**
 * A running simulated hub, its service API on the hub's own plain-HTTP listener on 127.0.0.1 (port
 * chosen by the OS; the HTTPS one serves the same handler), and a small client that signs requests
 * with the hub's service policy. The REST and dashboard tests start one per file and close it in afterAll.
 */
import { createSasToken } from '@hubwire/sas';
import { createServiceHandler, SimHub, type ServiceOptions, type SimHubAddresses, type SimHubOptions } from '@hubwire/sim-hub';

/** An answer as the tests look at it. */
export interface ServiceAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  readonly json: any;
}

/** What a request may carry besides method and path. */
export interface CallOptions {
  readonly json?: unknown;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Authorization header; default a fresh token of the hub's policy; null sends none. */
  readonly authorization?: string | null;
}

/** A started hub + service API. */
export interface ServiceFixture {
  readonly hub: SimHub;
  readonly addresses: SimHubAddresses;
  /** `http://127.0.0.1:{port}`. */
  readonly base: string;
  /** A token of the hub's service policy (or of `keyName`/`key`), valid `ttlSeconds` (negative: already expired). */
  token(options?: { keyName?: string; key?: string; resourceUri?: string; ttlSeconds?: number }): Promise<string>;
  /** Sends a request; a hub path without `api-version` gets 2021-04-12, a DPS path 2021-10-01. */
  call(method: string, path: string, options?: CallOptions): Promise<ServiceAnswer>;
  close(): Promise<void>;
}

/** Starts a hub and its service API. */
export async function startService(options: { hub?: SimHubOptions; service?: ServiceOptions } = {}): Promise<ServiceFixture> {
  const serviceOptions = options.service;
  const hub = new SimHub({ ...options.hub, ...(serviceOptions === undefined ? {} : { service: (simHub: SimHub) => createServiceHandler(simHub, serviceOptions) }) });
  const addresses = await hub.start();
  const base = `http://127.0.0.1:${addresses.httpPort}`;

  const token: ServiceFixture['token'] = (overrides = {}) => {
    const policy = hub.servicePolicy;
    return createSasToken({
      resourceUri: overrides.resourceUri ?? hub.hostName,
      key: overrides.key ?? policy.primaryKey,
      keyName: overrides.keyName ?? policy.keyName,
      expiresAt: Math.floor(Date.now() / 1000) + (overrides.ttlSeconds ?? 600),
    });
  };

  const call: ServiceFixture['call'] = async (method, path, callOptions = {}) => {
    const url = new URL(path, base);
    if (!url.searchParams.has('api-version') && !url.pathname.startsWith('/simhub')) {
      url.searchParams.set('api-version', /^\/(enrollments|enrollmentGroups|registrations)\b/i.test(url.pathname) ? '2021-10-01' : '2021-04-12');
    }
    const authorization = callOptions.authorization === undefined ? await token() : callOptions.authorization;
    const response = await fetch(url, {
      method,
      headers: {
        ...(authorization === null ? {} : { Authorization: authorization }),
        ...(callOptions.json === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...callOptions.headers,
      },
      body: callOptions.json === undefined ? (callOptions.body ?? null) : JSON.stringify(callOptions.json),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };

  return {
    hub,
    addresses,
    base,
    token,
    call,
    close: () => hub.close(),
  };
}

/** Splits an IoT Hub error body `{"Message":"ErrorCode:X;text","ExceptionMessage":"Tracking ID:…"}` into its parts. */
export function hubError(answer: ServiceAnswer): { code: string; message: string; exceptionMessage: string } {
  const body = answer.json as { Message?: unknown; ExceptionMessage?: unknown } | undefined;
  const match = typeof body?.Message === 'string' ? /^ErrorCode:([A-Za-z]+);(.+)$/s.exec(body.Message) : null;
  if (match === null || typeof body?.ExceptionMessage !== 'string') throw new Error(`not an IoT Hub error body: ${answer.text}`);
  return { code: match[1]!, message: match[2]!, exceptionMessage: body.ExceptionMessage };
}
