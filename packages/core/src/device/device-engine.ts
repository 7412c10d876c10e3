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
  MAX_MESSAGE_BYTES,
  MAX_METHOD_PAYLOAD_BYTES,
  MAX_TOPIC_BYTES,
  methodResponseTopic,
  parseInboundTopic,
  telemetryTopicPrefix,
  TWIN_RESPONSE_FILTER,
  twinGetTopic,
  twinPatchReportedTopic,
} from '@hubwire/topics';
import type { InboundTopic, MessageProperties } from '@hubwire/topics';
import { fullJitterMs } from '../shared/backoff.ts';
import { connectRefusedReason, isConnectRetriable } from '../session/connack.ts';
import { PacketDecoder } from '../wire/decoder.ts';
import { DISCONNECT, encodePuback, encodePublish, encodeTelemetry, PINGREQ } from '../wire/encoder.ts';
import { InvalidIntentError, InvalidStateError, QueueFullError } from '../shared/errors.ts';
import type {
  ConnectionLostReason,
  DeviceEvent,
  ProtocolErrorReason,
  RequestFailureReason,
  RequestIntent,
} from './events.ts';
import { DesiredVersions, versionOf } from './desired-versions.ts';
import { Fifo } from '../shared/fifo.ts';
import { InFlightTable, OutgoingMessage, PendingSubscribe } from '../session/inflight.ts';
import {
  bodyBytes,
  checkConnectAuth,
  encodeBag,
  hasProperties,
  messageOf,
  methodBody,
  propertiesOf,
  reportedPatchBytes,
  willOf,
} from './intents.ts';
import type { Body, ConnectAuth, DisconnectOptions, PublishResult, RequestResult, TelemetryOptions } from './intents.ts';
import { asBytes, isJsonObject, parseJsonObject } from '../shared/json.ts';
import { encodeConnect, encodeSubscribe } from '../wire/mqtt-packet-adapter.ts';
import type { WillOptions } from '../wire/mqtt-packet-adapter.ts';
import { checkNow } from '../shared/now.ts';
import {
  checkDeviceOptions,
  defaultRandom,
  DEVICE_DEFAULTS,
  eagerSubscriptions,
  Sub,
} from './options.ts';
import type { DeviceEngineOptions } from './options.ts';
import type { InboundPacket, PublishPacket } from '../wire/packets.ts';
import { PubackOrder } from '../session/puback-order.ts';
import { RidTable } from './rid-table.ts';
import { TelemetryTopicCache } from './telemetry-topic.ts';
import { failureReason, isRetriable, isSuccess } from './status.ts';
import { filterOf, Subscriptions } from './subscriptions.ts';
import { Timer, TimerTable } from '../session/timers.ts';

/** Where a DeviceEngine stands; see the theory of operation in device-engine.ts. */
export type EngineState = 'disconnected' | 'connecting' | 'connected' | 'closed';


const EMPTY: Uint8Array = new Uint8Array(0);

/** Where twin responses start ({@link TWIN_RESPONSE_FILTER} without its `#`); only they answer twin requests. */
const TWIN_RESPONSE_PREFIX = TWIN_RESPONSE_FILTER.slice(0, -1);

/**
 * The hub closes a connection after 1767 s of silence whatever keep-alive the client announced, so
 * the engine pings at least every 1177 s (1.5 × 1177 < 1767, docs/protocol.md §2 "Keep-alive").
 */
const MAX_PING_INTERVAL_MS = 1_177_000;

/**
 * What a pending twin request sends, kept in the rid table until the request ends so that a token
 * renewal can send it again (the closed socket may have swallowed the first one).
 */
class TwinRequest {
  constructor(
    readonly intent: RequestIntent,
    readonly body: Uint8Array,
  ) {}
}

/** Every GET shares this one value, so a pending GET costs no more than its table slot. */
const GET_TWIN: TwinRequest = new TwinRequest('get-twin', EMPTY);

/** The engine's own re-read after a reconnect: a GET told apart by identity, so only it is retried. */
const REREAD_TWIN: TwinRequest = new TwinRequest('get-twin', EMPTY);

/**
 * Retries of the engine's own re-read after a 429, 5xx or timeout (docs/protocol.md §9: it is what keeps
 * desired changes made offline from being missed): full-jitter back-off from 1 s doubling to at
 * most 60 s, and at most REREAD_ATTEMPTS reads per connection so a hub that keeps refusing is left alone.
 */
const REREAD_BASE_MS = 1000;
const REREAD_MAX_MS = 60_000;
const REREAD_ATTEMPTS = 5;

