/**
 * The features of one DeviceEngine and the routing between them and the session: the session's
 * owner. What the session hands up (CONNACK, a PUBLISH, PUBACK or SUBACK, the end of a connection)
 * goes to the feature it belongs to here, so the engine itself (device-engine.ts) stays the public
 * surface only. An inbound PUBLISH is classified by its topic (@hubwire/topics) and then belongs to
 * exactly one feature, or is a `protocol-error` (Rule 3 of device-engine.ts).
 */
import { parseInboundTopic } from '@hubwire/topics';
import type { InboundTopic } from '@hubwire/topics';
import { InFlightTable, OutgoingMessage } from '../session/inflight.ts';
import { MqttSession } from '../session/mqtt-session.ts';
import type { OwnerPacket, SessionEnding, SessionOwner } from '../session/mqtt-session.ts';
import { encodePuback } from '../wire/encoder.ts';
import type { WillOptions } from '../wire/connect.ts';
import type { PublishPacket } from '../wire/packets.ts';
import type { DeviceConfig } from './config.ts';
import { prefixOf } from './connection.ts';
import { Deliveries } from './deliveries.ts';
import type { Delivery } from './deliveries.ts';
import type { DeviceEvent } from './events.ts';
import { methodRequested } from './methods.ts';
import { Sub } from './options.ts';
import { Subscriber } from './subscriber.ts';
import { Subscriptions } from './subscriptions.ts';
import { Telemetry } from './telemetry.ts';
import { Twin, TWIN_RESPONSE_PREFIX } from './twin.ts';
import type { TwinRequest } from './twin.ts';

/**
 * The session of one DeviceEngine and its features; see the file comment. Telemetry and deliveries
 * are made on first use (an engine that never publishes, or is never sent a message, holds neither):
 * a fleet simulator keeps a million of these.
 */
export class DeviceFeatures implements SessionOwner {
  readonly session: MqttSession<DeviceEvent>;
  /** Options resolved once per shape and shared (config.ts). */
  readonly config: DeviceConfig;
  readonly deviceId: string;
  readonly moduleId: string | undefined;
  /** The Will CONNECT carries, checked at construction. */
  readonly will: WillOptions | undefined;
  /** QoS 1 telemetry in flight and the packet ids SUBSCRIBEs share. */
  readonly table: InFlightTable;
  readonly twin: Twin;
  readonly subscriber: Subscriber;
  private telemetryFeature: Telemetry | undefined;
  private deliveriesFeature: Deliveries | undefined;

  /** Builds the session and the features every connection needs; throws only InvalidIntentError `invalid-random`, from the first draw of `random`. */
  constructor(config: DeviceConfig, deviceId: string, moduleId: string | undefined, will: WillOptions | undefined, random: () => number) {
    this.config = config;
    this.deviceId = deviceId;
    this.moduleId = moduleId;
    this.will = will;
    this.session = new MqttSession<DeviceEvent>(config.session, this);
    this.table = new InFlightTable(config.maxInFlight, config.maxQueued);
    const subscriptions = new Subscriptions(config.subscriptions);
    this.subscriber = new Subscriber(this.session, this.table, subscriptions, deviceId, moduleId);
    this.twin = new Twin(this.session, subscriptions, random, config);
  }

  /** Telemetry, made on first use. */
  get telemetry(): Telemetry {
    return (this.telemetryFeature ??= new Telemetry(this.session, this.table, prefixOf(this.deviceId, this.moduleId), this.moduleId !== undefined));
  }

  /** C2D and module-input acknowledgement, made on first use. */
  get deliveries(): Deliveries {
    return (this.deliveriesFeature ??= new Deliveries(this.session, this.config.manualC2dAck));
  }

  /** A twin request from the application; the twin subscription goes out first when missing. */
  twinRequest(now: number, request: TwinRequest): string {
    const rid = this.twin.request(now, request);
    if (this.session.state === 'connected') this.subscriber.subscribeMissing(now);
    return rid;
  }

  /** Fires the features' deadlines due at `now` (the session's fired first). */
  handleTimeout(now: number): void {
    this.twin.handleTimeout(now);
    if (this.session.state === 'connected') this.subscriber.subscribeMissing(now);
  }

  /** CONNACK 0: subscriptions, re-sends, queued telemetry and held requests go out. */
  onConnected(now: number, resumed: boolean): void {
    if (!resumed) this.subscriber.state.sessionReset();
    this.subscriber.subscribeMissing(now);
    this.telemetryFeature?.connected(now, resumed);
    this.twin.flush(now);
    // Read the twin again after a reconnect so no desired change made meanwhile is missed (docs/protocol.md §9).
    this.twin.connected(now);
  }

