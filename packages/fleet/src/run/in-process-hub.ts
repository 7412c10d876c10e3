/**
 * A simulated network without sockets, for measuring what the engines themselves cost: every
 * device gets a ByteStream whose bytes go, through a first-in first-out queue worked on in
 * time-bounded slices (one macrotask each), to a minimal IoT Hub responder, and its answers come
 * back through a second queue the same way. The
 * responder accepts any well-formed CONNECT (the device side is what is measured, so tokens are
 * signed but not checked), grants subscriptions at QoS ≤ 1, acknowledges QoS 1 telemetry,
 * answers twin GET and reported PATCH, and PINGREQ. Devices get a PUBLISH per twin request only.
 */
import { encodePublish } from '@hubwire/core';
import type { ByteStream, Connector, StreamHandlers } from '@hubwire/node';

const CONNACK = Uint8Array.of(0x20, 0x02, 0x00, 0x00);
const PINGRESP = Uint8Array.of(0xd0, 0x00);
const TWIN_GET = '$iothub/twin/GET/?$rid=';
const TWIN_PATCH = '$iothub/twin/PATCH/properties/reported/?$rid=';
const TWIN_BODY = new TextEncoder().encode('{"desired":{"$version":1},"reported":{"$version":1}}');
const EMPTY = new Uint8Array(0);
/**
 * Work per turn of the event loop: packets are moved in rounds of ROUND per direction. Every
 * packet that was waiting when the turn began is handled in it, so the hub keeps pace with the
 * devices however long their own turns grow (a hub limited to a fixed slice fell behind a million
 * devices for good once a turn took longer than the slice). Past that, the hub stops after
 * SLICE_MS and yields to timers and I/O (the fleet's timer wheel, its progress line, /metrics),
 * so a burst — thousands of devices connecting at once — is answered over several turns.
 */
const SLICE_MS = 20;
const ROUND = 256;

/** A first-in first-out queue of (link, bytes) pairs; taking from the head is O(1). */
class PacketQueue {
  #items: (Link | Uint8Array)[] = [];
  #head = 0;

  get length(): number {
    return (this.#items.length - this.#head) >> 1;
  }

  push(link: Link, bytes: Uint8Array): void {
    this.#items.push(link, bytes);
  }

  /** Hands up to `max` pairs to `take` in order; returns how many. */
  take(max: number, take: (link: Link, bytes: Uint8Array) => void): number {
    let n = 0;
    // `take` may push onto this queue: those wait for a later call, behind what is here now.
    const end = Math.min(this.#items.length, this.#head + 2 * max);
    while (this.#head < end) {
      const link = this.#items[this.#head] as Link;
      const bytes = this.#items[this.#head + 1] as Uint8Array;
      this.#items[this.#head] = this.#items[this.#head + 1] = undefined as unknown as Link;
      this.#head += 2;
      n++;
      take(link, bytes);
    }
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 65_536 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return n;
  }
}

/** One simulated connection. */
class Link {
  /** Bytes of a packet split across writes (rare: the engine writes whole packets). */
  pending: Uint8Array | undefined;
  open = true;
  reportedVersion = 1;
  constructor(readonly device: StreamHandlers) {}
}

/** What the in-process hub counted. */
export interface InProcessHubStats {
  connects: number;
  telemetry: number;
  twinRequests: number;
}

/** The in-process network and hub. */
export class InProcessHub {
  readonly stats: InProcessHubStats = { connects: 0, telemetry: 0, twinRequests: 0 };
  readonly #toHub = new PacketQueue();
  readonly #toDevices = new PacketQueue();
  #scheduled = false;
  readonly #decoder = new TextDecoder();

  /** Returns a Connector whose streams reach this hub. */
  connector(): Connector {
    return async (handlers) => {
      const link = new Link(handlers);
      const stream: ByteStream = {
        label: 'in-process',
        write: (chunks) => {
          if (!link.open) return;
          for (const chunk of chunks) this.#toHub.push(link, chunk);
          this.#schedule();
        },
        close: () => this.#close(link, 'closed locally'),
      };
      return stream;
    };
  }

  #close(link: Link, reason: string): void {
    if (!link.open) return;
    link.open = false;
    // The close is reported asynchronously, as a socket's would be.
    setImmediate(() => link.device.onClose(reason));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#drain());
  }

  /** Packets waiting in either direction. */
  get queued(): number {
    return this.#toHub.length + this.#toDevices.length;
  }

  #drain(): void {
    this.#scheduled = false;
    const until = performance.now() + SLICE_MS;
    // What was waiting when this turn began, per direction: first in, so first taken.
    let owedToHub = this.#toHub.length;
    let owedToDevices = this.#toDevices.length;
    const receive = (link: Link, bytes: Uint8Array): void => this.#receive(link, bytes);
    const deliver = (link: Link, bytes: Uint8Array): void => {
      if (link.open) link.device.onData(bytes);
    };
    // Both directions in turn, so answers keep flowing while devices keep writing.
    let moved: number;
    do {
      const received = this.#toHub.take(ROUND, receive);
      const delivered = this.#toDevices.take(ROUND, deliver);
      owedToHub -= received;
      owedToDevices -= delivered;
      moved = received + delivered;
    } while (moved > 0 && (owedToHub > 0 || owedToDevices > 0 || performance.now() < until));
    if (this.queued > 0) this.#schedule();
  }

