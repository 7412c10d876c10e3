/**
 * DeviceEngine: the sans-IO protocol core of one IoT Hub device or module over MQTT 3.1.1.
 *
 * Theory of operation
 * -------------------
 * The engine owns no socket, timer or clock. Bytes come in through `receive`, time through the
 * `now` argument of every call, and everything the engine wants done leaves through three
 * queues the driver polls: bytes (`pollTransmit`), events (`pollEvent`) and one deadline
 * (`pollTimeout`). Nothing happens between calls.
 *
 * States
 *   disconnected ──connect──▶ connecting ──CONNACK 0──▶ connected
 *        ▲                        │  CONNACK ≠ 0, CONNACK deadline,      │ connectionLost, ping deadline,
 *        │                        │  connectionLost, broken stream       │ broken stream
 *        └────────────────────────┴──────────────────────────────────────┘
 *   any state ──disconnect──▶ closed ──connect──▶ connecting
 *
 * - `disconnected` and `closed` both mean "no usable connection"; `closed` says the application
 *   asked for it (DISCONNECT was queued, the Will is discarded by the hub) rather than the
 *   network. Telemetry published in either state is queued for the next connection.
 * - `connecting`: CONNECT is queued; only a CONNACK may arrive [MQTT-3.2.0-1].
 * - `connected`: CONNACK 0 arrived; subscriptions, re-sends and queued telemetry went out.
 *
 * Rule 1, one ending per request. Every twin request (`getTwin`, `patchReported`, and the
 * engine's own re-read after a reconnect) is in the rid table from the intent until exactly one
 * of: its answer (`twin`, `reported-patched`, or `request-failed` for a non-2xx status, or
 * `malformed-response` for an answer whose topic is broken but still names it by `$rid`), its
 * deadline (`request-failed` timeout), the end of the connection (`request-failed`
 * connection-lost / closed). The table is the only place a request can leave from, and each
 * exit emits one event. A late answer for a request that already ended is dropped. A request
 * made without a connection, or before its response subscription is granted, waits (its deadline
 * running) and goes out once both are there, since an answer to an unsubscribed topic is lost.
 * A token renewal (`disconnect(now, { renewing: true })`) is not an end: pending requests go back
 * to that waiting queue and are sent again on the next connection, under the same rid.
 *
 * Rule 2, QoS 1 telemetry ends in `telemetry-acked` only. It stays in the in-flight table
 * (inflight.ts) across lost connections and is sent again after the next CONNACK (DUP=1 when
 * the session was resumed [MQTT-4.4.0-1]); nothing is dropped. QoS 0 telemetry is at most once:
 * bytes not yet taken by `pollTransmit` when the connection is lost are discarded with the rest
 * of that connection's output.
 *
 * Rule 3, misuse throws, the wire never does. Intents validate everything first and throw
 * InvalidIntentError, QueueFullError or InvalidStateError before changing any state. Every method
 * taking `now` (intents, `receive`, `handleTimeout`, `connectionLost`) first throws InvalidTimeError
 * when `now` is not a finite number, which would silently disable or fire its deadlines; a `now`
 * earlier than the last one is accepted (deadlines are absolute and fire once the clock reaches
 * them). Bad bytes never make `receive` throw:
 *  - broken framing (or an oversize packet, refused from its header by the decoder), a packet a
 *    client never receives, or a second CONNACK: `protocol-error`, then `connection-lost`
 *    (reason `protocol-error`); the engine is `disconnected` and the driver must close the socket;
 *  - a malformed or unexpected topic on a well-formed PUBLISH: `protocol-error`; the PUBLISH is
 *    still acknowledged if it was QoS 1 (so the hub does not redeliver it forever) and the
 *    engine carries on, as it does for a PUBACK/SUBACK naming an unknown packet id. A broken twin
 *    response whose `$rid` names a pending request is that request's answer: it also ends the
 *    request (Rule 1) instead of leaving it to its deadline.
 *
 * Rule 4, after a reconnect nothing is missed: subscriptions are made again unless CONNACK says
 * the session was resumed, the twin is read again (a `twin` event with the engine's own rid;
 * a 429, 5xx, timeout or broken answer (topic or body) is retried after a jittered back-off, at most REREAD_ATTEMPTS reads per
 * connection, each a new request with its own ending), and desired patches are surfaced once
 * per `$version`: a patch at or below the highest version seen (from a patch or a fetched twin)
 * is dropped (docs/protocol.md §9 "Reconnection flow").
 *
 * Layout: the connection itself (CONNECT/CONNACK, keep-alive and ping deadlines, the decoder,
 * the transmit and event queues, connection loss) is session/mqtt-session.ts, which this engine
 * composes; each feature has its file beside this one: telemetry.ts, twin.ts, deliveries.ts (C2D,
 * module inputs and PUBACK order), methods (here: a request is one event, a response one PUBLISH).
 *
 * Hot path: `receive` → decoder → topic classifier → one event object. No closures per packet,
 * no payload copies: event bodies are views of the received chunk (see events.ts).
 *
 * Memory: a fleet simulator holds 100k engines, so per-engine state is numbers and a few small
 * objects; queues, tables and the decoder are allocated on first use and dropped when empty or
 * when the connection ends, and constants (defaults, filters, empty bodies) are shared.
 */
