/**
 * Device-bound message queues: C2D (docs/protocol.md §8) and module inputs (§12). A message waits until
 * its identity is connected and subscribed, goes out at the granted QoS (at most 1), and is complete
 * when the device PUBACKs it. An unacknowledged message stays with its MQTT session: a session resumed
 * with CleanSession 0 gets it again with DUP=1 and the same packet id; when the session is discarded it
 * goes back to the front of the queue and is delivered again (DUP=1) on the next one: at-least-once,
 * as on IoT Hub. Not simulated: the 1-minute lock and redelivery on the same connection, maxDeliveryCount.
 */
import type { Session } from './session.ts';
import type { Feed } from './rules.ts';

/** How a device-bound message ended (IoT Hub's feedback would say Success / Expired). */
export type DeliveryOutcome =
  /** The device sent PUBACK. */
  | 'completed'
  /** Sent at QoS 0 (the device subscribed at QoS 0): nothing can acknowledge it. */
  | 'delivered'
  /** Not completed before its time to live ran out. */
  | 'expired'
  /** Removed by the service before completion: its queue was purged or its identity deleted. */
  | 'purged'
  /** The hub closed first. */
  | 'hub-closed';

/** The settled result of sendC2d / sendModuleInput. */
export interface DeliveryReceipt {
  readonly messageId: string;
  readonly outcome: DeliveryOutcome;
  /** Times the message was written to a connection. */
  readonly deliveryCount: number;
}

/** Messages one identity may have queued or in flight (docs/protocol.md §8: 50). */
export const MAX_QUEUED_MESSAGES = 50;
/** Settled outcomes remembered for deliveryOutcome(), the oldest forgotten first. */
const REMEMBERED_OUTCOMES = 10_000;

/** A queued message as written to the state file. */
export interface StoredMessage {
  readonly feed: Feed;
  readonly topic: string;
  readonly payloadBase64: string;
  readonly messageId: string;
  readonly deliveryCount: number;
  /** Hub clock (ms) after which it expires. */
  readonly expiresAt: number;
  /** Packet id of the unacknowledged delivery in the identity's session, if one is out. */
  readonly packetId?: number;
}

interface QueuedMessage {
  readonly feed: Feed;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly messageId: string;
  readonly expiresAt: number;
  deliveryCount: number;
  settled: boolean;
  settle(outcome: DeliveryOutcome): void;
}

/** Waiting messages and unacknowledged deliveries, both by client id. */
export class DeviceBoundQueue {
  readonly #waiting = new Map<string, QueuedMessage[]>();
  readonly #inFlight = new Map<string, Map<number, QueuedMessage>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #outcomes = new Map<string, DeliveryReceipt>();
  readonly #clock: () => number;
  readonly #changed: () => void;
  readonly #released: (clientId: string, packetId: number) => void;

  /**
   * `clock` is the hub clock; `changed` is called after every change worth saving; `released` when a
   * delivery still unacknowledged in its session settles another way (expired), so the session forgets it too.
   */
  constructor(clock: () => number = Date.now, changed: () => void = () => undefined, released: (clientId: string, packetId: number) => void = () => undefined) {
    this.#clock = clock;
    this.#changed = changed;
    this.#released = released;
  }

  /** Queues a message; settles when it completes or expires. Throws RangeError when the identity already has 50. */
  enqueue(clientId: string, feed: Feed, topic: string, payload: Uint8Array, messageId: string, ttlMs: number): Promise<DeliveryReceipt> {
    if (this.pendingCount(clientId) >= MAX_QUEUED_MESSAGES) {
      throw new RangeError(`${clientId} already has ${MAX_QUEUED_MESSAGES} device-bound messages pending (docs/protocol.md §8)`);
    }
    return new Promise<DeliveryReceipt>((resolve) => {
      const message = this.#message(clientId, { feed, topic, payload, messageId, expiresAt: this.#clock() + ttlMs, deliveryCount: 0 }, resolve);
      this.#queue(clientId).push(message);
      this.#changed();
    });
  }

  /** Writes every waiting message the session is subscribed for; returns how many went out. */
  pump(session: Session<unknown>): number {
    const queue = this.#waiting.get(session.clientId);
    if (queue === undefined) return 0;
    let sent = 0;
    while (queue.length > 0) {
      const message = queue[0]!;
      const qos = session.grantedQos(message.feed);
      if (qos === undefined) break;
      const packetId = session.send(message.topic, message.payload, qos, message.deliveryCount > 0);
      if (packetId === false) break;
      queue.shift();
      message.deliveryCount++;
      sent++;
      if (packetId === undefined) {
        message.settle('delivered');
      } else {
        this.#inFlightOf(session.clientId).set(packetId, message);
      }
    }
    if (sent > 0) this.#changed();
    return sent;
  }

  /** A resumed session sent an unacknowledged delivery again; counts it. */
  redelivered(clientId: string, packetId: number): void {
    const message = this.#inFlight.get(clientId)?.get(packetId);
    if (message !== undefined) message.deliveryCount++;
  }

  /** Completes the message a PUBACK answers; returns its message id, or undefined for a stray PUBACK. */
  acknowledged(clientId: string, packetId: number): string | undefined {
    const inFlight = this.#inFlight.get(clientId);
    const message = inFlight?.get(packetId);
    if (message === undefined) return undefined;
    inFlight!.delete(packetId);
    message.settle('completed');
    return message.messageId;
  }

