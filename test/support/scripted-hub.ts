/**
 * An in-memory, scripted IoT Hub for DeviceEngine scenario tests. It parses what the engine
 * sends with mqtt-packet (an independent parser: the test oracle, not hubwire's decoder) and
 * builds the hub's replies with mqtt-packet's generator and @hubwire/topics' hub-side topic
 * builders. No sockets, no timers, no clock: tests move time themselves.
 *
 * Two ways to use it:
 * - scripted: `hub.take(engine)` returns the packets the engine sent since the last call; the
 *   test builds replies (`hub.connack()`, `hub.c2d(…)`, …) and feeds them with `engine.receive`.
 * - automatic: `hub.respond(packet)` returns the reply a well-behaved hub would send (CONNACK,
 *   SUBACK, PUBACK, twin answers, PINGRESP), tuned by `policy`; `exchange(engine, hub, now)`
 *   loops until both sides are quiet (bounded, like quinn-proto's `drive_bounded`).
 */
import mqttPacket from 'mqtt-packet';
import {
  c2dTopic,
  desiredPatchTopic,
  methodRequestTopic,
  moduleInputTopic,
  parseOutboundTopic,
  twinResponseTopic,
} from '@hubwire/topics';
import type { MessagePropertiesInput } from '@hubwire/topics';
import { DeviceEngine, seededRandom } from '@hubwire/core';
import type { DeviceEngineOptions, DeviceEvent } from '@hubwire/core';

/** A packet as mqtt-packet parses it; only the fields the tests read. */
export interface HubPacket {
  readonly cmd: string;
  readonly topic?: string;
  readonly payload?: Uint8Array;
  readonly qos?: number;
  readonly dup?: boolean;
  readonly retain?: boolean;
  readonly messageId?: number;
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: Uint8Array;
  readonly keepalive?: number;
  readonly clean?: boolean;
  readonly will?: { readonly topic: string; readonly payload: Uint8Array; readonly qos: number; readonly retain: boolean };
  readonly subscriptions?: readonly { readonly topic: string; readonly qos: number }[];
}

/** How the automatic hub answers. */
export interface HubPolicy {
  /** CONNACK return code for the next CONNECT (default 0). */
  connackCode: number;
  /** Whether a CONNECT with CleanSession=0 finds its session (default false). */
  keepSessions: boolean;
  /** Return code per SUBSCRIBE filter; default: the QoS asked. */
  grant: (topic: string, qos: number) => number;
  /** Status for the next twin requests, consumed front first; default 200/204. */
  twinStatuses: number[];
  /** Whether QoS 1 telemetry gets a PUBACK (default true). */
  ackTelemetry: boolean;
  /** Whether PINGREQ gets a PINGRESP (default true). */
  answerPings: boolean;
  /** Whether twin requests are answered at all (default true). */
  answerTwin: boolean;
}

const enc = new TextEncoder();

/** Bytes of a string or of JSON. */
function bytesOf(body: Uint8Array | string | object | undefined): Uint8Array {
  if (body === undefined) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body;
  return enc.encode(typeof body === 'string' ? body : JSON.stringify(body));
}

/** mqtt-packet's Buffer output as a plain Uint8Array copy (events must never carry a Buffer). */
function plain(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}

/** The scripted hub; see the file comment. */
export class ScriptedHub {
  /** Every packet the engine sent, in order. */
  readonly log: HubPacket[] = [];
  /** Parse errors of the oracle: any entry means the engine sent invalid MQTT. */
  readonly errors: string[] = [];
  readonly policy: HubPolicy = {
    connackCode: 0,
    keepSessions: false,
    grant: (_topic, qos) => qos,
    twinStatuses: [],
    ackTelemetry: true,
    answerPings: true,
    answerTwin: true,
  };
  /** Reported twin state and versions, as the automatic hub keeps them. */
  desired: Record<string, unknown> = { $version: 1 };
  reported: Record<string, unknown> = { $version: 1 };
  /** Telemetry payloads received, as text, in order (QoS 1 duplicates included). */
  readonly telemetry: { topic: string; body: string; qos: number; dup: boolean; messageId?: number }[] = [];
  private sessionExists = false;
  private readonly pending: HubPacket[] = [];
  private parser = this.newParser();
  private nextMessageId = 1;

