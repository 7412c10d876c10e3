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
 * A registration runs on one connection: `register` is accepted while `connecting` (it starts
 * after CONNACK) or `connected`, one at a time, and a bad request throws before the engine changes.
 * Its steps — subscribe, register, poll honouring `retry-after` — and its one ending are
 * registration.ts. When the connection ends, the registration ends with it (`connection-lost`, or
 * `closed` after `disconnect`); an engine never resumes a registration on a new connection: call
 * `register` again (DPS registration is idempotent per registration id).
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
import { parseInboundTopic } from '@hubwire/topics';
import { checkOptions, HubwireError, InvalidIntentError, InvalidStateError, messageOf } from '../shared/errors.ts';
import { checkNow } from '../shared/now.ts';
import { checkChunk, checkReason } from '../session/arguments.ts';
import { checkConnectAuth } from '../session/connect-auth.ts';
import { MqttSession } from '../session/mqtt-session.ts';
import type { OwnerPacket, SessionEnding, SessionOwner, SessionState } from '../session/mqtt-session.ts';
import { encodePuback } from '../wire/encoder.ts';
import { encodeConnect } from '../wire/connect.ts';
import type { ConnectOptions } from '../wire/connect.ts';
import type { PublishPacket } from '../wire/packets.ts';
import { dpsRegisterBody } from './dps-register-body.ts';
import type { ProvisioningEvent } from './events.ts';
import { resolveProvisioningOptions } from './provisioning-options.ts';
import type { ProvisioningEngineOptions, ResolvedProvisioningOptions } from './provisioning-options.ts';
import { Registrar } from './registration.ts';

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

const DPS_RESPONSE_PREFIX = '$dps/registrations/res/';

/** Throws InvalidIntentError `invalid-options` unless `options` is undefined or an object with at most `payload`. */
function checkRegisterOptions(options: unknown): void {
  checkOptions(options, 'register');
  for (const key of Object.keys(options ?? {})) {
    if (key !== 'payload') throw new InvalidIntentError('invalid-options', `${key} is not a register option (payload)`);
  }
}

/**
 * Sans-IO DPS client: `register` → `assigned` or `registration-failed` (docs/protocol.md §13).
 * Poll order for drivers: transmit, then timeout, then events. Every method taking `now` throws
 * InvalidTimeError, changing nothing, when `now` is not a finite number.
 */
export class ProvisioningEngine implements SessionOwner {
  readonly #options: ResolvedProvisioningOptions;
  readonly #session: MqttSession<ProvisioningEvent>;
  readonly #registrar: Registrar;

  /** Checks the options; throws InvalidIntentError whose code names the bad one (`invalid-id-scope`, `invalid-api-version`, …). */
  constructor(options: ProvisioningEngineOptions) {
    const o = resolveProvisioningOptions(options);
    this.#options = o;
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
    this.#registrar = new Registrar(o, this.#session);
  }

  /** The connection state. */
  get state(): ProvisioningState {
    return this.#session.state;
  }

  /** The rid of the registration in progress, or undefined. */
  get registering(): string | undefined {
    return this.#registrar.current;
  }

  /** Bytes of an incomplete inbound packet held by the decoder (never more than `maxPacketBytes` between calls). */
  get bufferedBytes(): number {
    return this.#session.bufferedBytes;
  }

  // ------------------------------------------------------------------ things that happened

  /**
   * Feeds bytes from the socket; bad bytes become `protocol-error` events, never exceptions
   * (InvalidTimeError for a bad `now`, InvalidIntentError `invalid-chunk` when `chunk` is not bytes).
   */
  receive(now: number, chunk: Uint8Array): void {
    checkNow(now);
    checkChunk(chunk);
    this.#session.receive(now, chunk);
  }

  /** Fires every deadline at or before `now`; early or repeated calls do nothing. */
  handleTimeout(now: number): void {
    checkNow(now);
    this.#session.handleTimeout(now);
    this.#registrar.handleTimeout(now);
  }

  /** The driver saw the socket close: `connection-lost`, and a registration in progress fails with it. */
  connectionLost(now: number, reason?: string): void {
    checkNow(now);
    checkReason(reason);
    this.#session.connectionLost(reason);
  }

  // -------------------------------------------------------------- things the app wants

