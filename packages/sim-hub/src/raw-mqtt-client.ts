/**
 * A bare MQTT 3.1.1 client (mqtt-packet over node:net or a `ws` WebSocket) for packet-level tests:
 * it pokes the simulated hub packet by packet, and plays the hub's side against mosquitto in the
 * interop tests. It sends exactly what it is told, keeps every packet it receives, and lets a test
 * wait, with a deadline, for the next packet that matches or for the socket to close.
 * Deliberately independent of hubwire's own codec and engine.
 */
import { createConnection, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkServerIdentity, connect as connectTls } from 'node:tls';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { createWebSocketStream, WebSocket } from 'ws';
import { WEBSOCKET_PATH, WEBSOCKET_PROTOCOL } from './listeners.ts';

/** A received packet, as mqtt-packet parses it. */
export type RawPacket = Packet & {
  readonly topic?: string;
  readonly payload?: Buffer;
  readonly qos?: number;
  readonly dup?: boolean;
  readonly messageId?: number;
  readonly granted?: number[];
  readonly returnCode?: number;
};

/** What connect() sends. */
export interface RawConnectOptions {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly clean?: boolean;
  readonly keepalive?: number;
  readonly will?: { readonly topic: string; readonly payload: string; readonly qos: 0 | 1; readonly retain?: boolean };
}

interface Waiter {
  readonly match: (packet: RawPacket) => boolean;
  readonly resolve: (packet: RawPacket) => void;
}

/** One raw connection. */
export class RawMqttClient {
  /** Resolves when the socket has closed (from either side). */
  readonly closed: Promise<void>;
  readonly #stream: Duplex;
  readonly #received: RawPacket[] = [];
  #waiters: Waiter[] = [];
  #isClosed = false;
  #nextId = 1;

