/**
 * One DPS registration at a time, from `register` to its one ending (docs/protocol.md §13), on the
 * connection the engine's session holds:
 *   1. SUBSCRIBE `$dps/registrations/res/#` at QoS 1 and wait for SUBACK, as the C SDK does; once
 *      per connection (DPS sessions are always clean, so every connection subscribes again).
 *   2. PUBLISH the register request, then operation-status polls, each with a fresh `$rid`, at
 *      QoS 0 as azure-sdk-for-c does: the DPS reply is the acknowledgement, a PUBACK would add
 *      traffic and nothing else, and a lost request is caught by `requestTimeoutMs`.
 *   3. Between requests wait `retry-after` (dps-retry.ts) and never send more than 5 requests in
 *      10 s. A status ≥ 429 resends the same request (register, or the poll of the known
 *      operation) after `retry-after`.
 *
 * Rule: every registration ends in exactly one `assigned` or `registration-failed` carrying its
 * rid, through `#fail` or the assignment, both of which forget it first. Replies are bounded
 * (`requestTimeoutMs` each), transient failures are bounded (`maxTransientRetries` in a row), and
 * `registrationTimeoutMs` bounds the whole registration however long DPS keeps saying `assigning`.
 * A reply for a request that is no longer awaited (after a timeout) is dropped.
 */
import { DPS_RESPONSE_FILTER, dpsOperationStatusTopic, dpsRegisterTopic } from '@hubwire/topics';
import { ridPrefix } from '../shared/random.ts';
import { connectRefusedReason } from '../session/connack.ts';
import type { MqttSession, SessionEnding } from '../session/mqtt-session.ts';
import { Timer } from '../session/timers.ts';
import { encodePublish } from '../wire/encoder.ts';
import { encodeSubscribe } from '../wire/subscribe.ts';
import { interpretDpsReply } from './dps-reply.ts';
import { DpsRequestLimiter, dpsRetryDelayMs } from './dps-retry.ts';
import type { ProvisioningEvent, RegistrationFailedEvent } from './events.ts';
import type { ResolvedProvisioningOptions } from './provisioning-options.ts';

/** The one registration in progress. */
interface Registration {
  /** The id `register` returned; also the `$rid` of the first register request. */
  readonly rid: string;
  readonly body: Uint8Array;
  /** `registrationTimeoutMs` after `register`. */
  readonly deadline: number;
  /** Known after the first 202: from then on the engine polls instead of registering. */
  operationId: string | undefined;
  /** Whether the register request with the public rid went out already. */
  sentFirst: boolean;
  /** `$rid` of the request awaiting its reply, if any. */
  awaitingRid: string | undefined;
  /** When the awaited reply (or the SUBACK) is due. */
  replyDeadline: number | undefined;
  /** Replies with status ≥ 429 in a row. */
  transientFailures: number;
}

/** Fields of `registration-failed` besides `type` and `rid`. */
type Failure = Omit<RegistrationFailedEvent, 'type' | 'rid'>;

const EMPTY = new Uint8Array(0);

/** The registration state machine of one ProvisioningEngine; see the file comment. */
export class Registrar {
  readonly #options: ResolvedProvisioningOptions;
  readonly #session: MqttSession<ProvisioningEvent>;
  readonly #limiter = new DpsRequestLimiter();
  readonly #ridPrefix: string;
  #ridCounter = 0;
  #registration: Registration | undefined;
  /** The response filter is subscribed on this connection. */
  #subscribed = false;
  /** Packet id of the SUBSCRIBE awaiting its SUBACK. */
  #subscribeId: number | undefined;
  /** A SUBSCRIBE whose registration ended before its SUBACK came; that SUBACK is still welcome. */
  #forgottenSubscribeId: number | undefined;
  #nextPacketId = 1;

  /** Creates the machine over the engine's session; draws the rid prefix from `options.random`. */
  constructor(options: ResolvedProvisioningOptions, session: MqttSession<ProvisioningEvent>) {
    this.#options = options;
    this.#session = session;
    // A random rid prefix, as rid-table.ts: a late reply meant for another engine or an earlier
    // process is unlikely to match one of ours.
    this.#ridPrefix = ridPrefix(options.random);
  }

  /** The rid of the registration in progress, or undefined. */
  get current(): string | undefined {
    return this.#registration?.rid;
  }

  /** The `$rid` of the request whose reply is awaited, or undefined. */
  get awaitingRid(): string | undefined {
    return this.#registration?.awaitingRid;
  }

  /** Starts a registration with the request `body`; the caller checked that none is in progress. */
  start(now: number, body: Uint8Array): string {
    const rid = this.#takeRid();
    this.#registration = {
      rid,
      body,
      deadline: now + this.#options.registrationTimeoutMs,
      operationId: undefined,
      sentFirst: false,
      awaitingRid: undefined,
      replyDeadline: undefined,
      transientFailures: 0,
    };
    if (this.#session.state === 'connected') this.#advance(now);
    this.#armRequestTimer();
    return rid;
  }