import { hubCredentials } from '@hubwire/sas';
import {
  isValidRid,
  isValidStatus,
  MAX_METHOD_PAYLOAD_BYTES,
  methodResponseTopic,
  parseInboundTopic,
  telemetryTopicPrefix,
} from '@hubwire/topics';
import type { InboundTopic } from '@hubwire/topics';
import { InvalidIntentError, InvalidStateError, messageOf } from '../shared/errors.ts';
import { checkNow } from '../shared/now.ts';
import { OutgoingMessage, PendingSubscribe } from '../session/inflight.ts';
import { MqttSession } from '../session/mqtt-session.ts';
import type { OwnerPacket, SessionEnding, SessionOwner, SessionState } from '../session/mqtt-session.ts';
import { encodePublish } from '../wire/encoder.ts';
import { encodeConnect } from '../wire/connect.ts';
import type { WillOptions } from '../wire/connect.ts';
import { encodeSubscribe } from '../wire/subscribe.ts';
import type { PublishPacket } from '../wire/packets.ts';
import { Deliveries } from './deliveries.ts';
import type { DeviceEvent } from './events.ts';
import { checkConnectAuth, methodBody, reportedPatchBytes, willOf } from './intents.ts';
import type { Body, ConnectAuth, DisconnectOptions, PublishResult, RequestResult, TelemetryOptions } from './intents.ts';
import { checkDeviceOptions, defaultRandom, DEVICE_DEFAULTS, eagerSubscriptions, Sub } from './options.ts';
import type { DeviceEngineOptions } from './options.ts';
import { filterOf, Subscriptions } from './subscriptions.ts';
import { Telemetry } from './telemetry.ts';
import { GET_TWIN, Twin, TWIN_RESPONSE_PREFIX, TwinRequest } from './twin.ts';

/** Where a DeviceEngine stands; see the theory of operation in device-engine.ts. */
export type EngineState = SessionState;

/**
 * The hub closes a connection after 1767 s of silence whatever keep-alive the client announced, so
 * the engine pings at least every 1177 s (1.5 × 1177 < 1767, docs/protocol.md §2 "Keep-alive").
 */
const MAX_PING_INTERVAL_MS = 1_177_000;

