/**
 * MqttSession: one MQTT 3.1.1 client connection, the layer both engines compose. It knows no IoT
 * Hub topic: it turns a CONNECT into a connection (CONNACK deadline, keep-alive and ping-response
 * deadlines, token-expiry warning), decodes inbound bytes, answers the packets every client
 * answers the same way (CONNACK, PINGRESP, a packet a client never receives, QoS 2, broken
 * framing) and hands the rest to its owner. It holds the transmit queue, the event queue and the
 * timer table the engine's `poll*` methods read.
 *
 *   disconnected ──open──▶ connecting ──CONNACK 0──▶ connected
 *        ▲                     │  refusal, CONNACK deadline,        │ lost socket, ping deadline,
 *        │                     │  lost socket, broken stream        │ broken stream
 *        └─────────────────────┴────────────────────────────────────┘
 *   any state ──close──▶ closed ──open──▶ connecting
 *
 * Every ending calls the owner's `onEnded` once, after the session's own events, so the owner
 * ends what it tied to the connection (requests, SUBSCRIBEs) with its events following.
 *
 * Memory: an idle engine keeps only numbers here. The queues exist while they hold something, and
 * the decoder only while it holds part of a packet: between reads every session of the process uses
 * one spare decoder, so a million idle connections hold no decoder at all.
 */
import { messageOf } from '../shared/errors.ts';
import { Fifo } from '../shared/fifo.ts';
import { PacketDecoder } from '../wire/decoder.ts';
import { plainChunk } from '../wire/view.ts';
import { DISCONNECT, encodeEnginePublish, PINGREQ } from '../wire/encoder.ts';
import type { InboundPacket, PubackPacket, PublishPacket, SubackPacket, UnsubackPacket } from '../wire/packets.ts';
import { connectRefusedReason, isConnectRetriable } from './connack.ts';
import type { ConnectionLostReason, ProtocolErrorReason, SessionEvent } from './events.ts';
import { Timer, TimerTable } from './timers.ts';

/**
 * A PUBLISH payload of at least this many bytes is queued by reference rather than copied: the
 * transmit queue holds the packet's header, then the payload view itself, and `pollTransmit` hands
 * them out in turn. Below it one copy costs less than an entry more for the driver to write (a
 * socket write per entry).
 */
export const SEPARATE_PAYLOAD_BYTES = 4096;

/** Where a session (and so an engine) stands. */
export type SessionState = 'disconnected' | 'connecting' | 'connected' | 'closed';

/** How a connection ended, for the owner. */
export type SessionEnding =
  | { readonly kind: 'lost'; readonly reason: ConnectionLostReason; readonly detail: string | undefined }
  | { readonly kind: 'refused'; readonly returnCode: number; readonly retriable: boolean }
  | { readonly kind: 'closed'; readonly renewing: boolean };

/** The packets a session hands to its owner: the ones whose meaning depends on what was sent. */
export type OwnerPacket = PublishPacket | PubackPacket | SubackPacket | UnsubackPacket;

/** What an engine does on top of the session. */
export interface SessionOwner {
  /** CONNACK 0 arrived; `resumed` when the broker kept the session and CleanSession was 0. */
  onConnected(now: number, resumed: boolean): void;
  /** A PUBLISH (QoS 0 or 1), PUBACK, SUBACK or UNSUBACK on the open connection. */
  onPacket(now: number, packet: OwnerPacket): void;
  /** The connection ended; called once per connection, after the session's own event. */
  onEnded(ending: SessionEnding): void;
}

/** Deadlines and bounds of a session, fixed for the engine's life. */
export interface SessionSettings {
  /** Longest silence (nothing sent) before PINGREQ; 0 = no pings. */
  readonly keepAliveMs: number;
  readonly connackTimeoutMs: number;
  readonly pingTimeoutMs: number;
  readonly maxPacketBytes: number;
  /** Warn this long before the password expires; undefined = 20 % of its remaining life. */
  readonly tokenRenewalMarginMs: number | undefined;
}

/** What `open` needs besides the encoded CONNECT. */
export interface OpenOptions {
  readonly cleanSession: boolean;
  /** When the password expires, on the caller's clock. */
  readonly passwordExpiresAt: number | undefined;
}

/**
 * The one decoder sessions borrow for a read that leaves nothing behind (every chunk ending on a
 * packet boundary, the common case). A session whose read ends mid-packet keeps the decoder it read
 * with, and the next read makes a new spare. Decoding is synchronous, so no two reads share it at once.
 */
