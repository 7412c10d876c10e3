/**
 * PUBACKs in receipt order under manual C2D acknowledgement. MQTT 3.1.1 [MQTT-4.6.0-2]: the client
 * MUST send PUBACK packets in the order in which the corresponding PUBLISH packets were received.
 * The application may complete deliveries in any order, so each one is only marked here, and the
 * PUBACKs of the longest completed prefix leave in receipt order. A QoS 1 PUBLISH the engine
 * acknowledges by itself (a twin response, a malformed topic, …) joins the queue already
 * completed whenever a manual delivery is pending, so it cannot overtake one either.
 */
import { Fifo } from '../shared/fifo.ts';

/** One received QoS 1 PUBLISH awaiting its PUBACK. */
class Delivery {
  acked: boolean;
  constructor(
    readonly packetId: number,
    acked: boolean,
  ) {
    this.acked = acked;
  }
}

/** The PUBACKs of one connection, in receipt order; see the file comment. */
export class PubackOrder {
  private readonly order: Fifo<Delivery> = new Fifo();
  /** Manual deliveries not yet acknowledged by the application: ackId → delivery. */
  private readonly byAckId: Map<number, Delivery> = new Map();

  /** Whether nothing waits: then a PUBACK may be sent at once. */
  get isEmpty(): boolean {
    return this.order.length === 0;
  }

  /** Queues a delivery the application acknowledges later with `ackId`. */
  hold(ackId: number, packetId: number): void {
    const delivery = new Delivery(packetId, false);
    this.order.push(delivery);
    this.byAckId.set(ackId, delivery);
  }

  /** Queues a PUBACK the engine owes by itself, behind whatever is pending. */
  queueAck(packetId: number): void {
    this.order.push(new Delivery(packetId, true));
  }

  /** Marks `ackId` acknowledged; false when it is not pending here (already acknowledged, or unknown). */
  acknowledge(ackId: number): boolean {
    const delivery = this.byAckId.get(ackId);
    if (delivery === undefined) return false;
    this.byAckId.delete(ackId);
    delivery.acked = true;
    return true;
  }

  /** The packet id of the next PUBACK that may leave (the head is acknowledged), removing it, or undefined. */
  takeReady(): number | undefined {
    const head = this.order.peek();
    if (head === undefined || !head.acked) return undefined;
    this.order.shift();
    return head.packetId;
  }
}