/**
 * The sans-IO engine of one IoT Hub device or module identity.
 *
 * Methods come in four kinds: getters (`state`, `isConnected`, …); things that happened
 * (`receive`, `handleTimeout`, `connectionLost`); things the application wants (`connect`,
 * `publishTelemetry`, `getTwin`, `patchReported`, `respondMethod`, `ackC2d`, `disconnect`); and
 * things the driver must do (`pollTransmit`, `pollEvent`, `pollTimeout`). After any call a
 * driver polls in this order, as quinn-proto's drivers do: drain `pollTransmit()` to the socket,
 * re-arm its one timer from `pollTimeout()`, then drain `pollEvent()` to the application. Every
 * method taking `now` throws InvalidTimeError, changing nothing, when `now` is not a finite number.
 */
export class DeviceEngine implements SessionOwner {
  private readonly deviceId: string;
  private readonly moduleId: string | undefined;
  private readonly clientId: string;
  private readonly username: string;
  private readonly will: WillOptions | undefined;
  private readonly cleanSession: boolean;
  /** The keep-alive CONNECT announces. */
  private readonly keepAliveSeconds: number;
  private readonly session: MqttSession<DeviceEvent>;
  private readonly subscriptions: Subscriptions;
  private readonly telemetry: Telemetry;
  private readonly twin: Twin;
  private readonly deliveries: Deliveries;

  /** Creates an engine in state `disconnected`; throws InvalidIntentError for invalid options. */
  constructor(options: DeviceEngineOptions) {
    checkDeviceOptions(options);
    const { deviceId, moduleId } = options;
    let credentials;
    let telemetryPrefix;
    try {
      credentials = hubCredentials(options);
      telemetryPrefix = telemetryTopicPrefix(options);
    } catch (error) {
      throw new InvalidIntentError('invalid-option', messageOf(error));
    }
    this.deviceId = deviceId;
    this.moduleId = moduleId;
    this.clientId = credentials.clientId;
    this.username = credentials.username;
    this.cleanSession = options.cleanSession ?? false;
    this.keepAliveSeconds = options.keepAliveSeconds ?? DEVICE_DEFAULTS.keepAliveSeconds;
    const maxQueued = options.maxQueued ?? DEVICE_DEFAULTS.maxQueued;
    this.session = new MqttSession<DeviceEvent>(
      {
        keepAliveMs: Math.min(this.keepAliveSeconds * 1000, MAX_PING_INTERVAL_MS),
        connackTimeoutMs: options.connackTimeoutMs ?? DEVICE_DEFAULTS.connackTimeoutMs,
        pingTimeoutMs: options.pingTimeoutMs ?? DEVICE_DEFAULTS.pingTimeoutMs,
        maxPacketBytes: options.maxPacketBytes ?? DEVICE_DEFAULTS.maxPacketBytes,
        tokenRenewalMarginMs: options.tokenRenewalMarginMs,
      },
      this,
    );
    this.subscriptions = new Subscriptions(eagerSubscriptions(options));
    const random = options.random ?? defaultRandom;
    this.telemetry = new Telemetry(this.session, telemetryPrefix, moduleId !== undefined, options.maxInFlight ?? DEVICE_DEFAULTS.maxInFlight, maxQueued);
    this.twin = new Twin(this.session, this.subscriptions, random, options.requestTimeoutMs ?? DEVICE_DEFAULTS.requestTimeoutMs, maxQueued);
    this.deliveries = new Deliveries(this.session, options.manualC2dAck ?? false);
    this.will = options.will === undefined ? undefined : willOf(telemetryPrefix, options.will);
  }

  // ---------------------------------------------------------------------------------- getters

  /** The connection state. */
  get state(): EngineState {
    return this.session.state;
  }

  /** Whether CONNACK 0 arrived and the connection has not ended since. */
  get isConnected(): boolean {
    return this.session.state === 'connected';
  }

  /** When the last packet arrived (for watchdogs), or undefined before the first. */
  get lastReceivedAt(): number | undefined {
    const at = this.session.lastReceivedAt;
    return at === at ? at : undefined;
  }

  /** When the engine last queued bytes to send, or undefined before the first. */
  get lastSentAt(): number | undefined {
    const at = this.session.lastSentAt;
    return at === at ? at : undefined;
  }