/** A twin request waiting for the connection or for its response subscription. */
class UnsentRequest {
  constructor(
    readonly rid: string,
    readonly intent: RequestIntent,
    readonly body: Uint8Array,
  ) {}
}

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
export class DeviceEngine {
  private readonly deviceId: string;
  private readonly moduleId: string | undefined;
  private readonly clientId: string;
  private readonly username: string;
  private readonly telemetryPrefix: string;
  private readonly will: WillOptions | undefined;
  private readonly cleanSession: boolean;
  private readonly manualC2dAck: boolean;
  /** The keep-alive CONNECT announces. */
  private readonly keepAliveSeconds: number;
  /** Longest silence (nothing sent) before PINGREQ: the keep-alive, at most MAX_PING_INTERVAL_MS; 0 = no pings. */
  private readonly keepAliveMs: number;
  private readonly requestTimeoutMs: number;
  private readonly connackTimeoutMs: number;
  private readonly pingTimeoutMs: number;
  private readonly maxPacketBytes: number;
  private readonly maxQueued: number;
  private readonly renewalMarginMs: number | undefined;
  private readonly random: () => number;

  private stateValue: EngineState = 'disconnected';
  private readonly timers: TimerTable = new TimerTable();
  private readonly requests: RidTable<TwinRequest>;
  private readonly telemetry: InFlightTable;
  private readonly subscriptions: Subscriptions;
  /** Allocated at connect, dropped when the connection ends (an engine without a connection holds no buffers). */
  private decoder: PacketDecoder | undefined;
  private transmitQueue: Fifo<Uint8Array> | undefined;
  private eventQueue: Fifo<DeviceEvent> | undefined;
  private unsent: Fifo<UnsentRequest> | undefined;
  /** PUBACKs of this connection waiting behind a manual C2D acknowledgement (puback-order.ts); undefined when none. */
  private pubacks: PubackOrder | undefined;
  private lastAckId = 0;
  private lastTelemetryId = 0;
  private readonly desiredVersions: DesiredVersions = new DesiredVersions();
  /** The last telemetry topic with properties, made on first use (telemetry-topic.ts). */
  private topicCache: TelemetryTopicCache | undefined;
  private connectedBefore = false;
  /** Own re-reads of the twin made on this connection (REREAD_ATTEMPTS bounds them). */
  private rereads = 0;
  private lastReceived = NaN;
  private lastSent = NaN;
  private expiresAt = NaN;

  /** Creates an engine in state `disconnected`; throws InvalidIntentError for invalid options. */
  constructor(options: DeviceEngineOptions) {
    checkDeviceOptions(options);
    const { deviceId, moduleId } = options;
    let credentials;
    try {
      credentials = hubCredentials(options);
      this.telemetryPrefix = telemetryTopicPrefix(options);
    } catch (error) {
      throw new InvalidIntentError('invalid-option', messageOf(error));
    }
    this.deviceId = deviceId;
    this.moduleId = moduleId;
    this.clientId = credentials.clientId;
    this.username = credentials.username;
    this.cleanSession = options.cleanSession ?? false;
    this.manualC2dAck = options.manualC2dAck ?? false;
    this.keepAliveSeconds = options.keepAliveSeconds ?? DEVICE_DEFAULTS.keepAliveSeconds;
    this.keepAliveMs = Math.min(this.keepAliveSeconds * 1000, MAX_PING_INTERVAL_MS);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEVICE_DEFAULTS.requestTimeoutMs;
    this.connackTimeoutMs = options.connackTimeoutMs ?? DEVICE_DEFAULTS.connackTimeoutMs;
    this.pingTimeoutMs = options.pingTimeoutMs ?? DEVICE_DEFAULTS.pingTimeoutMs;
    this.maxPacketBytes = options.maxPacketBytes ?? DEVICE_DEFAULTS.maxPacketBytes;
    this.maxQueued = options.maxQueued ?? DEVICE_DEFAULTS.maxQueued;
    this.renewalMarginMs = options.tokenRenewalMarginMs;
    this.subscriptions = new Subscriptions(eagerSubscriptions(options));
    this.random = options.random ?? defaultRandom;
    this.requests = new RidTable(this.random);
    this.telemetry = new InFlightTable(options.maxInFlight ?? DEVICE_DEFAULTS.maxInFlight, this.maxQueued);
    this.will = options.will === undefined ? undefined : willOf(this.telemetryPrefix, options.will);
  }

  // ---------------------------------------------------------------------------------- getters

  /** The connection state. */
  get state(): EngineState {
    return this.stateValue;
  }

  /** Whether CONNACK 0 arrived and the connection has not ended since. */
  get isConnected(): boolean {
    return this.stateValue === 'connected';
  }

  /** When the last packet arrived (for watchdogs), or undefined before the first. */
  get lastReceivedAt(): number | undefined {
    return this.lastReceived === this.lastReceived ? this.lastReceived : undefined;
  }

  /** When the engine last queued bytes to send, or undefined before the first. */
  get lastSentAt(): number | undefined {
    return this.lastSent === this.lastSent ? this.lastSent : undefined;
  }

  /** Bytes of an incomplete inbound packet held by the decoder (never more than `maxPacketBytes` between calls). */
  get bufferedBytes(): number {
    return this.decoder === undefined ? 0 : this.decoder.bufferedBytes;
  }