  /** A new connection is being opened: nothing is subscribed on it yet. */
  connecting(): void {
    this.#subscribed = false;
    this.#subscribeId = undefined;
    this.#forgottenSubscribeId = undefined;
  }

  /** CONNACK 0: a registration waiting for the connection moves on. */
  connected(now: number): void {
    if (this.#registration !== undefined) {
      this.#advance(now);
      this.#armRequestTimer();
    }
  }

  /** The connection ended, and the registration in progress with it. */
  connectionEnded(ending: SessionEnding): void {
    this.#subscribed = false;
    this.#fail(failureOf(ending));
    this.#subscribeId = undefined;
    this.#forgottenSubscribeId = undefined;
  }

  /** Fires the reply, registration and poll deadlines due at `now`. */
  handleTimeout(now: number): void {
    const timers = this.#session.timers;
    if (timers.expire(Timer.Request, now)) this.#onRequestTimer(now);
    if (timers.expire(Timer.DpsPoll, now)) this.#sendRequest(now);
  }

  /** A reply on a broken topic that ends the registration in progress, if there is one. */
  brokenReply(message: string): void {
    this.#fail({ reason: 'malformed-response', retriable: false, message });
  }

  /** A SUBACK for the response filter (or a late one for a forgotten SUBSCRIBE). */
  onSuback(now: number, messageId: number, granted: readonly number[]): void {
    const code = granted[0] ?? 0x80;
    if (messageId === this.#forgottenSubscribeId) {
      // Late SUBACK of a registration that timed out: the subscription still counts.
      this.#forgottenSubscribeId = undefined;
      if (code <= 2) this.#subscribed = true;
      return;
    }
    if (messageId !== this.#subscribeId) {
      this.#session.protocolError('unknown-packet-id', `SUBACK for packet id ${messageId}, which no SUBSCRIBE awaits`);
      return;
    }
    this.#subscribeId = undefined;
    if (code > 2) {
      // 0x80: refused (MQTT 3.1.1 §3.9.3); no reply could ever reach us.
      this.#session.emit({ type: 'subscription-refused', topic: DPS_RESPONSE_FILTER, returnCode: code });
      this.#fail({ reason: 'rejected', retriable: false, message: `SUBACK refused ${DPS_RESPONSE_FILTER}` });
      return;
    }
    this.#subscribed = true;
    this.#session.emit({ type: 'subscribed', topics: [DPS_RESPONSE_FILTER], granted: [code] });
    const registration = this.#registration;
    if (registration !== undefined) {
      registration.replyDeadline = undefined;
      this.#sendRequest(now);
    }
  }

