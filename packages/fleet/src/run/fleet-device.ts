/**
 * One simulated device: a DeviceEngine, the stream it talks over, and the few numbers a fleet
 * needs beside it (next telemetry message, reconnect time, send times awaiting PUBACK). It is
 * driven like any hubwire driver (after every input: transmit, then the deadline, then events),
 * except that its one deadline goes to the fleet's shared timer wheel instead of a timer of its own.
 */
import { DeviceEngine, QueueFullError, ReconnectBackoff } from '@hubwire/core';
import type { BackoffReason, DeviceEvent } from '@hubwire/core';
import { deviceResourceUri } from '@hubwire/sas';
import type { ByteStream } from '@hubwire/node';
import { signSasToken } from './sign.ts';
import type { WheelItem } from './timer-wheel.ts';
import type { FleetContext } from './fleet-context.ts';
import type { DeviceIdentity } from '../identities/identity.ts';

/** A device of the fleet. */
export class FleetDevice implements WheelItem {
  wheelTick = -1;
  readonly index: number;
  identity: DeviceIdentity;
  engine: DeviceEngine | undefined;
  #stream: ByteStream | undefined;
  #opening = false;
  /** Counted in `metrics.connecting`: opening a stream, or waiting for CONNACK. */
  #connecting = false;
  #stopped = false;
  #renewing = false;
  #wasConnected = false;
  #countedConnected = false;
  #connectStartedAt = 0;
  #nextSendAt = Infinity;
  #reconnectAt = Infinity;
  #sentCount = 0;
  #blocked = false;
  #sending = true;
  #countedDone = false;
  /** Send times of unacknowledged QoS 1 messages, as [id, ms] pairs in send order. */
  #unacked: number[] = [];
  #backoff: ReconnectBackoff | undefined;
  readonly #context: FleetContext;

  /** A device of `context`'s fleet; nothing happens until `start()`. */
  constructor(context: FleetContext, index: number, identity: DeviceIdentity) {
    this.#context = context;
    this.index = index;
    this.identity = identity;
  }

  /** Messages this device sent. */
  get sentCount(): number {
    return this.#sentCount;
  }

  /** QoS 1 messages awaiting PUBACK. */
  get unackedCount(): number {
    return this.#unacked.length / 2;
  }

  /** Whether it has sent all it was asked to (`--messages`) and everything was acknowledged. */
  get done(): boolean {
    const limit = this.#context.config.messagesPerDevice;
    return limit !== undefined && this.#sentCount >= limit && this.#unacked.length === 0;
  }

  /** Opens the first connection. */
  start(): void {
    void this.#open();
  }

  /** Sends no more telemetry (the run's time is up); acknowledgements still count while it drains. */
  finishSending(): void {
    this.#sending = false;
    this.#nextSendAt = Infinity;
    this.#blocked = false;
  }