  /**
   * Queues CONNECT: client id = registration id, user name `{idScope}/registrations/{id}/api-version=…`
   * (no `?`, docs/protocol.md §13), the SAS token as password or none for X.509, clean session.
   * Throws InvalidIntentError for bad credentials (`invalid-auth`, `invalid-password`,
   * `invalid-password-expires-at`), InvalidStateError while connecting or connected.
   */
  connect(now: number, auth?: ProvisioningAuth): void {
    checkNow(now);
    checkConnectAuth(auth);
    if (this.#session.isOpen) {
      throw new InvalidStateError('already-connected', this.#session.state, 'connect needs a closed connection');
    }
    const password = auth?.password;
    const expiresAt = auth?.passwordExpiresAt;
    const o = this.#options;
    let packet: Uint8Array;
    try {
      // An absent password is read as undefined: one object shape, no spread.
      packet = encodeConnect({
        clientId: o.clientId,
        username: o.username,
        password,
        keepAliveSeconds: o.keepAliveMs / 1000,
        cleanSession: true, // DPS treats every session as clean (docs/protocol.md §13)
      } as ConnectOptions);
    } catch (error) {
      // The encoder's own typed errors (a field over its wire limit) reach the caller as they are.
      if (error instanceof HubwireError) throw error;
      throw new InvalidIntentError('invalid-options', `CONNECT cannot be encoded: ${messageOf(error)}`);
    }
    // From here on nothing throws.
    this.#registrar.connecting();
    this.#session.open(now, packet, { cleanSession: true, passwordExpiresAt: expiresAt });
  }

  /**
   * Starts a registration and returns its rid, which the ending `assigned` or `registration-failed`
   * carries. Accepted while `connecting` (sent after CONNACK) or `connected`. Throws
   * InvalidIntentError (`invalid-options`; `invalid-body` for a payload JSON cannot carry faithfully;
   * `payload-too-large` over 96 KB) or InvalidStateError (`not-connected`, `already-registering`);
   * nothing changes when it throws.
   */
  register(now: number, options?: RegisterOptions): { rid: string } {
    checkNow(now);
    checkRegisterOptions(options);
    const body = dpsRegisterBody(this.#options.registrationId, options?.payload);
    if (!this.#session.isOpen) {
      throw new InvalidStateError('not-connected', this.#session.state, 'register needs connect first');
    }
    const current = this.#registrar.current;
    if (current !== undefined) {
      throw new InvalidStateError('already-registering', this.#session.state, `registration ${current} is still in progress; DPS runs one at a time per device`);
    }
    return { rid: this.#registrar.start(now, body) };
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
    this.#registrar.connected(now);
  }

  /** @internal A PUBLISH, PUBACK, SUBACK or UNSUBACK on the open connection. */
  onPacket(now: number, packet: OwnerPacket): void {
    switch (packet.cmd) {
      case 'suback':
        this.#registrar.onSuback(now, packet.messageId, packet.granted);
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
    this.#registrar.connectionEnded(ending);
  }

  // -------------------------------------------------------------------- inbound packets

  #onPublish(now: number, packet: PublishPacket): void {
    // Acknowledge even what we cannot use, so the service does not redeliver it [MQTT-4.3.2-2].
    if (packet.qos === 1 && packet.messageId !== undefined) this.#session.send(now, encodePuback(packet.messageId));
    const topic = parseInboundTopic(packet.topic);
    switch (topic.kind) {
      case 'dps-response':
        this.#registrar.onReply(now, topic.status, topic.rid, topic.retryAfterSeconds, packet.payload);
        return;
      case 'malformed': {
        this.#session.protocolError('malformed-topic', topic.error.message);
        // A broken DPS reply is an answer: when its $rid could be read it ends the request it names (a
        // foreign rid is dropped, as for a well-formed reply); when not, with one request in flight it is
        // almost surely the answer to it. Either way fail now rather than wait for requestTimeoutMs.
        const awaiting = this.#registrar.awaitingRid;
        const answersIt = topic.rid === undefined || topic.rid === awaiting;
        if (awaiting !== undefined && answersIt && packet.topic.startsWith(DPS_RESPONSE_PREFIX)) {
          this.#registrar.brokenReply(topic.error.message);
        }
        return;
      }
      default:
        this.#session.protocolError('unknown-topic', `PUBLISH on ${preview(packet.topic)}, which this client never subscribed to`);
    }
  }
}

/** The first 100 characters of an untrusted topic, for diagnostics. */
function preview(topic: string): string {
  return topic.length <= 100 ? topic : `${topic.slice(0, 100)}…`;
}
