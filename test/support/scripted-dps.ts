/**
 * A scripted Device Provisioning Service in memory, for ProvisioningEngine tests.
 *
 * The service side reads the engine's bytes with mqtt-packet's parser (an independent oracle
 * for what the engine puts on the wire) and answers with packets built by mqtt-packet's
 * generator on the topics of docs/protocol.md §13. No sockets, no wall clock: the test owns `now`.
 */
import { Buffer } from 'node:buffer';
import mqtt from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { dpsResponseTopic, parseOutboundTopic } from '@hubwire/topics';
import type { ProvisioningEngine, ProvisioningEvent } from '@hubwire/core';

/** One packet the device sent, as the service understands it. */
export type DeviceRequest =
  | {
      readonly kind: 'connect';
      readonly clientId: string;
      readonly username: string | undefined;
      readonly password: string | undefined;
      readonly clean: boolean;
      readonly keepalive: number;
      readonly protocolVersion: number;
    }
  | { readonly kind: 'subscribe'; readonly messageId: number; readonly subscriptions: readonly { topic: string; qos: number }[] }
  | { readonly kind: 'register'; readonly rid: string; readonly qos: number; readonly body: unknown }
  | { readonly kind: 'poll'; readonly rid: string; readonly operationId: string; readonly qos: number; readonly bodyLength: number }
  | { readonly kind: 'puback'; readonly messageId: number }
  | { readonly kind: 'pingreq' }
  | { readonly kind: 'disconnect' }
  | { readonly kind: 'other'; readonly packet: Packet };

/** Parses everything a device engine transmits; keeps partial packets between reads. */
export class DpsWire {
  readonly #parser = mqtt.parser({ protocolVersion: 4 });
  readonly #parsed: Packet[] = [];

  /** Creates a wire whose parser throws on bytes mqtt-packet refuses. */
  constructor() {
    this.#parser.on('packet', (packet: Packet) => this.#parsed.push(packet));
    this.#parser.on('error', (error: Error) => {
      throw error;
    });
  }

  /** Drains `engine.pollTransmit()` and returns the packets it held, as requests. */
  read(engine: Pick<ProvisioningEngine, 'pollTransmit'>): DeviceRequest[] {
    for (let bytes = engine.pollTransmit(); bytes !== undefined; bytes = engine.pollTransmit()) {
      this.#parser.parse(Buffer.from(bytes));
    }
    return this.#parsed.splice(0).map(toRequest);
  }
}

function toRequest(packet: Packet): DeviceRequest {
  switch (packet.cmd) {
    case 'connect':
      return {
        kind: 'connect',
        clientId: packet.clientId,
        username: packet.username,
        password: packet.password === undefined ? undefined : Buffer.from(packet.password).toString('utf8'),
        clean: packet.clean ?? false,
        keepalive: packet.keepalive ?? 0,
        protocolVersion: packet.protocolVersion ?? 0,
      };
    case 'subscribe':
      return {
        kind: 'subscribe',
        messageId: packet.messageId ?? 0,
        subscriptions: packet.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })),
      };
    case 'publish': {
      const topic = parseOutboundTopic(packet.topic);
      const payload = Buffer.from(packet.payload as Uint8Array);
      if (topic.kind === 'dps-register') {
        return { kind: 'register', rid: topic.rid, qos: packet.qos, body: JSON.parse(payload.toString('utf8')) };
      }
      if (topic.kind === 'dps-operation-status') {
        return { kind: 'poll', rid: topic.rid, operationId: topic.operationId, qos: packet.qos, bodyLength: payload.length };
      }
      return { kind: 'other', packet };
    }
    case 'puback':
      return { kind: 'puback', messageId: packet.messageId ?? 0 };
    case 'pingreq':
      return { kind: 'pingreq' };
    case 'disconnect':
      return { kind: 'disconnect' };
    default:
      return { kind: 'other', packet };
  }
}

const bytes = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/** CONNACK with `returnCode` (0 accepts). */
export function connack(returnCode = 0, sessionPresent = false): Uint8Array {
  return bytes(mqtt.generate({ cmd: 'connack', returnCode, sessionPresent }));
}

/** SUBACK for `messageId`; DPS grants QoS 1 (or 0x80 to refuse). */
export function suback(messageId: number, granted: number[] = [1]): Uint8Array {
  return bytes(mqtt.generate({ cmd: 'suback', messageId, granted }));
}

/** PINGRESP. */
export function pingresp(): Uint8Array {
  return bytes(mqtt.generate({ cmd: 'pingresp' }));
}