  /** A reply on `$dps/registrations/res/{status}/?$rid=…`; one for a request no longer awaited is dropped. */
  onReply(now: number, status: number, rid: string, retryAfterSeconds: number | undefined, body: Uint8Array): void {
    const registration = this.#registration;
    if (registration === undefined || registration.awaitingRid !== rid) return;
    registration.awaitingRid = undefined;
    registration.replyDeadline = undefined;
    const reply = interpretDpsReply(status, body, registration.operationId);
    switch (reply.kind) {
      case 'pending':
        registration.operationId = reply.operationId;
        registration.transientFailures = 0;
        this.#session.timers.set(Timer.DpsPoll, now + dpsRetryDelayMs(retryAfterSeconds));
        this.#armRequestTimer();
        return;
      case 'transient':
        registration.transientFailures += 1;
        if (registration.transientFailures > this.#options.maxTransientRetries) {
          this.#fail({ reason: status === 429 ? 'throttled' : 'server-error', retriable: true, ...details(status, reply) });
          return;
        }
        this.#session.timers.set(Timer.DpsPoll, now + dpsRetryDelayMs(retryAfterSeconds));
        this.#armRequestTimer();
        return;
      case 'assigned': {
        const a = reply.assignment;
        this.#finish();
        this.#session.emit({
          type: 'assigned',
          rid: registration.rid,
          registrationId: a.registrationId ?? this.#options.registrationId,
          assignedHub: a.assignedHub,
          deviceId: a.deviceId,
          ...(a.substatus === undefined ? {} : { substatus: a.substatus }),
          ...(a.operationId === undefined ? {} : { operationId: a.operationId }),
          ...(Object.hasOwn(a, 'payload') ? { payload: a.payload } : {}),
        });
        return;
      }
      case 'failed':
        this.#fail({ reason: reply.status, retriable: false, ...details(status, reply) });
        return;
      case 'rejected':
        this.#fail({ reason: 'rejected', retriable: false, ...details(status, reply) });
        return;
      case 'malformed':
        this.#fail({ reason: 'malformed-response', retriable: false, status, message: reply.detail });
        return;
    }
  }

  /** Moves a registration on once connected: subscribe first, then send. */
  #advance(now: number): void {
    const registration = this.#registration;
    if (registration === undefined) return;
    if (this.#subscribed) {
      this.#sendRequest(now);
      return;
    }
    if (this.#subscribeId !== undefined) return;
    const id = this.#takePacketId();
    this.#subscribeId = id;
    // QoS 1 asked, as the C SDK does; replies come at the granted QoS (docs/protocol.md §13).
    this.#session.send(now, encodeSubscribe(id, [{ topic: DPS_RESPONSE_FILTER, qos: 1 }]));
    registration.replyDeadline = now + this.#options.requestTimeoutMs;
  }

  /** Sends the next request (register, or a poll once the operation id is known), rate limit allowing. */
  #sendRequest(now: number): void {
    const registration = this.#registration;
    if (registration === undefined || this.#session.state !== 'connected') return;
    const at = this.#limiter.earliest(now);
    if (at > now) {
      this.#session.timers.set(Timer.DpsPoll, at);
      this.#armRequestTimer();
      return;
    }
    const rid = registration.sentFirst ? this.#takeRid() : registration.rid;
    registration.sentFirst = true;
    const operationId = registration.operationId;
    const packet =
      operationId === undefined
        ? encodePublish({ topic: dpsRegisterTopic(rid), payload: registration.body, qos: 0 })
        : encodePublish({ topic: dpsOperationStatusTopic(rid, operationId), payload: EMPTY, qos: 0 });
    this.#limiter.record(now);
    this.#session.send(now, packet);
    registration.awaitingRid = rid;
    registration.replyDeadline = now + this.#options.requestTimeoutMs;
    this.#armRequestTimer();
  }

  /** The Request slot holds the earlier of the reply (or SUBACK) deadline and the registration deadline. */
  #armRequestTimer(): void {
    const registration = this.#registration;
    if (registration === undefined) this.#session.timers.stop(Timer.Request);
    else this.#session.timers.set(Timer.Request, Math.min(registration.replyDeadline ?? Infinity, registration.deadline));
  }

  #onRequestTimer(now: number): void {
    const registration = this.#registration;
    if (registration === undefined) return;
    if (registration.replyDeadline !== undefined && registration.replyDeadline <= now) {
      const what = registration.awaitingRid === undefined ? 'SUBACK' : 'DPS reply';
      this.#fail({ reason: 'timeout', retriable: true, message: `no ${what} within requestTimeoutMs` });
    } else if (registration.deadline <= now) {
      this.#fail({ reason: 'timeout', retriable: true, message: 'registrationTimeoutMs elapsed' });
    } else {
      this.#armRequestTimer();
    }
  }

  /** Ends the registration in progress, if any, with `registration-failed`. */
  #fail(failure: Failure): void {
    const registration = this.#registration;
    if (registration === undefined) return;
    this.#finish();
    this.#session.emit({ type: 'registration-failed', rid: registration.rid, ...failure });
  }

  /**
   * Forgets the registration and its timers; late replies are then dropped. A SUBSCRIBE still
   * awaiting its SUBACK is forgotten too, so the next registration subscribes afresh (a repeated
   * SUBSCRIBE is harmless [MQTT-3.8.4-3]) instead of waiting on an answer that may never come.
   */
  #finish(): void {
    this.#registration = undefined;
    if (this.#subscribeId !== undefined) this.#forgottenSubscribeId = this.#subscribeId;
    this.#subscribeId = undefined;
    this.#session.timers.stop(Timer.Request);
    this.#session.timers.stop(Timer.DpsPoll);
  }

  #takePacketId(): number {
    const id = this.#nextPacketId;
    this.#nextPacketId = id === 0xffff ? 1 : id + 1;
    return id;
  }

  /** `{prefix}{counter}` in base 36: plain `$rid` characters (docs/protocol.md §9), unique per engine. */
  #takeRid(): string {
    this.#ridCounter += 1;
    return this.#ridPrefix + this.#ridCounter.toString(36);
  }
}


/** Status, errorCode and message of a failing reply, for `registration-failed`. */
function details(
  status: number,
  reply: { readonly errorCode?: number; readonly message?: string },
): { status: number; errorCode?: number; message?: string } {
  return {
    status,
    ...(reply.errorCode === undefined ? {} : { errorCode: reply.errorCode }),
    ...(reply.message === undefined ? {} : { message: reply.message }),
  };
}

/** How a registration in progress ends with its connection. */
function failureOf(ending: SessionEnding): Failure {
  switch (ending.kind) {
    case 'closed':
      return { reason: 'closed', retriable: true, message: 'disconnect() was called' };
    case 'refused':
      // The registration waiting for the connection fails as `rejected`, retriable exactly when the refusal is.
      return { reason: 'rejected', retriable: ending.retriable, message: `CONNACK refused: ${connectRefusedReason(ending.returnCode)} (${ending.returnCode})` };
    case 'lost': {
      const { reason, detail } = ending;
      return { reason: 'connection-lost', retriable: true, message: detail === undefined ? `connection lost: ${reason}` : `connection lost: ${reason} (${detail})` };
    }
  }
}