  /** The highest desired `$version` seen (from a patch or a fetched twin), e.g. for a writable-property `av`. */
  get desiredVersion(): number | undefined {
    return this.desiredVersions.latest;
  }

  /** Twin requests awaiting their ending event. */
  get pendingRequests(): number {
    return this.requests.size;
  }

  /** QoS 1 telemetry messages sent and awaiting PUBACK (kept across reconnects). */
  get inFlightTelemetry(): number {
    return this.telemetry.inFlight;
  }

  /** Telemetry messages waiting for the connection or for room in the in-flight window. */
  get queuedTelemetry(): number {
    return this.telemetry.queued;
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
    return this.transmitQueue?.shift();
  }

  /** The next event for the application, or undefined when there are none. */
  pollEvent(): DeviceEvent | undefined {
    return this.eventQueue?.shift();
  }

  /** The earliest absolute time (ms) at which `handleTimeout` must run, or undefined. A pure query. */
  pollTimeout(): number | undefined {
    return this.timers.next();
  }

  // ------------------------------------------------------------------ things that happened

  /**
   * Bytes from the socket, chunked any way: the same events come out whatever the chunking.
   * Never throws on bad bytes (see Rule 3), only InvalidTimeError for a bad `now`. Ignored unless
   * connecting or connected (late bytes of a dead socket).
   */
  receive(now: number, chunk: Uint8Array): void {
    checkNow(now);
    const decoder = this.decoder;
    if (decoder === undefined) return;
    try {
      decoder.push(asBytes(chunk));
      for (;;) {
        const packet = decoder.next();
        if (packet === undefined) return;
        if (packet.cmd === 'error') {
          const reason: ProtocolErrorReason = packet.reason === 'too-large' ? 'packet-too-large' : 'malformed-packet';
          this.streamBroken(now, reason, packet.detail);
          return;
        }
        this.lastReceived = now;
        // Any packet proves the hub is alive, not only PINGRESP.
        this.timers.stop(Timer.PingResponse);
        this.handlePacket(now, packet);
        if (this.decoder !== decoder) return; // the connection ended while handling it
      }
    } catch (error) {
      // Defensive: a bug or a hostile input must not escape into the driver's read loop.
      if (this.decoder === decoder) this.streamBroken(now, 'malformed-packet', messageOf(error));
    }
  }

  /** Fires every deadline due at or before `now`; an early or repeated call does nothing. */
  handleTimeout(now: number): void {
    checkNow(now);
    const timers = this.timers;
    if (timers.expire(Timer.ConnAck, now)) {
      this.lose('connack-timeout', `no CONNACK within ${this.connackTimeoutMs} ms`);
    }
    if (timers.expire(Timer.PingResponse, now)) {
      this.lose('ping-timeout', `no PINGRESP within ${this.pingTimeoutMs} ms`);
    }
    if (timers.expire(Timer.KeepAlive, now)) {
      // Nothing was sent for keep-alive seconds: PINGREQ keeps the hub from closing us (MQTT-3.1.2-23).
      this.send(now, PINGREQ);
      if (timers.get(Timer.PingResponse) === undefined) timers.set(Timer.PingResponse, now + this.pingTimeoutMs);
    }
    if (timers.expire(Timer.Request, now)) {
      for (let entry = this.requests.expireOne(now); entry !== undefined; entry = this.requests.expireOne(now)) {
        this.requestFailed(entry.value.intent, entry.rid, 'timeout', undefined);
        if (entry.value === REREAD_TWIN) this.scheduleReread(now);
      }
      this.syncRequestTimer();
      this.dropEndedUnsent();
    }
    if (timers.expire(Timer.TwinReread, now)) this.reread(now);
    if (timers.expire(Timer.TokenRenewal, now)) {
      this.emit({ type: 'token-expiring', expiresAt: this.expiresAt });
    }
  }