/** Options of a DPS reply. */
export interface ReplyOptions {
  /** Seconds, put in the topic's `retry-after`. */
  readonly retryAfter?: number;
  /** Delivery QoS; DPS replies are QoS 0 per azure-sdk-for-c, 1 is legal too. */
  readonly qos?: 0 | 1;
  readonly messageId?: number;
}

/** A DPS reply PUBLISH on `$dps/registrations/res/{status}/?$rid={rid}[&retry-after=…]`. */
export function dpsReply(status: number, rid: string, body: unknown, options: ReplyOptions = {}): Uint8Array {
  const payload =
    body instanceof Uint8Array ? Buffer.from(body) : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const qos = options.qos ?? 0;
  return bytes(
    mqtt.generate({
      cmd: 'publish',
      topic: dpsResponseTopic(status, rid, options.retryAfter),
      payload,
      qos,
      dup: false,
      retain: false,
      ...(qos === 1 ? { messageId: options.messageId ?? 1 } : {}),
    }),
  );
}

/** Any PUBLISH from the service, for topics the helpers above would refuse to build. */
export function rawPublish(topic: string, body: string, qos: 0 | 1 | 2 = 0): Uint8Array {
  return bytes(
    mqtt.generate({
      cmd: 'publish',
      topic,
      payload: Buffer.from(body),
      qos,
      dup: false,
      retain: false,
      ...(qos === 0 ? {} : { messageId: 9 }),
    }),
  );
}

/** Body of a 202 while DPS is assigning (docs/protocol.md §13 step 3). */
export function assigningBody(operationId: string): object {
  return { operationId, status: 'assigning' };
}

/** Body of a 200 with an assignment (docs/protocol.md §13 step 5). */
export function assignedBody(
  operationId: string,
  state: { registrationId: string; assignedHub?: string; deviceId?: string; substatus?: string; payload?: unknown },
): object {
  return {
    operationId,
    status: 'assigned',
    registrationState: {
      registrationId: state.registrationId,
      createdDateTimeUtc: '2026-11-23T12:00:00.0000000Z',
      assignedHub: state.assignedHub ?? 'contoso.azure-devices.net',
      deviceId: state.deviceId ?? state.registrationId,
      status: 'assigned',
      substatus: state.substatus ?? 'initialAssignment',
      lastUpdatedDateTimeUtc: '2026-11-23T12:00:01.0000000Z',
      etag: 'IjFhMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMCI=',
      ...(state.payload === undefined ? {} : { payload: state.payload }),
    },
  };
}

/** A DPS error body (docs/protocol.md §13: 6-digit code ÷ 1000 = status). */
export function errorBody(errorCode: number, message: string): object {
  return { errorCode, trackingId: 'b0d2a1f3-0000-0000-0000-000000000000', message, timestampUtc: '2026-11-23T12:00:00.000Z' };
}

/** Drains every queued event. */
export function drainEvents(engine: Pick<ProvisioningEngine, 'pollEvent'>): ProvisioningEvent[] {
  const events: ProvisioningEvent[] = [];
  for (let event = engine.pollEvent(); event !== undefined; event = engine.pollEvent()) events.push(event);
  return events;
}

/** An engine, the service's view of its wire, and a clock the test moves by hand. */
export class DpsHarness {
  /** The test's clock, in ms. */
  now = 0;
  readonly engine: ProvisioningEngine;
  readonly wire: DpsWire = new DpsWire();

  /** Wraps `engine`; the clock starts at `now`. */
  constructor(engine: ProvisioningEngine, now = 0) {
    this.engine = engine;
    this.now = now;
  }

  /** What the device sent since the last call. */
  sent(): DeviceRequest[] {
    return this.wire.read(this.engine);
  }

  /** Feeds service bytes to the engine at the current time. */
  deliver(...chunks: Uint8Array[]): void {
    for (const chunk of chunks) this.engine.receive(this.now, chunk);
  }

  /** Events queued since the last call. */
  events(): ProvisioningEvent[] {
    return drainEvents(this.engine);
  }

  /** Moves the clock to `at` and lets the engine's timers fire. */
  advanceTo(at: number): void {
    this.now = at;
    this.engine.handleTimeout(at);
  }

  /** Moves the clock to the engine's next deadline (which must exist) and fires it. */
  advance(): number {
    const at = this.engine.pollTimeout();
    if (at === undefined) throw new Error('the engine has no deadline');
    this.advanceTo(Math.max(this.now, at));
    return this.now;
  }

  /** connect + CONNACK 0; returns the CONNECT the service saw. */
  open(auth: { password?: string; passwordExpiresAt?: number } = {}): DeviceRequest {
    this.engine.connect(this.now, auth);
    const [connect] = this.sent();
    this.deliver(connack(0));
    this.events();
    if (connect === undefined) throw new Error('no CONNECT');
    return connect;
  }
}
