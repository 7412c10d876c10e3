/**
 * Device-bound message queues: C2D (docs/protocol.md §8) and module inputs (§12). A message waits until
 * its identity is connected and subscribed, goes out at the granted QoS (at most 1), and is complete
 * when the device PUBACKs it. Unacknowledged messages go back to the front of the queue when the
 * connection ends and are delivered again (DUP=1) on the next one: at-least-once, as on IoT Hub.
 * Not simulated: the 1-minute lock and redelivery on the same connection, maxDeliveryCount.
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

interface QueuedMessage {
  readonly feed: Feed;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly messageId: string;
  deliveryCount: number;
  settled: boolean;
  settle(outcome: DeliveryOutcome): void;
}

/** Queues by client id, in-flight messages by session and packet id. */
export class DeviceBoundQueue<I> {
  readonly #waiting = new Map<string, QueuedMessage[]>();
  readonly #inFlight = new Map<Session<I>, Map<number, QueuedMessage>>();
  readonly #timers = new Set<NodeJS.Timeout>();

  /** Queues a message; settles when it completes or expires. Throws RangeError when the identity already has 50. */
  enqueue(clientId: string, feed: Feed, topic: string, payload: Uint8Array, messageId: string, ttlMs: number): Promise<DeliveryReceipt> {
    if (this.pendingCount(clientId) >= MAX_QUEUED_MESSAGES) {
      throw new RangeError(`${clientId} already has ${MAX_QUEUED_MESSAGES} device-bound messages pending (docs/protocol.md §8)`);
    }
    return new Promise<DeliveryReceipt>((resolve) => {
      const message: QueuedMessage = {
        feed,
        topic,
        payload,
        messageId,
        deliveryCount: 0,
        settled: false,
        settle: (outcome) => {
          if (message.settled) return;
          message.settled = true;
          clearTimeout(timer);
          this.#timers.delete(timer);
          this.#forget(clientId, message);
          resolve({ messageId, outcome, deliveryCount: message.deliveryCount });
        },
      };
      const timer = setTimeout(() => message.settle('expired'), ttlMs);
      timer.unref();
      this.#timers.add(timer);
      this.#queue(clientId).push(message);
    });
  }

  /** Writes every waiting message the session is subscribed for; returns how many went out. */
  pump(session: Session<I>): number {
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
        let inFlight = this.#inFlight.get(session);
        if (inFlight === undefined) this.#inFlight.set(session, (inFlight = new Map()));
        inFlight.set(packetId, message);
      }
    }
    return sent;
  }

  /** Completes the message a PUBACK answers; returns its message id, or undefined for a stray PUBACK. */
  acknowledged(session: Session<I>, packetId: number): string | undefined {
    const inFlight = this.#inFlight.get(session);
    const message = inFlight?.get(packetId);
    if (message === undefined) return undefined;
    inFlight!.delete(packetId);
    message.settle('completed');
    return message.messageId;
  }

  /** Puts a closed session's unacknowledged messages back at the front of the queue, in their order. */
  sessionEnded(session: Session<I>): number {
    const inFlight = this.#inFlight.get(session);
    this.#inFlight.delete(session);
    if (inFlight === undefined) return 0;
    const back = [...inFlight.values()].filter((message) => !message.settled);
    this.#queue(session.clientId).unshift(...back);
    return back.length;
  }

  /** Messages waiting or in flight for an identity. */
  pendingCount(clientId: string): number {
    let count = this.#waiting.get(clientId)?.length ?? 0;
    for (const [session, inFlight] of this.#inFlight) if (session.clientId === clientId) count += inFlight.size;
    return count;
  }

  /** Ends every message waiting or in flight for an identity as `purged`; returns how many. */
  purge(clientId: string): number {
    const doomed = [...(this.#waiting.get(clientId) ?? [])];
    for (const [session, inFlight] of this.#inFlight) if (session.clientId === clientId) doomed.push(...inFlight.values());
    for (const message of doomed) message.settle('purged');
    return doomed.length;
  }

  /** Settles everything as `hub-closed`. */
  abortAll(): void {
    const all = [...this.#waiting.values()].flat();
    for (const inFlight of this.#inFlight.values()) all.push(...inFlight.values());
    for (const message of all) message.settle('hub-closed');
    this.#waiting.clear();
    this.#inFlight.clear();
  }

  #queue(clientId: string): QueuedMessage[] {
    let queue = this.#waiting.get(clientId);
    if (queue === undefined) this.#waiting.set(clientId, (queue = []));
    return queue;
  }

  /** Drops a settled message from wherever it waits. */
  #forget(clientId: string, message: QueuedMessage): void {
    const queue = this.#waiting.get(clientId);
    const index = queue?.indexOf(message) ?? -1;
    if (index !== -1) queue!.splice(index, 1);
    for (const inFlight of this.#inFlight.values()) {
      for (const [packetId, entry] of inFlight) if (entry === message) inFlight.delete(packetId);
    }
  }
}
