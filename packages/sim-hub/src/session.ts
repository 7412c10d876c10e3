/**
 * One authenticated MQTT connection of the simulated hub or DPS: who it is, what it subscribed to,
 * and the hub-to-device publishes it has in flight.
 *
 * The services write device-bound PUBLISH packets themselves (mqtt-packet) rather than through aedes'
 * routing: IoT Hub delivers per identity, while every device subscribes the same `$iothub/...`
 * filters, so broker fan-out would leak one device's replies to all of them. aedes never forwards
 * (authorizeForward refuses everything), so it never allocates outbound packet ids and ours cannot clash.
 */
import type { Client } from 'aedes';
import mqttPacket from 'mqtt-packet';
import type { Feed } from './rules.ts';
import type { OutboundPublish, SessionState, Subscription } from './session-store.ts';
import type { Transport, TappedConnection } from './wire-tap.ts';

/** An authenticated connection; `I` is the service's identity type. */
export class Session<I> {
  /** MQTT client id. */
  readonly clientId: string;
  readonly identity: I;
  readonly transport: Transport;
  /** CONNECT's clean-session flag. */
  readonly cleanSession: boolean;
  /** The MQTT session this connection works in (kept across connections when CleanSession is 0). */
  readonly state: SessionState;
  /** CONNACK said session present: the kept session was resumed. */
  readonly resumed: boolean;
  /** True once CONNACK 0 went out; nothing is sent before. */
  ready = false;
  /** Set when the session has ended; sends are then refused. */
  ended = false;
  /** Why the hub closed it, when it did (rule broken, kicked by a newer connection, token expired, …). */
  closeReason: string | undefined;
  /** A newer connection with the same client id took over; its end must not touch the session. */
  superseded = false;
  readonly #client: Client;
  readonly #connection: TappedConnection;

  constructor(client: Client, connection: TappedConnection, identity: I, opened: { readonly state: SessionState; readonly present: boolean }) {
    this.#client = client;
    this.#connection = connection;
    this.clientId = client.id;
    this.identity = identity;
    this.transport = connection.transport;
    this.cleanSession = connection.cleanSession;
    this.state = opened.state;
    this.resumed = opened.present;
  }

  /** Filter → granted subscription (the session's). */
  get subscriptions(): ReadonlyMap<string, Subscription> {
    return this.state.subscriptions;
  }

  /** True while the socket is open and the session may send. */
  get writable(): boolean {
    return this.ready && !this.ended && !this.#connection.destroyed;
  }

  /** The QoS granted for a feed (the highest over filters), or undefined when the feed is not subscribed. */
  grantedQos(feed: Feed): 0 | 1 | undefined {
    let granted: 0 | 1 | undefined;
    for (const subscription of this.subscriptions.values()) {
      if (subscription.feed === feed && (granted === undefined || subscription.qos > granted)) granted = subscription.qos;
    }
    return granted;
  }

  /** Writes a PUBLISH; returns its packet id for QoS 1 (undefined for QoS 0), or false when the session cannot send. */
  send(topic: string, payload: Uint8Array, qos: 0 | 1, dup = false): number | undefined | false {
    if (!this.writable) return false;
    const messageId = qos === 1 ? this.state.track(topic, payload) : undefined;
    this.#write(topic, payload, qos, dup, messageId);
    return messageId;
  }

  /** Sends an unacknowledged publish of a resumed session again: same packet id, DUP=1 [MQTT-4.4.0-1]. */
  resend(publish: OutboundPublish): boolean {
    if (!this.writable) return false;
    this.#write(publish.topic, publish.payload, 1, true, publish.packetId);
    return true;
  }

  /** Frees a packet id on PUBACK; false when it was not in flight (a stray or duplicate PUBACK). */
  acknowledge(messageId: number): boolean {
    return this.state.acknowledge(messageId);
  }

  /** Closes the connection from the hub side (the device sees the socket close, as with IoT Hub). */
  close(reason: string): void {
    this.closeReason ??= reason;
    this.#client.close();
  }

  #write(topic: string, payload: Uint8Array, qos: 0 | 1, dup: boolean, messageId: number | undefined): void {
    const bytes = mqttPacket.generate({
      cmd: 'publish',
      topic,
      payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      qos,
      dup,
      retain: false,
      ...(messageId === undefined ? {} : { messageId }),
    });
    this.#connection.write(bytes);
  }
}
