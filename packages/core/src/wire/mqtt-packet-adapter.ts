/**
 * The one door to mqtt-packet, and the only file in core that touches `Buffer`.
 *
 * mqtt-packet encodes the rare, structurally rich packets (CONNECT with its flags and Will,
 * SUBSCRIBE, UNSUBSCRIBE) and parses whatever the fast decoder does not handle itself. It
 * speaks `Buffer`; everything leaving this file is a plain `Uint8Array` view over the same
 * memory (no copy). `Buffer` comes from the `buffer` module, as mqtt-packet imports it, so a
 * bundler can polyfill it outside Node (docs/design.md "Portability").
 */
import { Buffer } from 'buffer';
import { generate, parser as createParser } from 'mqtt-packet';
import type { IConnectPacket, Packet } from 'mqtt-packet';

/** Last Will sent in CONNECT; IoT Hub forwards it as telemetry (docs/protocol.md §2 "Will"). */
export interface WillOptions {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1;
  readonly retain: false;
}

/** Everything an IoT Hub or DPS CONNECT needs (docs/protocol.md §2, §13). */
export interface ConnectOptions {
  readonly clientId: string;
  readonly username: string;
  /** SAS token; absent for X.509 authentication (docs/protocol.md §2). */
  readonly password?: string;
  readonly keepAliveSeconds: number;
  readonly cleanSession: boolean;
  readonly will?: WillOptions;
}

/** One SUBSCRIBE entry; IoT Hub grants at most QoS 1 (docs/protocol.md §5). */
export interface SubscriptionRequest {
  readonly topic: string;
  readonly qos: 0 | 1;
}

/** Outcome of `parsePacket`: mqtt-packet's packet object, or its complaint. */
export type ParsedPacket =
  | { readonly ok: true; readonly packet: Packet }
  | { readonly ok: false; readonly error: string };

/** Wraps a Uint8Array as a Buffer over the same memory (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength); // allowed: mqtt-packet works on Buffers
}

/** Re-views a Buffer as a plain Uint8Array (no copy), so no Buffer escapes this file. */
function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Encodes an MQTT 3.1.1 CONNECT (protocol level 4); throws if mqtt-packet rejects a field. */
export function encodeConnect(o: ConnectOptions): Uint8Array {
  const packet: IConnectPacket = {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId: o.clientId,
    clean: o.cleanSession,
    keepalive: o.keepAliveSeconds,
    username: o.username,
  };
  // X.509 devices send no password flag at all (docs/protocol.md §2).
  if (o.password !== undefined) packet.password = Buffer.from(o.password, 'utf8'); // allowed: mqtt-packet wants the password as a Buffer
  if (o.will !== undefined) {
    packet.will = { topic: o.will.topic, payload: asBuffer(o.will.payload), qos: o.will.qos, retain: o.will.retain };
  }
  return asBytes(generate(packet));
}

/** Encodes SUBSCRIBE; throws if mqtt-packet rejects a topic or the packet id. */
export function encodeSubscribe(messageId: number, subscriptions: readonly SubscriptionRequest[]): Uint8Array {
  return asBytes(
    generate({
      cmd: 'subscribe',
      messageId,
      subscriptions: subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })),
    }),
  );
}

/** Encodes UNSUBSCRIBE; throws if mqtt-packet rejects a topic or the packet id. */
export function encodeUnsubscribe(messageId: number, topics: readonly string[]): Uint8Array {
  return asBytes(generate({ cmd: 'unsubscribe', messageId, unsubscriptions: [...topics] }));
}

/**
 * Parses exactly one complete packet with mqtt-packet's parser (protocol level 4).
 * A fresh parser per call: mqtt-packet's parser keeps settings from a parsed CONNECT, and this
 * path only serves packets a device should never receive, so its cost does not matter.
 */
export function parsePacket(bytes: Uint8Array): ParsedPacket {
  const parser = createParser({ protocolVersion: 4 });
  let packet: Packet | undefined;
  let count = 0;
  let error: string | undefined;
  parser.on('packet', (p: Packet) => {
    packet = p;
    count++;
  });
  parser.on('error', (e: Error) => {
    error ??= e.message;
  });
  const left = parser.parse(asBuffer(bytes));
  if (error !== undefined) return { ok: false, error };
  if (packet === undefined || count !== 1 || left !== 0) {
    return { ok: false, error: 'bytes are not exactly one complete packet' };
  }
  return { ok: true, packet };
}
