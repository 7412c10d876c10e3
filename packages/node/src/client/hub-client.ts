/**
 * HubClient: IoT Hub in promises and callbacks, for applications that do not want to drive the
 * engine. Underneath it is the same DeviceClient (drive loop, reconnects with back-off, SAS
 * renewal) and the same DeviceEngine; this file only turns intents into promises that settle on
 * the event that ends them (`telemetry-acked`, `twin`, `reported-patched`, `request-failed`) and
 * fans inbound messages out to handlers.
 *
 * The first connection is strict: `connect` rejects when the hub cannot be reached or refuses
 * the credentials. After that, a lost connection is re-opened by itself; QoS 1 telemetry waits
 * for it (the engine re-sends what was not acknowledged), twin requests in flight fail with
 * `connection-lost`.
 */
import { HubwireError, json } from '@hubwire/core';
import type { DeviceEngine, DeviceEvent, TelemetryOptions } from '@hubwire/core';
import type { MessageProperties } from '@hubwire/topics';
import type { DeviceClient, DriverNotice } from '../device-client.ts';
import { buildDeviceClient, type HubClientOptions } from './client-options.ts';
import { HubClientError, intentError, requestError } from './hub-client-error.ts';

/** The device's twin as `getTwin` resolves it. */
export interface TwinDocument {
  readonly desired: Readonly<Record<string, unknown>>;
  readonly reported: Readonly<Record<string, unknown>>;
  readonly desiredVersion?: number;
  readonly reportedVersion?: number;
}

/** A cloud-to-device message; `body` is the client's own copy. */
export interface C2dMessage {
  readonly body: Uint8Array;
  readonly properties: MessageProperties;
}

/** A direct-method call as a handler sees it. */
export interface MethodCall {
  /** The name as invoked (`reboot`, or `component*command`). */
  readonly name: string;
  /** The component, for a Plug and Play command. */
  readonly component?: string;
  /** The request body parsed as JSON (`undefined` when empty or not JSON). */
  readonly payload: unknown;
  /** The raw request body (the client's own copy). */
  readonly body: Uint8Array;
}

/** What a method handler answers: an HTTP-like status and an optional body (JSON-encoded unless bytes or a string). */
export interface MethodAnswer {
  readonly status: number;
  readonly body?: unknown;
}

/** Answers a method call, synchronously or not. A handler that throws answers 500. */
export type MethodHandler = (call: MethodCall) => MethodAnswer | Promise<MethodAnswer>;

/** The connection as the application sees it. */
export type ConnectionStatus = 'connected' | 'reconnecting' | 'closed';

/** Any method without its own handler is answered 501 unless a `'*'` handler is registered. */
const ANY_METHOD = '*';

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: HubClientError): void;
}

/** A connected device. Create with `HubClient.connect(options)`; end with `close()`. */
export class HubClient {
  readonly #client: DeviceClient;
  readonly #telemetry = new Map<number, Waiter<void>>();
  readonly #requests = new Map<string, Waiter<TwinDocument | { version?: number }>>();
  readonly #methods = new Map<string, MethodHandler>();
  readonly #c2d = new Set<(message: C2dMessage) => void>();
  readonly #desired = new Set<(patch: Readonly<Record<string, unknown>>, version: number) => void>();
  readonly #status = new Set<(status: ConnectionStatus, detail?: string) => void>();
  #closed = false;

  private constructor(client: DeviceClient) {
    this.#client = client;
  }

