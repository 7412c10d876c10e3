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
 * Layout: this class is the public surface only. features.ts owns the session
 * (session/mqtt-session.ts: CONNECT/CONNACK, keep-alive and ping deadlines, the decoder, the
 * transmit and event queues, connection loss) and routes what it hands up to one file per feature
 * beside this one: connection.ts (CONNECT for this identity, token renewal), telemetry.ts,
 * twin.ts, methods.ts, deliveries.ts (C2D, module inputs and PUBACK order), subscriber.ts and
 * subscriptions.ts, plug-and-play.ts (the PnP patch shapes). config.ts resolves the options once
 * per shape, shared by every engine built with the same options but for the ids.
 *
 * Hot path: `receive` → decoder → topic classifier → one event object. No closures per packet,
 * no payload copies: event bodies are views of the received chunk (see events.ts).
 *
 * Memory: a fleet simulator holds a million engines, so an idle connected engine is a few small
 * objects of numbers (under 1 KB, test/device-memory.test.ts). The options live once per shape
 * (config.ts); telemetry, acknowledgement and request tables are made on first use; queues exist
 * while they hold something; the decoder only while a read ended mid-packet (session/mqtt-session.ts);
 * constants (defaults, filters, empty bodies) are shared.
 */
import { checkBoolean, checkOptions, InvalidStateError } from '../shared/errors.ts';
import { checkNow } from '../shared/now.ts';
import { defaultRandom } from '../shared/random.ts';
import { checkChunk, checkReason } from '../session/arguments.ts';
import { checkConnectAuth } from '../session/connect-auth.ts';
import type { ConnectAuth } from '../session/connect-auth.ts';
import type { SessionState } from '../session/mqtt-session.ts';
import { deviceConfig } from './config.ts';
import { clientIdOf, connectPacket, prefixOf, willOf } from './connection.ts';
import type { DeviceEvent } from './events.ts';
import { DeviceFeatures } from './features.ts';
import { reportedPatchBytes } from './intents.ts';
import type { Body, DisconnectOptions, PublishResult, RequestResult, TelemetryOptions } from './intents.ts';
import { respondMethod } from './methods.ts';
import { checkDeviceOptions } from './options.ts';
import type { DeviceEngineOptions } from './options.ts';
import { GET_TWIN, TwinRequest } from './twin.ts';