  /** Stops sending and reconnecting; DISCONNECT when connected, then closes the stream. */
  stop(): void {
    this.#stopped = true;
    this.#connectEnded();
    this.#context.wheel.schedule(this, undefined);
    const engine = this.engine;
    if (engine?.isConnected === true) {
      engine.disconnect(this.#context.now());
      this.#flush(engine);
    }
    this.#leftConnected();
    this.#closeStream();
  }

  /** The wheel's call: run the engine's timers, reconnect or send if due, then pump. */
  wake(now: number): void {
    if (this.#stopped) return;
    if (this.#reconnectAt <= now) {
      this.#reconnectAt = Infinity;
      void this.#open();
    }
    const engine = this.engine;
    if (engine === undefined) return this.#arm();
    engine.handleTimeout(now);
    if (this.#nextSendAt <= now) this.#sendDue(now);
    this.#pump();
  }

  async #open(): Promise<void> {
    if (this.#opening || this.#stopped) return;
    this.#opening = true;
    const context = this.#context;
    if (!this.#connecting) {
      this.#connecting = true;
      context.metrics.connecting++;
    }
    let stream: ByteStream | undefined;
    try {
      if (this.identity.hostName === undefined) this.identity = await context.provision(this.identity);
      const { hostName, deviceId } = this.identity;
      const engine = (this.engine ??= new DeviceEngine({ ...context.engineOptions, hostName: hostName as string, deviceId }));
      const auth = this.#auth(hostName as string);
      this.#connectStartedAt = context.now();
      const gateway = this.identity.gatewayHostName;
      stream = await context.connectorFor(gateway ?? (hostName as string), this.index, gateway === undefined ? undefined : this.identity.gatewayPort)({
        onData: (chunk) => {
          if (this.#stream !== stream) return;
          engine.receive(context.now(), chunk);
          this.#pump();
        },
        onClose: (reason) => {
          if (this.#stream !== stream) return;
          this.#stream = undefined;
          engine.connectionLost(context.now(), reason);
          this.#pump();
        },
      });
      if (this.#stopped) return stream.close();
      this.#stream = stream;
      engine.connect(context.now(), auth);
      this.#pump();
    } catch (error) {
      if (this.#stopped) return; // the run ended mid-connect: not the hub's failure
      this.#connectEnded();
      context.metrics.error(`open-failed: ${errorKind(error)}`);
      context.onOpenFailed?.(this, error);
      this.#scheduleReconnect('connection-lost');
    } finally {
      this.#opening = false;
    }
  }

  #auth(hostName: string): { password?: string; passwordExpiresAt?: number } {
    const { key, token, deviceId } = this.identity;
    if (token !== undefined) return { password: token };
    if (key === undefined) return {};
    const ttl = this.#context.config.tokenTtlSeconds;
    const expiresAt = Math.floor(Date.now() / 1000) + ttl;
    const password = signSasToken(deviceResourceUri(hostName, deviceId), key, expiresAt);
    return { password, passwordExpiresAt: this.#context.now() + ttl * 1000 };
  }

  /** Drains transmit to the stream, events to the handlers, and re-arms the one deadline. */
  #pump(): void {
    const engine = this.engine;
    if (engine === undefined) return;
    this.#flush(engine);
    for (let event = engine.pollEvent(); event !== undefined; event = engine.pollEvent()) {
      this.#handle(event);
      this.#flush(engine); // an event's own intent (a reported patch, a queued message) leaves at once
    }
    this.#arm();
  }

  /** Writes everything queued as one batch (one cork, one writev). */
  #flush(engine: DeviceEngine): void {
    const first = engine.pollTransmit();
    if (first === undefined) return;
    const chunks = [first];
    for (let bytes = engine.pollTransmit(); bytes !== undefined; bytes = engine.pollTransmit()) chunks.push(bytes);
    this.#stream?.write(chunks);
  }

  #arm(): void {
    const at = Math.min(this.engine?.pollTimeout() ?? Infinity, this.#blocked ? Infinity : this.#nextSendAt, this.#reconnectAt);
    this.#context.wheel.schedule(this, this.#stopped ? undefined : at);
  }

  #handle(event: DeviceEvent): void {
    const context = this.#context;
    const metrics = context.metrics;
    const now = context.now();
    switch (event.type) {
      case 'connected':
        this.#connectEnded();
        metrics.connectLatency.record(now - this.#connectStartedAt);
        metrics.connected++;
        this.#countedConnected = true;
        if (!this.#wasConnected) metrics.firstConnected(now);
        else metrics.reconnects++;
        this.#wasConnected = true;
        this.#backoff?.reset();
        if (this.#nextSendAt === Infinity && context.config.rate > 0) {
          // Spread the first messages over one interval so a ramp does not send in lockstep.
          this.#nextSendAt = now + context.random() * context.config.intervalMs;
        }
        context.onConnected?.(this);
        break;
      case 'connect-failed':
        this.#connectEnded();
        metrics.error(`connect-refused: ${event.reason}`);
        context.onRefused?.(this, event.reason, event.returnCode);
        this.#closeStream();
        this.#scheduleReconnect(event.reason);
        break;
      case 'connection-lost':
        this.#connectEnded();
        this.#leftConnected();
        if (!this.#stopped) metrics.error(`connection-lost: ${event.reason}`);
        this.#closeStream();
        this.#scheduleReconnect('connection-lost');
        break;
      case 'disconnected':
        this.#leftConnected();
        this.#closeStream();
        if (this.#renewing && !this.#stopped) {
          this.#renewing = false;
          void this.#open();
        }
        break;
      case 'token-expiring':
        if (this.identity.key !== undefined && !this.#stopped && this.engine?.isConnected === true) {
          this.#renewing = true;
          this.engine.disconnect(now, { renewing: true });
        }
        break;
      case 'telemetry-acked':
        this.#acked(event.id, now);
        break;
      case 'request-failed':
        metrics.error(`request-failed: ${event.reason}`);
        break;
      case 'protocol-error':
        metrics.error(`protocol-error: ${event.reason}`);
        break;
      case 'subscription-refused':
        metrics.error('subscription-refused');
        break;
      case 'c2d':
        metrics.c2dReceived++;
        break;
      case 'desired-patch':
        metrics.desiredReceived++;
        if (context.config.twinReport) this.#reportDesired(event.patch, event.version, now);
        break;
      case 'reported-patched':
        metrics.reportedPatched++;
        break;
      case 'method-request':
        context.answerMethod(this, event.rid);
        break;
      case 'subscribed':
      case 'twin':
      case 'module-input':
        break;
      default:
        event satisfies never;
    }
  }

  /** Sends the method answer the fleet was configured with (called by the context after the delay). */
  respondMethod(rid: string, status: number, body: unknown): void {
    const engine = this.engine;
    if (engine?.isConnected !== true || this.#stopped) return;
    engine.respondMethod(this.#context.now(), rid, status, body as object);
    this.#context.metrics.methodsAnswered++;
    this.#pump();
  }

  /** Counts this device out of `connecting` if it was counted in. */
  #connectEnded(): void {
    if (!this.#connecting) return;
    this.#connecting = false;
    this.#context.metrics.connecting--;
  }

  /** Counts this device out of `connected` if it was counted in. */
  #leftConnected(): void {
    if (!this.#countedConnected) return;
    this.#countedConnected = false;
    this.#context.metrics.connected--;
  }

  #reportDesired(patch: Readonly<Record<string, unknown>>, version: number, now: number): void {
    const reported: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(patch)) if (!name.startsWith('$')) reported[name] = { value, ac: 200, av: version };
    try {
      this.engine?.patchReported(now, reported);
    } catch (error) {
      this.#context.metrics.error(`invalid-intent: ${errorKind(error)}`);
    }
  }

  /** Sends the messages that are due (one per interval; a full in-flight window waits for an ack). */
  #sendDue(now: number): void {
    const context = this.#context;
    const config = context.config;
    const engine = this.engine as DeviceEngine;
    if (!engine.isConnected) return;
    const limit = config.messagesPerDevice;
    if (!this.#sending || (limit !== undefined && this.#sentCount >= limit)) {
      this.#nextSendAt = Infinity;
      return;
    }
    if (config.qos === 1 && this.#unacked.length / 2 >= config.inflight) {
      if (!this.#blocked) context.metrics.inflightWaits++;
      this.#blocked = true;
      return;
    }
    this.#blocked = false;
    try {
      const { id } = engine.publishTelemetry(now, context.payload(this, this.#sentCount), context.telemetryOptions);
      if (config.qos === 1) {
        this.#unacked.push(id, now);
        context.metrics.awaitingAck++;
      }
      this.#sentCount++;
      context.metrics.sent++;
    } catch (error) {
      context.metrics.error(error instanceof QueueFullError ? 'queue-full' : `invalid-intent: ${errorKind(error)}`);
    }
    // Keep the cadence: the next message is one interval after this one was due, not after now.
    this.#nextSendAt = Math.max(this.#nextSendAt + config.intervalMs, now - config.intervalMs);
    if (limit !== undefined && this.#sentCount >= limit) {
      this.#nextSendAt = Infinity;
      this.#countDone();
    }
  }

  /** Counts this device into `devicesDone` once it has sent its `--messages` and all were acknowledged. */
  #countDone(): void {
    if (this.#countedDone || !this.done) return;
    this.#countedDone = true;
    this.#context.metrics.devicesDone++;
  }

  #acked(id: number, now: number): void {
    const unacked = this.#unacked;
    // PUBACKs come in send order on one connection, so the match is (almost always) at the head.
    let i = 0;
    while (i < unacked.length && unacked[i] !== id) i += 2;
    if (i >= unacked.length) return;
    const metrics = this.#context.metrics;
    metrics.ackLatency.record(now - (unacked[i + 1] as number));
    metrics.acked++;
    metrics.awaitingAck--;
    unacked.splice(i, 2);
    if (this.#blocked) this.#sendDue(now);
    else if (unacked.length === 0) this.#countDone();
  }

  #closeStream(): void {
    const stream = this.#stream;
    this.#stream = undefined;
    stream?.close();
  }

  #scheduleReconnect(reason: BackoffReason): void {
    if (this.#stopped || this.#reconnectAt !== Infinity) return;
    const context = this.#context;
    const backoff = (this.#backoff ??= new ReconnectBackoff({ random: context.random, ...context.config.backoff }));
    const inMs = backoff.next(reason);
    if (inMs === undefined) {
      context.metrics.error(`gave-up: ${reason}`);
      return;
    }
    this.#reconnectAt = context.now() + inMs;
    this.#arm();
  }
}

/** A short, stable name for what went wrong opening a stream (an errno code when there is one). */
export function errorKind(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const message = error instanceof Error ? error.message : String(error);
  if (/timed out/i.test(message)) return 'timeout';
  if (/certificate|self.signed|altnames|hostname/i.test(message)) return 'tls';
  return message.length > 40 ? `${message.slice(0, 40)}…` : message;
}