  private constructor(stream: Duplex) {
    this.#stream = stream;
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet) => this.#deliver(packet as RawPacket));
    stream.on('data', (chunk: Buffer) => parser.parse(chunk));
    stream.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      stream.once('close', () => {
        this.#isClosed = true;
        resolve();
      }),
    );
  }

  /** Opens TCP to 127.0.0.1:`port`. */
  static async tcp(port: number): Promise<RawMqttClient> {
    const socket = createConnection({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawMqttClient(socket);
  }

  /** Opens TLS to 127.0.0.1:`port`, verifying the server against `ca` for `servername` (an IP name checks the IP SAN). */
  static async tls(port: number, options: { readonly ca: string; readonly servername?: string }): Promise<RawMqttClient> {
    const servername = options.servername ?? '127.0.0.1';
    const socket = connectTls({ host: '127.0.0.1', port, ca: options.ca, ...(isIP(servername) === 0 ? { servername } : {}), checkServerIdentity: (_host, cert) => checkServerIdentity(servername, cert) });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    return new RawMqttClient(socket);
  }

  /**
   * Opens `ws://127.0.0.1:{port}/$iothub/websocket` (or `wss://` with `tls`) offering subprotocol `mqtt`;
   * rejects when the upgrade is refused.
   */
  static async webSocket(
    port: number,
    path: string = WEBSOCKET_PATH,
    protocols: readonly string[] = [WEBSOCKET_PROTOCOL],
    tls?: { readonly ca: string },
  ): Promise<RawMqttClient> {
    const socket = new WebSocket(`${tls === undefined ? 'ws' : 'wss'}://127.0.0.1:${port}${path}`, [...protocols], tls === undefined ? {} : { ca: tls.ca });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new RawMqttClient(createWebSocketStream(socket));
  }

  /** True once the socket has closed. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Writes one packet. */
  send(packet: Packet): void {
    this.#stream.write(mqttPacket.generate(packet));
  }

  /** The next received packet matching `match` (already received and unclaimed, or yet to come); rejects after `timeoutMs`. */
  next(match: (packet: RawPacket) => boolean, timeoutMs = 3000): Promise<RawPacket> {
    const index = this.#received.findIndex(match);
    if (index !== -1) return Promise.resolve(this.#received.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (packet) => {
          clearTimeout(timer);
          resolve(packet);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching packet within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** The next PUBLISH whose topic starts with `prefix`. */
  nextPublish(prefix: string, timeoutMs = 3000): Promise<RawPacket> {
    return this.next((packet) => packet.cmd === 'publish' && packet.topic!.startsWith(prefix), timeoutMs);
  }

  /** Sends CONNECT; resolves with the CONNACK return code. */
  async connect(options: RawConnectOptions, timeoutMs = 3000): Promise<number> {
    return (await this.connectAck(options, timeoutMs)).returnCode;
  }

  /** Sends CONNECT; resolves with the CONNACK's return code and session-present flag. */
  async connectAck(options: RawConnectOptions, timeoutMs = 3000): Promise<{ returnCode: number; sessionPresent: boolean }> {
    this.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: options.clientId,
      clean: options.clean ?? true,
      keepalive: options.keepalive ?? 60,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: Buffer.from(options.password) }),
      ...(options.will === undefined
        ? {}
        : { will: { topic: options.will.topic, payload: Buffer.from(options.will.payload), qos: options.will.qos, retain: options.will.retain ?? false } }),
    });
    const connack = (await this.next((packet) => packet.cmd === 'connack', timeoutMs)) as RawPacket & { sessionPresent?: boolean };
    return { returnCode: connack.returnCode!, sessionPresent: connack.sessionPresent === true };
  }

  /** Sends SUBSCRIBE; resolves with the granted list of the SUBACK. */
  async subscribe(filters: readonly (readonly [topic: string, qos: 0 | 1 | 2])[], timeoutMs = 3000): Promise<number[]> {
    const messageId = this.#nextId++;
    this.send({ cmd: 'subscribe', messageId, subscriptions: filters.map(([topic, qos]) => ({ topic, qos })) });
    const suback = await this.next((packet) => packet.cmd === 'suback' && packet.messageId === messageId, timeoutMs);
    return suback.granted!;
  }

  /** Sends UNSUBSCRIBE; resolves on its UNSUBACK. */
  async unsubscribe(filters: readonly string[], timeoutMs = 3000): Promise<void> {
    const messageId = this.#nextId++;
    this.send({ cmd: 'unsubscribe', messageId, unsubscriptions: [...filters] });
    await this.next((packet) => packet.cmd === 'unsuback' && packet.messageId === messageId, timeoutMs);
  }

  /** Sends PUBLISH; at QoS 1 resolves after its PUBACK. QoS 2 is sent but not awaited (the hub closes instead). */
  async publish(topic: string, payload: string | Uint8Array, options: { qos?: 0 | 1 | 2; retain?: boolean } = {}, timeoutMs = 3000): Promise<void> {
    const qos = options.qos ?? 0;
    const messageId = qos > 0 ? this.#nextId++ : undefined;
    this.send({
      cmd: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload),
      qos,
      dup: false,
      retain: options.retain ?? false,
      ...(messageId === undefined ? {} : { messageId }),
    });
    if (qos === 1) await this.next((packet) => packet.cmd === 'puback' && packet.messageId === messageId, timeoutMs);
  }

  /** Sends PUBACK for a received QoS 1 PUBLISH. */
  puback(messageId: number): void {
    this.send({ cmd: 'puback', messageId });
  }

  /** Resolves when the socket closes; rejects after `timeoutMs` if it stays open. */
  async waitClosed(timeoutMs = 3000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.closed, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends DISCONNECT and closes. */
  disconnect(): void {
    if (this.#isClosed) return;
    this.send({ cmd: 'disconnect' });
    this.#stream.end();
  }

  /** Closes the socket without DISCONNECT. */
  destroy(): void {
    this.#stream.destroy();
  }

  #deliver(packet: RawPacket): void {
    const waiter = this.#waiters.find((w) => w.match(packet));
    if (waiter === undefined) {
      this.#received.push(packet);
      return;
    }
    this.#waiters = this.#waiters.filter((w) => w !== waiter);
    waiter.resolve(packet);
  }
}