let spare: PacketDecoder | undefined;
/** The packet bound the spare was made with: only a session with the same bound may borrow it. */
let spareMaxPacketBytes = 0;

/** One MQTT 3.1.1 client connection at a time, with its queues and deadlines; `E` is the engine's event union, which includes every session event (session/events.ts). */
export class MqttSession<E extends { readonly type: string }> {
  /** Deadlines of the session and of its owner (owners use the other {@link Timer} slots). */
  readonly timers: TimerTable = new TimerTable();
  private readonly settings: SessionSettings;
  private readonly owner: SessionOwner;
  private stateValue: SessionState = 'disconnected';
  private cleanSession = true;
  /** Only while it holds part of a packet (see `spare`). */
  private decoder: PacketDecoder | undefined;
  /**
   * The queues, each as its head entry plus a Fifo made only for a second entry: the common case, one
   * packet or event queued and taken at once, then allocates nothing.
   */
  private transmitHead: Uint8Array | undefined;
  private transmitRest: Fifo<Uint8Array> | undefined;
  private eventHead: E | undefined;
  private eventRest: Fifo<E> | undefined;
  private lastReceived = NaN;
  private lastSent = NaN;
  /** When the password expires, while a `token-expiring` warning is armed. */
  private expiresAt: number | undefined;

  /** Creates a `disconnected` session serving `owner`. */
  constructor(settings: SessionSettings, owner: SessionOwner) {
    this.settings = settings;
    this.owner = owner;
  }

  /** The connection state. */
  get state(): SessionState {
    return this.stateValue;
  }

  /** Whether a connection is being opened or is open. */
  get isOpen(): boolean {
    return this.stateValue === 'connecting' || this.stateValue === 'connected';
  }

  /** When the last packet arrived, or NaN before the first. */
  get lastReceivedAt(): number {
    return this.lastReceived;
  }

  /** When bytes were last queued, or NaN before the first. */
  get lastSentAt(): number {
    return this.lastSent;
  }

  /** Bytes of an incomplete inbound packet held by the decoder. */
  get bufferedBytes(): number {
    return this.decoder === undefined ? 0 : this.decoder.bufferedBytes;
  }

  /** The next bytes to write to the socket, or undefined. A drained queue is dropped: an idle engine holds none. */
  pollTransmit(): Uint8Array | undefined {
    const bytes = this.transmitHead;
    const rest = this.transmitRest;
    if (rest === undefined) {
      this.transmitHead = undefined;
    } else {
      this.transmitHead = rest.shift();
      if (rest.length === 0) this.transmitRest = undefined;
    }
    return bytes;
  }

  /** The next event, or undefined. A drained queue is dropped. */
  pollEvent(): E | undefined {
    const event = this.eventHead;
    const rest = this.eventRest;
    if (rest === undefined) {
      this.eventHead = undefined;
    } else {
      this.eventHead = rest.shift();
      if (rest.length === 0) this.eventRest = undefined;
    }
    return event;
  }

  /** The earliest deadline of the session and its owner, or undefined. */
  pollTimeout(): number | undefined {
    return this.timers.next();
  }

  /** Starts a connection with an encoded CONNECT; the caller checked it is not open. */
  open(now: number, connect: Uint8Array, options: OpenOptions): void {
    this.dropTransmit(); // leftovers of an earlier socket must not reach the new one
    this.decoder = undefined;
    this.cleanSession = options.cleanSession;
    this.stateValue = 'connecting';
    this.send(now, connect);
    this.timers.set(Timer.ConnAck, now + this.settings.connackTimeoutMs);
    const expiresAt = options.passwordExpiresAt;
    if (expiresAt === undefined) {
      this.expiresAt = undefined;
      this.timers.stop(Timer.TokenRenewal);
    } else {
      // Default margin: 20 % of the remaining lifetime, the C SDK's renew-at-80 % rule (docs/protocol.md §4).
      this.expiresAt = expiresAt;
      const margin = this.settings.tokenRenewalMarginMs ?? Math.floor(Math.max(0, expiresAt - now) * 0.2);
      this.timers.set(Timer.TokenRenewal, Math.max(now, expiresAt - margin));
    }
  }

