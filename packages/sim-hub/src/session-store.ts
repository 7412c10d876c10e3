/**
 * MQTT sessions as IoT Hub keeps them (docs/protocol.md §2 "Clean session"): a device that connects
 * with CleanSession 0 gets back its subscriptions and the QoS 1 publishes it had not acknowledged
 * (re-sent with DUP=1 and their packet ids [MQTT-4.4.0-1]), and CONNACK says session present
 * [MQTT-3.2.2-2]; CleanSession 1 discards whatever was kept [MQTT-3.1.2-6]. Sessions are kept by
 * client id, outlive connections and, through the state folder, restarts of the hub.
 */
import type { Feed } from './rules.ts';

/** A granted subscription: the feed its filter names and the QoS granted. */
export interface Subscription {
  readonly feed: Feed;
  readonly qos: 0 | 1;
}

/** A QoS 1 publish the hub sent and the device has not acknowledged yet. */
export interface OutboundPublish {
  readonly packetId: number;
  readonly topic: string;
  readonly payload: Uint8Array;
}

/** The server side of one MQTT session: subscriptions, unacknowledged publishes, the next packet id. */
export class SessionState {
  /** Filter → granted subscription, as accepted by the rules. */
  readonly subscriptions: Map<string, Subscription> = new Map();
  /** Unacknowledged QoS 1 publishes by packet id, in the order they were sent. */
  readonly outbound: Map<number, OutboundPublish> = new Map();
  #nextPacketId = 1;
  readonly #changed: () => void;

  /** `changed` is called after every change worth saving. */
  constructor(changed: () => void = () => undefined, nextPacketId = 1) {
    this.#changed = changed;
    this.#nextPacketId = nextPacketId;
  }

  /** The packet id the next QoS 1 publish will try first. */
  get nextPacketId(): number {
    return this.#nextPacketId;
  }

  /** Records a granted subscription. */
  subscribe(filter: string, subscription: Subscription): void {
    this.subscriptions.set(filter, subscription);
    this.#changed();
  }

  /** Forgets a subscription. */
  unsubscribe(filter: string): void {
    if (this.subscriptions.delete(filter)) this.#changed();
  }

  /** Takes a free packet id (1…65535, skipping those in flight [MQTT-2.3.1-2]) and records the publish under it. */
  track(topic: string, payload: Uint8Array): number {
    for (let i = 0; i < 65535; i++) {
      const id = this.#nextPacketId;
      this.#nextPacketId = id === 65535 ? 1 : id + 1;
      if (!this.outbound.has(id)) {
        this.outbound.set(id, { packetId: id, topic, payload });
        this.#changed();
        return id;
      }
    }
    throw new RangeError('65535 publishes in flight on one session');
  }

  /** Completes a publish on PUBACK; false when the id was not in flight (stray or duplicate PUBACK). */
  acknowledge(packetId: number): boolean {
    const known = this.outbound.delete(packetId);
    if (known) this.#changed();
    return known;
  }
}

/** What opening a session on CONNECT gives the connection. */
export interface OpenedSession {
  readonly state: SessionState;
  /** CONNACK's session-present flag: a kept session was resumed. */
  readonly present: boolean;
}

/** A kept session as written to the state file. */
export interface StoredSession {
  readonly subscriptions: readonly (readonly [filter: string, feed: Feed, qos: 0 | 1])[];
  readonly outbound: readonly (readonly [packetId: number, topic: string, payloadBase64: string])[];
  readonly nextPacketId: number;
}

/** Sessions by client id. Sessions of CleanSession 1 connections live only while their connection does. */
export class SessionStore {
  readonly #sessions = new Map<string, { state: SessionState; clean: boolean }>();
  readonly #changed: () => void;
  readonly #discarded: (clientId: string, state: SessionState) => void;

  /** `discarded` hears of every session thrown away (its unacknowledged messages need a new home). */
  constructor(changed: () => void, discarded: (clientId: string, state: SessionState) => void) {
    this.#changed = changed;
    this.#discarded = discarded;
  }

  /** Opens the session of a CONNECT: resumes the kept one for CleanSession 0, else starts a new one. */
  open(clientId: string, cleanSession: boolean): OpenedSession {
    const kept = this.#sessions.get(clientId);
    if (kept !== undefined && !cleanSession && !kept.clean) {
      return { state: kept.state, present: true };
    }
    if (kept !== undefined) this.#discard(clientId, kept.state);
    const state = new SessionState(this.#changed);
    this.#sessions.set(clientId, { state, clean: cleanSession });
    this.#changed();
    return { state, present: false };
  }

  /** The connection of `state` ended: a CleanSession 1 session ends with it [MQTT-3.1.2-6]. */
  connectionEnded(clientId: string, state: SessionState): void {
    const kept = this.#sessions.get(clientId);
    if (kept === undefined || kept.state !== state || !kept.clean) return;
    this.#discard(clientId, state);
  }

  /** The kept session of a client id, if any. */
  get(clientId: string): SessionState | undefined {
    return this.#sessions.get(clientId)?.state;
  }

  /** Drops a client id's session (the identity was deleted, say). */
  remove(clientId: string): void {
    const kept = this.#sessions.get(clientId);
    if (kept !== undefined) this.#discard(clientId, kept.state);
  }

  /** Sessions worth keeping across a restart: those of CleanSession 0. */
  export(): Record<string, StoredSession> {
    const out: Record<string, StoredSession> = {};
    for (const [clientId, { state, clean }] of this.#sessions) {
      if (clean) continue;
      out[clientId] = {
        subscriptions: [...state.subscriptions].map(([filter, { feed, qos }]) => [filter, feed, qos] as const),
        outbound: [...state.outbound.values()].map(({ packetId, topic, payload }) => [packetId, topic, Buffer.from(payload).toString('base64')] as const),
        nextPacketId: state.nextPacketId,
      };
    }
    return out;
  }

  /** Restores sessions saved by export(). */
  import(sessions: Record<string, StoredSession>): void {
    for (const [clientId, stored] of Object.entries(sessions)) {
      const state = new SessionState(this.#changed, stored.nextPacketId);
      for (const [filter, feed, qos] of stored.subscriptions) state.subscriptions.set(filter, { feed, qos });
      for (const [packetId, topic, payload] of stored.outbound) {
        state.outbound.set(packetId, { packetId, topic, payload: new Uint8Array(Buffer.from(payload, 'base64')) });
      }
      this.#sessions.set(clientId, { state, clean: false });
    }
  }

  #discard(clientId: string, state: SessionState): void {
    this.#sessions.delete(clientId);
    this.#discarded(clientId, state);
    this.#changed();
  }
}
