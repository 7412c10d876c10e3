/**
 * Plain Uint8Array views of received bytes, made as cheaply as V8 allows.
 *
 * `new Uint8Array(arrayBuffer, offset, length)` is the cheapest view there is (~35 ns on Node 20), but reading
 * a typed array's `.buffer` and `.byteOffset` costs more than the view itself (two getter calls, ~80 ns), and
 * `subarray` pays for both and a species lookup (~60 ns; ~140 ns on a Node Buffer, whose own subarray also makes
 * a Buffer, docs/design.md "Portability"). Packets decoded from one chunk share it, so the chunk's buffer and offset are read once
 * and kept with the chunk they belong to. Holding the last chunk costs nothing its payload views do not hold anyway.
 */
let lastBytes: Uint8Array | undefined;
let lastBuffer: ArrayBufferLike = new ArrayBuffer(0);
let lastOffset = 0;

/** A plain Uint8Array over bytes[start, end) (the same memory, no copy), whatever class `bytes` is. */
export function viewOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  if (bytes !== lastBytes) {
    lastBytes = bytes;
    lastBuffer = bytes.buffer;
    lastOffset = bytes.byteOffset;
  }
  return new Uint8Array(lastBuffer, lastOffset + start, end - start);
}

/**
 * `chunk` as a plain Uint8Array over the same memory (itself when it is one), e.g. a Node Buffer from a
 * socket. Its buffer and offset, read once here, are kept for the `viewOf` calls that follow on it.
 */
export function plainChunk(chunk: Uint8Array): Uint8Array {
  if (chunk.constructor === Uint8Array) return chunk;
  const buffer = chunk.buffer;
  const offset = chunk.byteOffset;
  const plain = new Uint8Array(buffer, offset, chunk.byteLength);
  lastBytes = plain;
  lastBuffer = buffer;
  lastOffset = offset;
  return plain;
}
