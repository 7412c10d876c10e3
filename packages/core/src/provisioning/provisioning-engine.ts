/**
 * ProvisioningEngine: the sans-IO device side of the Device Provisioning Service over MQTT 3.1.1
 * (docs/protocol.md §13). It owns no socket, timer or clock; a driver moves bytes and time through it.
 *
 * Driver loop, as quinn-proto's: after every call into the engine drain `pollTransmit()` to the
 * socket, re-arm one platform timer at `pollTimeout()` (calling `handleTimeout(clock())` when it
 * fires), then drain `pollEvent()` to the application.
 *
 * States (as DeviceEngine's)
 *   disconnected ──connect──▶ connecting ──CONNACK 0──▶ connected
 *        ▲                        │  CONNACK ≠ 0, CONNACK deadline,      │ connectionLost, ping deadline,
 *        │                        │  connectionLost, broken stream       │ broken stream
 *        └────────────────────────┴──────────────────────────────────────┘
 *   any state ──disconnect──▶ closed ──connect──▶ connecting
 *
 * A registration runs on one connection:
 *   1. `register` is accepted while `connecting` (it starts after CONNACK) or `connected`, one at
 *      a time; a bad request throws before the engine changes.
 *   2. SUBSCRIBE `$dps/registrations/res/#` at QoS 1 and wait for SUBACK, as the C SDK does; once
 *      per connection (DPS sessions are always clean, so every connection subscribes again).
 *   3. PUBLISH the register request, then operation-status polls, each with a fresh `$rid`, at
 *      QoS 0 as azure-sdk-for-c does: the DPS reply is the acknowledgement, a PUBACK would add
 *      traffic and nothing else, and a lost request is caught by `requestTimeoutMs`.
 *   4. Between requests wait `retry-after` (1 s when absent, not a decimal integer, or outside
 *      1–300 s: it is advice, so an unusable one is read as none, as the C SDK does) and never send
 *      more than 5 requests in 10 s (docs/protocol.md §13). A status ≥ 429 resends the same request
 *      (register, or the poll of the known operation) after `retry-after`.
 *
 * Rule: every `register` ends in exactly one `assigned` or `registration-failed` carrying its
 * rid. Replies are bounded (`requestTimeoutMs` each), transient failures are bounded
 * (`maxTransientRetries` in a row), and `registrationTimeoutMs` bounds the whole registration
 * however long DPS keeps saying `assigning`. A reply for a request that is no longer awaited
 * (after a timeout) is dropped. When the connection ends, the registration ends with it
 * (`connection-lost`, or `closed` after `disconnect`); an engine never resumes a registration on
 * a new connection: call `register` again (DPS registration is idempotent per registration id).
 *
 * Untrusted input: DPS bodies go through `interpretDpsReply`, which never throws; a 2xx body
 * that is not JSON or lacks what its status promises ends the registration with
 * `malformed-response` (no separate protocol-error event: the failure carries the detail). A
 * reply on a broken topic (status or `$rid`) gives `protocol-error`, then ends the registration
 * with `malformed-response` at once when it names the request in flight by `$rid`, or names none
 * while one is in flight (it is almost surely that answer); a broken reply naming another rid is
 * only reported, as a well-formed one would be dropped. Broken framing, packets a client never
 * receives and QoS 2 give `protocol-error` then `connection-lost`, as in DeviceEngine; a PUBLISH
 * on a foreign topic gives `protocol-error` only.
 *
 * Time: every method taking `now` first throws InvalidTimeError when it is not a finite number,
 * before changing anything; a `now` earlier than the last one is accepted (deadlines fire later).
 */
import { dpsCredentials } from '@hubwire/sas';
import { DPS_RESPONSE_FILTER, dpsOperationStatusTopic, dpsRegisterTopic, parseInboundTopic } from '@hubwire/topics';
import { InvalidIntentError, InvalidStateError, messageOf } from '../shared/errors.ts';
import { checkNow } from '../shared/now.ts';
import { MqttSession } from '../session/mqtt-session.ts';
import type { OwnerPacket, SessionEnding, SessionOwner, SessionState } from '../session/mqtt-session.ts';
import { Timer } from '../session/timers.ts';
import { encodePuback, encodePublish } from '../wire/encoder.ts';
import { encodeConnect } from '../wire/connect.ts';
import { encodeSubscribe } from '../wire/subscribe.ts';
import type { PublishPacket } from '../wire/packets.ts';
import { checkConnectAuth } from '../device/intents.ts';
import { connectRefusedReason } from '../session/connack.ts';
import { interpretDpsReply } from './dps-reply.ts';
import { dpsRegisterBody } from './dps-register-body.ts';
import { DpsRequestLimiter, dpsRetryDelayMs } from './dps-retry.ts';
import type { ProvisioningEvent, RegistrationFailedEvent } from './events.ts';
import { resolveProvisioningOptions } from './provisioning-options.ts';
import type { ProvisioningEngineOptions, ResolvedProvisioningOptions } from './provisioning-options.ts';

/** Connection state of a {@link ProvisioningEngine} (the same four as DeviceEngine's). */
export type ProvisioningState = SessionState;

