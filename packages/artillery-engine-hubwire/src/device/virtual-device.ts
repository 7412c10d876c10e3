/**
 * One virtual device: a DeviceEngine on one connection, with promise-style steps (connect,
 * publish and wait for PUBACKs, twin requests, C2D waits) and the metrics each one measures.
 * A load test treats a lost connection as a failure, so there is no reconnect here: the loss
 * ends every pending wait at once, and the scenario reports it. The one planned reconnect is
 * the SAS renewal (docs/protocol.md §4): on `token-expiring`, DISCONNECT and CONNECT again with
 * a new token; the engine keeps unacknowledged telemetry and pending twin requests across it.
 */
import { DeviceEngine, QueueFullError, text } from '@hubwire/core';
import type { C2dEvent, DeviceEngineOptions, DeviceEvent, MethodRequestEvent, ReportedPatchedEvent, TelemetryOptions, TwinEvent } from '@hubwire/core';
import { messageOf, ScenarioError, snake } from '../errors.ts';
import { COUNTERS, HISTOGRAMS, type MetricsSink } from '../metrics.ts';
import type { DeviceCredentials } from './auth.ts';
import { EngineLink } from './engine-link.ts';
import type { Dialer } from './transport.ts';
import { Waits } from './waits.ts';

/** Engine options besides the identity. */
export type DeviceOptions = Omit<DeviceEngineOptions, 'hostName' | 'deviceId' | 'moduleId'>;

/** How to answer one direct method. */
export interface MethodAnswer {
  readonly status: number;
  /** Sent as JSON; absent for an empty body. */
  readonly body?: unknown;
  readonly delayMs: number;
}

/** A received cloud-to-device message. */
export interface ReceivedC2d {
  readonly body: string;
  readonly properties: C2dEvent['properties'];
}

/** C2D messages kept for a later `waitForC2d`; older ones are dropped past this. */
const MAX_BUFFERED_C2D = 1000;

/** A device driven by a scenario. */
export class VirtualDevice {
  readonly credentials: DeviceCredentials;
  readonly #engine: DeviceEngine;
  readonly #link: EngineLink<DeviceEvent>;
  readonly #metrics: MetricsSink;
  readonly #waitsForSubscriptions: boolean;
  readonly #waits = new Waits();
  /** QoS 1 messages awaiting PUBACK: id → when published. */
  readonly #acks = new Map<number, number>();
  /** Twin requests this device made: rid → their ending, once it came. */
  readonly #twin = new Map<string, TwinEvent | ReportedPatchedEvent | ScenarioError | undefined>();
  readonly #c2d: ReceivedC2d[] = [];
  readonly #answerTimers = new Set<ReturnType<typeof setTimeout>>();
  #answer: ((methodName: string) => MethodAnswer | undefined) | undefined;
  #connackAt: number | undefined;
  #sessionPresent = false;
  #subscribed = false;
  #failure: ScenarioError | undefined;
  /** Where and within what time the device connected, for renewals. */
  #dial: { readonly dialer: Dialer; readonly timeoutMs: number } | undefined;
  #renewing = false;
  #closed = false;

  /** A device for `credentials`; nothing happens until `connect`. Throws ScenarioError for bad engine options. */
  constructor(credentials: DeviceCredentials, options: DeviceOptions, metrics: MetricsSink) {
    this.credentials = credentials;
    this.#metrics = metrics;
    try {
      this.#engine = new DeviceEngine({ ...options, ...credentials.identity });
    } catch (error) {
      throw new ScenarioError('invalid_scenario', `connect: ${messageOf(error)}`);
    }
    const subscribe = options.subscribe ?? {};
    this.#waitsForSubscriptions = subscribe.c2d !== false || subscribe.methods !== false || subscribe.twin !== false;
    this.#link = new EngineLink<DeviceEvent>(this.#engine, (event) => this.#onEvent(event));
  }

  /** Whether the device is connected now, or reconnecting to renew its token (intents then wait in the engine). */
  get connected(): boolean {
    return this.#renewing || (this.#engine.state === 'connected' && this.#link.isOpen);
  }