  /** A session was discarded: its unacknowledged messages go back to the front of the queue, in their order. */
  requeue(clientId: string): number {
    const inFlight = this.#inFlight.get(clientId);
    this.#inFlight.delete(clientId);
    if (inFlight === undefined) return 0;
    const back = [...inFlight.values()].filter((message) => !message.settled);
    this.#queue(clientId).unshift(...back);
    if (back.length > 0) this.#changed();
    return back.length;
  }

  /** Messages waiting or in flight for an identity. */
  pendingCount(clientId: string): number {
    return (this.#waiting.get(clientId)?.length ?? 0) + (this.#inFlight.get(clientId)?.size ?? 0);
  }

  /** The outcome of a message: its receipt once settled, `pending` while queued or in flight, undefined when unknown. */
  outcome(messageId: string): DeliveryReceipt | 'pending' | undefined {
    const settled = this.#outcomes.get(messageId);
    if (settled !== undefined) return settled;
    for (const queue of this.#waiting.values()) if (queue.some((m) => m.messageId === messageId)) return 'pending';
    for (const inFlight of this.#inFlight.values()) for (const m of inFlight.values()) if (m.messageId === messageId) return 'pending';
    return undefined;
  }

  /** Ends everything waiting or in flight for an identity as `purged` (its queue was purged, or it was deleted); returns how many. */
  purge(clientId: string): number {
    const all = [...(this.#waiting.get(clientId) ?? []), ...(this.#inFlight.get(clientId)?.values() ?? [])];
    for (const message of all) message.settle('purged');
    this.#waiting.delete(clientId);
    this.#inFlight.delete(clientId);
    return all.length;
  }

  /** Settles everything as `hub-closed` (the messages themselves stay saved in the state folder). */
  abortAll(): void {
    const all = [...this.#waiting.values()].flat();
    for (const inFlight of this.#inFlight.values()) all.push(...inFlight.values());
    for (const message of all) {
      message.settled = true;
      message.settle('hub-closed');
    }
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Every pending message, by client id, for the state file. */
  export(): Record<string, StoredMessage[]> {
    const out: Record<string, StoredMessage[]> = {};
    const store = (clientId: string, message: QueuedMessage, packetId?: number): void => {
      (out[clientId] ??= []).push({
        feed: message.feed,
        topic: message.topic,
        payloadBase64: Buffer.from(message.payload).toString('base64'),
        messageId: message.messageId,
        deliveryCount: message.deliveryCount,
        expiresAt: message.expiresAt,
        ...(packetId === undefined ? {} : { packetId }),
      });
    };
    for (const [clientId, inFlight] of this.#inFlight) for (const [packetId, message] of inFlight) store(clientId, message, packetId);
    for (const [clientId, queue] of this.#waiting) for (const message of queue) store(clientId, message);
    return out;
  }

  /** Restores messages saved by export(); nobody awaits them any more, but their outcomes are remembered. */
  import(messages: Record<string, readonly StoredMessage[]>): void {
    for (const [clientId, list] of Object.entries(messages)) {
      for (const stored of list) {
        const message = this.#message(
          clientId,
          { ...stored, payload: new Uint8Array(Buffer.from(stored.payloadBase64, 'base64')) },
          () => undefined,
        );
        if (stored.packetId === undefined) this.#queue(clientId).push(message);
        else this.#inFlightOf(clientId).set(stored.packetId, message);
      }
    }
  }

  #message(
    clientId: string,
    fields: Pick<QueuedMessage, 'feed' | 'topic' | 'payload' | 'messageId' | 'expiresAt' | 'deliveryCount'>,
    resolve: (receipt: DeliveryReceipt) => void,
  ): QueuedMessage {
    const message: QueuedMessage = {
      ...fields,
      settled: false,
      settle: (outcome) => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        const receipt = { messageId: fields.messageId, outcome, deliveryCount: message.deliveryCount };
        if (outcome !== 'hub-closed') {
          if (message.settled) return;
          message.settled = true;
          this.#forget(clientId, message);
          this.#remember(receipt);
          this.#changed();
        }
        resolve(receipt);
      },
    };
    const timer = setTimeout(() => message.settle('expired'), Math.max(0, fields.expiresAt - this.#clock()));
    timer.unref();
    this.#timers.add(timer);
    return message;
  }

  #remember(receipt: DeliveryReceipt): void {
    this.#outcomes.set(receipt.messageId, receipt);
    if (this.#outcomes.size > REMEMBERED_OUTCOMES) this.#outcomes.delete(this.#outcomes.keys().next().value!);
  }

  #queue(clientId: string): QueuedMessage[] {
    let queue = this.#waiting.get(clientId);
    if (queue === undefined) this.#waiting.set(clientId, (queue = []));
    return queue;
  }

  #inFlightOf(clientId: string): Map<number, QueuedMessage> {
    let inFlight = this.#inFlight.get(clientId);
    if (inFlight === undefined) this.#inFlight.set(clientId, (inFlight = new Map()));
    return inFlight;
  }

  /** Drops a settled message from wherever it waits. */
  #forget(clientId: string, message: QueuedMessage): void {
    const queue = this.#waiting.get(clientId);
    const index = queue?.indexOf(message) ?? -1;
    if (index !== -1) queue!.splice(index, 1);
    const inFlight = this.#inFlight.get(clientId);
    if (inFlight === undefined) return;
    for (const [packetId, entry] of inFlight) {
      if (entry !== message) continue;
      inFlight.delete(packetId);
      this.#released(clientId, packetId);
    }
  }
}