  /** The driver saw the socket close (or fail): ends the connection; a no-op when there is none. */
  connectionLost(now: number, reason?: string): void {
    checkNow(now);
    if (this.stateValue !== 'connecting' && this.stateValue !== 'connected') return;
    this.lose('socket-closed', reason);
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
    if (this.stateValue === 'connecting' || this.stateValue === 'connected') {
      throw new InvalidStateError('already-connected', this.stateValue, 'connect needs a closed connection');
    }
    checkConnectAuth(auth);
    const password = auth?.password;
    const expiresAt = auth?.passwordExpiresAt;
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
    // From here on nothing throws.
    this.transmitQueue?.clear(); // leftovers of an earlier socket must not reach the new one
    this.decoder = new PacketDecoder({ maxPacketBytes: this.maxPacketBytes });
    this.stateValue = 'connecting';
    this.send(now, packet);
    this.timers.set(Timer.ConnAck, now + this.connackTimeoutMs);
    if (expiresAt === undefined) {
      this.expiresAt = NaN;
      this.timers.stop(Timer.TokenRenewal);
    } else {
      this.expiresAt = expiresAt;
      const margin = this.renewalMarginMs ?? Math.floor(Math.max(0, expiresAt - now) * 0.2);
      this.timers.set(Timer.TokenRenewal, Math.max(now, expiresAt - margin));
    }
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
    if (this.stateValue === 'closed') return;
    const open = this.stateValue !== 'disconnected';
    if (open) this.pushTransmit(now, DISCONNECT); // MQTT-3.14.4: the hub discards the Will
    this.stateValue = 'closed';
    this.timers.stop(Timer.TokenRenewal);
    this.emit({ type: 'disconnected' });
    this.endConnection(renewing === true ? 'renewing' : 'closed');
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
    const qos = options?.qos ?? 1;
    if (qos !== 0 && qos !== 1) {
      throw new InvalidIntentError('unsupported-qos', `telemetry QoS must be 0 or 1, got ${String(qos)}: IoT Hub closes the connection on QoS 2 (docs/protocol.md §7)`);
    }
    const bytes = bodyBytes(body, 'telemetry body');
    let topic = this.telemetryPrefix;
    let size = bytes.length;
    const cache = this.topicCache;
    if (options !== undefined && cache !== undefined && cache.matches(options)) {
      // Same property values as a previous call: its checked topic and bag size hold.
      topic = cache.topic;
      size += cache.size;
    } else if (options !== undefined && hasProperties(options)) {
      if (options.outputName !== undefined && this.moduleId === undefined) {
        throw new InvalidIntentError('not-applicable', 'outputName ($.on) is for module identities only (docs/protocol.md §12)');
      }
      const { bag, size: bagSize } = encodeBag(propertiesOf(options), 'telemetry properties');
      topic += bag;
      if (topic.length > MAX_TOPIC_BYTES) {
        throw new InvalidIntentError('message-too-large', `the telemetry topic is ${topic.length} bytes; MQTT allows ${MAX_TOPIC_BYTES}`);
      }
      size += bagSize;
      (this.topicCache ??= new TelemetryTopicCache()).store(options, topic, bagSize);
    }
    if (size > MAX_MESSAGE_BYTES) {
      throw new InvalidIntentError('message-too-large', `telemetry is ${size} bytes (body + properties); IoT Hub allows ${MAX_MESSAGE_BYTES} (docs/protocol.md §7)`);
    }
    const direct = this.stateValue === 'connected' && this.telemetry.canSendNow(qos);
    if (!direct) this.telemetry.checkRoom();
    // From here on nothing throws.
    const id = ++this.lastTelemetryId;
    if (direct && qos === 0) {
      this.send(now, encodeTelemetry(topic, bytes, 0, 0, false));
    } else {
      const message = new OutgoingMessage(id, qos, topic, bytes);
      if (direct) this.sendMessage(now, message, false);
      else this.telemetry.enqueue(message);
    }
    return { id };
  }

  /**
   * Requests the twin (docs/protocol.md §9); ends in `twin` or `request-failed` with the returned rid.
   * Subscribes twin responses first if not yet done; held until connected. Throws QueueFullError
   * when `maxQueued` requests are pending.
   */
  getTwin(now: number): RequestResult {
    checkNow(now);
    return { rid: this.request(now, GET_TWIN) };
  }

  /**
   * Patches reported properties with a JSON object (docs/protocol.md §9; `componentPatch` and
   * `writablePropertyAck` build PnP shapes); ends in `reported-patched` or `request-failed`.
   * Throws InvalidIntentError for a non-object, unserialisable or over-32 KB patch, QueueFullError when full.
   */
  patchReported(now: number, patch: object): RequestResult {
    checkNow(now);
    const bytes = reportedPatchBytes(patch);
    return { rid: this.request(now, new TwinRequest('patch-reported', bytes)) };
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
    if (this.stateValue !== 'connected') {
      throw new InvalidStateError('not-connected', this.stateValue, 'a method response needs the connection the request came on');
    }
    this.send(now, encodePublish({ topic: methodResponseTopic(status, rid), payload: bytes, qos: 0 }));
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
    if (!this.manualC2dAck) {
      throw new InvalidStateError('manual-ack-off', this.stateValue, 'ackC2d needs the manualC2dAck option');
    }
    if (!Number.isInteger(ackId) || ackId < 1 || ackId > this.lastAckId) {
      throw new InvalidIntentError('unknown-ack-id', `no delivery was given ackId ${String(ackId)}`);
    }
    const pubacks = this.pubacks;
    if (pubacks === undefined || !pubacks.acknowledge(ackId)) return false;
    for (let packetId = pubacks.takeReady(); packetId !== undefined; packetId = pubacks.takeReady()) {
      this.send(now, encodePuback(packetId));
    }
    if (pubacks.isEmpty) this.pubacks = undefined;
    return true;
  }

