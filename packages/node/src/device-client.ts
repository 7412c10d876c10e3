/**
 * A complete IoT Hub device driver for any ByteStream connector (TCP, TLS, WebSocket): it runs
 * the drive loop, reconnects with the engine's ReconnectBackoff after a lost connection or a
 * retriable CONNACK, and renews the SAS token when the engine says `token-expiring` (MQTT 3.1.1
 * has no in-band re-auth, so renewal = DISCONNECT + CONNECT with a new password, docs/protocol.md §4;
 * `disconnect(now, { renewing: true })` keeps pending twin requests for the new connection).
 *
 * The protocol itself (resending unacknowledged telemetry, re-subscribing, re-reading the twin)
 * is the engine's job; this file only opens sockets and keeps time.
 */
import { DeviceEngine, ReconnectBackoff } from '@hubwire/core';
import type { BackoffReason, DeviceEngineOptions, DeviceEvent, ReconnectBackoffOptions } from '@hubwire/core';
import { parseConnectionString } from '@hubwire/sas';
import type { ByteStream, Connector } from './byte-stream.ts';
import { DriveLoop, monotonicClock, type Clock } from './drive-loop.ts';
import { canRenew, connectionStringAuth, type AuthSource } from './sas-auth.ts';

/** What the driver itself did, for logs (the engine's own events arrive through `onEvent`). */
export type DriverNotice =
  | { readonly type: 'stream-opened'; readonly label: string }
  | { readonly type: 'stream-closed'; readonly label: string; readonly reason: string }
  | { readonly type: 'open-failed'; readonly error: string }
  | { readonly type: 'reconnect-scheduled'; readonly inMs: number; readonly reason: BackoffReason }
  | { readonly type: 'renewing-token' }
  | { readonly type: 'gave-up'; readonly reason: BackoffReason };

/** Options of {@link DeviceClient}. */
export interface DeviceClientOptions {
  /** The engine to drive (the client owns it from now on). */
  readonly engine: DeviceEngine;
  /** Opens a stream to the hub: tcpConnector, webSocketConnector, … */
  readonly connector: Connector;
  /** Credentials for each connect; see connectionStringAuth. */
  readonly auth: AuthSource;
  /** Whether `token-expiring` should trigger a renewal (true when `auth` signs its own tokens). */
  readonly renewTokens: boolean;
  /** Every engine event, in order. */
  readonly onEvent?: (event: DeviceEvent) => void;
  /** What the driver did (opened, closed, waiting to reconnect, renewing). */
  readonly onNotice?: (notice: DriverNotice) => void;
  /** The monotonic clock passed to the engine as `now` (default `performance.now`). */
  readonly clock?: Clock;
  /** Reconnect policy; `random` defaults to Math.random (jitter spreads a fleet's reconnects). */
  readonly backoff?: Partial<ReconnectBackoffOptions>;
}

/** Options of {@link DeviceClient.fromConnectionString}. */
export interface ConnectionStringClientOptions extends Omit<DeviceClientOptions, 'engine' | 'auth' | 'renewTokens'> {
  /** Engine options besides the identity, which comes from the connection string. */
  readonly engineOptions?: Omit<DeviceEngineOptions, 'hostName' | 'deviceId' | 'moduleId'>;
  /** Lifetime of each signed token (default 3600 s). */
  readonly tokenTtlSeconds?: number;
  /** Wall clock for the token's `se` (default `Date.now`). */
  readonly wallClock?: () => number;
}

/** Drives one DeviceEngine over one stream at a time, reconnecting until `stop()`. */
export class DeviceClient {
  /** The engine: call intents through `act` so their bytes go out at once. */
  readonly engine: DeviceEngine;
  readonly #options: DeviceClientOptions;
  readonly #loop: DriveLoop<DeviceEvent>;
  readonly #backoff: ReconnectBackoff;
  #opening = false;
  #renewing = false;
  #reconnectPending = false;
  #stopped = false;
  #closedWaiters: (() => void)[] = [];