/** Where a DeviceEngine stands; see the theory of operation in device-engine.ts. */
export type EngineState = SessionState;

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
  private readonly features: DeviceFeatures;

  /**
   * Creates an engine in state `disconnected`; throws InvalidIntentError whose code names the first bad
   * option (`invalid-options` for a value that is not an options object or a key it does not know,
   * `invalid-host-name`, `invalid-device-id`, …, `invalid-random` for a source whose draw is not in [0, 1)).
   */
  constructor(options: DeviceEngineOptions) {
    checkDeviceOptions(options);
    const config = deviceConfig(options);
    const { deviceId, moduleId } = options;
    const will = options.will === undefined ? undefined : willOf(prefixOf(deviceId, moduleId), options.will);
    this.features = new DeviceFeatures(config, deviceId, moduleId, will, options.random ?? defaultRandom);
  }

  // ---------------------------------------------------------------------------------- getters

  /** The connection state. */
  get state(): EngineState {
    return this.features.session.state;
  }

  /** Whether CONNACK 0 arrived and the connection has not ended since. */
  get isConnected(): boolean {
    return this.features.session.state === 'connected';
  }

  /** When the last packet arrived (for watchdogs), or undefined before the first. */
  get lastReceivedAt(): number | undefined {
    const at = this.features.session.lastReceivedAt;
    return at === at ? at : undefined;
  }

  /** When the engine last queued bytes to send, or undefined before the first. */
  get lastSentAt(): number | undefined {
    const at = this.features.session.lastSentAt;
    return at === at ? at : undefined;
  }

  /** Bytes of an incomplete inbound packet held by the decoder (never more than `maxPacketBytes` between calls). */
  get bufferedBytes(): number {
    return this.features.session.bufferedBytes;
  }

  /** The highest desired `$version` seen (from a patch or a fetched twin), e.g. for a writable-property `av`. */
  get desiredVersion(): number | undefined {
    return this.features.twin.desiredVersion;
  }

  /** Twin requests awaiting their ending event. */
  get pendingRequests(): number {
    return this.features.twin.pending;
  }

  /** QoS 1 telemetry messages sent and awaiting PUBACK (kept across reconnects). */
  get inFlightTelemetry(): number {
    return this.features.table.inFlight;
  }

  /** Telemetry messages waiting for the connection or for room in the in-flight window. */
  get queuedTelemetry(): number {
    return this.features.table.queued;
  }

  /** Granted QoS of each active subscription, by filter. */
  get activeSubscriptions(): { readonly topic: string; readonly qos: number }[] {
    return this.features.subscriber.active;
  }

  // ----------------------------------------------------------------------- driver: poll*

  /**
   * The next bytes to write to the socket, in order, or undefined when there are none. Each entry is
   * fresh memory the engine never touches again, except one: a PUBLISH whose payload is
   * SEPARATE_PAYLOAD_BYTES (4 KiB) or more comes as two entries, its header, then a plain Uint8Array
   * view of the payload as the application gave it (same ArrayBuffer, offset and length: never copied,
   * a Node Buffer re-viewed). Write entries back to back (a corked socket or `writev` sends a pump's
   * entries in one system call); the bytes are the same as one-piece packets'.
   */
  pollTransmit(): Uint8Array | undefined {
    return this.features.session.pollTransmit();
  }

  /** The next event for the application, or undefined when there are none. */
  pollEvent(): DeviceEvent | undefined {
    return this.features.session.pollEvent();
  }

  /** The earliest absolute time (ms) at which `handleTimeout` must run, or undefined. A pure query. */
  pollTimeout(): number | undefined {
    return this.features.session.pollTimeout();
  }

  // ------------------------------------------------------------------ things that happened

  /**
   * Bytes from the socket, chunked any way: the same events and bytes come out whatever the
   * chunking. Never throws on bad bytes (see Rule 3); throws InvalidTimeError for a bad `now` and
   * InvalidIntentError `invalid-chunk` when `chunk` is not bytes, changing nothing. Ignored
   * unless connecting or connected (late bytes of a dead socket).
   */
  receive(now: number, chunk: Uint8Array): void {
    checkNow(now);
    checkChunk(chunk);
    this.features.session.receive(now, chunk);
  }

  /** Fires every deadline due at or before `now`; an early or repeated call does nothing. */
  handleTimeout(now: number): void {
    checkNow(now);
    this.features.session.handleTimeout(now);
    this.features.handleTimeout(now);
  }

  /**
   * The driver saw the socket close (or fail): ends the connection; a no-op when there is none. `reason`
   * (free text for the `connection-lost` event) must be a string if given: InvalidIntentError `invalid-reason`.
   */
  connectionLost(now: number, reason?: string): void {
    checkNow(now);
    checkReason(reason);
    this.features.session.connectionLost(reason);
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
    checkConnectAuth(auth);
    if (this.features.session.isOpen) {
      throw new InvalidStateError('already-connected', this.features.session.state, 'connect needs a closed connection');
    }
    const features = this.features;
    // Encoded before anything changes: a field the wire cannot carry throws here.
    const packet = connectPacket(features.config, clientIdOf(features.deviceId, features.moduleId), features.will, auth);
    features.session.open(now, packet, { cleanSession: features.config.cleanSession, passwordExpiresAt: auth?.passwordExpiresAt });
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
   * Throws InvalidIntentError `invalid-options` when `options` is not an object, `invalid-renewing` when
   * `renewing` is not a boolean.
   */
  disconnect(now: number, options?: DisconnectOptions): void {
    checkNow(now);
    checkOptions(options, 'disconnect');
    const renewing = options?.renewing;
    checkBoolean('invalid-renewing', 'renewing', renewing);
    this.features.session.close(now, renewing === true);
  }

  /**
   * Publishes telemetry (docs/protocol.md §7) at QoS 1 (default) or 0, with system properties by
   * name, application properties, a PnP `component` (`$.sub`) or a module `outputName` (`$.on`).
   * Sent now when connected and the in-flight window has room, else queued (also while
   * disconnected). The engine keeps a reference to `body` until it is sent (QoS 0) or
   * acknowledged (QoS 1), and from 4 KiB on hands that very memory to the driver (`pollTransmit`):
   * do not modify it until then, and for QoS 0 until the driver's write completed. Throws InvalidIntentError (QoS 2, size over 256 KB
   * counting the property bag, invalid properties, `outputName` on a device) or QueueFullError.
   */
  publishTelemetry(now: number, body: Body, options?: TelemetryOptions): PublishResult {
    checkNow(now);
    return this.features.telemetry.publish(now, body, options);
  }

  /**
   * Requests the twin (docs/protocol.md §9); ends in `twin` or `request-failed` with the returned rid.
   * Subscribes twin responses first if not yet done; held until connected. Throws QueueFullError
   * when `maxQueued` requests are pending.
   */
  getTwin(now: number): RequestResult {
    checkNow(now);
    return { rid: this.features.twinRequest(now, GET_TWIN) };
  }

  /**
   * Patches reported properties with a JSON object (docs/protocol.md §9; `componentPatch` and
   * `writablePropertyAck` build PnP shapes); ends in `reported-patched` or `request-failed`.
   * Throws InvalidIntentError for a non-object, unserialisable or over-32 KB patch, QueueFullError when full.
   */
  patchReported(now: number, patch: object): RequestResult {
    checkNow(now);
    return { rid: this.features.twinRequest(now, new TwinRequest('patch-reported', reportedPatchBytes(patch))) };
  }

  /**
   * Answers a method request (docs/protocol.md §10) with `status` and a body: bytes or a string sent as
   * is (JSON text), any other value JSON-encoded, nothing for an empty body. Bytes of 4 KiB or more go
   * to the driver by reference (see `pollTransmit`): do not modify them until it wrote them. Throws
   * InvalidIntentError for an invalid rid/status/body or a body over 128 KB, InvalidStateError
   * when not connected (the request belonged to a connection that is gone).
   */
  respondMethod(now: number, rid: string, status: number, body?: Body | object | null): void {
    checkNow(now);
    respondMethod(this.features.session, now, rid, status, body);
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
    return this.features.deliveries.acknowledge(now, ackId);
  }
}