  // ------------------------------------------------------------------------- inbound

  private handlePacket(now: number, packet: InboundPacket): void {
    if (this.stateValue === 'connecting' && packet.cmd !== 'connack') {
      this.streamBroken(now, 'unexpected-packet', `${packet.cmd} before CONNACK [MQTT-3.2.0-1]`);
      return;
    }
    switch (packet.cmd) {
      case 'publish':
        this.onPublish(now, packet);
        return;
      case 'puback': {
        const entry = this.telemetry.get(packet.messageId);
        if (!(entry instanceof OutgoingMessage)) {
          this.protocolError('unknown-packet-id', `PUBACK for packet id ${packet.messageId}, which no PUBLISH awaits`);
          return;
        }
        this.telemetry.acknowledge(packet.messageId);
        this.emit({ type: 'telemetry-acked', id: entry.id });
        this.pumpTelemetry(now);
        return;
      }
      case 'suback': {
        const entry = this.telemetry.get(packet.messageId);
        if (!(entry instanceof PendingSubscribe)) {
          this.protocolError('unknown-packet-id', `SUBACK for packet id ${packet.messageId}, which no SUBSCRIBE awaits`);
          return;
        }
        this.telemetry.acknowledge(packet.messageId);
        this.onSuback(now, entry, packet.granted);
        return;
      }
      case 'unsuback':
        // The engine never unsubscribes, so no UNSUBACK can be for it.
        this.protocolError('unknown-packet-id', `UNSUBACK ${packet.messageId} without an UNSUBSCRIBE`);
        return;
      case 'pingresp':
        return; // the ping-response deadline was stopped on arrival
      case 'connack':
        if (this.stateValue === 'connecting') this.onConnack(now, packet.returnCode, packet.sessionPresent);
        else this.streamBroken(now, 'unexpected-packet', 'a second CONNACK [MQTT-3.2.0-1]');
        return;
      default:
        this.streamBroken(now, 'unexpected-packet', `a ${packet.name} packet, which a client never receives`);
    }
  }

  private onConnack(now: number, returnCode: number, sessionPresent: boolean): void {
    this.timers.stop(Timer.ConnAck);
    if (returnCode !== 0) {
      // MQTT-3.2.2-5: the hub closes the connection after a refusal.
      this.stateValue = 'disconnected';
      this.transmitQueue?.clear();
      this.emit({
        type: 'connect-failed',
        returnCode,
        reason: connectRefusedReason(returnCode),
        retriable: isConnectRetriable(returnCode),
      });
      this.endConnection('connection-lost');
      return;
    }
    const resumed = sessionPresent && !this.cleanSession;
    this.stateValue = 'connected';
    if (!resumed) this.subscriptions.sessionReset();
    this.emit({ type: 'connected', sessionPresent: resumed });
    if (this.keepAliveMs > 0) this.timers.set(Timer.KeepAlive, this.lastSent + this.keepAliveMs);
    this.subscribeMissing(now);
    // Unacknowledged QoS 1 telemetry first, in its original order, DUP only on a resumed session (MQTT-4.4.0-1).
    for (const message of this.telemetry.inFlightMessages()) {
      this.send(now, encodeTelemetry(message.topic, message.body, 1, message.packetId, resumed));
    }
    this.pumpTelemetry(now);
    this.flushUnsent(now);
    // Read the twin again after a reconnect so no desired change made meanwhile is missed (docs/protocol.md §9).
    this.rereads = 0;
    if (this.connectedBefore && (this.subscriptions.wanted & Sub.TwinResponses) !== 0) this.reread(now);
    this.connectedBefore = true;
  }

  private onSuback(now: number, entry: PendingSubscribe, granted: readonly number[]): void {
    if (granted.length !== entry.topics.length) {
      this.protocolError('unexpected-packet', `SUBACK has ${granted.length} return codes for ${entry.topics.length} filters [MQTT-3.9.3-1]`);
    }
    const outcome = this.subscriptions.acknowledge(entry.bits, entry.topics, granted);
    if (outcome.topics.length > 0) this.emit({ type: 'subscribed', topics: outcome.topics, granted: outcome.granted });
    for (const refused of outcome.refused) {
      this.emit({ type: 'subscription-refused', topic: refused.topic, returnCode: refused.returnCode });
    }
    if ((outcome.refusedBits & Sub.TwinResponses) !== 0) {
      // Without the response subscription no answer can arrive: end the held requests now.
      for (let held = this.unsent?.shift(); held !== undefined; held = this.unsent?.shift()) {
        if (this.requests.take(held.rid) !== undefined) this.requestFailed(held.intent, held.rid, 'rejected', undefined);
      }
      this.syncRequestTimer();
    }
    this.flushUnsent(now);
  }

