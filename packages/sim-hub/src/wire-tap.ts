/**
 * A duplex that sits between a socket (TCP, or a WebSocket stream) and aedes, framing the bytes a
 * device sends. aedes stays the broker; the tap only adds what aedes has no public hook for:
 *
 * - the packet id of every PUBACK, so the hub can complete the C2D message it belongs to (aedes'
 *   `ack` event carries nothing for clean sessions);
 * - IoT Hub grants a QoS 2 subscription as QoS 1 (docs/protocol.md §5); aedes would grant 2, so the tap
 *   rewrites the requested QoS byte before aedes reads it;
 * - a cap on packet size, so one huge remaining length cannot make the hub buffer without bound;
 * - the pieces of a corked write leave together (mqtt-packet writes each packet in pieces);
 * - the hub keeps MQTT sessions itself (session-store.ts), persisted with the rest of its state: the
 *   tap reads CONNECT's CleanSession flag, hands aedes a clean session (so aedes keeps none of its
 *   own), and sets CONNACK's session-present flag from the hub's answer.
 */
import { Duplex } from 'node:stream';

/** Where a connection came from. */
export type Transport = 'tcp' | 'tls' | 'ws' | 'wss';

/** Largest packet framed: a 256 KB message (docs/protocol.md §7) plus a maximal topic and header; bigger closes the connection. */
export const MAX_FRAME_BYTES: number = 262_144 + 65_535 + 64;

const CONNECT = 1;
const CONNACK = 2;
const PUBACK = 4;
const SUBSCRIBE = 8;
const CLEAN_SESSION_FLAG = 0x02;

/** A device connection as aedes sees it; reports PUBACK ids through `onPuback`. */
export class TappedConnection extends Duplex {
  /** The listener that accepted the connection. */
  readonly transport: Transport;
  /** Called with the packet id of each PUBACK the device sends, before aedes handles it. */
  onPuback: ((messageId: number) => void) | undefined;
  /** CONNECT's CleanSession flag as the device sent it (aedes sees 1 whatever the device sent). */
  cleanSession = true;
  /** The session-present flag the first CONNACK carries; set by the hub before aedes writes CONNACK. */
  sessionPresent = false;
  readonly #raw: Duplex;
  #buffered: Buffer = Buffer.alloc(0);
  /** Bytes written so far, up to the end of CONNACK (the first packet a server sends). */
  #written = 0;
  #connackFirstByte = 0;

  /** Wraps `raw`; the tap owns it from now on (destroying the tap destroys it). */
  constructor(raw: Duplex, transport: Transport) {
    super();
    this.transport = transport;
    this.#raw = raw;
    raw.on('data', (chunk: Buffer) => this.#frame(chunk));
    raw.on('end', () => this.push(null));
    raw.on('error', (error: Error) => this.destroy(error));
    raw.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  override _read(): void {
    this.#raw.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#send(chunk, callback);
  }

  /**
   * mqtt-packet corks the stream and writes a packet in pieces; without this they would reach the
   * socket one by one, each its own TLS record and syscall. Here they leave as one buffer.
   */
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.#send(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map(({ chunk }) => chunk)), callback);
  }

  #send(chunk: Buffer, callback: (error?: Error | null) => void): void {
    if (this.#raw.destroyed) {
      callback(new Error('connection closed'));
      return;
    }
    this.#raw.write(this.#written < 4 ? this.#patchConnack(chunk) : chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#raw.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#raw.destroy();
    callback(error);
  }