  /** A PUBLISH, PUBACK, SUBACK or UNSUBACK on the open connection. */
  onPacket(now: number, packet: OwnerPacket): void {
    switch (packet.cmd) {
      case 'publish':
        this.onPublish(now, packet);
        return;
      case 'puback': {
        const entry = this.table.get(packet.messageId);
        if (entry instanceof OutgoingMessage) this.telemetry.acknowledged(now, entry);
        else this.session.protocolError('unknown-packet-id', `PUBACK for packet id ${packet.messageId}, which no PUBLISH awaits`);
        return;
      }
      case 'suback': {
        const refused = this.subscriber.onSuback(packet.messageId, packet.granted);
        if (refused === undefined) return;
        // Without the response subscription no answer can arrive: the held requests end now.
        if ((refused & Sub.TwinResponses) !== 0) this.twin.subscriptionRefused();
        this.twin.flush(now);
        return;
      }
      case 'unsuback':
        // The engine never unsubscribes, so no UNSUBACK can be for it.
        this.session.protocolError('unknown-packet-id', `UNSUBACK ${packet.messageId} without an UNSUBSCRIBE`);
        return;
    }
  }

  /** Everything tied to one connection ends: twin requests (unless renewing), SUBSCRIBEs, manual acks. */
  onEnded(ending: SessionEnding): void {
    this.twin.connectionEnded(ending.kind !== 'closed' ? 'connection-lost' : ending.renewing ? 'renewing' : 'closed');
    this.subscriber.connectionEnded();
    this.deliveriesFeature?.connectionEnded();
  }

  private onPublish(now: number, packet: PublishPacket): void {
    const topic = parseInboundTopic(packet.topic);
    const payload = packet.payload;
    switch (topic.kind) {
      case 'c2d':
        if (this.moduleId !== undefined || topic.deviceId !== this.deviceId) break;
        this.deliver(now, packet, { type: 'c2d', body: payload, properties: topic.properties });
        return;
      case 'module-input':
        if (topic.deviceId !== this.deviceId || topic.moduleId !== this.moduleId) break;
        this.deliver(now, packet, { type: 'module-input', inputName: topic.inputName, body: payload, properties: topic.properties });
        return;
      case 'twin-response':
        this.ackIfQos1(now, packet);
        this.twin.onResponse(now, topic.rid, topic.status, topic.version, payload);
        this.subscriber.subscribeMissing(now);
        return;
      case 'desired-patch':
        this.ackIfQos1(now, packet);
        this.twin.onDesiredPatch(topic.version, payload);
        return;
      case 'method-request':
        this.ackIfQos1(now, packet);
        methodRequested(this.session, topic, payload);
        return;
      case 'malformed':
        this.ackIfQos1(now, packet);
        this.session.protocolError('malformed-topic', `${topic.error.message} (topic ${preview(packet.topic)})`);
        // A broken twin response still naming its request is that request's answer: end it now (Rule 1).
        if (topic.rid !== undefined && packet.topic.startsWith(TWIN_RESPONSE_PREFIX)) {
          this.twin.onBrokenResponse(now, topic.rid);
          this.subscriber.subscribeMissing(now);
        }
        return;
      default:
        break;
    }
    this.strayPublish(now, packet, topic);
  }

  /** A C2D or module-input message: acknowledged now, or (manualC2dAck) handed out with an ackId. */
  private deliver(now: number, packet: PublishPacket, event: Delivery): void {
    if (this.config.manualC2dAck) {
      this.deliveries.deliver(now, packet, event);
      return;
    }
    this.ackIfQos1(now, packet);
    this.session.emit(event);
  }

  /** Acknowledges a QoS 1 PUBLISH the engine handles itself, behind pending manual acknowledgements if any. */
  private ackIfQos1(now: number, packet: PublishPacket): void {
    if (packet.qos !== 1) return;
    const deliveries = this.deliveriesFeature;
    if (deliveries === undefined) {
      if (packet.messageId !== undefined) this.session.send(now, encodePuback(packet.messageId));
    } else {
      deliveries.ackIfQos1(now, packet);
    }
  }

  /** A well-formed PUBLISH on a topic this identity never subscribed to. */
  private strayPublish(now: number, packet: PublishPacket, topic: InboundTopic): void {
    this.ackIfQos1(now, packet);
    this.session.protocolError('unknown-topic', `a ${topic.kind} PUBLISH this identity does not expect (topic ${preview(packet.topic)})`);
  }
}

/** The first 100 characters of a topic, for diagnostics of untrusted input. */
function preview(topic: string): string {
  return topic.length <= 100 ? topic : `${topic.slice(0, 100)}…`;
}