  private onPublish(now: number, packet: PublishPacket): void {
    if (packet.qos === 2) {
      // Never subscribed above QoS 1, so the hub may not send QoS 2 (MQTT-3.8.4-6); PUBREC is not spoken here.
      this.streamBroken(now, 'unexpected-packet', 'a QoS 2 PUBLISH on a connection subscribed at QoS ≤ 1 [MQTT-3.8.4-6]');
      return;
    }
    const topic = parseInboundTopic(packet.topic);
    const payload = packet.payload;
    switch (topic.kind) {
      case 'c2d':
        if (this.moduleId !== undefined || topic.deviceId !== this.deviceId) break;
        this.deliver(now, packet, { type: 'c2d', body: payload, properties: topic.properties });
        return;
      case 'module-input':
        if (topic.deviceId !== this.deviceId || topic.moduleId !== this.moduleId) break;
        this.deliver(now, packet, { type: 'module-input', inputName: topic.inputName, body: payload, properties: topic.properties });
        return;
      case 'twin-response':
        this.ackIfQos1(now, packet);
        this.onTwinResponse(now, topic.rid, topic.status, topic.version, payload);
        return;
      case 'desired-patch':
        this.ackIfQos1(now, packet);
        this.onDesiredPatch(topic.version, payload);
        return;
      case 'method-request':
        this.ackIfQos1(now, packet);
        this.emit(
          topic.component === undefined
            ? { type: 'method-request', rid: topic.rid, methodName: topic.methodName, commandName: topic.commandName, body: payload }
            : { type: 'method-request', rid: topic.rid, methodName: topic.methodName, component: topic.component, commandName: topic.commandName, body: payload },
        );
        return;
      case 'malformed':
        this.ackIfQos1(now, packet);
        this.protocolError('malformed-topic', `${topic.error.message} (topic ${preview(packet.topic)})`);
        // A broken twin response still naming its request is that request's answer: end it now (Rule 1).
        if (topic.rid !== undefined && packet.topic.startsWith(TWIN_RESPONSE_PREFIX)) this.onBrokenTwinResponse(now, topic.rid);
        return;
      default:
        break;
    }
    this.strayPublish(now, packet, topic);
  }

  /** A well-formed PUBLISH on a topic this identity never subscribed to. */
  private strayPublish(now: number, packet: PublishPacket, topic: InboundTopic): void {
    this.ackIfQos1(now, packet);
    this.protocolError('unknown-topic', `a ${topic.kind} PUBLISH this identity does not expect (topic ${preview(packet.topic)})`);
  }

  /** Emits a C2D or module-input event, acknowledging it now or handing out an ackId. */
  private deliver(
    now: number,
    packet: PublishPacket,
    event:
      | { type: 'c2d'; body: Uint8Array; properties: MessageProperties }
      | { type: 'module-input'; inputName: string; body: Uint8Array; properties: MessageProperties },
  ): void {
    if (packet.qos === 1 && packet.messageId !== undefined) {
      if (this.manualC2dAck) {
        const ackId = ++this.lastAckId;
        (this.pubacks ??= new PubackOrder()).hold(ackId, packet.messageId);
        this.emit({ ...event, ackId });
        return;
      }
      this.send(now, encodePuback(packet.messageId));
    }
    this.emit(event);
  }

  /** Acknowledges a QoS 1 PUBLISH the engine handles itself: now, or behind pending manual acks [MQTT-4.6.0-2]. */
  private ackIfQos1(now: number, packet: PublishPacket): void {
    if (packet.qos !== 1 || packet.messageId === undefined) return;
    if (this.pubacks === undefined) this.send(now, encodePuback(packet.messageId));
    else this.pubacks.queueAck(packet.messageId);
  }

  private onTwinResponse(now: number, rid: string, status: number, version: number | undefined, body: Uint8Array): void {
    const entry = this.requests.take(rid);
    if (entry === undefined) return; // late (already timed out or failed) or not ours: dropped
    this.syncRequestTimer();
    const intent = entry.value.intent;
    if (!isSuccess(status)) {
      this.requestFailed(intent, rid, failureReason(status), status);
      if (entry.value === REREAD_TWIN && isRetriable(status)) this.scheduleReread(now);
      return;
    }
    if (intent === 'patch-reported') {
      this.emit(version === undefined ? { type: 'reported-patched', rid, status } : { type: 'reported-patched', rid, status, version });
      return;
    }
    const twin = parseJsonObject(body);
    if (twin === undefined) {
      this.requestFailed(intent, rid, 'malformed-response', status);
      if (entry.value === REREAD_TWIN) this.scheduleReread(now); // as for a broken topic
      return;
    }
    const desired = isJsonObject(twin['desired']) ? twin['desired'] : {};
    const reported = isJsonObject(twin['reported']) ? twin['reported'] : {};
    const desiredVersion = versionOf(desired['$version']);
    const reportedVersion = versionOf(reported['$version']);
    if (desiredVersion !== undefined) this.desiredVersions.fetched(desiredVersion);
    this.emit({
      type: 'twin',
      rid,
      status,
      ...(version === undefined ? {} : { version }),
      desired,
      reported,
      ...(desiredVersion === undefined ? {} : { desiredVersion }),
      ...(reportedVersion === undefined ? {} : { reportedVersion }),
      body,
    });
  }

