/**
 * Telemetry from intent to PUBACK, and the packet-id space it shares with SUBSCRIBE.
 *
 * - Packet ids (MQTT 3.1.1 §2.3.1) run 1–65535 and wrap; an id still awaiting its PUBACK or
 *   SUBACK is skipped, so no two packets in flight ever share one [MQTT-2.3.1-2].
 * - At most `maxInFlight` QoS 1 messages await a PUBACK at once (IoT Hub's MQTT 5 preview
 *   advertises Receive Maximum 16, docs/protocol.md §16); later ones wait in a queue bounded by
 *   `maxQueued`. QoS 0 messages wait in the same queue while disconnected or behind QoS 1
 *   messages, so telemetry leaves in the order it was published.
 * - Messages in flight stay here across a lost connection and are sent again after the next
 *   CONNACK, with their packet ids, DUP set only when the session was resumed [MQTT-4.4.0-1].
 * - The tables are allocated on first use and dropped when empty, so an idle engine holds none.
 */
import { QueueFullError } from '../shared/errors.ts';
import { Fifo } from '../shared/fifo.ts';

/** One telemetry message, from `publishTelemetry` until it is sent (QoS 0) or acknowledged (QoS 1). */
export class OutgoingMessage {
  /** The id `publishTelemetry` returned. */
  readonly id: number;
  /** 0 or 1. */
  readonly qos: 0 | 1;
  /** The full topic, property bag included. */
  readonly topic: string;
  /** The body, as given (never copied). */
  readonly body: Uint8Array;
  /** Packet id once sent at QoS 1; 0 before. */
  packetId = 0;

  /** Creates a message; the engine validated every field. */
  constructor(id: number, qos: 0 | 1, topic: string, body: Uint8Array) {
    this.id = id;
    this.qos = qos;
    this.topic = topic;
    this.body = body;
  }
}

/** A SUBSCRIBE awaiting its SUBACK: the subscription bits and filters it carried, in order. */
export class PendingSubscribe {
  /** Subscription bits (options.ts `Sub`) in this SUBSCRIBE. */
  readonly bits: number;
  /** The filters, in the order sent; SUBACK return codes follow this order (§3.9.3). */
  readonly topics: readonly string[];

  /** Creates the record of one SUBSCRIBE. */
  constructor(bits: number, topics: readonly string[]) {
    this.bits = bits;
    this.topics = topics;
  }
}

const MAX_PACKET_ID = 65_535;

/** QoS 1 telemetry in flight, the queue behind it, and the packet-id allocator. */
export class InFlightTable {
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  private nextPacketId = 1;
  private byPacketId: Map<number, OutgoingMessage | PendingSubscribe> | undefined;
  private messagesInFlight = 0;
  private waiting: Fifo<OutgoingMessage> | undefined;

  /** Creates empty tables with the given bounds. */
  constructor(maxInFlight: number, maxQueued: number) {
    this.maxInFlight = maxInFlight;
    this.maxQueued = maxQueued;
  }

  /** QoS 1 messages sent and awaiting PUBACK. */
  get inFlight(): number {
    return this.messagesInFlight;
  }

  /** Messages waiting to be sent. */
  get queued(): number {
    return this.waiting === undefined ? 0 : this.waiting.length;
  }

  /** Whether a message of `qos` may be sent right now, ahead of nothing (the queue is empty and the window has room). */
  canSendNow(qos: 0 | 1): boolean {
    return this.queued === 0 && (qos === 0 || this.messagesInFlight < this.maxInFlight);
  }

  /** Throws QueueFullError when one more message cannot be queued; changes nothing. */
  checkRoom(): void {
    if (this.queued >= this.maxQueued) throw new QueueFullError(this.maxQueued, 'telemetry');
  }

  /** Appends `message` to the queue; call `checkRoom` first. */
  enqueue(message: OutgoingMessage): void {
    (this.waiting ??= new Fifo()).push(message);
  }

  /** Removes and returns the next queued message when the window allows sending it, else undefined. */
  nextToSend(): OutgoingMessage | undefined {
    const head = this.waiting?.peek();
    if (head === undefined) return undefined;
    if (head.qos === 1 && this.messagesInFlight >= this.maxInFlight) return undefined;
    return (this.waiting as Fifo<OutgoingMessage>).shift();
  }

  /** Gives a QoS 1 message a free packet id and records it as in flight; returns the id. */
  track(message: OutgoingMessage): number {
    const packetId = this.allocate();
    message.packetId = packetId;
    (this.byPacketId as Map<number, OutgoingMessage | PendingSubscribe>).set(packetId, message);
    this.messagesInFlight++;
    return packetId;
  }

  /** Gives a SUBSCRIBE a free packet id and records it until its SUBACK; returns the id. */
  trackSubscribe(subscribe: PendingSubscribe): number {
    const packetId = this.allocate();
    (this.byPacketId as Map<number, OutgoingMessage | PendingSubscribe>).set(packetId, subscribe);
    return packetId;
  }

  /** What `packetId` awaits an acknowledgement for, without removing it, or undefined. */
  get(packetId: number): OutgoingMessage | PendingSubscribe | undefined {
    return this.byPacketId?.get(packetId);
  }

  /** Whether `packetId` awaits an acknowledgement. */
  isInUse(packetId: number): boolean {
    return this.byPacketId !== undefined && this.byPacketId.has(packetId);
  }

  /** Removes and returns what `packetId` was for (a PUBACK or SUBACK arrived), or undefined when unknown. */
  acknowledge(packetId: number): OutgoingMessage | PendingSubscribe | undefined {
    const map = this.byPacketId;
    const entry = map?.get(packetId);
    if (entry === undefined) return undefined;
    this.forget(packetId, entry);
    return entry;
  }

  /** Forgets every SUBSCRIBE: its SUBACK can no longer come once the connection is gone. */
  dropSubscribes(): void {
    const map = this.byPacketId;
    if (map === undefined) return;
    for (const [packetId, entry] of map) {
      if (entry instanceof PendingSubscribe) this.forget(packetId, entry);
    }
  }

  /** The QoS 1 messages awaiting PUBACK, in the order they were first sent. */
  *inFlightMessages(): Generator<OutgoingMessage> {
    if (this.byPacketId === undefined) return;
    for (const entry of this.byPacketId.values()) if (entry instanceof OutgoingMessage) yield entry;
  }

  /** Removes and returns the oldest message still waiting in the queue (used to end them all on close). */
  shiftQueued(): OutgoingMessage | undefined {
    return this.waiting?.shift();
  }

  private forget(packetId: number, entry: OutgoingMessage | PendingSubscribe): void {
    const map = this.byPacketId as Map<number, OutgoingMessage | PendingSubscribe>;
    map.delete(packetId);
    if (entry instanceof OutgoingMessage) this.messagesInFlight--;
    if (map.size === 0) this.byPacketId = undefined;
  }

  /** Next free packet id at or after the cursor, wrapping 65535 → 1 and skipping ids in use. */
  private allocate(): number {
    const used = (this.byPacketId ??= new Map());
    // Bounded: maxInFlight plus a few SUBSCRIBEs stay far below 65535, so a free id exists.
    if (used.size >= MAX_PACKET_ID) throw new RangeError('all 65535 packet ids are in flight');
    let id = this.nextPacketId;
    while (used.has(id)) id = id === MAX_PACKET_ID ? 1 : id + 1;
    this.nextPacketId = id === MAX_PACKET_ID ? 1 : id + 1;
    return id;
  }
}