  /** Bytes of an incomplete inbound packet held by the decoder (never more than `maxPacketBytes` between calls). */
  get bufferedBytes(): number {
    return this.session.bufferedBytes;
  }

  /** The highest desired `$version` seen (from a patch or a fetched twin), e.g. for a writable-property `av`. */
  get desiredVersion(): number | undefined {
    return this.twin.desiredVersion;
  }

  /** Twin requests awaiting their ending event. */
  get pendingRequests(): number {
    return this.twin.pending;
  }

  /** QoS 1 telemetry messages sent and awaiting PUBACK (kept across reconnects). */
  get inFlightTelemetry(): number {
    return this.telemetry.table.inFlight;
  }

  /** Telemetry messages waiting for the connection or for room in the in-flight window. */
  get queuedTelemetry(): number {
    return this.telemetry.table.queued;
  }

  /** Granted QoS of each active subscription, by filter. */
  get activeSubscriptions(): { readonly topic: string; readonly qos: number }[] {
    const out: { topic: string; qos: number }[] = [];
    for (const bit of [Sub.Messages, Sub.Methods, Sub.TwinResponses, Sub.DesiredPatches]) {
      const qos = this.subscriptions.qos(bit);
      if (qos !== undefined) out.push({ topic: filterOf(bit, this.deviceId, this.moduleId), qos });
    }
    return out;
  }

  // ----------------------------------------------------------------------- driver: poll*

  /** The next bytes to write to the socket, in order, or undefined when there are none. */
  pollTransmit(): Uint8Array | undefined {
    return this.session.pollTransmit();
  }

  /** The next event for the application, or undefined when there are none. */
  pollEvent(): DeviceEvent | undefined {
    return this.session.pollEvent();
  }

  /** The earliest absolute time (ms) at which `handleTimeout` must run, or undefined. A pure query. */
  pollTimeout(): number | undefined {
    return this.session.pollTimeout();
  }

  // ------------------------------------------------------------------ things that happened

  /**
   * Bytes from the socket, chunked any way: the same events and bytes come out whatever the
   * chunking. Never throws on bad bytes (see Rule 3); throws InvalidTimeError for a bad `now` and
   * InvalidIntentError (`invalid-argument`) when `chunk` is not bytes, changing nothing. Ignored
   * unless connecting or connected (late bytes of a dead socket).
   */
  receive(now: number, chunk: Uint8Array): void {
    checkNow(now);
    this.session.receive(now, chunk);
  }

  /** Fires every deadline due at or before `now`; an early or repeated call does nothing. */
  handleTimeout(now: number): void {
    checkNow(now);
    this.session.handleTimeout(now);
    this.twin.handleTimeout(now);
    if (this.session.state === 'connected') this.subscribeMissing(now);
  }

  /** The driver saw the socket close (or fail): ends the connection; a no-op when there is none. */
  connectionLost(now: number, reason?: string): void {
    checkNow(now);
    this.session.connectionLost(reason);
  }

  // --------------------------------------------------------------------------- intents

  /**
   * Queues CONNECT (credentials from @hubwire/sas `hubCredentials`, docs/protocol.md §2) for a new
   * socket. Throws InvalidStateError while connecting or connected (renewal = `disconnect(now,
   * { renewing: true })`, then `connect` with the new password), InvalidIntentError for a bad
   * password or expiry.
   */
  connect(now: number, auth?: ConnectAuth): void {
    checkNow(now);
    if (this.session.isOpen) {
      throw new InvalidStateError('already-connected', this.session.state, 'connect needs a closed connection');
    }
    checkConnectAuth(auth);
    const password = auth?.password;
    let packet: Uint8Array;
    try {
      packet = encodeConnect({
        clientId: this.clientId,
        username: this.username,
        keepAliveSeconds: this.keepAliveSeconds,
        cleanSession: this.cleanSession,
        ...(password === undefined ? {} : { password }),
        ...(this.will === undefined ? {} : { will: this.will }),
      });
    } catch (error) {
      throw new InvalidIntentError('invalid-option', `CONNECT cannot be encoded: ${messageOf(error)}`);
    }
    this.session.open(now, packet, { cleanSession: this.cleanSession, passwordExpiresAt: auth?.passwordExpiresAt });
  }