  /**
   * Opens the socket, sends CONNECT and waits for CONNACK and the SUBACK of the device's
   * subscriptions, all within `timeoutMs`. Records `connect_time` (socket + CONNACK) and `subscribe_time`.
   */
  async connect(dial: Dialer, timeoutMs: number): Promise<void> {
    if (this.#link.isOpen) throw new ScenarioError('already_connected', `${this.credentials.identity.deviceId} is already connected`);
    this.#failure = undefined;
    this.#closed = false;
    try {
      const { started, connackAt } = await this.#open(dial, timeoutMs);
      this.#metrics.time(HISTOGRAMS.connectTime, connackAt - started);
      if (this.#waitsForSubscriptions && !this.#sessionPresent) {
        const remaining = Math.max(1, timeoutMs - (this.#link.now() - started));
        await this.#waits.until(() => this.#failed() ?? (this.#subscribed || undefined), remaining, () => timedOut('SUBACK', timeoutMs));
        this.#metrics.time(HISTOGRAMS.subscribeTime, this.#link.now() - connackAt);
      }
    } catch (error) {
      await this.close();
      throw error;
    }
    this.#dial = { dialer: dial, timeoutMs };
    this.#metrics.count(COUNTERS.connects);
  }

  /** Signs a password, opens the socket, sends CONNECT and waits for CONNACK, within `timeoutMs`. */
  async #open(dial: Dialer, timeoutMs: number): Promise<{ started: number; connackAt: number }> {
    this.#connackAt = undefined;
    this.#subscribed = false;
    const { password, expiresAt } = await this.credentials.password();
    const started = this.#link.now();
    await this.#link.open(dial, timeoutMs);
    // The token's `se` is wall-clock seconds; the engine counts on the link's monotonic clock.
    const passwordExpiresAt = expiresAt === undefined || !this.credentials.renewable ? undefined : started + (expiresAt * 1000 - Date.now());
    this.#link.loop.act((now) => this.#engine.connect(now, { password, ...(passwordExpiresAt === undefined ? {} : { passwordExpiresAt }) }));
    const remaining = Math.max(1, timeoutMs - (this.#link.now() - started));
    const connackAt = await this.#waits.until(() => this.#failed() ?? this.#connackAt, remaining, () => timedOut('CONNACK', timeoutMs));
    return { started, connackAt };
  }

  /** Renews the SAS token: DISCONNECT (keeping pending requests), then CONNECT with a fresh token; a failure fails the device. */
  async #renew(): Promise<void> {
    const dial = this.#dial;
    if (dial === undefined || this.#renewing || this.#closed || !this.credentials.renewable) return;
    this.#renewing = true;
    try {
      this.#link.loop.act((now) => this.#engine.disconnect(now, { renewing: true }));
      await this.#link.closeStream();
      if (this.#closed) return;
      await this.#open(dial.dialer, dial.timeoutMs);
      this.#metrics.count(COUNTERS.tokenRenewals);
    } catch (error) {
      if (!this.#closed) this.#fail(error instanceof ScenarioError ? error : new ScenarioError('connection_lost', `token renewal failed: ${messageOf(error)}`));
    } finally {
      this.#renewing = false;
      this.#waits.check();
    }
  }

  /** Publishes one telemetry message; returns its id when it awaits a PUBACK (QoS 1). */
  publish(body: string, options: TelemetryOptions): number | undefined {
    this.#requireConnected('send');
    const { id } = this.#intent(() => this.#link.loop.act((now) => this.#engine.publishTelemetry(now, body, options)));
    this.#metrics.count(COUNTERS.messagesSent);
    this.#metrics.count(COUNTERS.payloadBytes, Buffer.byteLength(body));
    this.#metrics.sent();
    if (options.qos === 0) return undefined;
    this.#acks.set(id, this.#link.now());
    return id;
  }

  /** Waits until the messages `ids` (default: every one in flight) are acknowledged. */
  async waitForAcks(ids: readonly number[] | undefined, timeoutMs: number): Promise<void> {
    const missing = (): number => (ids === undefined ? this.#acks.size : ids.filter((id) => this.#acks.has(id)).length);
    await this.#waits.until(
      () => (missing() === 0 ? true : this.#failed()),
      timeoutMs,
      () => new ScenarioError('ack_timeout', `${missing()} message(s) of ${this.credentials.identity.deviceId} not acknowledged within ${timeoutMs} ms`),
    );
  }

  /** Reads the twin or patches reported properties; records `twin_latency`. */
  async twinRequest(patch: object | undefined, timeoutMs: number): Promise<TwinEvent | ReportedPatchedEvent> {
    this.#requireConnected(patch === undefined ? 'getTwin' : 'patchReported');
    const sentAt = this.#link.now();
    const { rid } = this.#intent(() =>
      this.#link.loop.act((now) => (patch === undefined ? this.#engine.getTwin(now) : this.#engine.patchReported(now, patch))),
    );
    this.#twin.set(rid, undefined);
    try {
      const answer = await this.#waits.until(
        () => {
          const ending = this.#twin.get(rid);
          if (ending instanceof ScenarioError) throw ending;
          return ending ?? this.#failed();
        },
        timeoutMs,
        () => new ScenarioError('twin_timeout', `no twin answer within ${timeoutMs} ms`),
      );
      this.#metrics.time(HISTOGRAMS.twinLatency, this.#link.now() - sentAt);
      this.#metrics.count(patch === undefined ? COUNTERS.twinReads : COUNTERS.reportedPatches);
      return answer;
    } finally {
      this.#twin.delete(rid);
    }
  }

  /** From now on, answers direct methods as `answer` says (undefined: leave unanswered). */
  answerMethods(answer: (methodName: string) => MethodAnswer | undefined): void {
    this.#answer = answer;
  }

  /** Resolves with the next `count` C2D messages (already received or still to come); records `c2d_wait_time`. */
  async waitForC2d(count: number, timeoutMs: number): Promise<ReceivedC2d[]> {
    const started = this.#link.now();
    const messages = await this.#waits.until(
      () => (this.#c2d.length >= count ? this.#c2d.splice(0, count) : this.#failed()),
      timeoutMs,
      () => new ScenarioError('c2d_timeout', `${count - this.#c2d.length} of ${count} C2D message(s) did not arrive within ${timeoutMs} ms`),
    );
    this.#metrics.time(HISTOGRAMS.c2dWait, this.#link.now() - started);
    return messages;
  }

  /** Waits for outstanding PUBACKs (within `timeoutMs`), then DISCONNECT and close. */
  async disconnect(timeoutMs: number): Promise<void> {
    try {
      if (this.connected && this.#acks.size > 0) await this.waitForAcks(undefined, timeoutMs);
    } finally {
      const wasConnected = this.connected && !this.#renewing;
      await this.close();
      if (wasConnected) this.#metrics.count(COUNTERS.disconnects);
    }
  }

  /** Closes at once: DISCONNECT when connected, socket closed, pending waits and method answers dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#answerTimers) clearTimeout(timer);
    this.#answerTimers.clear();
    if (this.#engine.state === 'connected' || this.#engine.state === 'connecting') {
      this.#link.loop.act((now) => this.#engine.disconnect(now));
    }
    await this.#link.close();
    this.#waits.failAll(new ScenarioError('not_connected', `${this.credentials.identity.deviceId} was closed`));
    this.#acks.clear();
  }

  /** The failure every wait ends with once the connection failed; throws it. */
  #failed(): undefined {
    if (this.#failure !== undefined) throw this.#failure;
    return undefined;
  }

  #requireConnected(step: string): void {
    this.#failed();
    if (!this.connected) throw new ScenarioError('not_connected', `${step} needs a connection: put a connect step before it`);
  }

  /** Runs an intent, turning the engine's refusals into ScenarioErrors. */
  #intent<T>(intent: () => T): T {
    try {
      return intent();
    } catch (error) {
      if (error instanceof QueueFullError) throw new ScenarioError('queue_full', error.message);
      throw new ScenarioError('invalid_message', messageOf(error));
    }
  }

  #onEvent(event: DeviceEvent): void {
    switch (event.type) {
      case 'connected':
        this.#connackAt = this.#link.now();
        this.#sessionPresent = event.sessionPresent;
        break;
      case 'connect-failed':
        this.#fail(new ScenarioError(`connect_refused.${snake(event.reason)}`, `the hub refused ${this.credentials.identity.deviceId}: ${event.reason} (CONNACK ${event.returnCode})`));
        break;
      case 'subscribed':
        this.#subscribed = true;
        break;
      case 'subscription-refused':
        this.#fail(new ScenarioError('subscription_refused', `the hub refused the subscription ${event.topic}`));
        break;
      case 'telemetry-acked': {
        const sentAt = this.#acks.get(event.id);
        if (sentAt === undefined) break;
        this.#acks.delete(event.id);
        this.#metrics.time(HISTOGRAMS.ackLatency, this.#link.now() - sentAt);
        this.#metrics.count(COUNTERS.messagesAcked);
        break;
      }
      case 'twin':
      case 'reported-patched':
        if (this.#twin.has(event.rid)) this.#twin.set(event.rid, event);
        break;
      case 'request-failed':
        if (event.rid !== undefined && this.#twin.has(event.rid)) {
          const status = event.status === undefined ? '' : ` (status ${event.status})`;
          this.#twin.set(event.rid, new ScenarioError(`twin_${snake(event.reason)}`, `${event.intent} failed: ${event.reason}${status}`));
        }
        break;
      case 'c2d':
        this.#metrics.count(COUNTERS.c2dReceived);
        this.#c2d.push({ body: text(event.body), properties: event.properties });
        if (this.#c2d.length > MAX_BUFFERED_C2D) this.#c2d.shift();
        break;
      case 'method-request':
        this.#onMethod(event);
        break;
      case 'desired-patch':
        this.#metrics.count(COUNTERS.desiredPatches);
        break;
      case 'protocol-error':
        this.#metrics.error('protocol_error');
        break;
      case 'connection-lost':
        this.#fail(new ScenarioError('connection_lost', `${this.credentials.identity.deviceId} lost its connection: ${event.reason}${event.detail === undefined ? '' : ` (${event.detail})`}`));
        void this.#link.close();
        break;
      case 'token-expiring':
        void this.#renew();
        break;
      case 'disconnected':
      case 'module-input':
        break;
      default:
        event satisfies never;
    }
    this.#waits.check();
  }

  /** Records the first failure of this connection; every wait ends with it. */
  #fail(error: ScenarioError): void {
    this.#failure ??= error;
    this.#waits.failAll(this.#failure);
  }

  /** Answers a method now or after its delay, as the scenario's handleMethods said. */
  #onMethod(event: MethodRequestEvent): void {
    this.#metrics.count(COUNTERS.methodsReceived);
    const answer = this.#answer?.(event.methodName);
    if (answer === undefined) {
      this.#metrics.error('method_unanswered');
      return;
    }
    const respond = (): void => {
      try {
        this.#link.loop.act((now) => this.#engine.respondMethod(now, event.rid, answer.status, answer.body === undefined ? null : JSON.stringify(answer.body)));
        this.#metrics.count(COUNTERS.methodsAnswered);
      } catch {
        this.#metrics.error('method_unanswered'); // the connection it came on is gone
      }
    };
    if (answer.delayMs <= 0) return respond();
    const timer = setTimeout(() => {
      this.#answerTimers.delete(timer);
      respond();
    }, answer.delayMs);
    this.#answerTimers.add(timer);
  }
}

/** The error of a connect that ran out of time waiting for `what`. */
function timedOut(what: string, timeoutMs: number): ScenarioError {
  return new ScenarioError('connect_timeout', `no ${what} within ${timeoutMs} ms`);
}