  /** Drains the engine's transmit queue into the oracle parser; returns the packets it held. */
  take(engine: DeviceEngine): HubPacket[] {
    for (let bytes = engine.pollTransmit(); bytes !== undefined; bytes = engine.pollTransmit()) {
      this.parser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
    return this.pending.splice(0);
  }

  /** Starts a new "socket": a fresh parser (the engine starts a new stream after connect). */
  newConnection(): void {
    this.parser = this.newParser();
  }

  /** The reply bytes a well-behaved hub sends for `packet` under `policy`, in order. */
  respond(packet: HubPacket): Uint8Array[] {
    switch (packet.cmd) {
      case 'connect': {
        const code = this.policy.connackCode;
        const present = code === 0 && packet.clean === false && this.policy.keepSessions && this.sessionExists;
        if (code === 0) this.sessionExists = packet.clean === false && this.policy.keepSessions;
        return [this.connack(code, present)];
      }
      case 'subscribe':
        return [this.suback(packet.messageId!, packet.subscriptions!.map((s) => this.policy.grant(s.topic, s.qos)))];
      case 'pingreq':
        return this.policy.answerPings ? [this.pingresp()] : [];
      case 'publish':
        return this.respondPublish(packet);
      default:
        return [];
    }
  }

  private respondPublish(packet: HubPacket): Uint8Array[] {
    const topic = parseOutboundTopic(packet.topic!);
    switch (topic.kind) {
      case 'telemetry':
        this.telemetry.push({
          topic: packet.topic!,
          body: new TextDecoder().decode(packet.payload),
          qos: packet.qos!,
          dup: packet.dup === true,
          ...(packet.messageId === undefined ? {} : { messageId: packet.messageId }),
        });
        return packet.qos === 1 && this.policy.ackTelemetry ? [this.puback(packet.messageId!)] : [];
      case 'twin-get': {
        if (!this.policy.answerTwin) return [];
        const status = this.policy.twinStatuses.shift() ?? 200;
        const body = status === 200 ? { desired: this.desired, reported: this.reported } : { message: 'nope' };
        return [this.twinResponse(status, topic.rid, body)];
      }
      case 'twin-patch-reported': {
        if (!this.policy.answerTwin) return [];
        const status = this.policy.twinStatuses.shift() ?? 204;
        if (status !== 204) return [this.twinResponse(status, topic.rid)];
        const patch = JSON.parse(new TextDecoder().decode(packet.payload)) as Record<string, unknown>;
        const version = (this.reported['$version'] as number) + 1;
        this.reported = { ...this.reported, ...patch, $version: version };
        return [this.twinResponse(204, topic.rid, undefined, version)];
      }
      default:
        return [];
    }
  }

  // ------------------------------------------------------------------ reply builders

  /** CONNACK with `returnCode` and the session-present flag. */
  connack(returnCode = 0, sessionPresent = false): Uint8Array {
    return this.generate({ cmd: 'connack', returnCode, sessionPresent });
  }

  /** SUBACK with one return code per filter. */
  suback(messageId: number, granted: number[]): Uint8Array {
    return this.generate({ cmd: 'suback', messageId, granted });
  }

  /** PUBACK for a QoS 1 PUBLISH of the engine. */
  puback(messageId: number): Uint8Array {
    return this.generate({ cmd: 'puback', messageId });
  }

  /** PINGRESP. */
  pingresp(): Uint8Array {
    return this.generate({ cmd: 'pingresp' });
  }

  /** Any PUBLISH to the device. */
  publish(topic: string, body?: Uint8Array | string | object, qos: 0 | 1 = 0, dup = false): Uint8Array {
    const packet: Record<string, unknown> = { cmd: 'publish', topic, payload: Buffer.from(bytesOf(body)), qos, dup, retain: false };
    if (qos === 1) packet['messageId'] = this.nextMessageId++;
    return this.generate(packet);
  }

  /** A C2D message (docs/protocol.md §8), QoS 1 as the hub sends it. */
  c2d(deviceId: string, body: Uint8Array | string | object, properties?: MessagePropertiesInput, qos: 0 | 1 = 1): Uint8Array {
    return this.publish(c2dTopic(deviceId, properties), body, qos);
  }

  /** A message on a module input (docs/protocol.md §12). */
  moduleInput(deviceId: string, moduleId: string, input: string, body: Uint8Array | string | object, properties?: MessagePropertiesInput): Uint8Array {
    return this.publish(moduleInputTopic(deviceId, moduleId, input, properties), body, 1);
  }

  /** A twin response `$iothub/twin/res/{status}/?$rid=…[&$version=…]`. */
  twinResponse(status: number, rid: string, body?: Uint8Array | string | object, version?: number): Uint8Array {
    return this.publish(twinResponseTopic(status, rid, version), body);
  }

  /** A desired-properties patch at `version` (the body gets `$version` too, as the hub sends it). */
  desiredPatch(version: number, patch: Record<string, unknown>): Uint8Array {
    return this.publish(desiredPatchTopic(version), { ...patch, $version: version });
  }

  /** A direct-method request. */
  methodRequest(methodName: string, rid: string, body?: Uint8Array | string | object): Uint8Array {
    return this.publish(methodRequestTopic(methodName, rid), body);
  }

  private generate(packet: Record<string, unknown>): Uint8Array {
    return plain(mqttPacket.generate(packet as unknown as mqttPacket.Packet));
  }

  private newParser(): mqttPacket.Parser {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet) => {
      const p = packet as unknown as HubPacket;
      this.log.push(p);
      this.pending.push(p);
    });
    parser.on('error', (error) => this.errors.push(error.message));
    return parser;
  }
}