  /** Splits buffered bytes into whole packets and passes those on; keeps a partial packet for later. */
  #frame(chunk: Buffer): void {
    let buffer = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    const ready: Buffer[] = [];
    while (buffer.length >= 2) {
      const header = remainingLength(buffer);
      if (header === undefined) break;
      if (header === 'malformed') {
        this.destroy(new Error('malformed remaining length (MQTT 3.1.1 §2.2.3)'));
        return;
      }
      const total = header.offset + header.length;
      if (total > MAX_FRAME_BYTES) {
        this.destroy(new Error(`packet of ${total} bytes exceeds ${MAX_FRAME_BYTES}`));
        return;
      }
      if (buffer.length < total) break;
      ready.push(this.#inspect(buffer.subarray(0, total), header.offset));
      buffer = buffer.subarray(total);
    }
    this.#buffered = buffer.length === 0 ? Buffer.alloc(0) : Buffer.from(buffer);
    if (ready.length > 0 && !this.push(ready.length === 1 ? ready[0] : Buffer.concat(ready))) this.#raw.pause();
  }

  /**
   * Sets the session-present bit of CONNACK (bytes 0x20 0x02 flags code). aedes writes a packet in
   * pieces, and some are shared constants, so the byte is found by stream offset and the chunk copied.
   */
  #patchConnack(chunk: Buffer): Buffer {
    const start = this.#written;
    this.#written += chunk.length;
    if (start === 0 && chunk.length > 0) this.#connackFirstByte = chunk[0]!;
    const flagsAt = 2 - start;
    if (flagsAt < 0 || flagsAt >= chunk.length || this.#connackFirstByte >> 4 !== CONNACK) return chunk;
    const copy = Buffer.from(chunk);
    copy[flagsAt] = this.sessionPresent ? 1 : 0;
    return copy;
  }

  #takeCleanSession(packet: Buffer, bodyStart: number): Buffer {
    const read = cleanSessionOf(packet, bodyStart);
    if (read === undefined) return packet; // malformed: aedes refuses it
    this.cleanSession = read.clean;
    return read.packet;
  }

  /** Reports a PUBACK, downgrades QoS 2 subscription requests, records and clears CleanSession; returns the bytes to hand to aedes. */
  #inspect(packet: Buffer, bodyStart: number): Buffer {
    const type = packet[0]! >> 4;
    if (type === CONNECT) return this.#takeCleanSession(packet, bodyStart);
    if (type === PUBACK && packet.length >= bodyStart + 2) this.onPuback?.(packet.readUInt16BE(bodyStart));
    if (type !== SUBSCRIBE) return packet;
    const copy = Buffer.from(packet);
    // Payload: packet id, then (topic length, topic, requested QoS) repeated [MQTT-3.8.3-1].
    let pos = bodyStart + 2;
    while (pos + 2 <= copy.length) {
      pos += 2 + copy.readUInt16BE(pos);
      if (pos < copy.length && copy[pos] === 2) copy[pos] = 1;
      pos += 1;
    }
    return copy;
  }
}

/** Reads CleanSession from CONNECT's connect flags [MQTT-3.1.2-4] and hands aedes a copy with it set. */
function cleanSessionOf(packet: Buffer, bodyStart: number): { clean: boolean; packet: Buffer } | undefined {
  if (packet.length < bodyStart + 2) return undefined;
  const flagsAt = bodyStart + 2 + packet.readUInt16BE(bodyStart) + 1; // protocol name, then level
  if (flagsAt >= packet.length) return undefined;
  const clean = (packet[flagsAt]! & CLEAN_SESSION_FLAG) !== 0;
  if (clean) return { clean, packet };
  const copy = Buffer.from(packet);
  copy[flagsAt] = copy[flagsAt]! | CLEAN_SESSION_FLAG;
  return { clean, packet: copy };
}

/** Decodes the fixed header's remaining length: undefined when more bytes are needed (MQTT 3.1.1 §2.2.3). */
function remainingLength(buffer: Buffer): { offset: number; length: number } | 'malformed' | undefined {
  let length = 0;
  let multiplier = 1;
  for (let i = 1; i <= 4; i++) {
    if (i >= buffer.length) return undefined;
    const byte = buffer[i]!;
    length += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { offset: i + 1, length };
    multiplier *= 128;
  }
  return 'malformed';
}
