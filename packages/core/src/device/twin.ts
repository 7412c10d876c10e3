/**
 * The device twin (docs/protocol.md §9): GET and reported PATCH requests through the `$rid` table,
 * their one ending each (Rule 1 of device-engine.ts), the desired `$version` gate, and the
 * engine's own re-read of the twin after a reconnect.
 *
 * A request is in the rid table from the intent until exactly one of: its answer, its deadline,
 * the end of the connection. A request made without a connection, or before the twin-response
 * subscription is granted, waits in `unsent` (its deadline running) and goes out once both are
 * there. A token renewal is not an end: pending requests wait again and are re-sent under the same rid.
 */
import { TWIN_RESPONSE_FILTER, twinGetTopic, twinPatchReportedTopic } from '@hubwire/topics';
import { fullJitterMs } from '../shared/backoff.ts';
import { checkedDraw } from '../shared/random.ts';
import { QueueFullError } from '../shared/errors.ts';
import { Fifo } from '../shared/fifo.ts';
import { isJsonObject, parseJsonObject } from '../shared/json.ts';
import type { MqttSession } from '../session/mqtt-session.ts';
import { Timer } from '../session/timers.ts';
import type { DeviceConfig } from './config.ts';
import { DesiredVersions, versionOf } from './desired-versions.ts';
import type { DeviceEvent, RequestFailureReason, RequestIntent } from './events.ts';
import { Sub } from './options.ts';
import { RidTable } from './rid-table.ts';
import { failureReason, isRetriable, isSuccess } from './status.ts';
import type { Subscriptions } from './subscriptions.ts';

const EMPTY: Uint8Array = new Uint8Array(0);

/** Where twin responses start ({@link TWIN_RESPONSE_FILTER} without its `#`); only they answer twin requests. */
export const TWIN_RESPONSE_PREFIX: string = TWIN_RESPONSE_FILTER.slice(0, -1);

/**
 * What a pending twin request sends, kept in the rid table until the request ends so that a token
 * renewal can send it again (the closed socket may have swallowed the first one).
 */
export class TwinRequest {
  constructor(
    readonly intent: RequestIntent,
    readonly body: Uint8Array,
  ) {}
}

/** Every GET shares this one value, so a pending GET costs no more than its table slot. */
export const GET_TWIN: TwinRequest = new TwinRequest('get-twin', EMPTY);

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

/** The twin feature of one DeviceEngine. */
export class Twin {
  private readonly session: MqttSession<DeviceEvent>;
  private readonly subscriptions: Subscriptions;
  /** Made at the first request: an engine that never asks for its twin holds no table. */
  private requests: RidTable<TwinRequest> | undefined;
  /**
   * The first draw of the random source, made (and checked) at construction, for the table's rid
   * prefix: kept as a whole number of 2^-30 steps (a small integer, where a double would be boxed).
   */
  private readonly prefixDraw: number;
  private readonly random: () => number;
  private readonly config: DeviceConfig;
  private readonly desiredVersions: DesiredVersions = new DesiredVersions();
  private unsent: Fifo<UnsentRequest> | undefined;
  private connectedBefore = false;
  /** Own re-reads of the twin made on this connection (REREAD_ATTEMPTS bounds them). */
  private rereads = 0;

  /**
   * Creates the feature over the engine's session and subscriptions; throws InvalidIntentError
   * `invalid-random` when the source's first draw is not in [0, 1).
   */
  constructor(session: MqttSession<DeviceEvent>, subscriptions: Subscriptions, random: () => number, config: DeviceConfig) {
    this.session = session;
    this.subscriptions = subscriptions;
    this.random = random;
    this.prefixDraw = Math.floor(checkedDraw(random) * 2 ** 30);
    this.config = config;
  }

  /** Requests awaiting their ending event. */
  get pending(): number {
    return this.requests === undefined ? 0 : this.requests.size;
  }

  /** The highest desired `$version` seen. */
  get desiredVersion(): number | undefined {
    return this.desiredVersions.latest;
  }