  #send(link: Link, bytes: Uint8Array): void {
    this.#toDevices.push(link, bytes);
    this.#schedule();
  }

  /** Frames `chunk` into packets and answers each. */
  #receive(link: Link, chunk: Uint8Array): void {
    if (!link.open) return;
    let bytes = chunk;
    if (link.pending !== undefined) {
      bytes = new Uint8Array(link.pending.length + chunk.length);
      bytes.set(link.pending);
      bytes.set(chunk, link.pending.length);
      link.pending = undefined;
    }
    let offset = 0;
    while (offset < bytes.length) {
      // Fixed header: type byte, then the remaining length in 1–4 bytes (MQTT 3.1.1 §2.2.3).
      let length = 0;
      let multiplier = 1;
      let at = offset + 1;
      let complete = false;
      for (let n = 0; n < 4 && at < bytes.length; n++) {
        const byte = bytes[at++] as number;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || at + length > bytes.length) break;
      this.#packet(link, bytes[offset] as number, bytes.subarray(at, at + length));
      offset = at + length;
    }
    if (offset < bytes.length) link.pending = bytes.slice(offset);
  }

  #packet(link: Link, header: number, body: Uint8Array): void {
    switch (header >> 4) {
      case 1: // CONNECT
        this.stats.connects++;
        this.#send(link, CONNACK);
        break;
      case 3: // PUBLISH
        this.#publish(link, (header >> 1) & 3, body);
        break;
      case 8: {
        // SUBSCRIBE: packet id, then (filter, QoS) pairs; each granted at min(QoS, 1).
        const granted: number[] = [];
        for (let at = 2; at + 2 < body.length; ) {
          const length = ((body[at] as number) << 8) | (body[at + 1] as number);
          at += 2 + length;
          granted.push(Math.min(body[at++] as number, 1));
        }
        this.#send(link, Uint8Array.of(0x90, 2 + granted.length, body[0] as number, body[1] as number, ...granted));
        break;
      }
      case 12: // PINGREQ
        this.#send(link, PINGRESP);
        break;
      case 14: // DISCONNECT
        this.#close(link, 'closed by the peer');
        break;
      default: // PUBACK for C2D (never sent here), UNSUBSCRIBE: nothing to answer
        break;
    }
  }

  #publish(link: Link, qos: number, body: Uint8Array): void {
    const topicLength = ((body[0] as number) << 8) | (body[1] as number);
    const first = body[2];
    if (first !== 0x24 /* $ */) {
      this.stats.telemetry++;
      if (qos === 1) {
        const at = 2 + topicLength;
        this.#send(link, Uint8Array.of(0x40, 0x02, body[at] as number, body[at + 1] as number));
      }
      return;
    }
    const topic = this.#decoder.decode(body.subarray(2, 2 + topicLength));
    if (topic.startsWith(TWIN_GET)) {
      this.stats.twinRequests++;
      const rid = topic.slice(TWIN_GET.length);
      this.#send(link, encodePublish({ topic: `$iothub/twin/res/200/?$rid=${rid}`, payload: TWIN_BODY, qos: 0 }));
    } else if (topic.startsWith(TWIN_PATCH)) {
      this.stats.twinRequests++;
      const rid = topic.slice(TWIN_PATCH.length);
      const version = ++link.reportedVersion;
      this.#send(link, encodePublish({ topic: `$iothub/twin/res/204/?$rid=${rid}&$version=${version}`, payload: EMPTY, qos: 0 }));
    }
  }
}