  /**
   * Queues DISCONNECT when a connection exists (MQTT-3.14.4: the broker discards the Will) and
   * moves to `closed`; a no-op when already closed.
   */
  close(now: number, renewing: boolean): void {
    if (this.stateValue === 'closed') return;
    if (this.stateValue !== 'disconnected') this.push(now, DISCONNECT);
    this.stateValue = 'closed';
    this.timers.stop(Timer.TokenRenewal);
    this.emitOwn({ type: 'disconnected' });
    this.end({ kind: 'closed', renewing });
  }

  /** Bytes from the socket (checked by the engine: session/arguments.ts), chunked any way; bad bytes become events, never exceptions. */
  receive(now: number, chunk: Uint8Array): void {
    if (!this.isOpen) return; // late bytes of a dead socket
    const maxPacketBytes = this.settings.maxPacketBytes;
    let decoder = this.decoder;
    if (decoder === undefined) {
      decoder = spare !== undefined && spareMaxPacketBytes === maxPacketBytes ? spare : new PacketDecoder(this.settings);
      spare = undefined;
      this.decoder = decoder;
    }
    try {
      decoder.push(plainChunk(chunk));
      for (;;) {
        const packet = decoder.next();
        if (packet === undefined) break;
        if (packet.cmd === 'error') {
          this.streamBroken(packet.reason === 'too-large' ? 'packet-too-large' : 'malformed-packet', packet.detail);
          return;
        }
        this.lastReceived = now;
        // Any packet proves the broker alive, not only PINGRESP.
        this.timers.stop(Timer.PingResponse);
        this.onPacket(now, packet);
        if (this.decoder !== decoder) return; // the connection ended while handling it
      }
    } catch (error) {
      // Defensive: a bug or a hostile input must not escape into the driver's read loop.
      if (this.decoder === decoder) this.streamBroken('malformed-packet', messageOf(error));
      return;
    }
    // Nothing left over: hand the decoder back, so an idle session holds none.
    if (decoder.bufferedBytes === 0) {
      this.decoder = undefined;
      spare = decoder;
      spareMaxPacketBytes = maxPacketBytes;
    }
  }

  /** Fires the session's deadlines due at `now` (CONNACK, ping response, keep-alive, token expiry). */
  handleTimeout(now: number): void {
    const timers = this.timers;
    const settings = this.settings;
    if (timers.expire(Timer.ConnAck, now)) this.lose('connack-timeout', `no CONNACK within ${settings.connackTimeoutMs} ms`);
    if (timers.expire(Timer.PingResponse, now)) this.lose('ping-timeout', `no PINGRESP within ${settings.pingTimeoutMs} ms`);
    if (timers.expire(Timer.KeepAlive, now)) {
      // Nothing was sent for keep-alive seconds: PINGREQ keeps the broker from closing us (MQTT-3.1.2-23).
      this.send(now, PINGREQ);
      if (timers.get(Timer.PingResponse) === undefined) timers.set(Timer.PingResponse, now + settings.pingTimeoutMs);
    }
    if (timers.expire(Timer.TokenRenewal, now)) this.emitOwn({ type: 'token-expiring', expiresAt: this.expiresAt as number });
  }

  /** The driver saw the socket close: ends the connection; a no-op when there is none. */
  connectionLost(reason: string | undefined): void {
    if (this.isOpen) this.lose('socket-closed', reason);
  }

  /** Queues bytes and restarts the keep-alive clock (MQTT-3.1.2-23 counts what the client sends). */
  send(now: number, bytes: Uint8Array): void {
    this.push(now, bytes);
    if (this.stateValue === 'connected' && this.settings.keepAliveMs > 0) this.timers.set(Timer.KeepAlive, now + this.settings.keepAliveMs);
  }

  /**
   * Queues a PUBLISH its owner validated (the encoder throws nothing for it then): one entry, or for a
   * payload of SEPARATE_PAYLOAD_BYTES or more the header, then `payload` itself (not copied: the
   * driver writes the caller's memory). Either way the bytes are `encodePublish`'s.
   */
  sendPublish(now: number, topic: string, payload: Uint8Array, qos: 0 | 1, messageId: number, dup: boolean): void {
    if (payload.length < SEPARATE_PAYLOAD_BYTES) {
      this.send(now, encodeEnginePublish(topic, payload, qos, messageId, dup, true));
      return;
    }
    this.push(now, encodeEnginePublish(topic, payload, qos, messageId, dup, false));
    this.send(now, payload);
  }

