/**
 * Acknowledging what the hub delivers (docs/protocol.md §8): C2D and module-input messages,
 * acknowledged on arrival or, with `manualC2dAck`, when the application calls `ackC2d` — their
 * PUBACK is the completion. PUBACKs leave in the order the messages arrived [MQTT-4.6.0-2], so
 * every PUBACK waits behind earlier deliveries not yet acknowledged (session/puback-order.ts).
 */
import type { MessageProperties } from '@hubwire/topics';
import { InvalidIntentError, InvalidStateError } from '../shared/errors.ts';
import type { MqttSession } from '../session/mqtt-session.ts';
import { PubackOrder } from '../session/puback-order.ts';
import { encodePuback } from '../wire/encoder.ts';
import type { PublishPacket } from '../wire/packets.ts';
import type { DeviceEvent } from './events.ts';

/** A C2D or module-input event before its `ackId` is known. */
export type Delivery =
  | { type: 'c2d'; body: Uint8Array; properties: MessageProperties }
  | { type: 'module-input'; inputName: string; body: Uint8Array; properties: MessageProperties };

/** PUBACKs of one DeviceEngine's inbound QoS 1 messages. */
export class Deliveries {
  private readonly session: MqttSession<DeviceEvent>;
  private readonly manual: boolean;
  private lastAckId = 0;
  /** PUBACKs of this connection waiting behind a manual acknowledgement; undefined when none. */
  private pubacks: PubackOrder | undefined;

  /** Creates the feature; `manual` is the `manualC2dAck` option. */
  constructor(session: MqttSession<DeviceEvent>, manual: boolean) {
    this.session = session;
    this.manual = manual;
  }

  /** Emits a C2D or module-input event, acknowledging it now or handing out an ackId. */
  deliver(now: number, packet: PublishPacket, event: Delivery): void {
    if (packet.qos === 1 && packet.messageId !== undefined) {
      if (this.manual) {
        const ackId = ++this.lastAckId;
        (this.pubacks ??= new PubackOrder()).hold(ackId, packet.messageId);
        this.session.emit({ ...event, ackId });
        return;
      }
      this.session.send(now, encodePuback(packet.messageId));
    }
    this.session.emit(event);
  }

  /** Acknowledges a QoS 1 PUBLISH the engine handles itself: now, or behind pending manual acks. */
  ackIfQos1(now: number, packet: PublishPacket): void {
    if (packet.qos !== 1 || packet.messageId === undefined) return;
    if (this.pubacks === undefined) this.session.send(now, encodePuback(packet.messageId));
    else this.pubacks.queueAck(packet.messageId);
  }

  /** `ackC2d`: see DeviceEngine; throws before changing anything. */
  acknowledge(now: number, ackId: number): boolean {
    if (!this.manual) {
      throw new InvalidStateError('manual-ack-off', this.session.state, 'ackC2d needs the manualC2dAck option');
    }
    if (!Number.isInteger(ackId) || ackId < 1 || ackId > this.lastAckId) {
      throw new InvalidIntentError('unknown-ack-id', `no delivery was given ackId ${String(ackId)}`);
    }
    const pubacks = this.pubacks;
    if (pubacks === undefined || !pubacks.acknowledge(ackId)) return false;
    for (let packetId = pubacks.takeReady(); packetId !== undefined; packetId = pubacks.takeReady()) {
      this.session.send(now, encodePuback(packetId));
    }
    if (pubacks.isEmpty) this.pubacks = undefined;
    return true;
  }

  /** Unacknowledged deliveries die with the connection: the hub delivers them again (docs/protocol.md §8). */
  connectionEnded(): void {
    this.pubacks = undefined;
  }
}