  /**
   * Queues DISCONNECT (when a connection exists) and moves to `closed`: pending twin requests end
   * with `request-failed` (closed); queued and unacknowledged telemetry is kept for the next
   * `connect`. Emits `disconnected`. A no-op when already closed.
   *
   * With `renewing: true` (a SAS token renewal, docs/protocol.md §4) pending twin requests are kept
   * instead, deadlines running, and sent again under the same rid after the next CONNACK (+ SUBACK);
   * each still ends once (answer or timeout). A re-sent reported PATCH is applied again by the
   * hub, which is harmless (same content) but may advance the reported `$version` twice.
   * Throws InvalidIntentError when `renewing` is not a boolean.
   */
  disconnect(now: number, options?: DisconnectOptions): void {
    checkNow(now);
    const renewing = options?.renewing;
    if (renewing !== undefined && typeof renewing !== 'boolean') {
      throw new InvalidIntentError('invalid-option', `renewing must be a boolean, got ${String(renewing)}`);
    }
    this.session.close(now, renewing === true);
  }

  /**
   * Publishes telemetry (docs/protocol.md §7) at QoS 1 (default) or 0, with system properties by
   * name, application properties, a PnP `component` (`$.sub`) or a module `outputName` (`$.on`).
   * Sent now when connected and the in-flight window has room, else queued (also while
   * disconnected). The engine keeps a reference to `body` until it is sent (QoS 0) or
   * acknowledged (QoS 1): do not modify it. Throws InvalidIntentError (QoS 2, size over 256 KB
   * counting the property bag, invalid properties, `outputName` on a device) or QueueFullError.
   */
  publishTelemetry(now: number, body: Body, options?: TelemetryOptions): PublishResult {
    checkNow(now);
    return this.telemetry.publish(now, body, options);
  }

  /**
   * Requests the twin (docs/protocol.md §9); ends in `twin` or `request-failed` with the returned rid.
   * Subscribes twin responses first if not yet done; held until connected. Throws QueueFullError
   * when `maxQueued` requests are pending.
   */
  getTwin(now: number): RequestResult {
    checkNow(now);
    return { rid: this.twinRequest(now, GET_TWIN) };
  }

  /**
   * Patches reported properties with a JSON object (docs/protocol.md §9; `componentPatch` and
   * `writablePropertyAck` build PnP shapes); ends in `reported-patched` or `request-failed`.
   * Throws InvalidIntentError for a non-object, unserialisable or over-32 KB patch, QueueFullError when full.
   */
  patchReported(now: number, patch: object): RequestResult {
    checkNow(now);
    return { rid: this.twinRequest(now, new TwinRequest('patch-reported', reportedPatchBytes(patch))) };
  }

  /**
   * Answers a method request (docs/protocol.md §10) with `status` and a body: bytes or a string sent as
   * is (JSON text), any other value JSON-encoded, nothing for an empty body. Throws
   * InvalidIntentError for an invalid rid/status/body or a body over 128 KB, InvalidStateError
   * when not connected (the request belonged to a connection that is gone).
   */
  respondMethod(now: number, rid: string, status: number, body?: Body | object | null): void {
    checkNow(now);
    if (!isValidRid(rid)) {
      throw new InvalidIntentError('invalid-rid', `invalid $rid ${JSON.stringify(String(rid))}: 1–128 printable ASCII without & = # + / ? % or space`);
    }
    if (!isValidStatus(status)) {
      throw new InvalidIntentError('invalid-status', `method status must be an integer 0–65535, got ${String(status)}`);
    }
    const bytes = methodBody(body);
    if (bytes.length > MAX_METHOD_PAYLOAD_BYTES) {
      throw new InvalidIntentError('payload-too-large', `the method response is ${bytes.length} bytes; IoT Hub allows ${MAX_METHOD_PAYLOAD_BYTES} (docs/protocol.md §10)`);
    }
    if (this.session.state !== 'connected') {
      throw new InvalidStateError('not-connected', this.session.state, 'a method response needs the connection the request came on');
    }
    this.session.send(now, encodePublish({ topic: methodResponseTopic(status, rid), payload: bytes, qos: 0 }));
  }