  /** Issues a twin request: in the rid table now, on the wire once connected and subscribed. */
  request(now: number, twin: TwinRequest): string {
    const maxQueued = this.config.maxQueued;
    if (this.pending >= maxQueued) throw new QueueFullError(maxQueued, 'twin request');
    const subscriptions = this.subscriptions;
    subscriptions.wanted |= Sub.TwinResponses; // first use subscribes twin responses
    const draw = this.prefixDraw / 2 ** 30; // exact: an integer over a power of two
    const requests = (this.requests ??= new RidTable<TwinRequest>(() => draw));
    const rid = requests.issue(twin, now + this.config.requestTimeoutMs);
    this.syncTimer();
    if (this.session.state === 'connected' && (subscriptions.active & Sub.TwinResponses) !== 0) {
      this.send(now, rid, twin.intent, twin.body);
      return rid;
    }
    (this.unsent ??= new Fifo()).push(new UnsentRequest(rid, twin.intent, twin.body));
    return rid;
  }

  /** A new connection: held requests go out once subscribed, and the twin is read again after a reconnect. */
  connected(now: number): void {
    this.rereads = 0;
    if (this.connectedBefore && (this.subscriptions.wanted & Sub.TwinResponses) !== 0) this.reread(now);
    this.connectedBefore = true;
  }

  /** Sends held requests once connected with the response subscription granted. */
  flush(now: number): void {
    if (this.session.state !== 'connected' || (this.subscriptions.active & Sub.TwinResponses) === 0) return;
    for (let held = this.unsent?.shift(); held !== undefined; held = this.unsent?.shift()) {
      // Skip requests that ended meanwhile (timed out while waiting).
      if (this.requests?.has(held.rid) === true) this.send(now, held.rid, held.intent, held.body);
    }
  }

  /** The twin-response subscription was refused: no answer can arrive, so the held requests end now. */
  subscriptionRefused(): void {
    for (let held = this.unsent?.shift(); held !== undefined; held = this.unsent?.shift()) {
      if (this.requests?.take(held.rid) !== undefined) this.failed(held.intent, held.rid, 'rejected', undefined);
    }
    this.syncTimer();
  }

  /** Fires the request deadlines and the re-read timer due at `now`. */
  handleTimeout(now: number): void {
    const timers = this.session.timers;
    const requests = this.requests;
    if (timers.expire(Timer.Request, now) && requests !== undefined) {
      for (let entry = requests.expireOne(now); entry !== undefined; entry = requests.expireOne(now)) {
        this.failed(entry.value.intent, entry.rid, 'timeout', undefined);
        if (entry.value === REREAD_TWIN) this.scheduleReread(now);
      }
      this.syncTimer();
      this.dropEndedUnsent();
    }
    if (timers.expire(Timer.TwinReread, now)) this.reread(now);
  }

