/**
 * Bump allocator for byte regions handed out as views (decoded payloads, encoded packets).
 *
 * `new Uint8Array(n)` with n above V8's on-heap limit (64 bytes) allocates a separate backing
 * store and costs several hundred ns; carving `subarray` views out of one large block costs
 * ~50 ns. A region is never handed out twice: the offset only moves forward, and when the block
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
    if (this.#offset + n > this.#block.length) {
      this.#block = new Uint8Array(this.#blockBytes);
      this.#offset = 0;
    }
    const start = this.#offset;
    this.#offset = start + n;
    this.#lastEnd = this.#offset;
    return this.#block.subarray(start, this.#offset);
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
    if (this.#offset + n > this.#block.length) {
      this.#block = new Uint8Array(this.#blockBytes);
      this.#offset = 0;
    }
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
    return this.#block.subarray(start, end);
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
    if (
      this.#lastEnd === this.#offset &&
      bytes.buffer === this.#block.buffer &&
      bytes.byteOffset + end === this.#offset
    ) {
      this.#offset = bytes.byteOffset + start;
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