  /**
   * Completes a C2D or module-input message delivered with an `ackId` (manualC2dAck on); its
   * PUBACK is the completion (docs/protocol.md §8). PUBACKs leave in the order the messages arrived
   * [MQTT-4.6.0-2], so this one is queued once every earlier delivery is acknowledged too. Returns
   * false when the message belonged to a connection that is gone or was already acknowledged (the
   * hub will deliver it again). Throws InvalidStateError when manualC2dAck is off,
   * InvalidIntentError for an id never issued.
   */
  ackC2d(now: number, ackId: number): boolean {
    checkNow(now);
    return this.deliveries.acknowledge(now, ackId);
  }

  // ------------------------------------------------------ the session's owner (not for callers)

  /** @internal CONNACK 0: subscriptions, re-sends, queued telemetry and held requests go out. */
  onConnected(now: number, resumed: boolean): void {
    if (!resumed) this.subscriptions.sessionReset();
    this.subscribeMissing(now);
    this.telemetry.connected(now, resumed);
    this.twin.flush(now);
    // Read the twin again after a reconnect so no desired change made meanwhile is missed (docs/protocol.md §9).
    this.twin.connected(now);
  }

  /** @internal A PUBLISH, PUBACK, SUBACK or UNSUBACK on the open connection. */
  onPacket(now: number, packet: OwnerPacket): void {
    const session = this.session;
    switch (packet.cmd) {
      case 'publish':
        this.onPublish(now, packet);
        return;
      case 'puback': {
        const entry = this.telemetry.table.get(packet.messageId);
        if (entry instanceof OutgoingMessage) this.telemetry.acknowledged(now, entry);
        else session.protocolError('unknown-packet-id', `PUBACK for packet id ${packet.messageId}, which no PUBLISH awaits`);
        return;
      }
      case 'suback': {
        const entry = this.telemetry.table.get(packet.messageId);
        if (!(entry instanceof PendingSubscribe)) {
          session.protocolError('unknown-packet-id', `SUBACK for packet id ${packet.messageId}, which no SUBSCRIBE awaits`);
          return;
        }
        this.telemetry.table.acknowledge(packet.messageId);
        this.onSuback(now, entry, packet.granted);
        return;
      }
      case 'unsuback':
        // The engine never unsubscribes, so no UNSUBACK can be for it.
        session.protocolError('unknown-packet-id', `UNSUBACK ${packet.messageId} without an UNSUBSCRIBE`);
        return;
    }
  }

  /** @internal Everything tied to one connection ends: SUBSCRIBEs, manual acks, twin requests. */
  onEnded(ending: SessionEnding): void {
    this.twin.connectionEnded(ending.kind !== 'closed' ? 'connection-lost' : ending.renewing ? 'renewing' : 'closed');
    this.subscriptions.connectionLost();
    this.telemetry.table.dropSubscribes();
    this.deliveries.connectionEnded();
  }

  // ------------------------------------------------------------------------- inbound

