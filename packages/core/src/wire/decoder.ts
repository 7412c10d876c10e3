/**
 * Bounded, chunking-independent MQTT 3.1.1 decoder for the device side.
 *
 * Theory of operation:
 * - `push(chunk)` queues a chunk by reference (no copy). `next()` decodes one packet at a time.
 * - Rule 1, bound before buffering: the fixed header and remaining length are read first and a
 *   packet announcing more than `maxPacketBytes` is refused before any of it is stored
 *   (mqtt-packet has no cap; docs/design.md "Rules the engine keeps"). A remaining length with a
 *   continuation bit on its 4th byte is refused too (MQTT 3.1.1 §2.2.3 allows 4 bytes).
 * - Rule 2, zero copy when possible: a packet lying wholly inside one pushed chunk is decoded
 *   in place, and a PUBLISH payload is then a plain Uint8Array view of that chunk. The caller must not
 *   overwrite a pushed chunk while such views are in use.
 * - Rule 3, one copy otherwise: a packet spanning chunks is assembled into a region carved from a
 *   slab (slab.ts), so its payload is a view of memory no other packet will ever be given.
 * - Rule 4, the stream dies on the first bad packet: every DecodeFailure is sticky until
 *   `reset()`, because after a framing error nothing later in the stream can be trusted.
 * - This file finds packet boundaries; read-packet.ts reads each framed packet: the six types a
 *   device acts on into their shapes, every other type's frame (flags, fixed lengths) checked and
 *   reported as `{ cmd: 'other' }` (a device never expects one), or as a DecodeFailure naming the broken rule.
 */
import { InvalidIntentError } from '../shared/errors.ts';
import { shown } from './fields.ts';
import type { DecodeFailure, InboundPacket } from './packets.ts';
import { decodePacket } from './read-packet.ts';
import { Slab } from './slab.ts';

export type { DecodeFailure } from './packets.ts';

/** Options for `PacketDecoder`. */
export interface PacketDecoderOptions {
  /** Largest whole packet (fixed header included) accepted, in bytes. */
  readonly maxPacketBytes: number;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * One slab for every decoder: regions are never handed out twice whoever asks, and sharing
 * keeps an idle decoder (one per simulated device in a fleet) free of a 64 KiB block of its own.
 */
const slab = new Slab(65_536);
const NO_CHUNKS: Uint8Array[] = [];

/** Largest fixed header: 1 type byte + 4 remaining-length bytes. */
const MAX_HEADER_BYTES = 5;

/** Decodes MQTT packets from arbitrarily chunked bytes; see the file comment for the rules. */
export class PacketDecoder {
  readonly #maxPacketBytes: number;
  /** Chunk being read and the read position in it. */
  #chunk: Uint8Array = EMPTY;
  #offset = 0;
  /** Chunks pushed while `#chunk` still had unread bytes, oldest first. */
  #queue: Uint8Array[] = NO_CHUNKS;
  /** Bytes of a fixed header split across chunks (only while `#packet` is undefined); made on first use. */
  #header: Uint8Array | undefined = undefined;
  #headerLength = 0;
  /**
   * A packet being assembled across chunks: it occupies #packet[#packetStart, + #packetLength)
   * (a slab block, addressed by offset so no view is made for it) and #filled bytes are in.
   */
  #packet: Uint8Array | undefined = undefined;
  #packetStart = 0;
  #packetLength = 0;
  #filled = 0;
  #failure: DecodeFailure | undefined = undefined;

  /** Creates a decoder that refuses packets over `maxPacketBytes`. */
  constructor(options: PacketDecoderOptions) {
    const max = options.maxPacketBytes;
    if (!Number.isInteger(max) || max < MAX_HEADER_BYTES) {
      throw new RangeError(`maxPacketBytes must be an integer ≥ ${MAX_HEADER_BYTES}, got ${max}`);
    }
    this.#maxPacketBytes = max;
  }