  /** An answer on `$iothub/twin/res/{status}/?$rid=…`; one for a request that already ended is dropped. */
  onResponse(now: number, rid: string, status: number, version: number | undefined, body: Uint8Array): void {
    const entry = this.requests?.take(rid);
    if (entry === undefined) return; // late (already timed out or failed) or not ours
    this.syncTimer();
    const intent = entry.value.intent;
    if (!isSuccess(status)) {
      this.failed(intent, rid, failureReason(status), status);
      if (entry.value === REREAD_TWIN && isRetriable(status)) this.scheduleReread(now);
      return;
    }
    if (intent === 'patch-reported') {
      this.session.emit(version === undefined ? { type: 'reported-patched', rid, status } : { type: 'reported-patched', rid, status, version });
      return;
    }
    const twin = parseJsonObject(body);
    if (twin === undefined) {
      this.failed(intent, rid, 'malformed-response', status);
      if (entry.value === REREAD_TWIN) this.scheduleReread(now); // as for a broken topic
      return;
    }
    const desired = isJsonObject(twin['desired']) ? twin['desired'] : {};
    const reported = isJsonObject(twin['reported']) ? twin['reported'] : {};
    const desiredVersion = versionOf(desired['$version']);
    const reportedVersion = versionOf(reported['$version']);
    if (desiredVersion !== undefined) this.desiredVersions.fetched(desiredVersion);
    this.session.emit({
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
  onBrokenResponse(now: number, rid: string): void {
    const entry = this.requests?.take(rid);
    if (entry === undefined) return;
    this.syncTimer();
    this.failed(entry.value.intent, rid, 'malformed-response', undefined);
    if (entry.value === REREAD_TWIN) this.scheduleReread(now);
  }

  /** A desired-properties patch: surfaced once per `$version` above every version seen. */
  onDesiredPatch(topicVersion: number | undefined, body: Uint8Array): void {
    const patch = parseJsonObject(body);
    if (patch === undefined) {
      this.session.protocolError('malformed-body', 'a desired patch whose body is not a JSON object (docs/protocol.md §9)');
      return;
    }
    const version = topicVersion ?? versionOf(patch['$version']);
    if (version === undefined) {
      this.session.protocolError('malformed-topic', 'a desired patch without $version (docs/protocol.md §9)');
      return;
    }
    if (!this.desiredVersions.offer(version)) return; // stale or duplicate: surfaced (or fetched) already
    this.session.emit({ type: 'desired-patch', version, patch, body });
  }

  /** The connection ended: every request fails with `reason`, or, for a token renewal, waits for the next one. */
  connectionEnded(reason: RequestFailureReason | 'renewing'): void {
    this.session.timers.stop(Timer.TwinReread);
    if (reason === 'renewing') {
      this.holdPending();
      return;
    }
    this.unsent = undefined;
    const requests = this.requests;
    if (requests === undefined) return;
    for (let entry = requests.takeFirst(); entry !== undefined; entry = requests.takeFirst()) {
      this.failed(entry.value.intent, entry.rid, reason, undefined);
    }
    this.syncTimer();
  }

  /** The engine's own twin re-read (docs/protocol.md §9), a new request with a new rid each attempt. */
  private reread(now: number): void {
    this.rereads++;
    if (this.pending < this.config.maxQueued) this.request(now, REREAD_TWIN);
    else this.scheduleReread(now); // the application's requests fill the table: try again later
  }

  /** Arms the next re-read after the engine's own failed in a way waiting can fix; only on a live connection. */
  private scheduleReread(now: number): void {
    if (this.session.state !== 'connected' || this.rereads >= REREAD_ATTEMPTS) return;
    this.session.timers.set(Timer.TwinReread, now + fullJitterMs(this.random, this.rereads - 1, REREAD_BASE_MS, REREAD_MAX_MS));
  }

  /** Forgets held requests that timed out while waiting, so an offline spell holds at most the pending ones. */
  private dropEndedUnsent(): void {
    const unsent = this.unsent;
    if (unsent === undefined) return;
    for (let n = unsent.length; n > 0; n--) {
      const held = unsent.shift() as UnsentRequest;
      if (this.requests?.has(held.rid) === true) unsent.push(held);
    }
    if (unsent.length === 0) this.unsent = undefined;
  }

  /**
   * A token renewal keeps every pending request: all of them, sent or not, wait in issue order to go
   * out again once connected and subscribed; the deadlines keep running, so each still ends once.
   */
  private holdPending(): void {
    const pending = this.requests === undefined ? [] : this.requests.pending();
    if (pending.length === 0) {
      this.unsent = undefined;
      return;
    }
    const unsent = (this.unsent ??= new Fifo());
    unsent.clear();
    for (const entry of pending) unsent.push(new UnsentRequest(entry.rid, entry.value.intent, entry.value.body));
  }

  private send(now: number, rid: string, intent: RequestIntent, body: Uint8Array): void {
    const topic = intent === 'get-twin' ? twinGetTopic(rid) : twinPatchReportedTopic(rid);
    this.session.sendPublish(now, topic, body, 0, 0, false);
  }

  private syncTimer(): void {
    const next = this.requests?.nextDeadline();
    if (next === undefined) this.session.timers.stop(Timer.Request);
    else this.session.timers.set(Timer.Request, next);
  }

  private failed(intent: RequestIntent, rid: string, reason: RequestFailureReason, status: number | undefined): void {
    const retriable = status === undefined ? reason !== 'malformed-response' && reason !== 'rejected' : isRetriable(status);
    this.session.emit(
      status === undefined
        ? { type: 'request-failed', intent, rid, reason, retriable }
        : { type: 'request-failed', intent, rid, reason, status, retriable },
    );
  }
}