/** Credentials for one connection: a SAS token (see @hubwire/sas), or nothing for X.509. */
export interface ProvisioningAuth {
  /** `SharedAccessSignature sr=…&skn=registration` for an individual or group enrollment (docs/protocol.md §4, §13). */
  readonly password?: string;
  /** When the token expires, in ms on the same clock as `now`: `token-expiring` comes a margin before. */
  readonly passwordExpiresAt?: number;
}

/** What `register` may add to the request. */
export interface RegisterOptions {
  /** Custom data for the allocation policy, any JSON value (PnP: `{ modelId: 'dtmi:…;1' }`). */
  readonly payload?: unknown;
}

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
const DPS_RESPONSE_PREFIX = '$dps/registrations/res/';
const RID_PREFIX_SPACE = 36 ** 4;

/**
 * Sans-IO DPS client: `register` → `assigned` or `registration-failed` (docs/protocol.md §13).
 * Poll order for drivers: transmit, then timeout, then events. Every method taking `now` throws
 * InvalidTimeError, changing nothing, when `now` is not a finite number.
 */
export class ProvisioningEngine implements SessionOwner {
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

  /** Checks the options; throws InvalidIntentError (`invalid-option`) naming the bad one. */
  constructor(options: ProvisioningEngineOptions) {
    this.#options = resolveProvisioningOptions(options);
    const o = this.#options;
    this.#session = new MqttSession<ProvisioningEvent>(
      {
        keepAliveMs: o.keepAliveMs,
        connackTimeoutMs: o.connackTimeoutMs,
        pingTimeoutMs: o.pingTimeoutMs,
        maxPacketBytes: o.maxPacketBytes,
        tokenRenewalMarginMs: o.tokenRenewalMarginMs,
      },
      this,
    );
    // A random rid prefix, as rid-table.ts: a late reply meant for another engine or an earlier
    // process is unlikely to match one of ours.
    const r = this.#options.random();
    const n = Number.isFinite(r) ? Math.min(RID_PREFIX_SPACE - 1, Math.max(0, Math.floor(r * RID_PREFIX_SPACE))) : 0;
    this.#ridPrefix = n.toString(36).padStart(4, '0');
  }

  /** The connection state. */
  get state(): ProvisioningState {
    return this.#session.state;
  }

  /** The rid of the registration in progress, or undefined. */
  get registering(): string | undefined {
    return this.#registration?.rid;
  }

  // ------------------------------------------------------------------ things that happened

  /**
   * Feeds bytes from the socket; bad bytes become `protocol-error` events, never exceptions
   * (InvalidTimeError for a bad `now`, InvalidIntentError `invalid-argument` when `chunk` is not bytes).
   */
  receive(now: number, chunk: Uint8Array): void {
    checkNow(now);
    this.#session.receive(now, chunk);
  }

  /** Fires every deadline at or before `now`; early or repeated calls do nothing. */
  handleTimeout(now: number): void {
    checkNow(now);
    this.#session.handleTimeout(now);
    const timers = this.#session.timers;
    if (timers.expire(Timer.Request, now)) this.#onRequestTimer(now);
    if (timers.expire(Timer.DpsPoll, now)) this.#sendRequest(now);
  }

  /** The driver saw the socket close: `connection-lost`, and a registration in progress fails with it. */
  connectionLost(now: number, reason?: string): void {
    checkNow(now);
    this.#session.connectionLost(reason);
  }

  // -------------------------------------------------------------- things the app wants

  /**
   * Queues CONNECT: client id = registration id, user name `{idScope}/registrations/{id}/api-version=…`
   * (no `?`, docs/protocol.md §13), the SAS token as password or none for X.509, clean session.
   * Throws InvalidStateError while connecting or connected, InvalidIntentError for a bad password or expiry.
   */
  connect(now: number, auth?: ProvisioningAuth): void {
    checkNow(now);
    if (this.#session.isOpen) {
      throw new InvalidStateError('already-connected', this.#session.state, 'connect needs a closed connection');
    }
    checkConnectAuth(auth);
    const password = auth?.password;
    const expiresAt = auth?.passwordExpiresAt;
    const o = this.#options;
    let packet: Uint8Array;
    try {
      const credentials = dpsCredentials({
        idScope: o.idScope,
        registrationId: o.registrationId,
        apiVersion: o.apiVersion,
        ...(o.clientVersion === undefined ? {} : { clientVersion: o.clientVersion }),
        ...(password === undefined ? {} : { password }),
      });
      packet = encodeConnect({
        clientId: credentials.clientId,
        username: credentials.username,
        ...(credentials.password === undefined ? {} : { password: credentials.password }),
        keepAliveSeconds: o.keepAliveMs / 1000,
        cleanSession: true, // DPS treats every session as clean (docs/protocol.md §13)
      });
    } catch (error) {
      throw new InvalidIntentError('invalid-option', `CONNECT cannot be encoded: ${messageOf(error)}`);
    }
    // From here on nothing throws.
    this.#subscribed = false;
    this.#subscribeId = undefined;
    this.#forgottenSubscribeId = undefined;
    this.#session.open(now, packet, { cleanSession: true, passwordExpiresAt: expiresAt });
  }

  /**
   * Starts a registration and returns its rid, which the ending `assigned` or `registration-failed`
   * carries. Accepted while `connecting` (sent after CONNACK) or `connected`. Throws
   * InvalidStateError (`not-connected`, `already-registering`) or InvalidIntentError (a payload
   * without a JSON form, a body over 96 KB); nothing changes when it throws.
   */
  register(now: number, options?: RegisterOptions): { rid: string } {
    checkNow(now);
    if (!this.#session.isOpen) {
      throw new InvalidStateError('not-connected', this.#session.state, 'register needs connect first');
    }
    if (this.#registration !== undefined) {
      throw new InvalidStateError(
        'already-registering',
        this.#session.state,
        `registration ${this.#registration.rid} is still in progress; DPS runs one at a time per device`,
      );
    }
    const body = dpsRegisterBody(this.#options.registrationId, options?.payload);
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
    return { rid };
  }

  /**
   * Queues DISCONNECT (when a connection exists) and moves to `closed`; emits `disconnected`, then
   * ends a registration in progress with `registration-failed` (`closed`). A no-op when closed.
   */
  disconnect(now: number): void {
    checkNow(now);
    this.#session.close(now, false);
  }

  // ---------------------------------------------------------- things the driver must do

  /** Next bytes to write to the socket, or undefined when there is nothing to send. */
  pollTransmit(): Uint8Array | undefined {
    return this.#session.pollTransmit();
  }

  /** Next event for the application, or undefined when there is none. */
  pollEvent(): ProvisioningEvent | undefined {
    return this.#session.pollEvent();
  }

  /** The earliest absolute time at which `handleTimeout` has work, or undefined. */
  pollTimeout(): number | undefined {
    return this.#session.pollTimeout();
  }

  // ------------------------------------------------------ the session's owner (not for callers)

  /** @internal CONNACK 0: a registration waiting for the connection moves on. */
  onConnected(now: number): void {
    if (this.#registration !== undefined) {
      this.#advance(now);
      this.#armRequestTimer();
    }
  }

  /** @internal A PUBLISH, PUBACK, SUBACK or UNSUBACK on the open connection. */
  onPacket(now: number, packet: OwnerPacket): void {
    switch (packet.cmd) {
      case 'suback':
        this.#onSuback(now, packet.messageId, packet.granted);
        return;
      case 'publish':
        this.#onPublish(now, packet);
        return;
      case 'puback':
      case 'unsuback':
        // Requests go at QoS 0 and nothing is unsubscribed: no such packet id can be in flight.
        this.#session.protocolError('unknown-packet-id', `${packet.cmd.toUpperCase()} for packet id ${packet.messageId}, none in flight`);
        return;
    }
  }

  /** @internal The connection ended, and the registration in progress with it. */
  onEnded(ending: SessionEnding): void {
    this.#subscribed = false;
    this.#fail(failureOf(ending));
    this.#subscribeId = undefined;
    this.#forgottenSubscribeId = undefined;
  }

  // -------------------------------------------------------------------- inbound packets

  #onSuback(now: number, messageId: number, granted: readonly number[]): void {
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

  #onPublish(now: number, packet: PublishPacket): void {
    // Acknowledge even what we cannot use, so the service does not redeliver it [MQTT-4.3.2-2].
    if (packet.qos === 1 && packet.messageId !== undefined) this.#session.send(now, encodePuback(packet.messageId));
    const topic = parseInboundTopic(packet.topic);
    switch (topic.kind) {
      case 'dps-response':
        this.#onReply(now, topic.status, topic.rid, topic.retryAfterSeconds, packet.payload);
        return;
      case 'malformed': {
        this.#session.protocolError('malformed-topic', topic.error.message);
        // A broken DPS reply is an answer: when its $rid could be read it ends the request it names (a
        // foreign rid is dropped, as for a well-formed reply); when not, with one request in flight it is
        // almost surely the answer to it. Either way fail now rather than wait for requestTimeoutMs.
        const awaiting = this.#registration?.awaitingRid;
        const answersIt = topic.rid === undefined || topic.rid === awaiting;
        if (awaiting !== undefined && answersIt && packet.topic.startsWith(DPS_RESPONSE_PREFIX)) {
          this.#fail({ reason: 'malformed-response', retriable: false, message: topic.error.message });
        }
        return;
      }
      default:
        this.#session.protocolError('unknown-topic', `PUBLISH on ${preview(packet.topic)}, which this client never subscribed to`);
    }
  }

  /** A reply on `$dps/registrations/res/{status}/?$rid=…`; one for a request no longer awaited is dropped. */
  #onReply(now: number, status: number, rid: string, retryAfterSeconds: number | undefined, body: Uint8Array): void {
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

  // ---------------------------------------------------------------- registration steps

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

  // ------------------------------------------------------------------------- plumbing

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

/** The first 100 characters of an untrusted topic, for diagnostics. */
function preview(topic: string): string {
  return topic.length <= 100 ? topic : `${topic.slice(0, 100)}…`;
}