  /** Queues an event for the application. */
  emit(event: E): void {
    if (this.eventHead === undefined) this.eventHead = event;
    else (this.eventRest ??= new Fifo()).push(event);
  }

  /** Reports bad input that leaves the stream usable. */
  protocolError(reason: ProtocolErrorReason, detail: string): void {
    this.emitOwn({ type: 'protocol-error', reason, detail });
  }

  /** The stream cannot be trusted any more: `protocol-error`, then the connection is lost. */
  streamBroken(reason: ProtocolErrorReason, detail: string): void {
    this.protocolError(reason, detail);
    this.lose('protocol-error', detail);
  }

  /** The engine's union includes every session event, which the type parameter cannot state. */
  private emitOwn(event: SessionEvent): void {
    this.emit(event as unknown as E);
  }

  private onPacket(now: number, packet: InboundPacket): void {
    if (this.stateValue === 'connecting' && packet.cmd !== 'connack') {
      this.streamBroken('unexpected-packet', `${packet.cmd} before CONNACK [MQTT-3.2.0-1]`);
      return;
    }
    switch (packet.cmd) {
      case 'connack':
        if (this.stateValue === 'connecting') this.onConnack(now, packet.returnCode, packet.sessionPresent);
        else this.streamBroken('unexpected-packet', 'a second CONNACK [MQTT-3.2.0-1]');
        return;
      case 'pingresp':
        return; // the ping-response deadline was stopped on arrival
      case 'publish':
        if (packet.qos === 2) {
          // Never subscribed above QoS 1, so QoS 2 may not come (MQTT-3.8.4-6); PUBREC is not spoken here.
          this.streamBroken('unexpected-packet', 'a QoS 2 PUBLISH on a connection subscribed at QoS ≤ 1 [MQTT-3.8.4-6]');
          return;
        }
        this.owner.onPacket(now, packet);
        return;
      case 'puback':
      case 'suback':
      case 'unsuback':
        this.owner.onPacket(now, packet);
        return;
      default:
        this.streamBroken('unexpected-packet', `a ${packet.name} packet, which a client never receives`);
    }
  }

  private onConnack(now: number, returnCode: number, sessionPresent: boolean): void {
    this.timers.stop(Timer.ConnAck);
    if (returnCode !== 0) {
      // MQTT-3.2.2-5: the broker closes the connection after a refusal.
      this.stateValue = 'disconnected';
      this.dropTransmit();
      const retriable = isConnectRetriable(returnCode);
      this.emitOwn({ type: 'connect-failed', returnCode, reason: connectRefusedReason(returnCode), retriable });
      this.end({ kind: 'refused', returnCode, retriable });
      return;
    }
    const resumed = sessionPresent && !this.cleanSession;
    this.stateValue = 'connected';
    this.emitOwn({ type: 'connected', sessionPresent: resumed });
    if (this.settings.keepAliveMs > 0) this.timers.set(Timer.KeepAlive, this.lastSent + this.settings.keepAliveMs);
    this.owner.onConnected(now, resumed);
  }

  /**
   * Ends the connection from the network's side. After a broken stream the socket is still open,
   * so bytes already queued (PUBACKs earned by deliveries before the break) stay for the driver to
   * write before it closes: the bytes, like the events, do not depend on chunking. After the other
   * endings the socket is gone and its bytes are dropped.
   */
  private lose(reason: ConnectionLostReason, detail: string | undefined): void {
    this.stateValue = 'disconnected';
    if (reason !== 'protocol-error') this.dropTransmit();
    this.emitOwn(detail === undefined ? { type: 'connection-lost', reason } : { type: 'connection-lost', reason, detail });
    this.end({ kind: 'lost', reason, detail });
  }

  private end(ending: SessionEnding): void {
    this.decoder = undefined;
    this.timers.stop(Timer.ConnAck);
    this.timers.stop(Timer.KeepAlive);
    this.timers.stop(Timer.PingResponse);
    this.owner.onEnded(ending);
  }

  private push(now: number, bytes: Uint8Array): void {
    if (this.transmitHead === undefined) this.transmitHead = bytes;
    else (this.transmitRest ??= new Fifo()).push(bytes);
    this.lastSent = now;
  }

  private dropTransmit(): void {
    this.transmitHead = undefined;
    this.transmitRest = undefined;
  }
}