  /**
   * A twin response whose topic is broken (status, `$version`) but names `rid`: the hub answered, so a
   * pending request ends at once with `malformed-response` instead of at its deadline; an unknown rid is
   * dropped, as for a well-formed answer. The engine's own re-read is retried as after a timeout.
   */
  private onBrokenTwinResponse(now: number, rid: string): void {
    const entry = this.requests.take(rid);
    if (entry === undefined) return;
    this.syncRequestTimer();
    this.requestFailed(entry.value.intent, rid, 'malformed-response', undefined);
    if (entry.value === REREAD_TWIN) this.scheduleReread(now);
  }

  private onDesiredPatch(topicVersion: number | undefined, body: Uint8Array): void {
    const patch = parseJsonObject(body);
    if (patch === undefined) {
      this.protocolError('malformed-body', 'a desired patch whose body is not a JSON object (docs/protocol.md §9)');
      return;
    }
    const version = topicVersion ?? versionOf(patch['$version']);
    if (version === undefined) {
      this.protocolError('malformed-topic', 'a desired patch without $version (docs/protocol.md §9)');
      return;
    }
    if (!this.desiredVersions.offer(version)) return; // stale or duplicate: surfaced (or fetched) already
    this.emit({ type: 'desired-patch', version, patch, body });
  }

  // ------------------------------------------------------------------------ outbound

  /** Issues a twin request: in the rid table now, on the wire once connected and subscribed. */
  private request(now: number, twin: TwinRequest): string {
    if (this.requests.size >= this.maxQueued) {
      throw new QueueFullError(this.maxQueued, 'twin request');
    }
    const subscriptions = this.subscriptions;
    subscriptions.wanted |= Sub.TwinResponses; // first use subscribes twin responses
    const rid = this.requests.issue(twin, now + this.requestTimeoutMs);
    this.syncRequestTimer();
    if (this.stateValue === 'connected') {
      this.subscribeMissing(now);
      if ((subscriptions.active & Sub.TwinResponses) !== 0) {
        this.sendRequest(now, rid, twin.intent, twin.body);
        return rid;
      }
    }
    (this.unsent ??= new Fifo()).push(new UnsentRequest(rid, twin.intent, twin.body));
    return rid;
  }

  /** The engine's own twin re-read (docs/protocol.md §9), a new request with a new rid each attempt. */
  private reread(now: number): void {
    this.rereads++;
    if (this.requests.size < this.maxQueued) this.request(now, REREAD_TWIN);
    else this.scheduleReread(now); // the application's requests fill the table: try again later
  }

  /**
   * Arms the next re-read after the engine's own one failed in a way waiting can fix (429, 5xx,
   * timeout). Only on a live connection: a new connection re-reads anyway (onConnack).
   */
  private scheduleReread(now: number): void {
    if (this.stateValue !== 'connected' || this.rereads >= REREAD_ATTEMPTS) return;
    this.timers.set(Timer.TwinReread, now + fullJitterMs(this.random, this.rereads - 1, REREAD_BASE_MS, REREAD_MAX_MS));
  }

  /** Sends held twin requests once connected with the response subscription granted. */
  private flushUnsent(now: number): void {
    if (this.stateValue !== 'connected' || (this.subscriptions.active & Sub.TwinResponses) === 0) return;
    for (let held = this.unsent?.shift(); held !== undefined; held = this.unsent?.shift()) {
      // Skip requests that ended meanwhile (timed out while waiting).
      if (this.requests.has(held.rid)) this.sendRequest(now, held.rid, held.intent, held.body);
    }
  }

  /** Forgets held requests that timed out while waiting, so an offline spell holds at most the pending ones. */
  private dropEndedUnsent(): void {
    const unsent = this.unsent;
    if (unsent === undefined) return;
    for (let n = unsent.length; n > 0; n--) {
      const held = unsent.shift() as UnsentRequest;
      if (this.requests.has(held.rid)) unsent.push(held);
    }
    if (unsent.length === 0) this.unsent = undefined;
  }

  private sendRequest(now: number, rid: string, intent: RequestIntent, body: Uint8Array): void {
    const topic = intent === 'get-twin' ? twinGetTopic(rid) : twinPatchReportedTopic(rid);
    this.send(now, encodePublish({ topic, payload: body, qos: 0 }));
  }

  /** Sends one SUBSCRIBE for every wanted filter not yet granted or asked for. */
  private subscribeMissing(now: number): void {
    const missing = this.subscriptions.missing;
    if (missing === 0) return;
    const filters = this.subscriptions.request(missing, this.deviceId, this.moduleId);
    const packetId = this.telemetry.trackSubscribe(new PendingSubscribe(missing, filters.map((f) => f.topic)));
    this.send(now, encodeSubscribe(packetId, filters));
  }