  /**
   * Connects (after registering through DPS when `provisioning` is given) and resolves once the hub
   * accepted the device; rejects with HubClientError `invalid-argument`, `unreachable`,
   * `connect-refused`, `provisioning-failed` or `timeout`.
   */
  static async connect(options: HubClientOptions): Promise<HubClient> {
    let self: HubClient | undefined;
    let first: Waiter<void> | undefined;
    const firstConnect = new Promise<void>((resolve, reject) => (first = { resolve, reject }));
    const onNotice = (notice: DriverNotice): void => {
      options.onNotice?.(notice);
      if (notice.type === 'open-failed') first?.reject(new HubClientError('unreachable', `cannot reach the hub: ${notice.error}`));
    };
    const onEvent = (event: DeviceEvent): void => {
      if (event.type === 'connected') first?.resolve();
      else if (event.type === 'connect-failed') {
        first?.reject(
          new HubClientError('connect-refused', `the hub refused the connection: ${event.reason} (CONNACK ${event.returnCode})`, {
            reason: event.reason,
            returnCode: event.returnCode,
            retriable: event.retriable,
          }),
        );
      }
      if (self !== undefined) self.#handle(event);
    };
    let client: DeviceClient;
    try {
      client = await buildDeviceClient(options, { onEvent, onNotice });
    } catch (error) {
      if (error instanceof HubClientError) throw error;
      throw intentError(error);
    }
    self = new HubClient(client);
    const timeoutMs = options.connectTimeoutMs ?? 30_000;
    const timer = setTimeout(() => first?.reject(new HubClientError('timeout', `no connection within ${timeoutMs} ms`)), timeoutMs);
    client.start();
    try {
      await firstConnect;
    } catch (error) {
      await client.stop();
      throw error;
    } finally {
      clearTimeout(timer);
      first = undefined;
    }
    return self;
  }

  /** The engine underneath, for what this client does not wrap (read its state; call intents through it only if you know why). */
  get engine(): DeviceEngine {
    return this.#client.engine;
  }

  /** Whether the hub connection is up right now. */
  get isConnected(): boolean {
    return this.#client.engine.isConnected;
  }