  /** Wraps an engine; nothing happens until `start()`. */
  constructor(options: DeviceClientOptions) {
    this.engine = options.engine;
    this.#options = options;
    this.#loop = new DriveLoop<DeviceEvent>(options.engine, {
      clock: options.clock ?? monotonicClock,
      onEvent: (event) => this.#handle(event),
    });
    this.#backoff = new ReconnectBackoff({ random: Math.random, ...options.backoff });
  }

  /** Builds the engine and the auth source from a device or module connection string. */
  static fromConnectionString(connectionString: string, options: ConnectionStringClientOptions): DeviceClient {
    const cs = parseConnectionString(connectionString);
    const engine = new DeviceEngine({
      ...options.engineOptions,
      hostName: cs.hostName,
      deviceId: cs.deviceId,
      ...(cs.moduleId === undefined ? {} : { moduleId: cs.moduleId }),
    });
    const auth = connectionStringAuth(cs, {
      ...(options.tokenTtlSeconds === undefined ? {} : { tokenTtlSeconds: options.tokenTtlSeconds }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.wallClock === undefined ? {} : { wallClock: options.wallClock }),
    });
    return new DeviceClient({ ...options, engine, auth, renewTokens: canRenew(cs) });
  }

  /** The clock reading the engine sees as `now`. */
  now(): number {
    return this.#loop.now();
  }

  /** Opens the first connection; later ones follow automatically. */
  start(): void {
    this.#stopped = false;
    void this.#open();
  }

  /**
   * Runs an intent with the current `now` and sends what it queued, e.g.
   * `client.act((hub, now) => hub.publishTelemetry(now, body))`. Throws what the intent throws.
   */
  act<T>(intent: (engine: DeviceEngine, now: number) => T): T {
    return this.#loop.act((now) => intent(this.engine, now));
  }

  /** Sends DISCONNECT (when connected), closes the stream, cancels reconnects; resolves once closed (≤ 2 s). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#reconnectPending = false;
    this.#loop.wakeAt(undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closed = new Promise<void>((resolve) => {
      if (this.#loop.stream === undefined) return resolve();
      this.#closedWaiters.push(resolve);
      timer = setTimeout(resolve, 2000); // a peer that never closes cannot hold stop() up
    });
    if (this.engine.state === 'connected') this.act((hub, now) => hub.disconnect(now));
    else this.#closeStream();
    await closed;
    clearTimeout(timer);
    this.#loop.close();
  }

  /** Gets credentials, opens a stream and queues CONNECT; on failure schedules a reconnect. */
  async #open(): Promise<void> {
    if (this.#opening || this.#stopped) return;
    this.#opening = true;
    let stream: ByteStream | undefined;
    try {
      const auth = await this.#options.auth();
      stream = await this.#options.connector({
        onData: (chunk) => {
          if (stream !== undefined && this.#loop.stream === stream) this.#loop.receive(chunk);
        },
        onClose: (reason) => this.#streamClosed(stream, reason),
      });
      if (this.#stopped) {
        stream.close();
        return;
      }
      this.#notice({ type: 'stream-opened', label: stream.label });
      this.#loop.attach(stream);
      this.act((hub, now) => hub.connect(now, auth));
    } catch (error) {
      if (stream !== undefined && this.#loop.stream === stream) this.#closeStream();
      this.#notice({ type: 'open-failed', error: error instanceof Error ? error.message : String(error) });
      this.#scheduleReconnect('connection-lost');
    } finally {
      this.#opening = false;
    }
  }

  /** The stream closed: if it was the live one, the engine hears about it (and emits connection-lost). */
  #streamClosed(stream: ByteStream | undefined, reason: string): void {
    if (stream !== undefined) this.#notice({ type: 'stream-closed', label: stream.label, reason });
    const waiters = this.#closedWaiters;
    this.#closedWaiters = [];
    for (const resolve of waiters) resolve();
    if (stream !== undefined && this.#loop.stream === stream) this.#loop.connectionLost(reason);
  }

  /** Hands every event to the app, then reacts to the connection events (even if the app's handler throws). */
  #handle(event: DeviceEvent): void {
    try {
      this.#options.onEvent?.(event);
    } finally {
      this.#react(event);
    }
  }

  /** Keeps the connection going: reconnect after a loss, renew the token when told. */
  #react(event: DeviceEvent): void {
    switch (event.type) {
      case 'connected':
        this.#backoff.reset();
        break;
      case 'connect-failed':
        this.#closeStream();
        this.#scheduleReconnect(event.reason);
        break;
      case 'connection-lost':
        this.#closeStream();
        this.#scheduleReconnect('connection-lost');
        break;
      case 'disconnected':
        this.#closeStream();
        if (this.#renewing && !this.#stopped) {
          this.#renewing = false;
          void this.#open();
        }
        break;
      case 'token-expiring':
        if (this.#options.renewTokens && !this.#stopped && this.engine.state === 'connected') {
          this.#notice({ type: 'renewing-token' });
          this.#renewing = true;
          // A renewal, not a goodbye: pending twin requests are sent again on the new connection.
          this.act((hub, now) => hub.disconnect(now, { renewing: true }));
        }
        break;
      default:
        break;
    }
  }

  /** Detaches and closes the live stream (its close report is then ignored). */
  #closeStream(): void {
    this.#loop.detach()?.close();
  }

  /** Arms the loop's single timer for the next connect, or gives up when retrying cannot help. */
  #scheduleReconnect(reason: BackoffReason): void {
    // connect-failed and connection-lost can both end one attempt: one reconnect is enough.
    if (this.#stopped || this.#reconnectPending) return;
    const inMs = this.#backoff.next(reason);
    if (inMs === undefined) {
      this.#notice({ type: 'gave-up', reason });
      return;
    }
    this.#notice({ type: 'reconnect-scheduled', inMs, reason });
    this.#reconnectPending = true;
    this.#loop.wakeAt(this.#loop.now() + inMs, () => {
      this.#reconnectPending = false;
      void this.#open();
    });
  }

  #notice(notice: DriverNotice): void {
    this.#options.onNotice?.(notice);
  }
}
