/**
 * Bump allocator for byte regions handed out as views (decoded payloads, encoded packets).
 *
 * `new Uint8Array(n)` with n above V8's on-heap limit (64 bytes) allocates a separate backing
 * store and costs several hundred ns; a view of one large block costs ~35 ns when made from the
 * block's ArrayBuffer, which is kept for it (`subarray` reads it through a getter each time and
 * costs twice as much). A region is never handed out twice: the offset only moves forward, and when the block
 * is exhausted a fresh one replaces it (the old block lives on for as long as views into it do).
 * Regions larger than a quarter of the block get their own allocation so one big packet does
 * not waste the rest of a block. No block exists until the first region is needed, so an idle
 * owner costs a few words.
 */
const NO_BLOCK: Uint8Array = new Uint8Array(0);

/** Bump allocator of byte regions; see the file comment. */
export class Slab {
  readonly #blockBytes: number;
  #block: Uint8Array = NO_BLOCK;
  /** `#block.buffer`, read once per block. */
  #buffer: ArrayBuffer = NO_BLOCK.buffer as ArrayBuffer;
  #offset = 0;
  /** End of the last region, while it may still be returned with `release`. */
  #lastEnd = -1;

  /** Creates an allocator carving regions out of blocks of `blockBytes` bytes. */
  constructor(blockBytes = 65536) {
    this.#blockBytes = blockBytes;
  }

  /** A region of exactly `n` bytes (contents unspecified) that no other live `alloc` shares. */
  alloc(n: number): Uint8Array {
    if (n > this.#blockBytes >>> 2) {
      this.#lastEnd = -1;
      return new Uint8Array(n);
    }
    if (this.#offset + n > this.#block.length) this.#newBlock();
    const start = this.#offset;
    this.#offset = start + n;
    this.#lastEnd = this.#offset;
    return new Uint8Array(this.#buffer, start, n);
  }

  /** Starts a fresh block; the old one lives on for as long as views into it do. */
  #newBlock(): void {
    const buffer = new ArrayBuffer(this.#blockBytes);
    this.#block = new Uint8Array(buffer);
    this.#buffer = buffer;
    this.#offset = 0;
  }

  /** Largest region `alloc` carves from a block (larger ones get their own memory) and `reserve` accepts. */
  get maxRegion(): number {
    return this.#blockBytes >>> 2;
  }

  /** The current block; bytes from `reserve()`'s offset on may be written until `commit`. */
  get block(): Uint8Array {
    return this.#block;
  }

  /**
   * Makes `n` bytes (at most `maxRegion`) writable at the returned offset of `block`, for a writer
   * that learns its exact size only while writing; `commit` then hands out the used part.
   */
  reserve(n: number): number {
    if (n > this.maxRegion) throw new RangeError(`cannot reserve ${n} bytes; the limit is ${this.maxRegion}`);
    if (this.#offset + n > this.#block.length) this.#newBlock();
    this.#lastEnd = -1;
    return this.#offset;
  }

  /**
   * Like `alloc`, but the region is block[returned offset, + n) of the current `block`, with no
   * view made for it: a caller that reads and writes by offset (the decoder assembling a packet)
   * saves the view object. `n` must be at most `maxRegion`; release it with `releaseAt`.
   */
  claim(n: number): number {
    const start = this.reserve(n);
    this.#offset = start + n;
    this.#lastEnd = this.#offset;
    return start;
  }

  /** Hands out block[reserve offset, end) as a region, like `alloc`; `end` must lie inside the reservation. */
  commit(end: number): Uint8Array {
    const start = this.#offset;
    this.#offset = end;
    this.#lastEnd = end;
    return new Uint8Array(this.#buffer, start, end - start);
  }

  /**
   * Returns the most recent region when no view of it escaped (e.g. a control packet was
   * decoded from it), so the next `alloc` reuses the bytes. Any other region is left alone.
   */
  release(region: Uint8Array): void {
    this.releaseAt(region, 0, region.length);
  }

  /** `release` for region[start, end) of `bytes` (a block from `claim`, or a region from `alloc`). */
  releaseAt(bytes: Uint8Array, start: number, end: number): void {
    if (this.#lastEnd === this.#offset) {
      // The block itself (what `claim` addresses) needs none of the getters a view's offset is read through.
      const base = bytes === this.#block ? 0 : bytes.buffer === this.#buffer ? bytes.byteOffset : -1;
      if (base !== -1 && base + end === this.#offset) this.#offset = base + start;
    }
    this.#lastEnd = -1;
  }
}

/**
 * Regions for encoded packets (every encoder's result). Blocks stay at 64 KiB: larger ones fall past
 * glibc's mmap threshold (128 KiB), and page faults on every fresh block then cost more than the
 * allocations the slab saves.
 */
export const outboundSlab: Slab = new Slab(65_536);
