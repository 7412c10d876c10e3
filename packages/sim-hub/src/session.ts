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
import type { Transport, TappedConnection } from './wire-tap.ts';

/** An authenticated connection; `I` is the service's identity type. */
export class Session<I> {
  /** MQTT client id. */
  readonly clientId: string;
  readonly identity: I;
  readonly transport: Transport;
  /** CONNECT's clean-session flag. */
  readonly cleanSession: boolean;
  /** Filter → granted QoS, as accepted by the rules. */
  readonly subscriptions: Map<string, { readonly feed: Feed; readonly qos: 0 | 1 }> = new Map();
  /** True once CONNACK 0 went out; nothing is sent before. */
  ready = false;
  /** Set when the session has ended; sends are then refused. */
  ended = false;
  /** Why the hub closed it, when it did (rule broken, kicked by a newer connection, token expired, …). */
  closeReason: string | undefined;
  readonly #client: Client;
  readonly #connection: TappedConnection;
  readonly #inFlight = new Set<number>();
  #nextPacketId = 1;

  constructor(client: Client, connection: TappedConnection, identity: I, cleanSession: boolean) {
    this.#client = client;
    this.#connection = connection;
    this.clientId = client.id;
    this.identity = identity;
    this.transport = connection.transport;
    this.cleanSession = cleanSession;
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
    if (!this.ready || this.ended || this.#connection.destroyed) return false;
    const messageId = qos === 1 ? this.#allocatePacketId() : undefined;
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
    return messageId;
  }

  /** Frees a packet id on PUBACK; false when it was not in flight (a stray or duplicate PUBACK). */
  acknowledge(messageId: number): boolean {
    return this.#inFlight.delete(messageId);
  }

  /** Closes the connection from the hub side (the device sees the socket close, as with IoT Hub). */
  close(reason: string): void {
    this.closeReason ??= reason;
    this.#client.close();
  }

  /** Packet ids cycle 1…65535 and skip those still in flight [MQTT-2.3.1-2]. */
  #allocatePacketId(): number {
    for (let i = 0; i < 65535; i++) {
      const id = this.#nextPacketId;
      this.#nextPacketId = id === 65535 ? 1 : id + 1;
      if (!this.#inFlight.has(id)) {
        this.#inFlight.add(id);
        return id;
      }
    }
    throw new RangeError('65535 publishes in flight on one connection');
  }
}
