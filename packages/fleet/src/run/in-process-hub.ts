/**
 * A simulated network without sockets, for measuring what the engines themselves cost: every
 * device gets a ByteStream whose bytes go, through one shared queue drained on the next
 * macrotask, to a minimal IoT Hub responder, and its answers come back the same way. The
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
/** Deliveries per macrotask before yielding to timers and I/O. */
const BATCH = 20_000;

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
  #toHub: (Link | Uint8Array)[] = [];
  #toDevices: (Link | Uint8Array)[] = [];
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

  #drain(): void {
    this.#scheduled = false;
    let budget = BATCH;
    // Swap the queues first: what handlers write while this runs waits for the next turn.
    const toHub = this.#toHub;
    this.#toHub = [];
    for (let i = 0; i < toHub.length; i += 2) this.#receive(toHub[i] as Link, toHub[i + 1] as Uint8Array);
    const toDevices = this.#toDevices;
    this.#toDevices = [];
    let i = 0;
    for (; i < toDevices.length && budget > 0; i += 2, budget--) {
      const link = toDevices[i] as Link;
      if (link.open) link.device.onData(toDevices[i + 1] as Uint8Array);
    }
    if (i < toDevices.length) this.#toDevices = toDevices.slice(i).concat(this.#toDevices);
    if (this.#toHub.length > 0 || this.#toDevices.length > 0) this.#schedule();
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
