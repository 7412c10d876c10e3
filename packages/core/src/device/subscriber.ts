/**
 * The SUBSCRIBE/SUBACK exchange of one DeviceEngine (docs/protocol.md §5): one SUBSCRIBE for every
 * filter wanted but neither granted nor asked for, its packet id from the session's in-flight table
 * (shared with QoS 1 telemetry), and the SUBACK read back filter by filter into `subscribed` and
 * `subscription-refused` events. Which filters are wanted, pending and granted is subscriptions.ts.
 */
import { PendingSubscribe } from '../session/inflight.ts';
import type { InFlightTable } from '../session/inflight.ts';
import type { MqttSession } from '../session/mqtt-session.ts';
import { encodeSubscribe } from '../wire/subscribe.ts';
import type { DeviceEvent } from './events.ts';
import { Sub } from './options.ts';
import { filterOf } from './subscriptions.ts';
import type { Subscriptions } from './subscriptions.ts';

/** SUBSCRIBEs out, SUBACKs in, for one identity. */
export class Subscriber {
  /** Wanted, pending and granted filters. */
  readonly state: Subscriptions;
  private readonly session: MqttSession<DeviceEvent>;
  private readonly table: InFlightTable;
  private readonly deviceId: string;
  private readonly moduleId: string | undefined;

  /** Creates the exchange for the identity `deviceId`/`moduleId`. */
  constructor(session: MqttSession<DeviceEvent>, table: InFlightTable, state: Subscriptions, deviceId: string, moduleId: string | undefined) {
    this.session = session;
    this.table = table;
    this.state = state;
    this.deviceId = deviceId;
    this.moduleId = moduleId;
  }

  /** Granted QoS of each active subscription, by filter, in SUBSCRIBE order. */
  get active(): { readonly topic: string; readonly qos: number }[] {
    const out: { topic: string; qos: number }[] = [];
    for (const bit of [Sub.Messages, Sub.Methods, Sub.TwinResponses, Sub.DesiredPatches]) {
      const qos = this.state.qos(bit);
      if (qos !== undefined) out.push({ topic: filterOf(bit, this.deviceId, this.moduleId), qos });
    }
    return out;
  }

  /** Sends one SUBSCRIBE for every wanted filter not yet granted or asked for; call only when connected. */
  subscribeMissing(now: number): void {
    const missing = this.state.missing;
    if (missing === 0) return;
    const filters = this.state.request(missing, this.deviceId, this.moduleId);
    const packetId = this.table.trackSubscribe(new PendingSubscribe(missing, filters.map((f) => f.topic)));
    this.session.send(now, encodeSubscribe(packetId, filters));
  }

  /**
   * A SUBACK: emits what it granted and refused and returns the refused subscription bits, or
   * undefined (after a `protocol-error`) when no SUBSCRIBE awaits `packetId`.
   */
  onSuback(packetId: number, granted: readonly number[]): number | undefined {
    const session = this.session;
    const entry = this.table.get(packetId);
    if (!(entry instanceof PendingSubscribe)) {
      session.protocolError('unknown-packet-id', `SUBACK for packet id ${packetId}, which no SUBSCRIBE awaits`);
      return undefined;
    }
    this.table.acknowledge(packetId);
    if (granted.length !== entry.topics.length) {
      session.protocolError('unexpected-packet', `SUBACK has ${granted.length} return codes for ${entry.topics.length} filters [MQTT-3.9.3-1]`);
    }
    const outcome = this.state.acknowledge(entry.bits, entry.topics, granted);
    if (outcome.topics.length > 0) session.emit({ type: 'subscribed', topics: outcome.topics, granted: outcome.granted });
    for (const refused of outcome.refused) {
      session.emit({ type: 'subscription-refused', topic: refused.topic, returnCode: refused.returnCode });
    }
    return outcome.refusedBits;
  }

  /** The connection ended: its SUBSCRIBEs can get no SUBACK any more. */
  connectionEnded(): void {
    this.state.connectionLost();
    this.table.dropSubscribes();
  }
}
