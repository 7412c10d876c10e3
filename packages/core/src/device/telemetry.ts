/**
 * Device-to-cloud telemetry (docs/protocol.md §7): topic and property bag, the 256 KB limit, QoS 0
 * or 1, and Rule 2 of device-engine.ts — QoS 1 telemetry ends in `telemetry-acked` only. It stays
 * in the session's in-flight table across lost connections and is sent again after the next
 * CONNACK (DUP=1 when the session was resumed [MQTT-4.4.0-1]). QoS 0 is at most once.
 */
import { MAX_MESSAGE_BYTES, MAX_TOPIC_BYTES } from '@hubwire/topics';
import { describe, InvalidIntentError } from '../shared/errors.ts';
import { OutgoingMessage } from '../session/inflight.ts';
import type { InFlightTable } from '../session/inflight.ts';
import type { MqttSession } from '../session/mqtt-session.ts';
import type { DeviceEvent } from './events.ts';
import { bodyBytes, checkTelemetryOptions, encodeBag, hasProperties, propertiesOf } from './intents.ts';
import type { Body, PublishResult, TelemetryOptions } from './intents.ts';
import { TelemetryTopicCache } from './telemetry-topic.ts';

/** The telemetry feature of one DeviceEngine. */
export class Telemetry {
  /** QoS 1 messages in flight and the packet-id space SUBSCRIBEs share (the engine's, made before this feature). */
  readonly table: InFlightTable;
  private readonly session: MqttSession<DeviceEvent>;
  private readonly prefix: string;
  private readonly isModule: boolean;
  private lastId = 0;
  /** The last topic with properties, made on first use (telemetry-topic.ts). */
  private topicCache: TelemetryTopicCache | undefined;

  /** Creates the feature for an identity whose telemetry topics start with `prefix`, over the engine's in-flight table. */
  constructor(session: MqttSession<DeviceEvent>, table: InFlightTable, prefix: string, isModule: boolean) {
    this.session = session;
    this.table = table;
    this.prefix = prefix;
    this.isModule = isModule;
  }

  /** Checks, then sends or queues one message; throws before changing anything. */
  publish(now: number, body: Body, options: TelemetryOptions | undefined): PublishResult {
    const cache = this.topicCache;
    // A cache hit means the same keys and values as options already checked: no second look needed.
    const hit = options !== undefined && cache !== undefined && typeof options === 'object' && options !== null && cache.matches(options);
    if (options !== undefined && !hit) checkTelemetryOptions(options);
    const qos = options?.qos ?? 1;
    if (qos !== 0 && qos !== 1) {
      throw new InvalidIntentError('unsupported-qos', `telemetry QoS must be 0 or 1, got ${describe(qos)}: IoT Hub closes the connection on QoS 2 (docs/protocol.md §7)`);
    }
    const bytes = bodyBytes(body, 'telemetry body');
    let topic = this.prefix;
    let size = bytes.length;
    if (hit) {
      // Same property values as a previous call: its checked topic and bag size hold.
      topic = (cache as TelemetryTopicCache).topic;
      size += (cache as TelemetryTopicCache).size;
    } else if (options !== undefined && hasProperties(options)) {
      if (options.outputName !== undefined && !this.isModule) {
        throw new InvalidIntentError('not-applicable', 'outputName ($.on) is for module identities only (docs/protocol.md §12)');
      }
      const { bag, size: bagSize } = encodeBag(propertiesOf(options), 'telemetry properties');
      topic += bag;
      if (topic.length > MAX_TOPIC_BYTES) {
        throw new InvalidIntentError('message-too-large', `the telemetry topic is ${topic.length} bytes; MQTT allows ${MAX_TOPIC_BYTES}`);
      }
      size += bagSize;
      (this.topicCache ??= new TelemetryTopicCache()).store(options, topic, bagSize);
    }
    if (size > MAX_MESSAGE_BYTES) {
      throw new InvalidIntentError('message-too-large', `telemetry is ${size} bytes (body + properties); IoT Hub allows ${MAX_MESSAGE_BYTES} (docs/protocol.md §7)`);
    }
    const table = this.table;
    const direct = this.session.state === 'connected' && table.canSendNow(qos);
    if (!direct) table.checkRoom();
    // From here on nothing throws.
    const id = ++this.lastId;
    if (direct && qos === 0) {
      this.session.sendPublish(now, topic, bytes, 0, 0, false);
    } else {
      const message = new OutgoingMessage(id, qos, topic, bytes);
      if (direct) this.send(now, message);
      else table.enqueue(message);
    }
    return { id };
  }

  /** After CONNACK: unacknowledged QoS 1 messages first, in their original order, then the queue. */
  connected(now: number, resumed: boolean): void {
    for (const message of this.table.inFlightMessages()) {
      this.session.sendPublish(now, message.topic, message.body, 1, message.packetId, resumed);
    }
    this.pump(now);
  }

  /** A PUBACK for a QoS 1 message: `telemetry-acked`, and the window moves on. */
  acknowledged(now: number, message: OutgoingMessage): void {
    this.table.acknowledge(message.packetId);
    this.session.emit({ type: 'telemetry-acked', id: message.id });
    this.pump(now);
  }

  /** Sends queued telemetry while the window has room. */
  private pump(now: number): void {
    if (this.session.state !== 'connected') return;
    for (let message = this.table.nextToSend(); message !== undefined; message = this.table.nextToSend()) this.send(now, message);
  }

  private send(now: number, message: OutgoingMessage): void {
    if (message.qos === 0) {
      this.session.sendPublish(now, message.topic, message.body, 0, 0, false);
      return;
    }
    const packetId = this.table.track(message);
    this.session.sendPublish(now, message.topic, message.body, 1, packetId, false);
  }
}