  /** Bytes received but not yet returned as packets (queued chunks and a partial packet). */
  get bufferedBytes(): number {
    let n = this.#chunk.length - this.#offset + this.#headerLength + this.#filled;
    for (const chunk of this.#queue) n += chunk.length;
    return n;
  }

  /**
   * Appends a chunk, kept by reference (not copied): do not overwrite it while packets decoded
   * from it are in use, since a packet wholly inside it is decoded in place. Drain `next()` after
   * each push; the decoder then holds at most one partial packet, under maxPacketBytes. A Node
   * Buffer is read as it is, at no extra cost, and payloads are plain Uint8Array views all the same.
   * Throws InvalidIntentError `invalid-argument` when `chunk` is not a Uint8Array.
   */
  push(chunk: Uint8Array): void {
    if (!(chunk instanceof Uint8Array)) {
      throw new InvalidIntentError('invalid-argument', `PacketDecoder.push takes a Uint8Array, got ${shown(chunk)}`);
    }
    if (this.#failure !== undefined || chunk.length === 0) return; // a dead stream keeps nothing
    if (this.#offset >= this.#chunk.length) {
      this.#chunk = chunk;
      this.#offset = 0;
    } else if (this.#queue === NO_CHUNKS) {
      this.#queue = [chunk];
    } else {
      this.#queue.push(chunk);
    }
  }

  /** Drops all buffered bytes and any failure, for a new connection. */
  reset(): void {
    this.#chunk = EMPTY;
    this.#offset = 0;
    this.#queue = NO_CHUNKS;
    this.#headerLength = 0;
    this.#packet = undefined;
    this.#filled = 0;
    this.#failure = undefined;
  }

  /** Next decoded packet, a (sticky) DecodeFailure, or undefined when more bytes are needed. */
  next(): InboundPacket | DecodeFailure | undefined {
    for (;;) {
      if (this.#failure !== undefined) return this.#failure;
      const region = this.#packet;
      if (region !== undefined && this.#filled === this.#packetLength) return this.#finish(region);
      const chunk = this.#chunk;
      const offset = this.#offset;
      if (offset >= chunk.length) {
        if (!this.#advance()) return undefined;
        continue;
      }
      if (region !== undefined) {
        this.#fill(region, chunk, offset);
        continue;
      }
      if (this.#headerLength > 0) {
        this.#continueHeader(chunk, offset);
        continue;
      }
      // Fast path: fixed header read in place.
      const end = chunk.length;
      let length = 0;
      let multiplier = 1;
      let i = offset + 1;
      let complete = false;
      for (let n = 0; n < 4 && i < end; n++) {
        const b = chunk[i++] as number;
        length += (b & 0x7f) * multiplier;
        multiplier *= 0x80;
        if (b < 0x80) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (i - offset === MAX_HEADER_BYTES) return this.#fail(badRemainingLength());
        // Header split across chunks: keep its few bytes and wait for the rest.
        const header = (this.#header ??= new Uint8Array(MAX_HEADER_BYTES));
        for (let k = offset; k < end; k++) header[k - offset] = chunk[k] as number;
        this.#headerLength = end - offset;
        this.#offset = end;
        continue;
      }
      const total = i - offset + length;
      if (total > this.#maxPacketBytes) return this.#fail(tooLarge(total, this.#maxPacketBytes));
      if (offset + total <= end) {
        this.#offset = offset + total;
        const packet = decodePacket(chunk, offset, i, offset + total);
        if (packet.cmd === 'error') return this.#fail(packet);
        return packet;
      }
      // Packet spans chunks: copy what is here into a fresh region and keep filling.
      this.#claim(total);
      copy(chunk, offset, end, this.#packet as Uint8Array, this.#packetStart);
      this.#filled = end - offset;
      this.#offset = end;
    }
  }

  /** Moves to the next queued chunk; false when none is left. */
  #advance(): boolean {
    const queue = this.#queue;
    if (queue.length === 0) {
      this.#chunk = EMPTY;
      this.#offset = 0;
      return false;
    }
    this.#chunk = queue.shift() as Uint8Array;
    this.#offset = 0;
    if (queue.length === 0) this.#queue = NO_CHUNKS;
    return true;
  }

  /** Adds header bytes one at a time until the remaining length ends, then starts assembly. */
  #continueHeader(chunk: Uint8Array, offset: number): void {
    const header = this.#header as Uint8Array;
    let pos = offset;
    while (pos < chunk.length) {
      const b = chunk[pos++] as number;
      header[this.#headerLength++] = b;
      if (b < 0x80) {
        this.#offset = pos;
        this.#startAssembly();
        return;
      }
      if (this.#headerLength === MAX_HEADER_BYTES) {
        this.#offset = pos;
        this.#fail(badRemainingLength());
        return;
      }
    }
    this.#offset = pos;
  }

  /** The split header is complete: check the size, then copy the header into a region. */
  #startAssembly(): void {
    const header = this.#header as Uint8Array;
    const headerLength = this.#headerLength;
    let length = 0;
    let multiplier = 1;
    for (let i = 1; i < headerLength; i++) {
      length += ((header[i] as number) & 0x7f) * multiplier;
      multiplier *= 0x80;
    }
    const total = headerLength + length;
    this.#headerLength = 0;
    if (total > this.#maxPacketBytes) {
      this.#fail(tooLarge(total, this.#maxPacketBytes));
      return;
    }
    this.#claim(total);
    copy(header, 0, headerLength, this.#packet as Uint8Array, this.#packetStart);
    this.#filled = headerLength;
  }

  /** Copies as many bytes of the packet being assembled as `chunk` holds. */
  #fill(region: Uint8Array, chunk: Uint8Array, offset: number): void {
    const take = Math.min(this.#packetLength - this.#filled, chunk.length - offset);
    copy(chunk, offset, offset + take, region, this.#packetStart + this.#filled);
    this.#filled += take;
    this.#offset = offset + take;
  }

  /** Decodes the assembled packet. */
  #finish(region: Uint8Array): InboundPacket | DecodeFailure {
    const start = this.#packetStart;
    const end = start + this.#packetLength;
    this.#packet = undefined;
    this.#filled = 0;
    let body = start + 1;
    while (((region[body] as number) & 0x80) !== 0) body++;
    body++;
    const packet = decodePacket(region, start, body, end);
    // Only a PUBLISH with a body hands out a view of the region; otherwise its bytes are free again.
    if (packet.cmd !== 'publish' || packet.payload.length === 0) slab.releaseAt(region, start, end);
    if (packet.cmd === 'error') return this.#fail(packet);
    return packet;
  }

  /** Makes room for a packet of `total` bytes spanning chunks: a slab region, or its own array when large. */
  #claim(total: number): void {
    if (total > slab.maxRegion) {
      this.#packet = new Uint8Array(total);
      this.#packetStart = 0;
    } else {
      this.#packetStart = slab.claim(total);
      this.#packet = slab.block;
    }
    this.#packetLength = total;
  }

  #fail(failure: DecodeFailure): DecodeFailure {
    // Nothing after a failure can be decoded: drop every buffered byte now.
    this.reset();
    this.#failure = failure;
    return failure;
  }
}

/**
 * Longest run `copy` moves with a JS loop; longer ones go to `set`, whose view costs an allocation
 * and ~50 ns but whose memcpy wins from here on (measured crossover ~80–100 bytes, Node 20).
 */
const LOOP_COPY_BYTES = 96;

/** Copies source[start, end) to target[at]; a loop (four bytes a turn) for short runs saves `set`'s view. */
function copy(source: Uint8Array, start: number, end: number, target: Uint8Array, at: number): void {
  if (end - start > LOOP_COPY_BYTES) {
    target.set(source.subarray(start, end), at);
    return;
  }
  let i = start;
  let j = at;
  for (; i + 4 <= end; i += 4, j += 4) {
    target[j] = source[i] as number;
    target[j + 1] = source[i + 1] as number;
    target[j + 2] = source[i + 2] as number;
    target[j + 3] = source[i + 3] as number;
  }
  for (; i < end; i++) target[j++] = source[i] as number;
}

function badRemainingLength(): DecodeFailure {
  return {
    cmd: 'error',
    reason: 'bad-remaining-length',
    detail: 'remaining length runs past 4 bytes (MQTT 3.1.1 §2.2.3)',
  };
}

function tooLarge(total: number, max: number): DecodeFailure {
  return { cmd: 'error', reason: 'too-large', detail: `packet of ${total} bytes exceeds maxPacketBytes ${max}` };
}