  private onSuback(now: number, entry: PendingSubscribe, granted: readonly number[]): void {
    const session = this.session;
    if (granted.length !== entry.topics.length) {
      session.protocolError('unexpected-packet', `SUBACK has ${granted.length} return codes for ${entry.topics.length} filters [MQTT-3.9.3-1]`);
    }
    const outcome = this.subscriptions.acknowledge(entry.bits, entry.topics, granted);
    if (outcome.topics.length > 0) session.emit({ type: 'subscribed', topics: outcome.topics, granted: outcome.granted });
    for (const refused of outcome.refused) {
      session.emit({ type: 'subscription-refused', topic: refused.topic, returnCode: refused.returnCode });
    }
    // Without the response subscription no answer can arrive: the held requests end now.
    if ((outcome.refusedBits & Sub.TwinResponses) !== 0) this.twin.subscriptionRefused();
    this.twin.flush(now);
  }

  private onPublish(now: number, packet: PublishPacket): void {
    const topic = parseInboundTopic(packet.topic);
    const payload = packet.payload;
    const deliveries = this.deliveries;
    switch (topic.kind) {
      case 'c2d':
        if (this.moduleId !== undefined || topic.deviceId !== this.deviceId) break;
        deliveries.deliver(now, packet, { type: 'c2d', body: payload, properties: topic.properties });
        return;
      case 'module-input':
        if (topic.deviceId !== this.deviceId || topic.moduleId !== this.moduleId) break;
        deliveries.deliver(now, packet, { type: 'module-input', inputName: topic.inputName, body: payload, properties: topic.properties });
        return;
      case 'twin-response':
        deliveries.ackIfQos1(now, packet);
        this.twin.onResponse(now, topic.rid, topic.status, topic.version, payload);
        this.subscribeMissing(now);
        return;
      case 'desired-patch':
        deliveries.ackIfQos1(now, packet);
        this.twin.onDesiredPatch(topic.version, payload);
        return;
      case 'method-request':
        deliveries.ackIfQos1(now, packet);
        this.session.emit(
          topic.component === undefined
            ? { type: 'method-request', rid: topic.rid, methodName: topic.methodName, commandName: topic.commandName, body: payload }
            : { type: 'method-request', rid: topic.rid, methodName: topic.methodName, component: topic.component, commandName: topic.commandName, body: payload },
        );
        return;
      case 'malformed':
        deliveries.ackIfQos1(now, packet);
        this.session.protocolError('malformed-topic', `${topic.error.message} (topic ${preview(packet.topic)})`);
        // A broken twin response still naming its request is that request's answer: end it now (Rule 1).
        if (topic.rid !== undefined && packet.topic.startsWith(TWIN_RESPONSE_PREFIX)) {
          this.twin.onBrokenResponse(now, topic.rid);
          this.subscribeMissing(now);
        }
        return;
      default:
        break;
    }
    this.strayPublish(now, packet, topic);
  }

  /** A well-formed PUBLISH on a topic this identity never subscribed to. */
  private strayPublish(now: number, packet: PublishPacket, topic: InboundTopic): void {
    this.deliveries.ackIfQos1(now, packet);
    this.session.protocolError('unknown-topic', `a ${topic.kind} PUBLISH this identity does not expect (topic ${preview(packet.topic)})`);
  }

  // ------------------------------------------------------------------------ outbound

  /** A twin request from the application; the twin subscription goes out first when missing. */
  private twinRequest(now: number, request: TwinRequest): string {
    const rid = this.twin.request(now, request);
    if (this.session.state === 'connected') this.subscribeMissing(now);
    return rid;
  }

  /** Sends one SUBSCRIBE for every wanted filter not yet granted or asked for. */
  private subscribeMissing(now: number): void {
    const missing = this.subscriptions.missing;
    if (missing === 0) return;
    const filters = this.subscriptions.request(missing, this.deviceId, this.moduleId);
    const packetId = this.telemetry.table.trackSubscribe(new PendingSubscribe(missing, filters.map((f) => f.topic)));
    this.session.send(now, encodeSubscribe(packetId, filters));
  }
}

/** The first 100 characters of a topic, for diagnostics of untrusted input. */
function preview(topic: string): string {
  return topic.length <= 100 ? topic : `${topic.slice(0, 100)}…`;
}