  /**
   * Sends one telemetry message; QoS 1 (the default) resolves when the hub acknowledged it (across
   * reconnects), QoS 0 once it was handed to the socket. The body is sent as given, not copied:
   * leave it unchanged until the promise settles.
   */
  sendTelemetry(body: Uint8Array | string, options: TelemetryOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    let id: number;
    try {
      id = this.#client.act((hub, now) => hub.publishTelemetry(now, body, options)).id;
    } catch (error) {
      return Promise.reject(intentError(error));
    }
    if ((options.qos ?? 1) === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.#telemetry.set(id, { resolve, reject }));
  }

  /** Reads the whole twin; rejects with HubClientError (`timeout`, `throttled`, `connection-lost`, …). */
  getTwin(): Promise<TwinDocument> {
    return this.#request((hub, now) => hub.getTwin(now)) as Promise<TwinDocument>;
  }

  /** Patches reported properties (`null` removes one); resolves with the new reported `$version` when the hub sent it. */
  patchReported(patch: Readonly<Record<string, unknown>>): Promise<{ version?: number }> {
    return this.#request((hub, now) => hub.patchReported(now, patch)) as Promise<{ version?: number }>;
  }

  /** Answers direct method `name` (or every unhandled one, for `'*'`) with `handler`; returns a function that removes it. */
  onMethod(name: string, handler: MethodHandler): () => void {
    this.#methods.set(name, handler);
    return () => {
      if (this.#methods.get(name) === handler) this.#methods.delete(name);
    };
  }

  /** Calls `listener` for every cloud-to-device message; returns a function that removes it. */
  onC2d(listener: (message: C2dMessage) => void): () => void {
    return subscribe(this.#c2d, listener);
  }

  /** Calls `listener` for every desired-properties patch (once per `$version`); returns a function that removes it. */
  onDesired(listener: (patch: Readonly<Record<string, unknown>>, version: number) => void): () => void {
    return subscribe(this.#desired, listener);
  }

  /** Calls `listener` when the connection drops (`reconnecting`), comes back (`connected`) or is closed; returns a remover. */
  onStatus(listener: (status: ConnectionStatus, detail?: string) => void): () => void {
    return subscribe(this.#status, listener);
  }

  /** Disconnects and stops reconnecting; whatever is still pending rejects with `closed`. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.stop();
    this.#failAll(closedError());
    for (const listener of this.#status) listener('closed');
  }

  #request(intent: (hub: DeviceEngine, now: number) => { rid: string }): Promise<unknown> {
    if (this.#closed) return Promise.reject(closedError());
    let rid: string;
    try {
      rid = this.#client.act(intent).rid;
    } catch (error) {
      return Promise.reject(intentError(error));
    }
    return new Promise((resolve, reject) => this.#requests.set(rid, { resolve, reject }));
  }

  #handle(event: DeviceEvent): void {
    switch (event.type) {
      case 'telemetry-acked':
        settle(this.#telemetry, event.id)?.resolve();
        break;
      case 'twin': {
        const twin: TwinDocument = {
          desired: event.desired,
          reported: event.reported,
          ...(event.desiredVersion === undefined ? {} : { desiredVersion: event.desiredVersion }),
          ...(event.reportedVersion === undefined ? {} : { reportedVersion: event.reportedVersion }),
        };
        settle(this.#requests, event.rid)?.resolve(twin);
        break;
      }
      case 'reported-patched':
        settle(this.#requests, event.rid)?.resolve(event.version === undefined ? {} : { version: event.version });
        break;
      case 'request-failed':
        if (event.rid !== undefined) settle(this.#requests, event.rid)?.reject(requestError(event));
        break;
      case 'c2d':
        for (const listener of this.#c2d) listener({ body: event.body.slice(), properties: event.properties });
        break;
      case 'desired-patch':
        for (const listener of this.#desired) listener(event.patch, event.version);
        break;
      case 'method-request':
        void this.#answer(event.rid, event.methodName, event.component, event.body.slice());
        break;
      case 'connected':
        for (const listener of this.#status) listener('connected');
        break;
      case 'connection-lost':
        if (!this.#closed) for (const listener of this.#status) listener('reconnecting', event.reason);
        break;
      default:
        break;
    }
  }

  /** Runs the handler and sends its answer; a handler that throws (or none) still gets the caller an answer. */
  async #answer(rid: string, name: string, component: string | undefined, body: Uint8Array): Promise<void> {
    const handler = this.#methods.get(name) ?? this.#methods.get(ANY_METHOD);
    let answer: MethodAnswer;
    if (handler === undefined) answer = { status: 501, body: { message: `method '${name}' is not implemented` } };
    else {
      try {
        answer = await handler({ name, ...(component === undefined ? {} : { component }), payload: parseJson(body), body });
      } catch (error) {
        answer = { status: 500, body: { message: error instanceof Error ? error.message : String(error) } };
      }
    }
    if (this.#closed || !this.#client.engine.isConnected) return; // the hub times the call out; nothing to answer on
    try {
      this.#client.act((hub, now) => hub.respondMethod(now, rid, answer.status, answer.body as never));
    } catch (error) {
      if (!(error instanceof HubwireError)) throw error;
      // The handler's answer was unusable (status out of range, body too large): say so instead.
      this.#client.act((hub, now) => hub.respondMethod(now, rid, 500, { message: error.message }));
    }
  }

  #failAll(error: HubClientError): void {
    for (const waiter of this.#telemetry.values()) waiter.reject(error);
    for (const waiter of this.#requests.values()) waiter.reject(error);
    this.#telemetry.clear();
    this.#requests.clear();
  }
}

function closedError(): HubClientError {
  return new HubClientError('closed', 'the client was closed');
}

function settle<K, W>(waiters: Map<K, W>, key: K): W | undefined {
  const waiter = waiters.get(key);
  waiters.delete(key);
  return waiter;
}

function subscribe<T>(set: Set<T>, listener: T): () => void {
  set.add(listener);
  return () => set.delete(listener);
}

function parseJson(body: Uint8Array): unknown {
  try {
    return json(body);
  } catch {
    return undefined;
  }
}