/** Drains every event the engine has queued. */
export function drainEvents(engine: DeviceEngine): DeviceEvent[] {
  const out: DeviceEvent[] = [];
  for (let event = engine.pollEvent(); event !== undefined; event = engine.pollEvent()) out.push(event);
  return out;
}

/**
 * Runs the automatic hub against the engine until neither sends anything (at most `rounds`
 * round trips); returns the packets the engine sent. Throws if the exchange does not settle.
 */
export function exchange(engine: DeviceEngine, hub: ScriptedHub, now: number, rounds = 100): HubPacket[] {
  const sent: HubPacket[] = [];
  for (let round = 0; round < rounds; round++) {
    const packets = hub.take(engine);
    if (packets.length === 0) return sent;
    sent.push(...packets);
    for (const packet of packets) for (const reply of hub.respond(packet)) engine.receive(now, reply);
  }
  throw new Error(`the exchange did not settle within ${rounds} rounds`);
}

/** Events of one type, narrowed. */
export function ofType<T extends DeviceEvent['type']>(events: readonly DeviceEvent[], type: T): Extract<DeviceEvent, { type: T }>[] {
  return events.filter((e): e is Extract<DeviceEvent, { type: T }> => e.type === type);
}

/** The hub host name the tests use. */
export const HOST = 'contoso.azure-devices.net';

export { seededRandom };

/** A new engine for device `d1` (or the given options), connected to a fresh automatic hub at `now`. */
export function connectedEngine(
  options: Partial<DeviceEngineOptions> = {},
  now = 0,
): { engine: DeviceEngine; hub: ScriptedHub; events: DeviceEvent[]; sent: HubPacket[] } {
  const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', random: seededRandom(1), ...options });
  const hub = new ScriptedHub();
  engine.connect(now, { password: 'SharedAccessSignature sr=x&sig=y&se=1' });
  const sent = exchange(engine, hub, now);
  return { engine, hub, events: drainEvents(engine), sent };
}