  /** Sends queued telemetry while the window has room. */
  private pumpTelemetry(now: number): void {
    if (this.stateValue !== 'connected') return;
    for (let message = this.telemetry.nextToSend(); message !== undefined; message = this.telemetry.nextToSend()) {
      this.sendMessage(now, message, false);
    }
  }

  private sendMessage(now: number, message: OutgoingMessage, dup: boolean): void {
    if (message.qos === 0) {
      this.send(now, encodeTelemetry(message.topic, message.body, 0, 0, false));
      return;
    }
    const messageId = this.telemetry.track(message);
    this.send(now, encodeTelemetry(message.topic, message.body, 1, messageId, dup));
  }

  /** Queues bytes and restarts the keep-alive clock (MQTT-3.1.2-23 counts what the client sends). */
  private send(now: number, bytes: Uint8Array): void {
    this.pushTransmit(now, bytes);
    if (this.stateValue === 'connected' && this.keepAliveMs > 0) this.timers.set(Timer.KeepAlive, now + this.keepAliveMs);
  }

  private pushTransmit(now: number, bytes: Uint8Array): void {
    (this.transmitQueue ??= new Fifo()).push(bytes);
    this.lastSent = now;
  }

  // ------------------------------------------------------------------- endings, events

  /** The stream cannot be trusted any more: protocol-error, then the connection is lost. */
  private streamBroken(now: number, reason: ProtocolErrorReason, detail: string): void {
    this.protocolError(reason, detail);
    this.lose('protocol-error', detail);
  }

  /** Ends the connection from the network's side: requests fail, telemetry waits for the next one. */
  private lose(reason: ConnectionLostReason, detail: string | undefined): void {
    this.stateValue = 'disconnected';
    this.transmitQueue?.clear(); // bytes for a dead socket
    this.emit(detail === undefined ? { type: 'connection-lost', reason } : { type: 'connection-lost', reason, detail });
    this.endConnection('connection-lost');
  }

  /**
   * Everything tied to one connection ends: SUBSCRIBEs, manual acks, timers, and the twin requests,
   * each failed with `reason`, or, for a token renewal, held for the next connection.
   */
  private endConnection(reason: RequestFailureReason | 'renewing'): void {
    this.decoder = undefined;
    const timers = this.timers;
    timers.stop(Timer.ConnAck);
    timers.stop(Timer.KeepAlive);
    timers.stop(Timer.PingResponse);
    timers.stop(Timer.TwinReread);
    if (reason === 'renewing') {
      this.holdPendingRequests();
    } else {
      this.unsent?.clear();
      for (let entry = this.requests.takeFirst(); entry !== undefined; entry = this.requests.takeFirst()) {
        this.requestFailed(entry.value.intent, entry.rid, reason, undefined);
      }
      this.syncRequestTimer();
    }
    this.subscriptions.connectionLost();
    this.telemetry.dropSubscribes();
    this.pubacks = undefined; // unacknowledged deliveries are redelivered by the hub (docs/protocol.md §8)
  }

  /**
   * A token renewal keeps every pending twin request (Rule 1): all of them, sent or not, wait in
   * issue order to go out again once connected and subscribed. The old socket is closed, so no
   * answer to the first send can arrive; the deadlines keep running, so each still ends once.
   */
  private holdPendingRequests(): void {
    const pending = this.requests.pending();
    if (pending.length === 0) {
      this.unsent = undefined;
      return;
    }
    const unsent = (this.unsent ??= new Fifo());
    unsent.clear();
    for (const entry of pending) unsent.push(new UnsentRequest(entry.rid, entry.value.intent, entry.value.body));
  }

  private syncRequestTimer(): void {
    const next = this.requests.nextDeadline();
    if (next === undefined) this.timers.stop(Timer.Request);
    else this.timers.set(Timer.Request, next);
  }

  private requestFailed(intent: RequestIntent, rid: string, reason: RequestFailureReason, status: number | undefined): void {
    const retriable = status === undefined ? reason !== 'malformed-response' && reason !== 'rejected' : isRetriable(status);
    this.emit(
      status === undefined
        ? { type: 'request-failed', intent, rid, reason, retriable }
        : { type: 'request-failed', intent, rid, reason, status, retriable },
    );
  }

  private protocolError(reason: ProtocolErrorReason, detail: string): void {
    this.emit({ type: 'protocol-error', reason, detail });
  }

  private emit(event: DeviceEvent): void {
    (this.eventQueue ??= new Fifo()).push(event);
  }

}




/** The first 100 characters of a topic, for diagnostics of untrusted input. */
function preview(topic: string): string {
  return topic.length <= 100 ? topic : `${topic.slice(0, 100)}…`;
}
